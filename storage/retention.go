package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Prune deletes, oldest first, up to limit outbox rows sent before before,
// up to limit given up before it, and up to limit inbox rows processed
// before it, in one transaction, and returns how many outbox and inbox rows
// it deleted; the caller repeats while it deletes a full batch, so no
// transaction holds the write lock for long. The transcript (messages) is
// kept: its messages lose the link to the deleted events (inbox_id becomes
// NULL), as do the replies still pending for them. Pending replies and
// unprocessed events are never deleted.
func (db *DB) Prune(ctx context.Context, before time.Time, limit int) (outbox, inbox int, err error) {
	cut := ts(before)
	err = db.Update(ctx, func(tx *Tx) error {
		outbox, inbox = 0, 0
		for _, col := range []string{"sent_at", "failed_at"} {
			res, err := tx.tx.ExecContext(ctx, `DELETE FROM outbox WHERE id IN (
				SELECT id FROM outbox WHERE `+col+` IS NOT NULL AND `+col+` < ? ORDER BY `+col+` LIMIT ?)`, cut, limit)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			outbox += int(n)
		}
		rows, err := tx.tx.QueryContext(ctx, `
			SELECT id FROM inbox WHERE processed_at IS NOT NULL AND processed_at < ? ORDER BY processed_at LIMIT ?`, cut, limit)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		in := inList(len(ids))
		for _, q := range []string{
			`UPDATE messages SET inbox_id = NULL WHERE inbox_id IN ` + in,
			`UPDATE outbox SET inbox_id = NULL WHERE inbox_id IN ` + in,
			`DELETE FROM inbox WHERE id IN ` + in,
		} {
			res, err := tx.tx.tx.ExecContext(ctx, q, ids...) // one-off text: not cached
			if err != nil {
				return err
			}
			if strings.HasPrefix(q, "DELETE") {
				n, _ := res.RowsAffected()
				inbox = int(n)
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("prune: %w", err)
	}
	return outbox, inbox, nil
}

// Rows counts the rows of the inbox and the outbox, pending or not.
func (db *DB) Rows(ctx context.Context) (inbox, outbox int, err error) {
	err = db.rd.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM inbox), (SELECT COUNT(*) FROM outbox)`).Scan(&inbox, &outbox)
	if err != nil {
		return 0, 0, fmt.Errorf("rows: %w", err)
	}
	return inbox, outbox, nil
}
