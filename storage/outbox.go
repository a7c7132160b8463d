package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// OutboxItem is one reply waiting to be delivered.
type OutboxItem struct {
	ID int64
	// ConversationID is the conversation the reply belongs to; 0 if none.
	ConversationID int64
	// Platform and ChatID are where the reply goes.
	Platform string
	ChatID   string
	// Payload is the encoding of the reply the caller gave to AddReply.
	Payload       []byte
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
}

// Outgoing is a reply to put in the outbox: the conversation and the inbox
// event it answers (either may be 0), where it goes (Platform, ChatID: the
// sender keeps the replies to one chat in order), and the caller's encoding
// of it (JSON), returned as is in OutboxItem.Payload.
type Outgoing struct {
	ConversationID int64
	InboxID        int64
	Platform       string
	ChatID         string
	Payload        []byte
}

// AddReply puts o in the outbox, due now, and returns the row id (the
// OutboxItem.ID of the reply).
func (tx *Tx) AddReply(ctx context.Context, o Outgoing) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `
		INSERT INTO outbox (conversation_id, inbox_id, platform, chat_id, payload, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(o.ConversationID), nullID(o.InboxID), o.Platform, o.ChatID, string(o.Payload), ts(tx.now), ts(tx.now))
	if err != nil {
		return 0, fmt.Errorf("add reply: %w", err)
	}
	return res.LastInsertId()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// PendingOutbox returns up to limit replies to the given platforms (all
// platforms when none is given) neither sent nor given up, oldest first,
// whether due or not. None is an empty slice.
func (db *DB) PendingOutbox(ctx context.Context, limit int, platforms ...string) ([]*OutboxItem, error) {
	return db.pendingOutbox(ctx, `INDEXED BY outbox_pending`, "", nil, limit, platforms)
}

// OutboxAfter is PendingOutbox for the replies with an id above afterID: the
// sender keeps the pending replies in memory and asks only for new ones.
func (db *DB) OutboxAfter(ctx context.Context, afterID int64, limit int, platforms ...string) ([]*OutboxItem, error) {
	return db.pendingOutbox(ctx, "", " AND id > ?", []any{afterID}, limit, platforms)
}

// PendingForChat returns the pending replies to chatID on p, oldest first.
func (db *DB) PendingForChat(ctx context.Context, p, chatID string) ([]*OutboxItem, error) {
	return db.pendingOutbox(ctx, `INDEXED BY outbox_chat_pending`, " AND platform = ? AND chat_id = ?", []any{p, chatID}, -1, nil)
}

func (db *DB) pendingOutbox(ctx context.Context, index, where string, args []any, limit int, platforms []string) ([]*OutboxItem, error) {
	if len(platforms) > 0 {
		where += " AND platform IN " + inList(len(platforms))
		for _, p := range platforms {
			args = append(args, p)
		}
	}
	rows, err := db.rd.QueryContext(ctx, `
		SELECT id, COALESCE(conversation_id, 0), platform, chat_id, payload, attempts, next_attempt_at, created_at
		FROM outbox `+index+`
		WHERE sent_at IS NULL AND failed_at IS NULL`+where+`
		ORDER BY id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	defer rows.Close()
	var out []*OutboxItem
	for rows.Next() {
		var it OutboxItem
		if err := rows.Scan(&it.ID, &it.ConversationID, &it.Platform, &it.ChatID, &it.Payload,
			&it.Attempts, tm(&it.NextAttemptAt), tm(&it.CreatedAt)); err != nil {
			return nil, fmt.Errorf("pending outbox: %w", err)
		}
		out = append(out, &it)
	}
	return out, rows.Err()
}

// MarkSent records that reply id was delivered as the platform's message
// sentID. It returns ErrNotFound when there is no such reply and a
// *StateError (ErrState) when it was already sent or given up. Replies
// marked at the same time by other goroutines share the commit.
func (db *DB) MarkSent(ctx context.Context, id int64, sentID string) error {
	return db.grouped(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.finishReply(ctx, id, `sent_at = ?1, sent_id = ?2, attempts = attempts + 1, error = ''`, "sent", sentID)
	})
}

// RetryLater records a failed attempt at reply id and makes it due again at
// at. It returns ErrNotFound when there is no such reply and a *StateError
// (ErrState) when it was already sent or given up.
func (db *DB) RetryLater(ctx context.Context, id int64, at time.Time, reason string) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.finishReply(ctx, id, `attempts = attempts + 1, next_attempt_at = ?3, error = ?2`, "retry", reason, ts(at))
	})
}

// GiveUp records that reply id will never be delivered (reason says why).
// When blocked is true the recipient blocked the bot: their conversation is
// marked blocked as of now (Conversation.BlockedAt) in the same transaction,
// and their other pending replies are given up too. It returns ErrNotFound when there is no such reply and a
// *StateError (ErrState) when it was already sent or given up.
func (db *DB) GiveUp(ctx context.Context, id int64, reason string, blocked bool) error {
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.finishReply(ctx, id, `failed_at = ?1, attempts = attempts + 1, error = ?2`, "give up", reason); err != nil {
			return err
		}
		if !blocked {
			return nil
		}
		var p, chat string
		if err := tx.tx.QueryRowContext(ctx, `SELECT platform, chat_id FROM outbox WHERE id = ?`, id).Scan(&p, &chat); err != nil {
			return fmt.Errorf("give up: %w", err)
		}
		if _, err := tx.tx.ExecContext(ctx, `
			UPDATE outbox SET failed_at = ?, error = ? WHERE platform = ? AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL`,
			ts(tx.now), reason, p, chat); err != nil {
			return fmt.Errorf("give up: %w", err)
		}
		if _, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET blocked = 1, blocked_at = ?1, updated_at = ?1 WHERE platform = ?2 AND chat_id = ?3`,
			ts(tx.now), p, chat); err != nil {
			return fmt.Errorf("give up: %w", err)
		}
		return nil
	})
}

// finishReply applies set (with ?1 = now and the further args as ?2, ?3)
// to pending reply id.
func (tx *Tx) finishReply(ctx context.Context, id int64, set, op string, args ...any) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET `+set+` WHERE id = ?`+strconv.Itoa(len(args)+2)+
		` AND sent_at IS NULL AND failed_at IS NULL`, append(append([]any{ts(tx.now)}, args...), id)...)
	if err != nil {
		return fmt.Errorf("%s reply %d: %w", op, id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var sent, failed int
	err = tx.tx.QueryRowContext(ctx, `SELECT sent_at IS NOT NULL, failed_at IS NOT NULL FROM outbox WHERE id = ?`, id).Scan(&sent, &failed)
	if err != nil {
		return fmt.Errorf("%s reply %d: %w", op, id, ErrNotFound)
	}
	st := State("failed")
	if sent == 1 {
		st = "sent"
	}
	return &StateError{Op: op + " reply", State: st}
}

// Backlog counts the inbox events not processed yet and the replies to the
// given platforms (all when none is given) that could be sent now: due, and
// not held back by an earlier reply to the same chat that waits for a retry.
func (db *DB) Backlog(ctx context.Context, platforms ...string) (inbox, outbox int, err error) {
	where, args := "", []any{ts(db.Now())}
	if len(platforms) > 0 {
		where = " AND o.platform IN " + inList(len(platforms))
		for _, p := range platforms {
			args = append(args, p)
		}
	}
	err = db.rd.QueryRowContext(ctx, `
		SELECT (SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL),
		       (SELECT COUNT(*) FROM outbox o INDEXED BY outbox_pending
		        WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= ?1`+where+`
		          AND NOT EXISTS (SELECT 1 FROM outbox p INDEXED BY outbox_chat_pending
		                          WHERE p.platform = o.platform AND p.chat_id = o.chat_id AND p.id < o.id
		                            AND p.sent_at IS NULL AND p.failed_at IS NULL AND p.next_attempt_at > ?1))`,
		args...).Scan(&inbox, &outbox)
	if err != nil {
		return 0, 0, fmt.Errorf("backlog: %w", err)
	}
	return inbox, outbox, nil
}
