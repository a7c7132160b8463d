package storage

import (
	"context"
	"database/sql"
	"errors"
)

// Cursor returns the position saved under name (a VK long-poll ts, say), or
// "" with a nil error when none was saved yet.
func (db *DB) Cursor(ctx context.Context, name string) (string, error) {
	var v string
	err := db.rd.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SaveCursor records value as the position under name, replacing the old one.
func (db *DB) SaveCursor(ctx context.Context, name, value string) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
		 ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		name, value, ts(db.Now()))
	return err
}
