package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supportbot/supportbot/bot"
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
	InboxID     int64
	Author      Author
	AuthorID    string
	Kind        bot.Kind
	Text        string
	Attachments []bot.Attachment
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
	var att string
	if len(m.Attachments) > 0 {
		b, err := json.Marshal(m.Attachments)
		if err != nil {
			return fmt.Errorf("add message: %w", err)
		}
		att = string(b)
	}
	kind := m.Kind
	if kind == "" {
		kind = bot.KindText
	}
	var inbox any
	if m.InboxID != 0 {
		inbox = m.InboxID
	}
	res, err := tx.tx.ExecContext(ctx, `
		INSERT INTO messages (conversation_id, inbox_id, author, author_id, kind, text, attachments, action, entry_id, score, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ConversationID, inbox, string(m.Author), m.AuthorID, string(kind), m.Text, att, m.Action, m.EntryID, m.Score, ts(tx.now))
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
		var (
			m   Message
			att string
		)
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.InboxID, &m.Author, &m.AuthorID, &m.Kind, &m.Text, &att,
			&m.Action, &m.EntryID, &m.Score, tm(&m.CreatedAt)); err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
		if att != "" {
			if err := json.Unmarshal([]byte(att), &m.Attachments); err != nil {
				return nil, fmt.Errorf("messages: message %d attachments: %w", m.ID, err)
			}
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}
