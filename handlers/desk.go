package handlers

import "context"

// Desk is the operators' desk: a Telegram forum supergroup with one topic per
// handed-off conversation. Posts into a topic go through the outbox as a
// bot.Reply to DeskChatID with ThreadID set; operators' messages and button
// presses there arrive as ordinary bot.Messages with that ChatID and ThreadID.
// bot/telegram implements it.
type Desk interface {
	// ChatID is the operators' chat id, as it appears in bot.Message.ChatID.
	ChatID() string
	// CreateTopic opens a forum topic and returns its message_thread_id.
	CreateTopic(ctx context.Context, name string) (threadID string, err error)
	// EditTopic renames a topic.
	EditTopic(ctx context.Context, threadID, name string) error
	// CloseTopic closes a topic; ReopenTopic opens it again.
	CloseTopic(ctx context.Context, threadID string) error
	ReopenTopic(ctx context.Context, threadID string) error
}
