package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

func TestPutInboxDeduplicates(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	m := bot.Message{Platform: bot.Telegram, EventID: "100", ChatID: "5", Kind: bot.KindText, Text: "привет"}
	id1, dup, err := db.PutInbox(ctx, m, []byte(`{"update_id":100}`))
	if err != nil || dup {
		t.Fatalf("first put: id %d dup %v err %v", id1, dup, err)
	}
	id2, dup, err := db.PutInbox(ctx, m, nil)
	if err != nil || !dup || id2 != id1 {
		t.Fatalf("second put: id %d (want %d) dup %v err %v", id2, id1, dup, err)
	}
	// The same event id on another platform is another event.
	m.Platform = bot.VK
	if _, dup, err := db.PutInbox(ctx, m, nil); err != nil || dup {
		t.Fatalf("vk put: dup %v err %v", dup, err)
	}
	evs, err := db.PendingInbox(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Message.Text != "привет" || evs[0].Message.Platform != bot.Telegram {
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
	if len(evs) != 1 || evs[0].Message.Platform != bot.VK {
		t.Fatalf("pending after processing = %+v", evs)
	}
}

func TestStartAttemptGivesUpOnPoison(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	id, _, err := db.PutInbox(ctx, bot.Message{Platform: bot.Console, EventID: "1", ChatID: "c"}, nil)
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
	id, _, _ := db.PutInbox(ctx, bot.Message{Platform: bot.Console, EventID: "1", ChatID: "c"}, nil)
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
