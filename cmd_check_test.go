package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	one := filepath.Join(dir, "one.yaml")
	writeFile(t, good, "entries:\n  - id: returns\n    questions: [\"Как вернуть товар?\", \"How do I return an item?\"]\n    answer: Верните товар.\n  - id: hello\n    questions: [Привет]\n    answer: Здравствуйте!\n    smalltalk: true\n")
	writeFile(t, one, "entries:\n  - id: returns\n    questions: [\"Как вернуть товар?\"]\n    answer: Верните товар.\n")
	writeFile(t, bad, "entries:\n  - id: returns\n    questions: [\"Как вернуть товар?\"]\n    answer: TODO\n    buttons: [{entry: retruns}]\n")
	missing := filepath.Join(dir, "nosuch.yaml")

	tests := []struct {
		name       string
		args       []string
		env        string
		wantOut    string // the whole of stdout
		wantErr    string // a part of the returned error, or "exit status 1"
		wantStderr string
	}{
		{name: "good", args: []string{good}, wantOut: good + ": ok — 2 entries, 3 phrasings\n"},
		{name: "singular", args: []string{one}, wantOut: one + ": ok — 1 entry, 1 phrasing\n"},
		{name: "from the environment", env: good, wantOut: good + ": ok — 2 entries, 3 phrasings\n"},
		{name: "argument over environment", args: []string{one}, env: good, wantOut: one + ": ok — 1 entry, 1 phrasing\n"},
		{name: "bad", args: []string{bad},
			wantOut: bad + ":4:13: entry \"returns\": answer is a TODO draft — write the answer\n" +
				bad + ":5:23: entry \"returns\": button #1 leads to entry \"retruns\", which does not exist — did you mean \"returns\"?\n",
			wantErr: "exit status 1", wantStderr: bad + ": 2 problems\n"},
		{name: "missing", args: []string{missing}, wantErr: "check: " + missing + " does not exist; name the FAQ file"},
		{name: "a directory", args: []string{dir}, wantErr: "check: cannot read " + dir},
		{name: "two files", args: []string{good, bad}, wantErr: "check: one file at a time, got 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SUPPORTBOT_FAQ", tt.env)
			var stdout, stderr bytes.Buffer
			err := runCheck(context.Background(), tt.args, &stdout, &stderr)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == "exit status 1" {
				var ec exitCode
				if !errors.As(err, &ec) || ec != 1 {
					t.Errorf("err = %#v, want exitCode(1)", err)
				}
			}
			if got := stdout.String(); got != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, tt.wantOut)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunCheckBundled checks the repository's faq.yaml, the default file.
func TestRunCheckBundled(t *testing.T) {
	t.Setenv("SUPPORTBOT_FAQ", "")
	var stdout, stderr bytes.Buffer
	if err := runCheck(context.Background(), nil, &stdout, &stderr); err != nil {
		t.Fatalf("err = %v\n%s", err, stdout.String())
	}
	if !strings.HasPrefix(stdout.String(), "faq.yaml: ok — ") {
		t.Errorf("stdout = %q", stdout.String())
	}
}
