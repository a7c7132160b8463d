package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// storage knows no bot types: it keeps a message, a reply or a list of
// attachments as the JSON this file makes of it, and gives it back as is.

// event is an inbox event with its message decoded.
type event struct {
	*storage.InboxEvent
	Message bot.Message
}

// incoming is m as the inbox stores it: the JSON of m (without Raw) and
// m.Raw beside it.
func incoming(m bot.Message) (storage.Incoming, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return storage.Incoming{}, err
	}
	return storage.Incoming{Platform: string(m.Platform), EventID: m.EventID, Payload: payload, Raw: m.Raw}, nil
}

// pendingInbox is storage.DB.PendingInbox with the messages decoded; a
// message that does not decode fails the whole call.
func (r *Router) pendingInbox(ctx context.Context, afterID int64, limit int) ([]*event, error) {
	evs, err := r.db.PendingInbox(ctx, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*event, 0, len(evs))
	for _, e := range evs {
		ev := &event{InboxEvent: e}
		if err := json.Unmarshal(e.Payload, &ev.Message); err != nil {
			return nil, fmt.Errorf("pending inbox: event %d: %w", e.ID, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// outItem is an outbox row with its reply decoded; Reply.Key is the row id.
type outItem struct {
	*storage.OutboxItem
	Reply bot.Reply
}

// addReply puts rp in the outbox for the conversation convID and the inbox
// event inboxID it answers (either may be 0) and returns the row id, which
// becomes rp.Key when it is sent.
func addReply(ctx context.Context, tx *storage.Tx, convID, inboxID int64, rp bot.Reply) (int64, error) {
	rp.Key = ""
	payload, err := json.Marshal(rp)
	if err != nil {
		return 0, fmt.Errorf("add reply: %w", err)
	}
	return tx.AddReply(ctx, storage.Outgoing{ConversationID: convID, InboxID: inboxID,
		Platform: string(rp.Platform), ChatID: rp.ChatID, Payload: payload})
}

// decodeOutbox decodes the replies of items; a reply that does not decode
// fails the whole call.
func decodeOutbox(items []*storage.OutboxItem, err error) ([]*outItem, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*outItem, 0, len(items))
	for _, it := range items {
		o := &outItem{OutboxItem: it}
		if err := json.Unmarshal(it.Payload, &o.Reply); err != nil {
			return nil, fmt.Errorf("pending outbox: reply %d: %w", it.ID, err)
		}
		o.Reply.Key = strconv.FormatInt(it.ID, 10)
		out = append(out, o)
	}
	return out, nil
}

// platformNames converts ps for storage.
func platformNames(ps []bot.Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// attachmentsJSON is as as a transcript stores it ("" for none).
func attachmentsJSON(as []bot.Attachment) string {
	if len(as) == 0 {
		return ""
	}
	b, err := json.Marshal(as)
	if err != nil { // strings only: cannot happen
		panic(fmt.Sprintf("attachments: %v", err))
	}
	return string(b)
}

// attachmentsOf decodes the attachments of transcript message m.
func attachmentsOf(m *storage.Message) ([]bot.Attachment, error) {
	if m.Attachments == "" {
		return nil, nil
	}
	var as []bot.Attachment
	if err := json.Unmarshal([]byte(m.Attachments), &as); err != nil {
		return nil, fmt.Errorf("messages: message %d attachments: %w", m.ID, err)
	}
	return as, nil
}
