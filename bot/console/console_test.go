package console

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/supportbot/supportbot/bot"
)

// echo answers each message through the console, like a router would.
type echo struct {
	c   *Console
	mu  sync.Mutex
	got []bot.Message
}

func (e *echo) Handle(ctx context.Context, m bot.Message) error {
	e.mu.Lock()
	e.got = append(e.got, m)
	e.mu.Unlock()
	r := bot.Reply{Text: "you said " + m.Text}
	if m.Text == "menu" {
		r.Buttons = [][]bot.Button{{{Text: "Доставка", Payload: "entry:delivery"}}, {{Text: "Сайт", URL: "https://example.com"}}}
	}
	_, err := e.c.Send(ctx, r)
	return err
}

func TestConsole(t *testing.T) {
	var out bytes.Buffer
	c := New(strings.NewReader("menu\n1\n\n2\n7\n/start\n"), &out)
	e := &echo{c: c}
	if err := c.Run(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	want := "you said menu\n  1) Доставка\n  2) Сайт: https://example.com\n\n" +
		"you said Доставка\n\nyou said 2\n\nyou said 7\n\nyou said /start\n\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(e.got) != 5 {
		t.Fatalf("%d messages", len(e.got))
	}
	if m := e.got[1]; m.Kind != bot.KindButton || m.Payload != "entry:delivery" {
		t.Errorf("button press = %+v", m)
	}
	if m := e.got[2]; m.Kind != bot.KindText {
		t.Errorf("a link button is not pressed: %+v", m)
	}
	if m := e.got[4]; m.Kind != bot.KindCommand {
		t.Errorf("command = %+v", m)
	}
	ids := map[string]bool{}
	for _, m := range e.got {
		if m.Platform != bot.Console || m.ChatID != ChatID || ids[m.EventID] {
			t.Errorf("message %+v", m)
		}
		ids[m.EventID] = true
	}
	if strings.Contains(out.String(), "> ") {
		t.Error("prompt printed without WithPrompt")
	}
}

// TestConsoleAckOnly: a reply that only acknowledges a button press prints
// nothing.
func TestConsoleAckOnly(t *testing.T) {
	var out bytes.Buffer
	c := New(strings.NewReader(""), &out)
	id, err := c.Send(context.Background(), bot.Reply{ChatID: ChatID, CallbackID: "cb1"})
	if err != nil || id != "" || out.Len() != 0 {
		t.Fatalf("ack-only reply: id %q, err %v, printed %q", id, err, out.String())
	}
}
