package storage_test

import (
	"context"
	"errors"
	"fmt"
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
