package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// InboxEvent is one stored platform event.
type InboxEvent struct {
	ID int64
	// Platform and EventID identify the event (see Incoming).
	Platform string
	EventID  string
	// Payload is the encoding of the event the caller gave to PutInbox.
	Payload    []byte
	ReceivedAt time.Time
	// Attempts counts how many times processing was started after a restart
	// found the event unprocessed (see StartAttempt).
	Attempts int
}

// Incoming is an event to store in the inbox. Platform and EventID identify
// it (the inbox deduplicates on the pair); Payload is the caller's encoding
// of the event (JSON), returned as is by PendingInbox; Raw is the
// platform's own payload, kept for audit and replay, and may be nil.
type Incoming struct {
	Platform string
	EventID  string
	Payload  []byte
	Raw      []byte
}

const insertInbox = `
	INSERT INTO inbox (platform, event_id, payload, raw, received_at)
	VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (platform, event_id) DO NOTHING`

func (e *Incoming) check() error {
	if e.Platform == "" || e.EventID == "" {
		return errors.New("event without platform or event id")
	}
	return nil
}

// PutInbox stores e in the inbox and returns its id. An event already
// stored under the same platform and event id is not stored again: PutInbox
// returns the first copy's id and dup true. It returns only after the row is
// committed; events stored at the same time by other goroutines share the
// commit.
func (db *DB) PutInbox(ctx context.Context, e Incoming) (id int64, dup bool, err error) {
	if err := e.check(); err != nil {
		return 0, false, fmt.Errorf("put inbox: %w", err)
	}
	err = db.grouped(ctx, func(ctx context.Context, tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, insertInbox,
			e.Platform, e.EventID, string(e.Payload), string(e.Raw), ts(tx.now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			id, err = res.LastInsertId()
			return err
		}
		dup = true
		return tx.tx.QueryRowContext(ctx, `SELECT id FROM inbox WHERE platform = ? AND event_id = ?`,
			e.Platform, e.EventID).Scan(&id)
	})
	if err != nil {
		return 0, false, fmt.Errorf("put inbox: %w", err)
	}
	return id, dup, nil
}

// PutInboxBatch stores the events es in the inbox in one transaction and
// returns how many of them were new; an event already stored under the same
// platform and event id (before, or earlier in es) is not stored again. It
// returns only after the transaction is committed, which it may share with
// events stored at the same time by other goroutines. On error none of es
// is stored (unless taking back the rows written failed too, which the
// error says; storing es again is safe either way).
func (db *DB) PutInboxBatch(ctx context.Context, es []Incoming) (stored int, err error) {
	for i := range es {
		if err := es[i].check(); err != nil {
			return 0, fmt.Errorf("put inbox batch: event %d: %w", i, err)
		}
	}
	if len(es) == 0 {
		return 0, nil
	}
	err = db.grouped(ctx, func(ctx context.Context, tx *Tx) error {
		// The batch shares the transaction with other grouped writes: a
		// savepoint takes back its own rows if one of them fails.
		if _, err := tx.tx.ExecContext(ctx, `SAVEPOINT put_inbox_batch`); err != nil {
			return err
		}
		n, err := putInboxRows(ctx, tx, es)
		if err != nil {
			_, rerr := tx.tx.ExecContext(ctx, `ROLLBACK TO put_inbox_batch`)
			if rerr == nil {
				_, rerr = tx.tx.ExecContext(ctx, `RELEASE put_inbox_batch`)
			}
			if rerr != nil {
				return fmt.Errorf("%w (and rolling back: %v)", err, rerr)
			}
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, `RELEASE put_inbox_batch`); err != nil {
			return err
		}
		stored = n
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("put inbox batch: %w", err)
	}
	return stored, nil
}

// putInboxRows inserts es and counts the new rows.
func putInboxRows(ctx context.Context, tx *Tx, es []Incoming) (stored int, err error) {
	for _, e := range es {
		res, err := tx.tx.ExecContext(ctx, insertInbox,
			e.Platform, e.EventID, string(e.Payload), string(e.Raw), ts(tx.now))
		if err != nil {
			return 0, fmt.Errorf("event %s/%s: %w", e.Platform, e.EventID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			stored++
		}
	}
	return stored, nil
}

// InboxRaw returns the platform's raw payload stored with event eventID of
// platform p (empty when the adapter gave none), or ErrNotFound.
func (db *DB) InboxRaw(ctx context.Context, p, eventID string) ([]byte, error) {
	var raw string
	err := db.rd.QueryRowContext(ctx, `SELECT raw FROM inbox WHERE platform = ? AND event_id = ?`, p, eventID).Scan(&raw)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("inbox %s/%s: %w", p, eventID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("inbox %s/%s: %w", p, eventID, err)
	}
	return []byte(raw), nil
}

// PendingInbox returns up to limit unprocessed events with an id above
// afterID, oldest first; none is an empty slice.
func (db *DB) PendingInbox(ctx context.Context, afterID int64, limit int) ([]*InboxEvent, error) {
	rows, err := db.rd.QueryContext(ctx, `
		SELECT id, platform, event_id, payload, received_at, attempts FROM inbox
		WHERE processed_at IS NULL AND id > ?
		ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("pending inbox: %w", err)
	}
	defer rows.Close()
	var out []*InboxEvent
	for rows.Next() {
		var e InboxEvent
		if err := rows.Scan(&e.ID, &e.Platform, &e.EventID, &e.Payload, tm(&e.ReceivedAt), &e.Attempts); err != nil {
			return nil, fmt.Errorf("pending inbox: %w", err)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending inbox: %w", err)
	}
	return out, nil
}

// StartAttempt counts one more attempt at processing event id, which a
// restart found unprocessed (the process stopped or crashed while it was in
// flight). Once an event has been started more than maxAttempts times it is
// marked processed with an error and StartAttempt returns false, so a poison
// event cannot crash the process at every start. It returns ErrNotFound when
// there is no such event and false with no error when it is already
// processed.
func (db *DB) StartAttempt(ctx context.Context, id int64, maxAttempts int) (ok bool, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		var attempts int
		var processed sql.NullString
		err := tx.tx.QueryRowContext(ctx, `SELECT attempts, processed_at FROM inbox WHERE id = ?`, id).Scan(&attempts, &processed)
		if err == sql.ErrNoRows {
			return fmt.Errorf("start attempt: inbox %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("start attempt: %w", err)
		}
		if processed.Valid {
			return nil
		}
		attempts++
		if attempts > maxAttempts {
			_, err = tx.tx.ExecContext(ctx, `UPDATE inbox SET attempts = ?, processed_at = ?, error = ? WHERE id = ?`,
				attempts, ts(tx.now), fmt.Sprintf("gave up after %d interrupted attempts", attempts-1), id)
			return err
		}
		ok = true
		_, err = tx.tx.ExecContext(ctx, `UPDATE inbox SET attempts = ? WHERE id = ?`, attempts, id)
		return err
	})
	return ok, err
}

// LastInboxID returns the highest inbox id (0 when the inbox is empty).
func (db *DB) LastInboxID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.rd.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM inbox`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last inbox id: %w", err)
	}
	return id, nil
}

// MarkProcessed marks inbox event id processed, in the transaction that
// records its outcome. It returns ErrNotFound when there is no such event and
// ErrState when it was already processed (another worker got there first).
func (tx *Tx) MarkProcessed(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE inbox SET processed_at = ? WHERE id = ? AND processed_at IS NULL`, ts(tx.now), id)
	if err != nil {
		return fmt.Errorf("mark processed: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var one int
	if err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM inbox WHERE id = ?`, id).Scan(&one); err == sql.ErrNoRows {
		return fmt.Errorf("mark processed: inbox %d: %w", id, ErrNotFound)
	}
	return fmt.Errorf("mark processed: inbox %d: %w", id, &StateError{Op: "mark processed", State: "processed"})
}

// FailInbox marks event id processed with an error message (a panic or an
// error that retrying will not fix), so it is not picked up again. It returns
// ErrNotFound when there is no such event; an event already processed keeps
// its first outcome and FailInbox returns nil.
func (db *DB) FailInbox(ctx context.Context, id int64, msg string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.FailInbox(ctx, id, msg)
		return err
	})
}

// FailInbox is DB.FailInbox inside the transaction; failed reports whether
// this call marked the event (false when it was processed already).
func (tx *Tx) FailInbox(ctx context.Context, id int64, msg string) (failed bool, err error) {
	res, err := tx.tx.ExecContext(ctx, `
		UPDATE inbox SET processed_at = COALESCE(processed_at, ?), error = ?, attempts = attempts + 1
		WHERE id = ? AND processed_at IS NULL`, ts(tx.now), msg, id)
	if err != nil {
		return false, fmt.Errorf("fail inbox: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	var one int
	if err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM inbox WHERE id = ?`, id).Scan(&one); err == sql.ErrNoRows {
		return false, fmt.Errorf("fail inbox %d: %w", id, ErrNotFound)
	}
	return false, nil
}

// InboxError is an event whose processing failed.
type InboxError struct {
	ID    int64
	Error string
}

// FailedInbox returns the events marked with an error, newest first, at most
// limit of them.
func (db *DB) FailedInbox(ctx context.Context, limit int) ([]InboxError, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT id, error FROM inbox WHERE error <> '' ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("failed inbox: %w", err)
	}
	defer rows.Close()
	var out []InboxError
	for rows.Next() {
		var e InboxError
		if err := rows.Scan(&e.ID, &e.Error); err != nil {
			return nil, fmt.Errorf("failed inbox: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
