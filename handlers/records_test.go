package handlers

import (
	"context"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// TestRecordsRoundTrip: a message, a reply and a transcript's attachments
// come back from storage as they went in; a reply's Key is its row id,
// whatever Key it was stored with.
func TestRecordsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "supportbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := &Router{db: db}

	m := bot.Message{Platform: bot.VK, EventID: "e1", Kind: bot.KindMedia, ChatID: "2000001", UserID: "1",
		Text: "вот", Attachments: []bot.Attachment{{Type: "photo", FileID: "photo1_2", URL: "https://x/p.jpg"}},
		Time: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), Raw: []byte(`{"type":"message_new"}`)}
	if _, _, err := db.PutInbox(ctx, mustIncoming(t, m)); err != nil {
		t.Fatal(err)
	}
	evs, err := r.pendingInbox(ctx, 0, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("pending: %v %v", evs, err)
	}
	want := m
	want.Raw = nil
	if !reflect.DeepEqual(evs[0].Message, want) {
		t.Errorf("message back:\n%+v\nwant\n%+v", evs[0].Message, want)
	}
	if raw, err := db.InboxRaw(ctx, "vk", "e1"); err != nil || string(raw) != string(m.Raw) {
		t.Errorf("raw %q %v", raw, err)
	}

	rp := bot.Reply{Platform: bot.VK, ChatID: "2000001", Text: "Здравствуйте", Key: "stale",
		Buttons: [][]bot.Button{{{Text: "Да", Payload: "yes"}}}}
	var id int64
	err = db.Update(ctx, func(tx *storage.Tx) error {
		c, _, err := tx.UpsertConversation(ctx, string(m.Platform), m.ChatID, storage.Profile{})
		if err != nil {
			return err
		}
		if err := tx.AddMessage(ctx, &storage.Message{ConversationID: c.ID, Author: storage.AuthorCustomer,
			Kind: string(m.Kind), Attachments: attachmentsJSON(m.Attachments)}); err != nil {
			return err
		}
		id, err = addReply(ctx, tx, c.ID, evs[0].ID, rp)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := decodeOutbox(db.PendingOutbox(ctx, 10))
	if err != nil || len(items) != 1 {
		t.Fatalf("outbox: %v %v", items, err)
	}
	rp.Key = strconv.FormatInt(id, 10)
	if !reflect.DeepEqual(items[0].Reply, rp) || items[0].Platform != "vk" || items[0].ChatID != rp.ChatID {
		t.Errorf("reply back:\n%+v\nwant\n%+v", items[0].Reply, rp)
	}
	c, _ := db.ConversationByChat(ctx, "vk", m.ChatID)
	ms, err := db.Messages(ctx, c.ID, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("transcript: %v %v", ms, err)
	}
	if as, err := attachmentsOf(ms[0]); err != nil || !reflect.DeepEqual(as, m.Attachments) {
		t.Errorf("attachments back: %+v %v", as, err)
	}
	if as, err := attachmentsOf(&storage.Message{}); err != nil || as != nil {
		t.Errorf("no attachments: %+v %v", as, err)
	}
}
