// Package storage keeps supportbot's state in SQLite: the inbox of platform
// events, conversations and their transcripts, the handoff queue with its
// state machine (bot → waiting → assigned → closed → bot), and the outbox of
// replies. Every change runs in one transaction that checks the state it
// expects.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver (cgo)
)

// DB is an open supportbot database. Writes go through a single connection
// (SQLite has one writer; queueing them in the pool avoids SQLITE_BUSY inside
// the process), reads through a separate pool that runs beside the writer
// thanks to WAL.
type DB struct {
	write *sql.DB
	path  string
	// wstmts are the write connection's prepared statements, rd the read
	// pool with its own (stmt.go).
	wstmts stmtCache
	rd     *reader
	// group lets concurrent small writes share a commit (group.go).
	group writeGroup

	// Now returns the current time; tests replace it. It is read once per
	// transaction.
	Now func() time.Time
}

// Open opens (creating if needed) the database at path, sets its pragmas
// (WAL, foreign keys, busy timeout, synchronous=NORMAL) and applies the
// embedded migrations that have not run yet.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("storage: empty database path")
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{write: w, path: path, Now: time.Now}
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}

	rq := url.Values{}
	rq.Set("_foreign_keys", "1")
	rq.Set("_busy_timeout", "10000")
	rq.Set("_query_only", "1")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	db.rd = &reader{pool: r}
	return db, nil
}

// Close closes both connection pools.
func (db *DB) Close() error {
	var errs []error
	if db.rd != nil {
		db.rd.stmts.close()
		errs = append(errs, db.rd.pool.Close())
	}
	db.wstmts.close()
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Tx is one write transaction. Its methods change the database only when the
// function given to Update returns nil. A Tx is not safe for concurrent use.
type Tx struct {
	tx  *txConn
	now time.Time
}

// Now returns the time the transaction started, as given by DB.Now; every
// timestamp written in the transaction uses it.
func (tx *Tx) Now() time.Time { return tx.now }

// Update runs fn in one write transaction and commits it when fn returns nil.
// If fn returns an error or panics, nothing fn did is kept.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: &txConn{tx: stx, db: db}, now: db.Now().UTC()}
	defer func() {
		stx.Rollback() // after a commit, a no-op
		tx.tx.prepareNoted(ctx)
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ts formats t the way every timestamp is stored: UTC, SQLite's own
// 'YYYY-MM-DD HH:MM:SS.SSS', so julianday() and datetime() read it and text
// comparison orders it.
func ts(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

const timeFormat = "2006-01-02 15:04:05.000"

// inList returns the placeholders of an SQL IN list of n > 0 values:
// "(?, ?, ?)".
func inList(n int) string {
	return "(?" + strings.Repeat(", ?", n-1) + ")"
}

// tm scans a timestamp column into *t: a time.Time (the driver parsed a
// DATETIME column), text in any of the driver's formats, or NULL (the zero
// time).
func tm(t *time.Time) sql.Scanner { return timeScanner{t} }

type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("timestamp: unexpected %T", v)
	}
	return nil
}

func (s timeScanner) parse(v string) error {
	for _, f := range []string{timeFormat, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(f, v, time.UTC); err == nil {
			*s.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("timestamp: cannot parse %q", v)
}
