package storage_test

import (
	"encoding/json"
	"testing"

	"github.com/supportbot/supportbot/storage"
)

// testMsg stands for the message a caller stores in the inbox: storage
// keeps its JSON and gives it back as is.
type testMsg struct {
	Platform string `json:"platform"`
	EventID  string `json:"event_id"`
	Kind     string `json:"kind,omitempty"`
	ChatID   string `json:"chat_id"`
	Text     string `json:"text,omitempty"`
}

// incoming is m as a caller stores it, with the platform's raw payload.
func incoming(tb testing.TB, m testMsg, raw []byte) storage.Incoming {
	tb.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return storage.Incoming{Platform: m.Platform, EventID: m.EventID, Payload: b, Raw: raw}
}

// message decodes the payload of an inbox event.
func message(tb testing.TB, e *storage.InboxEvent) testMsg {
	tb.Helper()
	var m testMsg
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// testReply stands for the reply a caller puts in the outbox.
type testReply struct {
	Platform string `json:"platform"`
	ChatID   string `json:"chat_id"`
	Text     string `json:"text"`
}

// outgoing is r as a caller puts it in the outbox for conversation convID
// and inbox event inboxID.
func outgoing(tb testing.TB, convID, inboxID int64, r testReply) storage.Outgoing {
	tb.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		tb.Fatal(err)
	}
	return storage.Outgoing{ConversationID: convID, InboxID: inboxID, Platform: r.Platform, ChatID: r.ChatID, Payload: b}
}

// reply decodes the payload of an outbox row.
func reply(tb testing.TB, it *storage.OutboxItem) testReply {
	tb.Helper()
	var r testReply
	if err := json.Unmarshal(it.Payload, &r); err != nil {
		tb.Fatal(err)
	}
	return r
}
