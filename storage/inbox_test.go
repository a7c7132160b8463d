package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/supportbot/supportbot/storage"
)

func TestPutInboxDeduplicates(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	m := testMsg{Platform: "telegram", EventID: "100", ChatID: "5", Kind: "text", Text: "привет"}
	id1, dup, err := db.PutInbox(ctx, incoming(t, m, []byte(`{"update_id":100}`)))
	if err != nil || dup {
		t.Fatalf("first put: id %d dup %v err %v", id1, dup, err)
	}
	id2, dup, err := db.PutInbox(ctx, incoming(t, m, nil))
	if err != nil || !dup || id2 != id1 {
		t.Fatalf("second put: id %d (want %d) dup %v err %v", id2, id1, dup, err)
	}
	// The same event id on another platform is another event.
	m.Platform = "vk"
	if _, dup, err := db.PutInbox(ctx, incoming(t, m, nil)); err != nil || dup {
		t.Fatalf("vk put: dup %v err %v", dup, err)
	}
	evs, err := db.PendingInbox(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || message(t, evs[0]).Text != "привет" || message(t, evs[0]).Platform != "telegram" {
		t.Fatalf("pending = %+v", evs)
	}
	if err := db.Update(ctx, func(tx *storage.Tx) error { return tx.MarkProcessed(ctx, id1) }); err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx *storage.Tx) error { return tx.MarkProcessed(ctx, id1) })
	if !errors.Is(err, storage.ErrState) {
		t.Fatalf("second mark processed: %v, want ErrState", err)
	}
	err = db.Update(ctx, func(tx *storage.Tx) error { return tx.MarkProcessed(ctx, 999) })
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("mark missing: %v, want ErrNotFound", err)
	}
	evs, _ = db.PendingInbox(ctx, 0, 10)
	if len(evs) != 1 || message(t, evs[0]).Platform != "vk" {
		t.Fatalf("pending after processing = %+v", evs)
	}
}

func TestStartAttemptGivesUpOnPoison(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id, _, err := db.PutInbox(ctx, incoming(t, testMsg{Platform: "console", EventID: "1", ChatID: "c"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if ok, err := db.StartAttempt(ctx, id, 3); err != nil || !ok {
			t.Fatalf("start %d: %v %v", i, ok, err)
		}
	}
	if ok, err := db.StartAttempt(ctx, id, 3); err != nil || ok {
		t.Fatalf("fourth start: %v %v, want false", ok, err)
	}
	failed, err := db.FailedInbox(ctx, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != id {
		t.Fatalf("failed = %+v, %v", failed, err)
	}
	if evs, _ := db.PendingInbox(ctx, 0, 10); len(evs) != 0 {
		t.Fatalf("given up event still pending")
	}
	if _, err := db.StartAttempt(ctx, 99, 3); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestFailInbox(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id, _, _ := db.PutInbox(ctx, incoming(t, testMsg{Platform: "console", EventID: "1", ChatID: "c"}, nil))
	if err := db.FailInbox(ctx, id, "panic: boom"); err != nil {
		t.Fatal(err)
	}
	if evs, _ := db.PendingInbox(ctx, 0, 10); len(evs) != 0 {
		t.Fatalf("failed event still pending: %+v", evs)
	}
	if err := db.FailInbox(ctx, 42, "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("fail missing: %v", err)
	}
}

// TestPutInboxConcurrently: events stored at the same time (sharing
// commits) are each stored once, each caller gets its own id, duplicates
// among them are recognised, and every row is readable as soon as its
// PutInbox returned.
func TestPutInboxConcurrently(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	const n = 200
	ids := make([]int64, 2*n)
	dups := make([]bool, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := testMsg{Platform: "telegram", EventID: fmt.Sprint(i % n), ChatID: "5", Kind: "text", Text: "привет"}
			ids[i], dups[i], errs[i] = db.PutInbox(ctx, incoming(t, m, nil))
			if errs[i] == nil {
				if _, err := db.InboxRaw(ctx, "telegram", m.EventID); err != nil {
					errs[i] = fmt.Errorf("not readable after PutInbox returned: %w", err)
				}
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || errs[i+n] != nil {
			t.Fatalf("event %d: %v, %v", i, errs[i], errs[i+n])
		}
		if ids[i] != ids[i+n] || dups[i] == dups[i+n] {
			t.Fatalf("event %d stored as %d (dup %v) and %d (dup %v)", i, ids[i], dups[i], ids[i+n], dups[i+n])
		}
	}
	if evs, err := db.PendingInbox(ctx, 0, 2*n); err != nil || len(evs) != n {
		t.Fatalf("%d events stored, want %d (%v)", len(evs), n, err)
	}
	// A caller that gave up before storing stores nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := db.PutInbox(cctx, incoming(t, testMsg{Platform: "telegram", EventID: "late", ChatID: "5"}, nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a canceled context: %v", err)
	}
}

// TestPutInboxBatch: a batch is stored in one call; events stored before,
// and repeats inside the batch, are not stored again.
func TestPutInboxBatch(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	if _, _, err := db.PutInbox(ctx, incoming(t, testMsg{Platform: "telegram", EventID: "1", ChatID: "5", Text: "раз"}, nil)); err != nil {
		t.Fatal(err)
	}
	var batch []storage.Incoming
	for _, id := range []string{"1", "2", "3", "2"} {
		batch = append(batch, incoming(t, testMsg{Platform: "telegram", EventID: id, ChatID: "5", Text: "текст " + id}, []byte(`{"update_id":`+id+`}`)))
	}
	n, err := db.PutInboxBatch(ctx, batch)
	if err != nil || n != 2 {
		t.Fatalf("stored %d (%v), want 2", n, err)
	}
	evs, err := db.PendingInbox(ctx, 0, 10)
	if err != nil || len(evs) != 3 {
		t.Fatalf("pending = %+v, %v", evs, err)
	}
	for i, want := range []string{"раз", "текст 2", "текст 3"} {
		if m := message(t, evs[i]); m.Text != want || evs[i].EventID != m.EventID || evs[i].Platform != "telegram" {
			t.Errorf("event %d: %+v %+v, want text %q", i, evs[i], m, want)
		}
	}
	if raw, err := db.InboxRaw(ctx, "telegram", "3"); err != nil || string(raw) != `{"update_id":3}` {
		t.Errorf("raw = %q, %v", raw, err)
	}
	if n, err := db.PutInboxBatch(ctx, batch); err != nil || n != 0 {
		t.Errorf("batch again: stored %d (%v), want 0", n, err)
	}
	if _, err := db.PutInboxBatch(ctx, []storage.Incoming{batch[0], {Platform: "telegram"}}); err == nil {
		t.Error("an event without id accepted")
	}
	if n, err := db.PutInboxBatch(ctx, nil); err != nil || n != 0 {
		t.Errorf("empty batch: %d %v", n, err)
	}
}

// TestPutInboxBatchFailsWhole: when one event of a batch cannot be stored,
// none is, while events stored at the same time by other goroutines (which
// may share the transaction) are.
func TestPutInboxBatchFailsWhole(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	poison(t, db, "poison")
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	var batchErrs [n]error
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, errs[i] = db.PutInbox(ctx, incoming(t, testMsg{Platform: "vk", EventID: fmt.Sprint(i), ChatID: "1"}, nil))
		}()
		go func() {
			defer wg.Done()
			_, batchErrs[i] = db.PutInboxBatch(ctx, []storage.Incoming{
				incoming(t, testMsg{Platform: "telegram", EventID: fmt.Sprint("b", i), ChatID: "1"}, nil),
				incoming(t, testMsg{Platform: "telegram", EventID: "poison", ChatID: "1"}, nil),
			})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("single event %d: %v", i, errs[i])
		}
		if batchErrs[i] == nil || !strings.Contains(batchErrs[i].Error(), "poison") {
			t.Fatalf("batch %d: %v, want the poison error", i, batchErrs[i])
		}
	}
	evs, err := db.PendingInbox(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Platform != "vk" {
			t.Fatalf("an event of a failed batch was stored: %+v", e)
		}
	}
	if len(evs) != n {
		t.Fatalf("%d single events stored, want %d", len(evs), n)
	}
}

// poison makes storing inbox event eventID fail, with a trigger added
// through a connection of the test's own.
func poison(t *testing.T, db *storage.DB, eventID string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`CREATE TRIGGER poison BEFORE INSERT ON inbox WHEN NEW.event_id = '` + eventID + `'
		BEGIN SELECT RAISE(ABORT, 'poison event'); END`); err != nil {
		t.Fatal(err)
	}
}
