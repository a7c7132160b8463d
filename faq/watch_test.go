package faq

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// waitTimeout is generous: the test waits on events, never on a clock, and
// only fails if nothing arrives at all.
const waitTimeout = 10 * time.Second

func faqWith(id string) string {
	return "entries:\n  - id: " + id + "\n    questions: [вопрос " + id + "]\n    answer: ответ\n"
}

// startWatch runs Watch on path and returns channels of what it reports.
func startWatch(t *testing.T, path string) (loads chan *FAQ, errs chan error) {
	t.Helper()
	loads, errs = make(chan *FAQ, 16), make(chan error, 16)
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- watch(ctx, path, func(f *FAQ) { loads <- f }, func(err error) { errs <- err }, func() { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Watch returned at once: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch returned %v after cancel", err)
			}
		case <-time.After(waitTimeout):
			t.Error("Watch did not return after cancel")
		}
	})
	return loads, errs
}

func wantLoad(t *testing.T, loads chan *FAQ, errs chan error, id string) {
	t.Helper()
	select {
	case f := <-loads:
		if f.Entry(id) == nil {
			t.Fatalf("loaded a FAQ without entry %q: %+v", id, f.Entries[0])
		}
	case err := <-errs:
		t.Fatalf("want a load of %q, got error %v", id, err)
	case <-time.After(waitTimeout):
		t.Fatalf("no load of %q", id)
	}
}

func wantError(t *testing.T, loads chan *FAQ, errs chan error, check func(error) bool) {
	t.Helper()
	select {
	case f := <-loads:
		t.Fatalf("want an error, got a load of %+v", f.Entries[0])
	case err := <-errs:
		if !check(err) {
			t.Fatalf("unexpected error %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no error reported")
	}
}

// replace writes a file the way editors do: a new file renamed over the old.
func replace(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func isErrorList(err error) bool {
	var l ErrorList
	return errors.As(err, &l)
}

// TestWatch goes good → broken → good, by renames and by writes in place.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, faqWith("first"))
	loads, errs := startWatch(t, path)

	replace(t, path, faqWith("second"))
	wantLoad(t, loads, errs, "second")

	write(t, path, "entries:\n  - id: broken\n    questions: [x]\n")
	wantError(t, loads, errs, isErrorList)

	write(t, path, faqWith("third"))
	wantLoad(t, loads, errs, "third")

	// Another file in the directory (the SQLite database, say) is ignored;
	// the same content written again is not a change.
	write(t, filepath.Join(dir, "supportbot.db"), "x")
	write(t, path, faqWith("third"))
	replace(t, path, faqWith("fourth"))
	wantLoad(t, loads, errs, "fourth")

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	wantError(t, loads, errs, func(err error) bool { return errors.Is(err, fs.ErrNotExist) })
	write(t, path, faqWith("fifth"))
	wantLoad(t, loads, errs, "fifth")
}

// TestWatchSymlink follows a link to a file in another directory.
func TestWatchSymlink(t *testing.T) {
	real := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, real, faqWith("first"))
	link := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	loads, errs := startWatch(t, link)
	replace(t, real, faqWith("second"))
	wantLoad(t, loads, errs, "second")
}

func TestWatchMissingDir(t *testing.T) {
	err := Watch(context.Background(), filepath.Join(t.TempDir(), "nosuch", "faq.yaml"), func(*FAQ) {}, func(error) {})
	if err == nil {
		t.Fatal("Watch of a missing directory returned nil")
	}
}
