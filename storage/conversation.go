package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// State is where a conversation (or a handoff) is in its life.
type State string

// The conversation states. A conversation goes bot → waiting (in the queue)
// → assigned (a person owns it) → closed → bot (on the customer's next
// message). A handoff goes waiting → assigned → closed.
const (
	StateBot      State = "bot"
	StateWaiting  State = "waiting"
	StateAssigned State = "assigned"
	StateClosed   State = "closed"
)

// Conversation is one customer chat on one platform.
type Conversation struct {
	ID int64
	// Platform names the messenger ("telegram", "vk", "console").
	Platform   string
	ChatID     string
	UserID     string
	UserName   string
	ProfileURL string
	State      State
	// HandoffID is the current handoff, or the last one once the
	// conversation is back with the bot; 0 if it never had one.
	HandoffID int64
	// Failures counts the bot's consecutive failures (fallbacks).
	Failures int
	Lang     string
	Banned   bool
	Blocked  bool
	// BlockedAt is when the customer was last found to have blocked the
	// bot (Blocked is true); the zero time when they have not.
	BlockedAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Profile is what a platform tells about a customer; empty fields leave the
// stored ones alone.
type Profile struct {
	UserID     string
	UserName   string
	ProfileURL string
}

const conversationColumns = `id, platform, chat_id, user_id, user_name, profile_url, state,
	COALESCE(handoff_id, 0), failures, lang, banned, blocked, blocked_at, created_at, updated_at`

func scanConversation(row interface{ Scan(...any) error }) (*Conversation, error) {
	var c Conversation
	err := row.Scan(&c.ID, &c.Platform, &c.ChatID, &c.UserID, &c.UserName, &c.ProfileURL, &c.State,
		&c.HandoffID, &c.Failures, &c.Lang, &c.Banned, &c.Blocked, tm(&c.BlockedAt), tm(&c.CreatedAt), tm(&c.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// UpsertConversation returns the conversation of chatID on platform p,
// creating it (in state bot) if there is none, and updates its profile from
// the non-empty fields of who. created says whether it was new.
func (tx *Tx) UpsertConversation(ctx context.Context, p, chatID string, who Profile) (c *Conversation, created bool, err error) {
	c, err = scanConversation(tx.tx.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE platform = ? AND chat_id = ?`, p, chatID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.tx.ExecContext(ctx, `
			INSERT INTO conversations (platform, chat_id, user_id, user_name, profile_url, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p, chatID, who.UserID, who.UserName, who.ProfileURL, ts(tx.now), ts(tx.now))
		if err != nil {
			return nil, false, fmt.Errorf("create conversation: %w", err)
		}
		id, _ := res.LastInsertId()
		now := tx.now.Truncate(time.Millisecond)
		return &Conversation{ID: id, Platform: p, ChatID: chatID, UserID: who.UserID, UserName: who.UserName,
			ProfileURL: who.ProfileURL, State: StateBot, Lang: "ru", CreatedAt: now, UpdatedAt: now}, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("upsert conversation: %w", err)
	}
	changed := false
	for _, f := range []struct {
		dst *string
		v   string
	}{{&c.UserID, who.UserID}, {&c.UserName, who.UserName}, {&c.ProfileURL, who.ProfileURL}} {
		if f.v != "" && f.v != *f.dst {
			*f.dst, changed = f.v, true
		}
	}
	if changed {
		c.UpdatedAt = tx.now.Truncate(time.Millisecond)
		if _, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET user_id = ?, user_name = ?, profile_url = ?, updated_at = ? WHERE id = ?`,
			c.UserID, c.UserName, c.ProfileURL, ts(tx.now), c.ID); err != nil {
			return nil, false, fmt.Errorf("upsert conversation: %w", err)
		}
	}
	return c, false, nil
}

// Conversation returns the conversation with id, or ErrNotFound.
func (tx *Tx) Conversation(ctx context.Context, id int64) (*Conversation, error) {
	return findConversation(ctx, tx.tx, id)
}

// Conversation returns the conversation with id, or ErrNotFound.
func (db *DB) Conversation(ctx context.Context, id int64) (*Conversation, error) {
	return findConversation(ctx, db.rd, id)
}

// ConversationByChat returns the conversation of chatID on platform p, or
// ErrNotFound.
func (db *DB) ConversationByChat(ctx context.Context, p, chatID string) (*Conversation, error) {
	c, err := scanConversation(db.rd.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE platform = ? AND chat_id = ?`, p, chatID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("conversation %s/%s: %w", p, chatID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("conversation %s/%s: %w", p, chatID, err)
	}
	return c, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func findConversation(ctx context.Context, q queryer, id int64) (*Conversation, error) {
	c, err := scanConversation(q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("conversation %d: %w", id, err)
	}
	return c, nil
}

// ConversationUpdate holds the fields to change; nil fields are left alone.
type ConversationUpdate struct {
	Failures *int
	Lang     *string
	Banned   *bool
	Blocked  *bool
}

// UpdateConversation changes the non-nil fields of u on conversation id. It
// returns ErrNotFound when there is no such conversation.
func (tx *Tx) UpdateConversation(ctx context.Context, id int64, u ConversationUpdate) error {
	set, args := "updated_at = ?", []any{ts(tx.now)}
	if u.Failures != nil {
		set += ", failures = ?"
		args = append(args, *u.Failures)
	}
	if u.Lang != nil {
		set += ", lang = ?"
		args = append(args, *u.Lang)
	}
	if u.Banned != nil {
		set += ", banned = ?"
		args = append(args, *u.Banned)
	}
	if u.Blocked != nil {
		set += ", blocked = ?, blocked_at = ?"
		args = append(args, *u.Blocked, blockedAt(*u.Blocked, tx.now))
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET `+set+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		return fmt.Errorf("update conversation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

// SetBanned bans (or unbans) conversation id: the bot ignores a banned
// customer. It returns ErrNotFound when there is no such conversation.
func (db *DB) SetBanned(ctx context.Context, id int64, banned bool) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.UpdateConversation(ctx, id, ConversationUpdate{Banned: &banned})
	})
}

// SetBlocked marks (or unmarks) the customer of chatID on p as having blocked
// the bot, as of now. It returns ErrNotFound when there is no such
// conversation.
func (tx *Tx) SetBlocked(ctx context.Context, p, chatID string, blocked bool) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET blocked = ?, blocked_at = ?, updated_at = ? WHERE platform = ? AND chat_id = ?`,
		blocked, blockedAt(blocked, tx.now), ts(tx.now), p, chatID)
	if err != nil {
		return fmt.Errorf("set blocked: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set blocked %s/%s: %w", p, chatID, ErrNotFound)
	}
	return nil
}

// blockedAt is the blocked_at value for blocked: now, or NULL.
func blockedAt(blocked bool, now time.Time) any {
	if !blocked {
		return nil
	}
	return ts(now)
}
