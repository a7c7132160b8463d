package handlers

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// deskChat is the operators' chat of the desk tests.
const deskChat = "-1001"

// fakeDesk records what the router asked of the operators' desk.
type fakeDesk struct {
	mu       sync.Mutex
	next     int
	created  []string          // names, in order
	topics   map[string]string // thread id -> current name
	closed   []string
	reopened []string
	// reopenErr, when set, is what ReopenTopic returns.
	reopenErr error
	// createErr, when set, is what CreateTopic returns.
	createErr error
}

func newFakeDesk() *fakeDesk { return &fakeDesk{next: 100, topics: map[string]string{}} }

func (d *fakeDesk) ChatID() string { return deskChat }

func (d *fakeDesk) CreateTopic(ctx context.Context, name string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.createErr != nil {
		return "", d.createErr
	}
	d.next++
	id := fmt.Sprint(d.next)
	d.created = append(d.created, name)
	d.topics[id] = name
	return id, nil
}

func (d *fakeDesk) EditTopic(ctx context.Context, threadID, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.topics[threadID] = name
	return nil
}

func (d *fakeDesk) CloseTopic(ctx context.Context, threadID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = append(d.closed, threadID)
	return nil
}

func (d *fakeDesk) ReopenTopic(ctx context.Context, threadID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reopenErr != nil {
		return d.reopenErr
	}
	d.reopened = append(d.reopened, threadID)
	return nil
}

// snapshot returns copies of what was recorded.
func (d *fakeDesk) snapshot() (created, closed, reopened []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.created...), append([]string(nil), d.closed...), append([]string(nil), d.reopened...)
}

var _ Desk = (*fakeDesk)(nil)

// deskHarness is a harness with the fake desk and a VK channel.
type deskHarness struct {
	*harness
	desk *fakeDesk
	vk   *fakeChannel
}

func newDeskHarness(t *testing.T, opts ...Option) *deskHarness {
	t.Helper()
	return startDeskHarness(t, filepath.Join(t.TempDir(), "supportbot.db"), newFakeDesk(), opts...)
}

// startDeskHarness runs a router on the database at path with desk (shared
// between runs in restart tests, like the real Telegram group).
func startDeskHarness(t *testing.T, path string, desk *fakeDesk, opts ...Option) *deskHarness {
	t.Helper()
	h := startHarness(t, path, opts...)
	vk := &fakeChannel{platform: bot.VK}
	h.r.AddChannel(vk)
	if desk != nil {
		h.r.SetDesk(desk)
	}
	return &deskHarness{harness: h, desk: desk, vk: vk}
}

// sent is what one step sent: to the desk, to Telegram customers, to VK
// customers.
type sent struct {
	desk, tg, vk []bot.Reply
}

// step hands the messages to the router, lets the desk work run (as the
// maintenance loop does after a commit), waits until everything is sent and
// returns what was.
func (h *deskHarness) step(ms ...bot.Message) sent {
	h.t.Helper()
	tg := h.send(ms...)
	return h.settle(tg)
}

// settle runs the desk work (with reminders) and collects what was sent.
func (h *deskHarness) settle(tg []bot.Reply) sent {
	h.t.Helper()
	h.r.deskWork(context.Background(), true)
	h.wait()
	tg = append(tg, h.ch.take()...)
	var s sent
	for _, r := range tg {
		if r.ChatID == deskChat {
			s.desk = append(s.desk, r)
		} else {
			s.tg = append(s.tg, r)
		}
	}
	s.vk = h.vk.take()
	return s
}

// op is operator user's message in the desk topic thread ("" the general
// topic); a text starting with "/" is a command, as the adapter makes it.
func op(user, thread, text string) bot.Message {
	m := bot.Message{Platform: bot.Telegram, Kind: bot.KindText, ChatID: deskChat, ThreadID: thread,
		UserID: user, UserName: operatorNames[user], Text: text, Group: true}
	if strings.HasPrefix(text, "/") {
		m.Kind, m.Mentioned = bot.KindCommand, true
	}
	return m
}

// opPress is operator user's press on a desk button.
func opPress(user, thread, payload string) bot.Message {
	return bot.Message{Platform: bot.Telegram, Kind: bot.KindButton, ChatID: deskChat, ThreadID: thread,
		UserID: user, UserName: operatorNames[user], Payload: payload, CallbackID: "cb-" + user + "-" + payload,
		Group: true, Mentioned: true}
}

var operatorNames = map[string]string{"7": "Оля Петрова", "8": "Пётр Иванов", "9": "Посторонний"}

// vkMsg is a VK customer's message.
func vkMsg(peer, text string) bot.Message {
	return bot.Message{Platform: bot.VK, Kind: bot.KindText, ChatID: peer, UserID: peer,
		UserName: "Ирина Кузнецова", ProfileURL: "https://vk.com/id" + peer, Text: text}
}

// handoffOf returns the current handoff of the conversation on p.
func (h *deskHarness) handoffOf(p bot.Platform, chat string) *storage.Handoff {
	h.t.Helper()
	ctx := context.Background()
	c, err := h.db.ConversationByChat(ctx, string(p), chat)
	if err != nil {
		h.t.Fatal(err)
	}
	hf, err := h.db.Handoff(ctx, c.HandoffID)
	if err != nil {
		h.t.Fatal(err)
	}
	return hf
}

// transcript returns the conversation's messages by author.
func (h *deskHarness) transcript(p bot.Platform, chat string, author storage.Author) []*storage.Message {
	h.t.Helper()
	ctx := context.Background()
	c, err := h.db.ConversationByChat(ctx, string(p), chat)
	if err != nil {
		h.t.Fatal(err)
	}
	ms, err := h.db.Messages(ctx, c.ID, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*storage.Message
	for _, m := range ms {
		if m.Author == author {
			out = append(out, m)
		}
	}
	return out
}

// inThread checks that every reply went to topic thread.
func inThread(t *testing.T, rs []bot.Reply, thread string) {
	t.Helper()
	for _, r := range rs {
		if r.ThreadID != thread {
			t.Fatalf("desk post in thread %q, want %q: %q", r.ThreadID, thread, r.Text)
		}
	}
}
