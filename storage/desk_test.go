package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/supportbot/supportbot/storage"
)

func TestDeskTopics(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	c := newConversation(t, db, "1")
	admin := newConversation(t, db, "2")

	h1, _, err := db.Enqueue(ctx, c.ID, storage.ReasonRequest, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx *storage.Tx) error {
		_, err := tx.AdminTakeover(ctx, admin.ID, "vk:9", "Админ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	open, err := db.TopicsToOpen(ctx)
	if err != nil || len(open) != 1 || open[0].ID != h1.ID {
		t.Fatalf("topics to open (the admin's takeover left out): %+v %v", open, err)
	}
	if prev, err := db.PreviousTopic(ctx, c.ID, h1.ID); err != nil || prev != "" {
		t.Fatalf("previous topic of a first handoff: %q %v", prev, err)
	}

	attach := func(id int64, topic string) error {
		return db.Update(ctx, func(tx *storage.Tx) error {
			_, err := tx.AttachTopic(ctx, id, topic)
			return err
		})
	}
	if err := attach(h1.ID, "101"); err != nil {
		t.Fatal(err)
	}
	if err := attach(h1.ID, "102"); !errors.Is(err, storage.ErrTopicTaken) {
		t.Fatalf("second attach: %v, want ErrTopicTaken", err)
	}
	if err := attach(999, "103"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("attach to a missing handoff: %v", err)
	}
	if open, _ := db.TopicsToOpen(ctx); len(open) != 0 {
		t.Fatalf("still to open: %+v", open)
	}
	if close, _ := db.TopicsToClose(ctx); len(close) != 0 {
		t.Fatalf("an open handoff's topic to close: %+v", close)
	}
	if err := db.MarkTopicClosed(ctx, h1.ID); !errors.Is(err, storage.ErrState) {
		t.Fatalf("mark the topic of an open handoff closed: %v", err)
	}

	if _, err := db.CloseHandoff(ctx, h1.ID); err != nil {
		t.Fatal(err)
	}
	toClose, err := db.TopicsToClose(ctx)
	if err != nil || len(toClose) != 1 || toClose[0].TopicID != "101" {
		t.Fatalf("topics to close: %+v %v", toClose, err)
	}

	// The customer is back before the topic was closed: the new handoff
	// takes the topic over, and the old one no longer asks for a close.
	err = db.Update(ctx, func(tx *storage.Tx) error { return tx.Reopen(ctx, c.ID) })
	if err != nil {
		t.Fatal(err)
	}
	h2, _, err := db.Enqueue(ctx, c.ID, storage.ReasonFailures, 0)
	if err != nil {
		t.Fatal(err)
	}
	if prev, err := db.PreviousTopic(ctx, c.ID, h2.ID); err != nil || prev != "101" {
		t.Fatalf("previous topic: %q %v", prev, err)
	}
	if err := attach(h2.ID, "101"); err != nil {
		t.Fatal(err)
	}
	if toClose, _ := db.TopicsToClose(ctx); len(toClose) != 0 {
		t.Fatalf("a reused topic to close: %+v", toClose)
	}
	err = db.Update(ctx, func(tx *storage.Tx) error {
		h, err := tx.HandoffByTopic(ctx, "101")
		if err == nil && h.ID != h2.ID {
			t.Errorf("topic 101 belongs to handoff %d, want the newest %d", h.ID, h2.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := db.CloseHandoff(ctx, h2.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkTopicClosed(ctx, h2.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkTopicClosed(ctx, h2.ID); err != nil {
		t.Fatalf("marking twice: %v", err)
	}
	if toClose, _ := db.TopicsToClose(ctx); len(toClose) != 0 {
		t.Fatalf("topics to close after marking: %+v", toClose)
	}
}
