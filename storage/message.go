package storage

import (
	"context"
	"fmt"
	"time"
)

// Author says who wrote a transcript message.
type Author string

// Transcript authors.
const (
	AuthorCustomer Author = "customer"
	AuthorBot      Author = "bot"
	AuthorOperator Author = "operator"
	AuthorNote     Author = "note"  // an operator's internal note, never sent
	AuthorAdmin    Author = "admin" // a VK admin writing in VK's own screen
)

// Message is one line of a conversation's transcript.
type Message struct {
	ID             int64
	ConversationID int64
	// InboxID is the event the message came from or answers; 0 if none.
	InboxID  int64
	Author   Author
	AuthorID string
	// Kind is what the message carries ("text", "button", "media",
	// "command", "admin_reply"); AddMessage stores "" as "text".
	Kind string
	Text string
	// Attachments are the message's non-text parts, encoded by the caller
	// (JSON); "" when there are none.
	Attachments string
	// Action is, on customer messages, what the bot did: answer, clarify,
	// handoff, fallback, smalltalk, relay, media, ignored...
	Action    string
	EntryID   string
	Score     float64
	CreatedAt time.Time
}

// AddMessage appends m to its conversation's transcript, setting m.ID and
// m.CreatedAt. It fails (foreign key) when the conversation does not exist.
func (tx *Tx) AddMessage(ctx context.Context, m *Message) error {
	kind := m.Kind
	if kind == "" {
		kind = "text"
	}
	var inbox any
	if m.InboxID != 0 {
		inbox = m.InboxID
	}
	res, err := tx.tx.ExecContext(ctx, `
		INSERT INTO messages (conversation_id, inbox_id, author, author_id, kind, text, attachments, action, entry_id, score, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ConversationID, inbox, string(m.Author), m.AuthorID, kind, m.Text, m.Attachments, m.Action, m.EntryID, m.Score, ts(tx.now))
	if err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	m.ID, _ = res.LastInsertId()
	m.Kind = kind
	m.CreatedAt = tx.now.Truncate(time.Millisecond)
	return nil
}

// Messages returns the last limit messages of conversation id, oldest
// first; a conversation without messages (or that does not exist) gives an
// empty slice.
func (db *DB) Messages(ctx context.Context, conversationID int64, limit int) ([]*Message, error) {
	return listMessages(ctx, db.rd, conversationID, limit)
}

// Messages is DB.Messages inside the transaction.
func (tx *Tx) Messages(ctx context.Context, conversationID int64, limit int) ([]*Message, error) {
	return listMessages(ctx, tx.tx, conversationID, limit)
}

func listMessages(ctx context.Context, q queryer, conversationID int64, limit int) ([]*Message, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT * FROM (
			SELECT id, conversation_id, COALESCE(inbox_id, 0), author, author_id, kind, text, attachments, action, entry_id, score, created_at
			FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?
		) ORDER BY id`, conversationID, limit)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	var out []*Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.InboxID, &m.Author, &m.AuthorID, &m.Kind, &m.Text, &m.Attachments,
			&m.Action, &m.EntryID, &m.Score, tm(&m.CreatedAt)); err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}
