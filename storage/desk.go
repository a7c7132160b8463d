package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrTopicTaken is returned by AttachTopic when the handoff already has a
// desk topic (another run of the desk work attached one first).
var ErrTopicTaken = errors.New("handoff already has a desk topic")

// TopicsToOpen returns the open (waiting or assigned) handoffs that have no
// desk topic yet, oldest first, leaving out those a VK admin took over in
// VK's own screen (reason admin): they are answered there. None is an empty
// slice.
func (db *DB) TopicsToOpen(ctx context.Context) ([]*Handoff, error) {
	return listHandoffs(ctx, db.rd, `SELECT `+handoffColumns+` FROM handoffs
		WHERE state IN ('waiting', 'assigned') AND topic_id = '' AND reason <> ?
		ORDER BY id`, ReasonAdmin)
}

// TopicsToClose returns the closed handoffs whose desk topic has not been
// closed yet (see MarkTopicClosed), oldest first; none is an empty slice.
func (db *DB) TopicsToClose(ctx context.Context) ([]*Handoff, error) {
	return listHandoffs(ctx, db.rd, `SELECT `+handoffColumns+` FROM handoffs
		WHERE state = 'closed' AND topic_id <> '' AND topic_closed_at IS NULL
		ORDER BY id`)
}

// PreviousTopic returns the desk topic of the newest handoff of conversation
// convID before handoff beforeID that had one, or "" when none had.
func (db *DB) PreviousTopic(ctx context.Context, convID, beforeID int64) (string, error) {
	var topic string
	err := db.rd.QueryRowContext(ctx, `
		SELECT topic_id FROM handoffs
		WHERE conversation_id = ? AND id < ? AND topic_id <> ''
		ORDER BY id DESC LIMIT 1`, convID, beforeID).Scan(&topic)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("previous topic of conversation %d: %w", convID, err)
	}
	return topic, nil
}

// AttachTopic attaches desk topic topicID to handoff id, which must have
// none yet. Earlier handoffs of the same conversation in that topic (a
// returning customer whose old topic was reopened) are marked as having
// their topic closed already, so the topic is not closed again under the new
// handoff. It returns the handoff, ErrNotFound when there is no such
// handoff, and ErrTopicTaken when it has a topic already.
func (tx *Tx) AttachTopic(ctx context.Context, id int64, topicID string) (*Handoff, error) {
	if topicID == "" {
		return nil, fmt.Errorf("attach topic to handoff %d: empty topic id", id)
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE handoffs SET topic_id = ? WHERE id = ? AND topic_id = ''`, topicID, id)
	if err != nil {
		return nil, fmt.Errorf("attach topic to handoff %d: %w", id, err)
	}
	h, err := tx.Handoff(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("attach topic: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("attach topic %s to handoff %d (it has %s): %w", topicID, id, h.TopicID, ErrTopicTaken)
	}
	if _, err := tx.tx.ExecContext(ctx, `
		UPDATE handoffs SET topic_closed_at = COALESCE(topic_closed_at, ?)
		WHERE conversation_id = ? AND id < ? AND topic_id = ?`,
		ts(tx.now), h.ConversationID, id, topicID); err != nil {
		return nil, fmt.Errorf("attach topic to handoff %d: %w", id, err)
	}
	return h, nil
}

// MarkTopicClosed records that the desk topic of closed handoff id was
// closed. It returns ErrNotFound when there is no such handoff and a
// *StateError (ErrState) when the handoff is not closed.
func (tx *Tx) MarkTopicClosed(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `
		UPDATE handoffs SET topic_closed_at = COALESCE(topic_closed_at, ?) WHERE id = ? AND state = 'closed'`,
		ts(tx.now), id)
	if err != nil {
		return fmt.Errorf("mark topic closed: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	h, err := tx.Handoff(ctx, id)
	if err != nil {
		return fmt.Errorf("mark topic closed: %w", err)
	}
	return &StateError{Op: "mark topic closed", State: h.State, Owner: h.OwnerID, Name: h.OwnerName}
}

// MarkTopicClosed is Tx.MarkTopicClosed in its own transaction.
func (db *DB) MarkTopicClosed(ctx context.Context, id int64) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.MarkTopicClosed(ctx, id) })
}
