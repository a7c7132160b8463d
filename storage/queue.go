package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Handoff reasons stored with a handoff (the matcher's own reasons, request
// and angry, are stored as they are).
const (
	ReasonRequest     = "request"       // the customer asked for a person
	ReasonAngry       = "angry"         // anger or a threat to complain
	ReasonFailures    = "failures"      // the bot failed twice in a row
	ReasonEntry       = "entry"         // an entry marked handoff: true
	ReasonNoneOfThese = "none_of_these" // "none of these" under "did you mean"
	ReasonMedia       = "media"         // a photo or file the bot cannot read
	ReasonAdmin       = "admin"         // a VK admin answered in VK's own screen
)

// Handoff is one episode of a conversation with a person, from the moment it
// is queued until it is closed.
type Handoff struct {
	ID             int64
	ConversationID int64
	Reason         string
	// Priority: higher is served first (angry customers get 1).
	Priority int
	State    State
	// OwnerID is the operator who owns it ("telegram:123", "vk:456"), or
	// empty while waiting.
	OwnerID   string
	OwnerName string
	// TopicID is the desk's forum topic, or empty.
	TopicID      string
	CreatedAt    time.Time
	AssignedAt   time.Time // zero until claimed
	FirstReplyAt time.Time // zero until an operator wrote to the customer
	ClosedAt     time.Time
	LastNoticeAt time.Time // last "still waiting" notice to the customer
	RemindedAt   time.Time // last reminder in the desk
	LastAdminAt  time.Time // last message of a VK admin
	Rating       int       // 1..5, 0 if not rated
}

const handoffColumns = `id, conversation_id, reason, priority, state, owner_id, owner_name, topic_id,
	created_at, assigned_at, first_reply_at, closed_at, last_notice_at, reminded_at, last_admin_at, COALESCE(rating, 0)`

func scanHandoff(row interface{ Scan(...any) error }) (*Handoff, error) {
	var h Handoff
	err := row.Scan(&h.ID, &h.ConversationID, &h.Reason, &h.Priority, &h.State, &h.OwnerID, &h.OwnerName, &h.TopicID,
		tm(&h.CreatedAt), tm(&h.AssignedAt), tm(&h.FirstReplyAt), tm(&h.ClosedAt), tm(&h.LastNoticeAt),
		tm(&h.RemindedAt), tm(&h.LastAdminAt), &h.Rating)
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func findHandoff(ctx context.Context, q queryer, id int64) (*Handoff, error) {
	h, err := scanHandoff(q.QueryRowContext(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("handoff %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("handoff %d: %w", id, err)
	}
	return h, nil
}

// Handoff returns the handoff with id, or ErrNotFound.
func (db *DB) Handoff(ctx context.Context, id int64) (*Handoff, error) {
	return findHandoff(ctx, db.rd, id)
}

// Handoff returns the handoff with id, or ErrNotFound.
func (tx *Tx) Handoff(ctx context.Context, id int64) (*Handoff, error) {
	return findHandoff(ctx, tx.tx, id)
}

// HandoffByTopic returns the newest handoff attached to the desk topic
// topicID, or ErrNotFound.
func (tx *Tx) HandoffByTopic(ctx context.Context, topicID string) (*Handoff, error) {
	if topicID == "" {
		return nil, fmt.Errorf("handoff of topic %q: %w", topicID, ErrNotFound)
	}
	h, err := scanHandoff(tx.tx.QueryRowContext(ctx,
		`SELECT `+handoffColumns+` FROM handoffs WHERE topic_id = ? ORDER BY id DESC LIMIT 1`, topicID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("handoff of topic %s: %w", topicID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("handoff of topic %s: %w", topicID, err)
	}
	return h, nil
}

// Enqueue hands conversation convID to a person: it opens a waiting handoff
// with reason and priority and moves the conversation to waiting. It returns
// the handoff and the customer's position in the queue (1 is next). It
// returns ErrNotFound when there is no such conversation and a *StateError
// (ErrState) when it is already waiting or assigned.
func (tx *Tx) Enqueue(ctx context.Context, convID int64, reason string, priority int) (*Handoff, int, error) {
	c, err := tx.Conversation(ctx, convID)
	if err != nil {
		return nil, 0, fmt.Errorf("enqueue: %w", err)
	}
	if c.State != StateBot && c.State != StateClosed {
		return nil, 0, tx.stateError(ctx, "enqueue", c)
	}
	res, err := tx.tx.ExecContext(ctx, `
		INSERT INTO handoffs (conversation_id, reason, priority, state, created_at)
		VALUES (?, ?, ?, 'waiting', ?)`, convID, reason, priority, ts(tx.now))
	if err != nil {
		return nil, 0, fmt.Errorf("enqueue: %w", err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.tx.ExecContext(ctx, `
		UPDATE conversations SET state = 'waiting', handoff_id = ?, failures = 0, updated_at = ? WHERE id = ?`,
		id, ts(tx.now), convID); err != nil {
		return nil, 0, fmt.Errorf("enqueue: %w", err)
	}
	h := &Handoff{ID: id, ConversationID: convID, Reason: reason, Priority: priority, State: StateWaiting,
		CreatedAt: tx.now.Truncate(time.Millisecond)}
	pos, err := position(ctx, tx.tx, h)
	if err != nil {
		return nil, 0, fmt.Errorf("enqueue: %w", err)
	}
	return h, pos, nil
}

// Enqueue is Tx.Enqueue in its own transaction.
func (db *DB) Enqueue(ctx context.Context, convID int64, reason string, priority int) (h *Handoff, pos int, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		h, pos, err = tx.Enqueue(ctx, convID, reason, priority)
		return err
	})
	return h, pos, err
}

// stateError describes conversation c's current state (and owner).
func (tx *Tx) stateError(ctx context.Context, op string, c *Conversation) error {
	e := &StateError{Op: op, State: c.State}
	if c.HandoffID != 0 && c.State == StateAssigned {
		if h, err := tx.Handoff(ctx, c.HandoffID); err == nil {
			e.Owner, e.Name = h.OwnerID, h.OwnerName
		}
	}
	return e
}

// position counts the waiting handoffs served before h, plus one.
func position(ctx context.Context, q queryer, h *Handoff) (int, error) {
	var n int
	// Three range counts on the queue index rather than one OR: SQLite walks
	// only the entries ahead.
	err := q.QueryRowContext(ctx, `
		SELECT (SELECT COUNT(*) FROM handoffs WHERE state = 'waiting' AND priority > ?1)
		     + (SELECT COUNT(*) FROM handoffs WHERE state = 'waiting' AND priority = ?1 AND created_at < ?2)
		     + (SELECT COUNT(*) FROM handoffs WHERE state = 'waiting' AND priority = ?1 AND created_at = ?2 AND id < ?3)`,
		h.Priority, ts(h.CreatedAt), h.ID).Scan(&n)
	return n + 1, err
}

// Position returns the place of waiting handoff id in the queue (1 is
// next). It returns ErrNotFound when there is no such handoff and a
// *StateError (ErrState) when it is not waiting.
func (db *DB) Position(ctx context.Context, id int64) (int, error) {
	return handoffPosition(ctx, db.rd, id)
}

// Position is DB.Position inside the transaction.
func (tx *Tx) Position(ctx context.Context, id int64) (int, error) {
	return handoffPosition(ctx, tx.tx, id)
}

func handoffPosition(ctx context.Context, q queryer, id int64) (int, error) {
	h, err := findHandoff(ctx, q, id)
	if err != nil {
		return 0, fmt.Errorf("position: %w", err)
	}
	if h.State != StateWaiting {
		return 0, &StateError{Op: "position", State: h.State, Owner: h.OwnerID, Name: h.OwnerName}
	}
	return position(ctx, q, h)
}

// Claim gives waiting handoff id to operator ownerID (ownerName is shown to
// other operators) and moves its conversation to assigned. Exactly one of
// several concurrent claims wins; a claim by the current owner succeeds
// again. It returns ErrNotFound when there is no such handoff and a
// *StateError (ErrState) naming the current state and owner when it is
// assigned to someone else or closed.
func (tx *Tx) Claim(ctx context.Context, id int64, ownerID, ownerName string) (*Handoff, error) {
	res, err := tx.tx.ExecContext(ctx, `
		UPDATE handoffs SET state = 'assigned', owner_id = ?, owner_name = ?, assigned_at = ?
		WHERE id = ? AND state = 'waiting'`, ownerID, ownerName, ts(tx.now), id)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	h, err := tx.Handoff(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if h.State == StateAssigned && h.OwnerID == ownerID {
			return h, nil
		}
		return nil, &StateError{Op: "claim", State: h.State, Owner: h.OwnerID, Name: h.OwnerName}
	}
	if _, err := tx.tx.ExecContext(ctx, `
		UPDATE conversations SET state = 'assigned', updated_at = ? WHERE id = ? AND handoff_id = ?`,
		ts(tx.now), h.ConversationID, id); err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return h, nil
}

// Claim is Tx.Claim in its own transaction.
func (db *DB) Claim(ctx context.Context, id int64, ownerID, ownerName string) (h *Handoff, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		h, err = tx.Claim(ctx, id, ownerID, ownerName)
		return err
	})
	return h, err
}

// CloseHandoff closes waiting or assigned handoff id and moves its
// conversation to closed (the customer's next message returns it to the
// bot). It returns ErrNotFound when there is no such handoff and a
// *StateError (ErrState) when it is already closed.
func (tx *Tx) CloseHandoff(ctx context.Context, id int64) (*Handoff, error) {
	res, err := tx.tx.ExecContext(ctx, `
		UPDATE handoffs SET state = 'closed', closed_at = ? WHERE id = ? AND state IN ('waiting', 'assigned')`,
		ts(tx.now), id)
	if err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	h, err := tx.Handoff(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, &StateError{Op: "close", State: h.State, Owner: h.OwnerID, Name: h.OwnerName}
	}
	if _, err := tx.tx.ExecContext(ctx, `
		UPDATE conversations SET state = 'closed', failures = 0, updated_at = ? WHERE id = ? AND handoff_id = ?`,
		ts(tx.now), h.ConversationID, id); err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	return h, nil
}

// CloseHandoff is Tx.CloseHandoff in its own transaction.
func (db *DB) CloseHandoff(ctx context.Context, id int64) (h *Handoff, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		h, err = tx.CloseHandoff(ctx, id)
		return err
	})
	return h, err
}

// Reopen returns closed conversation convID to the bot. It returns
// ErrNotFound when there is no such conversation and a *StateError (ErrState)
// when it is not closed.
func (tx *Tx) Reopen(ctx context.Context, convID int64) error {
	res, err := tx.tx.ExecContext(ctx, `
		UPDATE conversations SET state = 'bot', failures = 0, updated_at = ? WHERE id = ? AND state = 'closed'`,
		ts(tx.now), convID)
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	c, err := tx.Conversation(ctx, convID)
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	return tx.stateError(ctx, "reopen", c)
}

// Release closes assigned or waiting handoff id and returns its
// conversation straight to the bot, without the closed step (no closing
// message, no rating): a VK admin went quiet. It returns ErrNotFound when
// there is no such handoff and a *StateError (ErrState) when it is closed.
func (tx *Tx) Release(ctx context.Context, id int64) (*Handoff, error) {
	h, err := tx.CloseHandoff(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, `
		UPDATE conversations SET state = 'bot', updated_at = ? WHERE id = ? AND handoff_id = ? AND state = 'closed'`,
		ts(tx.now), h.ConversationID, id); err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	return h, nil
}

// AdminTakeover records that a VK admin (ownerID, ownerName) wrote to the
// customer of conversation convID in the platform's own screen: a
// conversation with the bot, waiting, or closed becomes assigned to the
// admin (through a new handoff with reason admin, or the waiting one); an
// assigned one keeps its owner. LastAdminAt is set to now in every case. It
// returns the handoff, or ErrNotFound when there is no such conversation.
func (tx *Tx) AdminTakeover(ctx context.Context, convID int64, ownerID, ownerName string) (*Handoff, error) {
	c, err := tx.Conversation(ctx, convID)
	if err != nil {
		return nil, fmt.Errorf("admin takeover: %w", err)
	}
	id := c.HandoffID
	switch c.State {
	case StateBot, StateClosed:
		h, _, err := tx.Enqueue(ctx, convID, ReasonAdmin, 0)
		if err != nil {
			return nil, fmt.Errorf("admin takeover: %w", err)
		}
		id = h.ID
		fallthrough
	case StateWaiting:
		if _, err := tx.Claim(ctx, id, ownerID, ownerName); err != nil {
			return nil, fmt.Errorf("admin takeover: %w", err)
		}
	}
	if _, err := tx.tx.ExecContext(ctx, `
		UPDATE handoffs SET last_admin_at = ?, first_reply_at = COALESCE(first_reply_at, ?) WHERE id = ?`,
		ts(tx.now), ts(tx.now), id); err != nil {
		return nil, fmt.Errorf("admin takeover: %w", err)
	}
	return tx.Handoff(ctx, id)
}

// QuietAdmins returns the assigned handoffs whose VK admin last wrote
// before since, oldest first; none is an empty slice.
func (db *DB) QuietAdmins(ctx context.Context, since time.Time) ([]*Handoff, error) {
	return listHandoffs(ctx, db.rd, `SELECT `+handoffColumns+` FROM handoffs
		WHERE state = 'assigned' AND last_admin_at IS NOT NULL AND last_admin_at < ? ORDER BY last_admin_at`, ts(since))
}

// SetTopic attaches desk topic topicID to handoff id. It returns ErrNotFound
// when there is no such handoff.
func (tx *Tx) SetTopic(ctx context.Context, id int64, topicID string) error {
	return tx.setHandoff(ctx, id, "topic_id = ?", topicID)
}

// MarkNotified records that the customer of handoff id was just told they
// are still waiting. It returns ErrNotFound when there is no such handoff.
func (tx *Tx) MarkNotified(ctx context.Context, id int64) error {
	return tx.setHandoff(ctx, id, "last_notice_at = ?", ts(tx.now))
}

// MarkReminded records that the desk was just reminded of handoff id. It
// returns ErrNotFound when there is no such handoff.
func (tx *Tx) MarkReminded(ctx context.Context, id int64) error {
	return tx.setHandoff(ctx, id, "reminded_at = ?", ts(tx.now))
}

// MarkFirstReply records, once, that an operator wrote to the customer of
// handoff id. It returns ErrNotFound when there is no such handoff.
func (tx *Tx) MarkFirstReply(ctx context.Context, id int64) error {
	return tx.setHandoff(ctx, id, "first_reply_at = COALESCE(first_reply_at, ?)", ts(tx.now))
}

func (tx *Tx) setHandoff(ctx context.Context, id int64, set string, arg any) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE handoffs SET `+set+` WHERE id = ?`, arg, id)
	if err != nil {
		return fmt.Errorf("update handoff %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update handoff %d: %w", id, ErrNotFound)
	}
	return nil
}

// Rate stores the customer's rating (1..5) of conversation convID's last
// handoff. It returns ErrNotFound when the conversation has never been
// handed off and a *StateError (ErrState) when that handoff is not closed
// yet or is already rated; a rating outside 1..5 is an error.
func (tx *Tx) Rate(ctx context.Context, convID int64, rating int) (*Handoff, error) {
	if rating < 1 || rating > 5 {
		return nil, fmt.Errorf("rate: %d is not in 1..5", rating)
	}
	c, err := tx.Conversation(ctx, convID)
	if err != nil {
		return nil, fmt.Errorf("rate: %w", err)
	}
	if c.HandoffID == 0 {
		return nil, fmt.Errorf("rate: conversation %d has no handoff: %w", convID, ErrNotFound)
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE handoffs SET rating = ? WHERE id = ? AND state = 'closed' AND rating IS NULL`,
		rating, c.HandoffID)
	if err != nil {
		return nil, fmt.Errorf("rate: %w", err)
	}
	h, err := tx.Handoff(ctx, c.HandoffID)
	if err != nil {
		return nil, fmt.Errorf("rate: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		st := h.State
		if st == StateClosed {
			st = "rated"
		}
		return nil, &StateError{Op: "rate", State: st}
	}
	return h, nil
}

// QueueItem is a handoff in the queue with its conversation.
type QueueItem struct {
	Handoff      *Handoff
	Conversation *Conversation
	// Position is the place in the queue (1 is next) of a waiting handoff;
	// 0 for an assigned one.
	Position int
}

// Queue returns the open handoffs: the waiting ones in the order they will be
// served (priority first, then age), then the assigned ones oldest first. An
// empty queue is an empty slice.
func (db *DB) Queue(ctx context.Context) ([]*QueueItem, error) {
	rows, err := db.rd.QueryContext(ctx, `
		SELECT h.id, h.conversation_id, h.reason, h.priority, h.state, h.owner_id, h.owner_name, h.topic_id,
			h.created_at, h.assigned_at, h.first_reply_at, h.closed_at, h.last_notice_at, h.reminded_at, h.last_admin_at, COALESCE(h.rating, 0),
			c.id, c.platform, c.chat_id, c.user_id, c.user_name, c.profile_url, c.state,
			COALESCE(c.handoff_id, 0), c.failures, c.lang, c.banned, c.blocked, c.blocked_at, c.created_at, c.updated_at
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.state IN ('waiting', 'assigned')
		ORDER BY h.state = 'assigned', h.priority DESC, h.created_at, h.id`)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	defer rows.Close()
	var out []*QueueItem
	pos := 0
	for rows.Next() {
		var (
			h Handoff
			c Conversation
		)
		if err := rows.Scan(&h.ID, &h.ConversationID, &h.Reason, &h.Priority, &h.State, &h.OwnerID, &h.OwnerName, &h.TopicID,
			tm(&h.CreatedAt), tm(&h.AssignedAt), tm(&h.FirstReplyAt), tm(&h.ClosedAt), tm(&h.LastNoticeAt),
			tm(&h.RemindedAt), tm(&h.LastAdminAt), &h.Rating,
			&c.ID, &c.Platform, &c.ChatID, &c.UserID, &c.UserName, &c.ProfileURL, &c.State,
			&c.HandoffID, &c.Failures, &c.Lang, &c.Banned, &c.Blocked, tm(&c.BlockedAt), tm(&c.CreatedAt), tm(&c.UpdatedAt)); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		it := &QueueItem{Handoff: &h, Conversation: &c}
		if h.State == StateWaiting {
			pos++
			it.Position = pos
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// DueReminders returns the waiting handoffs queued before since and not
// reminded since then, oldest first; none is an empty slice.
func (db *DB) DueReminders(ctx context.Context, since time.Time) ([]*Handoff, error) {
	return listHandoffs(ctx, db.rd, `SELECT `+handoffColumns+` FROM handoffs
		WHERE state = 'waiting' AND created_at < ?1 AND (reminded_at IS NULL OR reminded_at < ?1)
		ORDER BY created_at, id`, ts(since))
}

// WithoutTopic returns the open handoffs that have no desk topic yet, oldest
// first; none is an empty slice.
func (db *DB) WithoutTopic(ctx context.Context) ([]*Handoff, error) {
	return listHandoffs(ctx, db.rd, `SELECT `+handoffColumns+` FROM handoffs
		WHERE state IN ('waiting', 'assigned') AND topic_id = '' ORDER BY id`)
}

func listHandoffs(ctx context.Context, q queryer, query string, args ...any) ([]*Handoff, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("handoffs: %w", err)
	}
	defer rows.Close()
	var out []*Handoff
	for rows.Next() {
		h, err := scanHandoff(rows)
		if err != nil {
			return nil, fmt.Errorf("handoffs: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
