package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supportbot/supportbot/storage"
)

// TestPruneInBatches: Prune deletes at most limit rows of each kind per
// call, oldest first, only finished rows older than the cut, and keeps the
// transcript that referred to the deleted events.
func TestPruneInBatches(t *testing.T) {
	db, clock := MustOpenDB(t)
	ctx := context.Background()
	c := newConversation(t, db, "1")
	for i := range 5 {
		id, _, err := db.PutInbox(ctx, incoming(t, testMsg{Platform: "telegram", EventID: fmt.Sprint(i), ChatID: "1"}, nil))
		if err != nil {
			t.Fatal(err)
		}
		var out int64
		err = db.Update(ctx, func(tx *storage.Tx) error {
			if err := tx.AddMessage(ctx, &storage.Message{ConversationID: c.ID, InboxID: id, Author: storage.AuthorCustomer, Text: "q"}); err != nil {
				return err
			}
			if out, err = tx.AddReply(ctx, outgoing(t, c.ID, id, testReply{Platform: "telegram", ChatID: "1", Text: "a"})); err != nil {
				return err
			}
			return tx.MarkProcessed(ctx, id)
		})
		if err != nil {
			t.Fatal(err)
		}
		if i < 4 { // the last reply stays pending
			if err := db.MarkSent(ctx, out, "m"); err != nil {
				t.Fatal(err)
			}
		}
		clock.Add(time.Hour)
	}
	cut := clock.Now().Add(-90 * time.Minute) // events 0..3 are older
	var outs, ins []int
	for {
		o, i, err := db.Prune(ctx, cut, 2)
		if err != nil {
			t.Fatal(err)
		}
		outs, ins = append(outs, o), append(ins, i)
		if o < 2 && i < 2 {
			break
		}
	}
	if fmt.Sprint(outs, ins) != "[2 2 0] [2 2 0]" {
		t.Fatalf("deleted per call: outbox %v, inbox %v", outs, ins)
	}
	if in, out, err := db.Rows(ctx); err != nil || in != 1 || out != 1 {
		t.Fatalf("left: %d inbox, %d outbox (%v)", in, out, err)
	}
	ms, err := db.Messages(ctx, c.ID, 10)
	if err != nil || len(ms) != 5 || ms[0].InboxID != 0 || ms[4].InboxID == 0 {
		t.Fatalf("transcript: %+v %v", ms, err)
	}
}
