package faq

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, every
// error must carry a position inside the file, and a FAQ it accepts must
// hold what the validation promises.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "load", "*.yaml"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if data, err := os.ReadFile(filepath.Join("..", "faq.yaml")); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"entries:",
		"entries: [",
		"entries:\n  - id: a\n    questions: [\"a?\"]\n    answer: b\n",
		"entries:\n  - &e {id: a, questions: [a], answer: b}\n  - *e\n",
		"a: &a [*a]",
		"entries: &x\n  - *x\n",
		"entries:\n  - id: a\n    questions: [a]\n    answer: b\n    buttons: [{entry: a}]\nhours: {timezone: UTC, schedule: {sun-sat: \"23:59-00:01\"}}\n",
		"{\"entries\":[{\"id\":\"x\",\"questions\":[\"\\ud83d\\ude00\"],\"answer\":\"y\"}]}",
		"\ufeffentries:\n- id: a\n  questions: [a]\n  answer: b\n",
		"--- !!map\nentries: !!seq []\n...\n",
		"entries:\n  - id: a\n    questions: [a]\n    answer: b\ntexts: {greeting: \"{\"}\n",
		string(generateYAML(3, 2)),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		faq, err := Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			if faq != nil {
				t.Fatal("Parse returned both a FAQ and an error")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Line > lines || e.Col < 1 || e.File != "fuzz.yaml" || e.Msg == "" {
					t.Fatalf("bad position or message (file has %d lines): %#v", lines, e)
				}
				if !utf8.ValidString(e.Msg) {
					t.Fatalf("message is not UTF-8: %q", e.Msg)
				}
			}
			return
		}
		if len(faq.Entries) == 0 {
			t.Fatal("accepted a FAQ with no entries")
		}
		ids := map[string]bool{}
		for _, e := range faq.Entries {
			if e.ID == "" || ids[e.ID] || len(e.Questions) == 0 || strings.TrimSpace(e.Answer) == "" {
				t.Fatalf("accepted a bad entry: %+v", e)
			}
			ids[e.ID] = true
			for _, b := range e.Buttons {
				if (b.Entry == "") == (b.URL == "") || b.Entry != "" && faq.Entry(b.Entry) == nil {
					t.Fatalf("accepted a bad button: %+v", b)
				}
			}
			_ = e.Label()
		}
		// The accepted hours and texts work.
		now := time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)
		faq.Hours.Open(now)
		next := faq.Hours.NextOpen(now)
		if next.IsZero() || next.Before(now) {
			t.Fatalf("NextOpen(%s) = %s", now, next)
		}
		_ = faq.Hours.Describe("ru") + faq.Hours.NextOpenText(now, "en")
		_ = Fill(faq.TextsFor("ru").Handoff, map[string]string{"position": "1"})
	})
}
