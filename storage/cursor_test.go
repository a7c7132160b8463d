package storage_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/supportbot/supportbot/storage"
)

func TestCursorSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.Cursor(ctx, "vk:1"); err != nil || v != "" {
		t.Fatalf("fresh cursor = %q, %v; want empty", v, err)
	}
	for _, ts := range []string{"10", "42"} {
		if err := db.SaveCursor(ctx, "vk:1", ts); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Cursor(ctx, "vk:1"); err != nil || v != "42" {
		t.Fatalf("cursor after reopen = %q, %v; want 42", v, err)
	}
	if v, _ := db.Cursor(ctx, "vk:2"); v != "" {
		t.Errorf("another community's cursor = %q, want empty", v)
	}
}
