package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supportbot/supportbot/faq"
)

// TestChatPiped pipes a conversation into `supportbot chat`: a question, a
// message the bot does not understand, the number of the "talk to a person"
// button it offers, and a message while waiting.
func TestChatPiped(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chat.db")
	in := strings.NewReader("как вернуть товар\nывапролдж фыва\n1\nалло\n")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"chat", "-faq", "handlers/testdata/faq.yaml", "-db", db}, in, &out, &errOut)
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, errOut.String())
	}
	ru := faq.DefaultTexts
	want := "Верните товар в течение 14 дней в любом пункте выдачи.\n\n" +
		ru.DontKnow + "\n  1) " + ru.TalkToPerson + "\n\n" +
		strings.ReplaceAll(ru.Handoff, "{position}", "1") + "\n\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr: %s", errOut.String())
	}

	// The conversation is in the queue; `supportbot queue` shows it.
	out.Reset()
	if err := run(context.Background(), []string{"queue", "-db", db}, nil, &out, &errOut); err != nil {
		t.Fatalf("queue: %v", err)
	}
	if !strings.Contains(out.String(), "console") || !strings.Contains(out.String(), "none_of_these") && !strings.Contains(out.String(), "request") {
		t.Errorf("queue:\n%s", out.String())
	}
}
