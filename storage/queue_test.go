package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supportbot/supportbot/storage"
)

// newConversation creates a conversation for chat on telegram.
func newConversation(tb testing.TB, db *storage.DB, chat string) *storage.Conversation {
	tb.Helper()
	var c *storage.Conversation
	err := db.Update(context.Background(), func(tx *storage.Tx) error {
		var err error
		c, _, err = tx.UpsertConversation(context.Background(), "telegram", chat, storage.Profile{UserID: chat, UserName: "Ирина " + chat})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestUpsertConversation(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	var created []bool
	for _, who := range []storage.Profile{{UserID: "1", UserName: "Ира"}, {UserID: "1"}, {UserName: "Ирина", ProfileURL: "https://t.me/ira"}} {
		err := db.Update(ctx, func(tx *storage.Tx) error {
			_, c, err := tx.UpsertConversation(ctx, "telegram", "1", who)
			created = append(created, c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(created) != "[true false false]" {
		t.Errorf("created = %v", created)
	}
	c, err := db.ConversationByChat(ctx, "telegram", "1")
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != "1" || c.UserName != "Ирина" || c.ProfileURL != "https://t.me/ira" || c.State != storage.StateBot {
		t.Errorf("conversation = %+v", c)
	}
	if _, err := db.ConversationByChat(ctx, "vk", "1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("missing conversation: %v", err)
	}
}

// TestStateMachine walks one conversation through its whole life and checks
// every refused transition.
func TestStateMachine(t *testing.T) {
	db, clock := MustOpenDB(t)
	ctx := context.Background()
	c := newConversation(t, db, "1")

	h, pos, err := db.Enqueue(ctx, c.ID, storage.ReasonRequest, 0)
	if err != nil || pos != 1 || h.State != storage.StateWaiting {
		t.Fatalf("enqueue: %+v pos %d err %v", h, pos, err)
	}
	if _, _, err := db.Enqueue(ctx, c.ID, storage.ReasonRequest, 0); !errors.Is(err, storage.ErrState) {
		t.Fatalf("second enqueue: %v, want ErrState", err)
	}
	assertState(t, db, c.ID, storage.StateWaiting)

	clock.Add(time.Minute)
	if _, err := db.Claim(ctx, h.ID, "telegram:7", "Оля"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Claim(ctx, h.ID, "telegram:7", "Оля"); err != nil {
		t.Fatalf("owner claims again: %v", err)
	}
	_, err = db.Claim(ctx, h.ID, "telegram:8", "Петя")
	var se *storage.StateError
	if !errors.As(err, &se) || se.Owner != "telegram:7" || se.Name != "Оля" || !errors.Is(err, storage.ErrState) {
		t.Fatalf("losing claim: %v, want a StateError naming Оля", err)
	}
	if _, err := db.Position(ctx, h.ID); !errors.Is(err, storage.ErrState) {
		t.Fatalf("position of assigned: %v", err)
	}
	assertState(t, db, c.ID, storage.StateAssigned)

	if err := db.Update(ctx, func(tx *storage.Tx) error { _, err := tx.Rate(ctx, c.ID, 5); return err }); !errors.Is(err, storage.ErrState) {
		t.Fatalf("rating an open handoff: %v", err)
	}
	if _, err := db.CloseHandoff(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CloseHandoff(ctx, h.ID); !errors.Is(err, storage.ErrState) {
		t.Fatalf("second close: %v", err)
	}
	if _, err := db.Claim(ctx, h.ID, "telegram:8", "Петя"); !errors.Is(err, storage.ErrState) {
		t.Fatalf("claim closed: %v", err)
	}
	assertState(t, db, c.ID, storage.StateClosed)

	err = db.Update(ctx, func(tx *storage.Tx) error {
		if _, err := tx.Rate(ctx, c.ID, 4); err != nil {
			return err
		}
		if _, err := tx.Rate(ctx, c.ID, 5); !errors.Is(err, storage.ErrState) {
			return fmt.Errorf("second rating: %v", err)
		}
		return tx.Reopen(ctx, c.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	assertState(t, db, c.ID, storage.StateBot)
	if err := db.Update(ctx, func(tx *storage.Tx) error { return tx.Reopen(ctx, c.ID) }); !errors.Is(err, storage.ErrState) {
		t.Fatalf("reopen of bot: %v", err)
	}
	got, _ := db.Handoff(ctx, h.ID)
	if got.Rating != 4 || got.AssignedAt.IsZero() || got.ClosedAt.IsZero() || !got.AssignedAt.Equal(got.CreatedAt.Add(time.Minute)) {
		t.Errorf("closed handoff = %+v", got)
	}
	if _, err := db.Claim(ctx, 999, "x", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("claim missing: %v", err)
	}
	if _, _, err := db.Enqueue(ctx, 999, "request", 0); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("enqueue missing: %v", err)
	}
}

func assertState(tb testing.TB, db *storage.DB, id int64, want storage.State) {
	tb.Helper()
	c, err := db.Conversation(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	if c.State != want {
		tb.Fatalf("conversation %d is %s, want %s", id, c.State, want)
	}
}

func TestQueueOrderAndPositions(t *testing.T) {
	db, clock := MustOpenDB(t)
	ctx := context.Background()
	var hs []*storage.Handoff
	for i, tc := range []struct {
		prio    int
		wantPos int
	}{{0, 1}, {0, 2}, {1, 1}, {0, 4}} {
		c := newConversation(t, db, fmt.Sprint(i))
		h, pos, err := db.Enqueue(ctx, c.ID, storage.ReasonRequest, tc.prio)
		if err != nil {
			t.Fatal(err)
		}
		if pos != tc.wantPos {
			t.Errorf("customer %d: position %d, want %d", i, pos, tc.wantPos)
		}
		hs = append(hs, h)
		clock.Add(time.Second)
	}
	// The angry customer (priority 1) is first, then the others by age.
	if _, err := db.Claim(ctx, hs[0].ID, "vk:1", "Админ"); err != nil {
		t.Fatal(err)
	}
	q, err := db.Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, it := range q {
		order = append(order, fmt.Sprintf("%s:%d@%d", it.Conversation.ChatID, it.Position, it.Handoff.Priority))
	}
	if got, want := fmt.Sprint(order), "[2:1@1 1:2@0 3:3@0 0:0@0]"; got != want {
		t.Errorf("queue = %s, want %s", got, want)
	}
	for i, want := range map[int]int{1: 2, 2: 1, 3: 3} {
		if pos, err := db.Position(ctx, hs[i].ID); err != nil || pos != want {
			t.Errorf("position of %d = %d, %v; want %d", i, pos, err, want)
		}
	}
}

func TestAdminTakeoverAndRelease(t *testing.T) {
	db, clock := MustOpenDB(t)
	ctx := context.Background()
	c := newConversation(t, db, "1")
	var h *storage.Handoff
	err := db.Update(ctx, func(tx *storage.Tx) (err error) {
		h, err = tx.AdminTakeover(ctx, c.ID, "vk:9", "Админ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.State != storage.StateAssigned || h.OwnerID != "vk:9" || h.Reason != storage.ReasonAdmin || h.LastAdminAt.IsZero() {
		t.Fatalf("takeover = %+v", h)
	}
	clock.Add(10 * time.Minute)
	quiet, err := db.QuietAdmins(ctx, clock.Now().Add(-15*time.Minute))
	if err != nil || len(quiet) != 0 {
		t.Fatalf("quiet too early: %v %v", quiet, err)
	}
	clock.Add(10 * time.Minute)
	quiet, err = db.QuietAdmins(ctx, clock.Now().Add(-15*time.Minute))
	if err != nil || len(quiet) != 1 {
		t.Fatalf("quiet: %v %v", quiet, err)
	}
	if err := db.Update(ctx, func(tx *storage.Tx) error { _, err := tx.Release(ctx, quiet[0].ID); return err }); err != nil {
		t.Fatal(err)
	}
	assertState(t, db, c.ID, storage.StateBot)
}

func TestOutboxRetryAndBlock(t *testing.T) {
	db, clock := MustOpenDB(t)
	ctx := context.Background()
	c := newConversation(t, db, "1")
	var ids []int64
	err := db.Update(ctx, func(tx *storage.Tx) error {
		for _, text := range []string{"a", "b", "c"} {
			id, err := tx.AddReply(ctx, outgoing(t, c.ID, 0, testReply{Platform: "telegram", ChatID: "1", Text: text}))
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := db.PendingOutbox(ctx, 10)
	if err != nil || len(items) != 3 || items[0].ID != ids[0] || reply(t, items[0]).Text != "a" {
		t.Fatalf("pending = %+v, %v", items, err)
	}
	if err := db.MarkSent(ctx, ids[0], "m1"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, ids[0], "m1"); !errors.Is(err, storage.ErrState) {
		t.Fatalf("second mark sent: %v", err)
	}
	if err := db.RetryLater(ctx, ids[1], clock.Now().Add(time.Minute), "429"); err != nil {
		t.Fatal(err)
	}
	// "c" is due but waits behind "b".
	if _, out, _ := db.Backlog(ctx); out != 0 {
		t.Errorf("replies that could go = %d, want 0", out)
	}
	clock.Add(time.Minute)
	if _, out, _ := db.Backlog(ctx); out != 2 {
		t.Errorf("replies that could go = %d, want 2", out)
	}
	items, _ = db.PendingOutbox(ctx, 10)
	if len(items) != 2 || items[0].Attempts != 1 || !items[0].NextAttemptAt.Equal(clock.Now()) {
		t.Fatalf("after retry: %+v", items[0])
	}
	if err := db.GiveUp(ctx, ids[1], "blocked", true); err != nil {
		t.Fatal(err)
	}
	if items, _ := db.PendingOutbox(ctx, 10); len(items) != 0 {
		t.Fatalf("blocked customer's replies still pending: %+v", items)
	}
	got, _ := db.Conversation(ctx, c.ID)
	if !got.Blocked || !got.BlockedAt.Equal(clock.Now()) {
		t.Errorf("conversation not marked blocked as of now: %v at %v", got.Blocked, got.BlockedAt)
	}
	clock.Add(time.Minute)
	err = db.Update(ctx, func(tx *storage.Tx) error {
		no := false
		return tx.UpdateConversation(ctx, c.ID, storage.ConversationUpdate{Blocked: &no})
	})
	if got, _ := db.Conversation(ctx, c.ID); err != nil || got.Blocked || !got.BlockedAt.IsZero() {
		t.Errorf("unblocked: %v at %v (%v)", got.Blocked, got.BlockedAt, err)
	}
	if err := db.GiveUp(ctx, 999, "x", false); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("give up missing: %v", err)
	}
}

func TestMessagesTranscript(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	c := newConversation(t, db, "1")
	err := db.Update(ctx, func(tx *storage.Tx) error {
		for i := 0; i < 5; i++ {
			m := &storage.Message{ConversationID: c.ID, Author: storage.AuthorCustomer, Text: fmt.Sprint(i)}
			if i == 4 {
				m.Kind, m.Attachments = "media", `[{"type":"photo","file_id":"f"}]`
			}
			if err := tx.AddMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := db.Messages(ctx, c.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].Text != "2" || ms[2].Attachments != `[{"type":"photo","file_id":"f"}]` || ms[2].Kind != "media" || ms[0].CreatedAt.IsZero() {
		t.Fatalf("messages = %+v", ms)
	}
}

// TestConcurrentClaims: 50 goroutines try to claim the same 1,000 waiting
// conversations; every conversation ends with exactly one owner, and every
// claim either wins or is told who won.
func TestConcurrentClaims(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	const convs, workers = 1000, 50
	ids := make([]int64, 0, convs)
	err := db.Update(ctx, func(tx *storage.Tx) error {
		for i := 0; i < convs; i++ {
			c, _, err := tx.UpsertConversation(ctx, "vk", fmt.Sprint(i), storage.Profile{})
			if err != nil {
				return err
			}
			h, _, err := tx.Enqueue(ctx, c.ID, storage.ReasonRequest, i%2)
			if err != nil {
				return err
			}
			ids = append(ids, h.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wins := make([][]int64, workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			owner := fmt.Sprintf("telegram:%d", w)
			for i := range ids {
				id := ids[(i+w*20)%len(ids)] // each starts somewhere else
				_, err := db.Claim(ctx, id, owner, "")
				var se *storage.StateError
				switch {
				case err == nil:
					wins[w] = append(wins[w], id)
				case errors.As(err, &se) && se.Owner != "" && se.Owner != owner:
				default:
					errs <- fmt.Errorf("worker %d, handoff %d: %v", w, id, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	owner := map[int64]string{}
	for w, list := range wins {
		for _, id := range list {
			if prev, ok := owner[id]; ok {
				t.Fatalf("handoff %d won by %s and telegram:%d", id, prev, w)
			}
			owner[id] = fmt.Sprintf("telegram:%d", w)
		}
	}
	if len(owner) != convs {
		t.Fatalf("%d handoffs won, want %d", len(owner), convs)
	}
	q, err := db.Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range q {
		if it.Handoff.State != storage.StateAssigned || it.Conversation.State != storage.StateAssigned || it.Handoff.OwnerID != owner[it.Handoff.ID] {
			t.Fatalf("handoff %d: %s/%s owned by %q, winner %q", it.Handoff.ID, it.Handoff.State, it.Conversation.State, it.Handoff.OwnerID, owner[it.Handoff.ID])
		}
	}
}
