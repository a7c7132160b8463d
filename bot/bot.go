// Package bot is the messaging vocabulary shared by every platform adapter
// and the conversation logic: a platform event becomes a Message at the edge,
// the logic answers with Replies, and a Channel delivers them back.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Platform names the messenger a message came from or goes to.
type Platform string

// The platforms supportbot speaks.
const (
	Telegram Platform = "telegram"
	VK       Platform = "vk"
	Console  Platform = "console"
)

// Kind says what a Message carries.
type Kind string

// Message kinds. A Button press carries the button's Payload; non-text media
// (stickers, photos, voice, files) carry Attachments and usually no Text.
const (
	KindText    Kind = "text"
	KindButton  Kind = "button"
	KindMedia   Kind = "media"
	KindCommand Kind = "command" // "/start", "/close", ...: Text holds the whole line
	// KindAdminReply is an outgoing message written by a community admin in
	// the platform's own interface (VK message_reply with admin_author_id).
	KindAdminReply Kind = "admin_reply"
)

// Message is one incoming event, converted from the platform's own type at
// the edge. IDs are strings so every platform fits.
type Message struct {
	Platform Platform `json:"platform"`
	// EventID is unique per platform and event (Telegram update_id, VK
	// event_id, a console counter); the inbox deduplicates on it.
	EventID string `json:"event_id"`
	Kind    Kind   `json:"kind"`
	// ChatID addresses the conversation on the platform (Telegram chat id,
	// VK peer_id). Replies go back to it.
	ChatID string `json:"chat_id"`
	// ThreadID is the Telegram forum topic (message_thread_id), if any.
	ThreadID string `json:"thread_id,omitempty"`
	// MessageID is the platform's id of the message itself, if any.
	MessageID string `json:"message_id,omitempty"`
	// UserID is the author: the customer, an operator, or a VK admin.
	UserID     string `json:"user_id"`
	UserName   string `json:"user_name,omitempty"`
	ProfileURL string `json:"profile_url,omitempty"`
	Text       string `json:"text,omitempty"`
	// Payload is the data of the pressed button (KindButton).
	Payload string `json:"payload,omitempty"`
	// CallbackID identifies a button press that must be acknowledged
	// (Telegram callback_query id, VK message_event event_id).
	CallbackID  string       `json:"callback_id,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// Group is true when the message was written in a group chat where the
	// bot only answers when Mentioned (or replied to).
	Group     bool      `json:"group,omitempty"`
	Mentioned bool      `json:"mentioned,omitempty"`
	Time      time.Time `json:"time"`
	// Raw is the platform's own JSON of the event (a Telegram update, a VK
	// event object), stored in the inbox for audit and replay; nil when
	// there is none (the console).
	Raw json.RawMessage `json:"-"`
}

// Attachment is a non-text part of a message.
type Attachment struct {
	// Type is "photo", "sticker", "voice", "audio", "video", "document" or
	// another platform word.
	Type string `json:"type"`
	// FileID lets the same platform send the file again (Telegram file_id,
	// VK "photo123_456" attachment string).
	FileID string `json:"file_id,omitempty"`
	URL    string `json:"url,omitempty"`
	Name   string `json:"name,omitempty"`
}

// Button is one choice under a reply. Exactly one of Payload and URL is set.
type Button struct {
	Text    string `json:"text"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Reply is one outgoing message.
type Reply struct {
	Platform Platform `json:"platform"`
	ChatID   string   `json:"chat_id"`
	ThreadID string   `json:"thread_id,omitempty"`
	// Text is plain text; the adapter escapes it for its parse mode.
	Text string `json:"text"`
	// Buttons are rows of buttons.
	Buttons [][]Button `json:"buttons,omitempty"`
	// Attachments are forwarded media (operator desk copies, say).
	Attachments []Attachment `json:"attachments,omitempty"`
	// Key is unique per reply and stable across retries (the outbox row id);
	// VK derives random_id from it so a resend is not delivered twice.
	Key string `json:"key"`
	// CallbackID, when set, acknowledges that button press.
	CallbackID string `json:"callback_id,omitempty"`
}

// Channel delivers replies on one platform. Send makes one attempt (the
// caller retries): it returns a *RetryError for failures worth retrying and
// ErrBlocked when the recipient will never get messages from the bot.
type Channel interface {
	Platform() Platform
	// Send delivers r and returns the platform's id of the sent message.
	Send(ctx context.Context, r Reply) (string, error)
}

// Handler takes incoming events. The router implements it: it stores the
// message durably before returning, so an adapter confirms the event to its
// platform only after Handle returned nil.
type Handler interface {
	Handle(ctx context.Context, m Message) error
}

// BatchHandler takes several incoming events at once: an adapter that
// receives events in batches (Telegram getUpdates, VK long poll) uses it
// when its Handler implements it. HandleBatch stores every message of ms
// durably before returning nil, so the adapter confirms the batch to its
// platform only then. On error none or some of ms may be stored; the caller
// retries the whole batch and does not confirm it meanwhile (events stored
// the first time are deduplicated by platform and event id).
type BatchHandler interface {
	HandleBatch(ctx context.Context, ms []Message) error
}

// ErrBlocked reports that the recipient blocked the bot or cannot be written
// to (Telegram 403, VK error 901): retrying will not help.
var ErrBlocked = errors.New("recipient blocked the bot")

// RetryError reports a temporary failure (HTTP 429 or 5xx, a network error,
// VK error 6 or 10). After is how long the platform asked us to wait, or 0.
type RetryError struct {
	After time.Duration
	Err   error
}

// Error describes the failure.
func (e *RetryError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("temporary failure (retry after %s): %v", e.After, e.Err)
	}
	return fmt.Sprintf("temporary failure: %v", e.Err)
}

// Unwrap returns the underlying error.
func (e *RetryError) Unwrap() error { return e.Err }
