package storage_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportbot/supportbot/storage"
)

// MustOpenDB opens a fresh database in a temporary directory with a fixed
// clock that tests move by hand, and closes it when the test ends.
func MustOpenDB(tb testing.TB) (*storage.DB, *Clock) {
	tb.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(tb.TempDir(), "supportbot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	clock := &Clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db, clock
}

// Clock is a hand-moved clock.
type Clock struct{ t time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.t }

// Add moves the clock.
func (c *Clock) Add(d time.Duration) { c.t = c.t.Add(d) }

func TestOpenTwiceKeepsSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.db")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db, err := storage.Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
