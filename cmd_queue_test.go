package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

func TestQueueListAndClose(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := start
	db.Now = func() time.Time { return at }
	var ids []int64
	for i, who := range []struct {
		p     bot.Platform
		name  string
		prio  int
		claim string
	}{{bot.VK, "Ирина К.", 0, ""}, {bot.Telegram, "Олег", 1, ""}, {bot.Telegram, "Анна", 0, "Оля"}} {
		err := db.Update(ctx, func(tx *storage.Tx) error {
			c, _, err := tx.UpsertConversation(ctx, string(who.p), string(rune('a'+i)), storage.Profile{UserName: who.name})
			if err != nil {
				return err
			}
			h, _, err := tx.Enqueue(ctx, c.ID, "request", who.prio)
			if err != nil {
				return err
			}
			ids = append(ids, h.ID)
			if who.claim != "" {
				_, err = tx.Claim(ctx, h.ID, "telegram:7", who.claim)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(30 * time.Minute)
	}
	db.Close()

	var out, errOut bytes.Buffer
	now := func() time.Time { return start.Add(2*time.Hour + 5*time.Minute) }
	if err := runQueueAt(ctx, []string{"-db", path}, &out, &errOut, now); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"ID  PLATFORM  CUSTOMER  REASON       WAITING  OWNER",
		"2   telegram  Олег      request (!)  1h35m    -",
		"1   vk        Ирина К.  request      2h05m    -",
		"3   telegram  Анна      request      1h05m    Оля",
		""}, "\n")
	if out.String() != want {
		t.Errorf("queue:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	if err := runQueueAt(ctx, []string{"-db", path, "-faq", "handlers/testdata/faq.yaml", "close", "1"}, &out, &errOut, now); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Closed 1") {
		t.Errorf("close said %q", out.String())
	}
	err = runQueueAt(ctx, []string{"-db", path, "close", "1"}, &out, &errOut, now)
	if err == nil || !strings.Contains(err.Error(), "already closed") {
		t.Errorf("second close: %v", err)
	}
	err = runQueueAt(ctx, []string{"-db", path, "close", "99"}, &out, &errOut, now)
	if err == nil || !strings.Contains(err.Error(), "no conversation 99") {
		t.Errorf("missing close: %v", err)
	}
	if err := runQueueAt(ctx, []string{"close", "x"}, &out, &errOut, now); err == nil {
		t.Error("bad id accepted")
	}

	db, err = storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.ConversationByChat(ctx, string(bot.VK), "a")
	if err != nil || c.State != storage.StateClosed {
		t.Fatalf("closed conversation: %+v %v", c, err)
	}
	items, err := db.PendingOutbox(ctx, 10)
	var first bot.Reply
	if err == nil && len(items) > 0 {
		err = json.Unmarshal(items[0].Payload, &first)
	}
	if err != nil || len(items) != 2 || first.Text != faq.DefaultTexts.Closed || first.Platform != bot.VK || first.ChatID != "a" {
		t.Fatalf("outbox after close: %+v %v", items, err)
	}
}
