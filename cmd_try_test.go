package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tryFAQ = `entries:
  - id: returns
    questions: ["Как вернуть товар?", "Можно сдать покупку обратно?", "How do I return an item?"]
    answer: "Верните товар в течение 14 дней."
  - id: order_status
    questions: ["Где мой заказ?", "Как отследить посылку?", "Where is my order?"]
    answer: "Статус заказа — в личном кабинете."
  - id: hello
    smalltalk: true
    questions: ["Привет", "Здравствуйте"]
    answer: "Здравствуйте!"
`

func TestRunTry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.WriteFile(path, []byte(tryFAQ), 0o644); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("очень длинное сообщение ", 5000)
	in := "где мой заказ\nult vjq pfrfp\r\nпозовите оператора\n\nпогода в москве\nпривет\n" + long + "\nhow do I return an item"
	var out, errb bytes.Buffer
	if err := runTry(context.Background(), []string{"-faq", path}, strings.NewReader(in), &out, &errb); err != nil {
		t.Fatalf("runTry: %v (stderr %s)", err, errb.String())
	}
	type line struct {
		Text       string    `json:"text"`
		Action     string    `json:"action"`
		Entry      string    `json:"entry"`
		Score      *float64  `json:"score"`
		Candidates *[]string `json:"candidates"`
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		if x.Score == nil || x.Candidates == nil || *x.Candidates == nil {
			t.Errorf("line %q lacks score or has null candidates", l)
		}
		got = append(got, x)
	}
	want := []struct{ text, action, entry string }{
		{"где мой заказ", "answer", "order_status"},
		{"ult vjq pfrfp", "answer", "order_status"},
		{"позовите оператора", "handoff", ""},
		{"", "fallback", ""},
		{"погода в москве", "fallback", ""},
		{"привет", "answer", "hello"},
		{strings.TrimSuffix(long, ""), "", ""},
		{"how do I return an item", "answer", "returns"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i, w := range want {
		g := got[i]
		if g.Text != w.text {
			t.Errorf("line %d text %.40q, want %.40q", i, g.Text, w.text)
		}
		if w.action != "" && (g.Action != w.action || g.Entry != w.entry) {
			t.Errorf("line %d (%q): %s %q, want %s %q", i, w.text, g.Action, g.Entry, w.action, w.entry)
		}
		if g.Action != "answer" && g.Entry != "" {
			t.Errorf("line %d: entry %q with action %s", i, g.Entry, g.Action)
		}
	}
}

func TestRunTryBadFAQ(t *testing.T) {
	var out, errb bytes.Buffer
	err := runTry(context.Background(), []string{"-faq", filepath.Join(t.TempDir(), "missing.yaml")}, strings.NewReader("x\n"), &out, &errb)
	if err == nil {
		t.Fatal("runTry with a missing FAQ succeeded")
	}
}

// TestRunTryDuplicatePhrasings: try still runs on a FAQ with a phrasing
// written under two entries (public intent data sets have such repeats) and
// warns about it; check and the bot refuse such a file.
func TestRunTryDuplicatePhrasings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.json")
	const dup = `{"entries":[{"id":"a","questions":["Где мой заказ?"],"answer":"A"},` +
		`{"id":"b","questions":["Где мой заказ?","Сколько стоит доставка"],"answer":"B"}]}`
	if err := os.WriteFile(path, []byte(dup), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := runTry(context.Background(), []string{"-faq", path}, strings.NewReader("сколько стоит доставка\n"), &out, &errb); err != nil {
		t.Fatalf("runTry: %v", err)
	}
	if !strings.Contains(errb.String(), "warning:") || !strings.Contains(errb.String(), `also under entry "a"`) {
		t.Errorf("stderr %q: want a warning naming the repeated phrasing", errb.String())
	}
	if !strings.Contains(out.String(), `"entry":"b"`) {
		t.Errorf("decision %q: want entry b", out.String())
	}
	if err := runCheck(context.Background(), []string{path}, &out, &errb); err == nil {
		t.Error("check accepted a phrasing under two entries")
	}
}
