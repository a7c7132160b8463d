package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/supportbot/supportbot/bot"
)

// maxTopicName is Telegram's limit for a forum topic's name.
const maxTopicName = 128

// Desk is the operators' desk: a forum supergroup (SUPPORTBOT_OPERATOR_CHAT)
// with one topic per handed-off conversation. Posts into a topic are
// ordinary Sends with Reply.ThreadID set; Desk manages the topics.
type Desk struct {
	t      *Telegram
	chatID string
}

// Desk returns the desk in the chat with that id (as in bot.Message.ChatID,
// "-100…" for a supergroup). Call Check to verify the chat.
func (t *Telegram) Desk(chatID string) *Desk {
	return &Desk{t: t, chatID: strings.TrimSpace(chatID)}
}

// ChatID is the operators' chat id, as it appears in bot.Message.ChatID.
func (d *Desk) ChatID() string { return d.chatID }

func (d *Desk) chat() (int64, error) {
	id, err := strconv.ParseInt(d.chatID, 10, 64)
	if err != nil || id >= 0 {
		return 0, fmt.Errorf("SUPPORTBOT_OPERATOR_CHAT %q is not a group chat id: use the group's numeric id, which starts with -100", d.chatID)
	}
	return id, nil
}

// Check verifies that the chat is a supergroup with topics on and that the
// bot is an administrator allowed to manage topics; an administrator also
// sees every message in the group, whatever its privacy mode. A failure is
// one sentence saying what to fix; a network failure or 5xx is a
// *bot.RetryError.
func (d *Desk) Check(ctx context.Context) error {
	id, err := d.chat()
	if err != nil {
		return err
	}
	var chat *models.ChatFullInfo
	err = d.t.call(ctx, "getChat", func(ctx context.Context) (err error) {
		chat, err = d.t.api.GetChat(ctx, &tgbot.GetChatParams{ChatID: id})
		return err
	})
	if err != nil {
		return d.explain(err)
	}
	switch {
	case chat.Type == models.ChatTypeGroup:
		return fmt.Errorf("SUPPORTBOT_OPERATOR_CHAT %s is a basic group, not a forum: turn on Topics in the group settings (Telegram then makes it a supergroup with a new id, starting with -100)", d.chatID)
	case chat.Type != models.ChatTypeSupergroup:
		return fmt.Errorf("SUPPORTBOT_OPERATOR_CHAT %s is a %s, not a group: use a supergroup with Topics turned on", d.chatID, chat.Type)
	case !chat.IsForum:
		return fmt.Errorf("SUPPORTBOT_OPERATOR_CHAT %s is not a forum: turn on Topics in the group settings", d.chatID)
	}

	var member *models.ChatMember
	err = d.t.call(ctx, "getChatMember", func(ctx context.Context) (err error) {
		member, err = d.t.api.GetChatMember(ctx, &tgbot.GetChatMemberParams{ChatID: id, UserID: d.t.id()})
		return err
	})
	if err != nil {
		return d.explain(err)
	}
	switch member.Type {
	case models.ChatMemberTypeAdministrator:
		if member.Administrator == nil || !member.Administrator.CanManageTopics {
			return fmt.Errorf("the bot is an administrator of SUPPORTBOT_OPERATOR_CHAT %s but may not manage topics: give it the Manage Topics right in the group's administrator settings", d.chatID)
		}
		return nil
	case models.ChatMemberTypeOwner:
		return nil
	case models.ChatMemberTypeLeft, models.ChatMemberTypeBanned:
		return fmt.Errorf("the bot is not a member of SUPPORTBOT_OPERATOR_CHAT %s: add it to the group and make it an administrator with the Manage Topics right", d.chatID)
	default:
		return fmt.Errorf("the bot is not an administrator of SUPPORTBOT_OPERATOR_CHAT %s: make it an administrator with the Manage Topics right", d.chatID)
	}
}

// explain turns a failed getChat or getChatMember into a sentence.
func (d *Desk) explain(err error) error {
	var re *bot.RetryError
	var ae *APIError
	switch {
	case errors.As(err, &re):
		return err
	case errors.Is(err, bot.ErrBlocked):
		return fmt.Errorf("the bot cannot see SUPPORTBOT_OPERATOR_CHAT %s (%v): add it to the group and make it an administrator with the Manage Topics right", d.chatID, err)
	case errors.As(err, &ae) && ae.Code == http.StatusBadRequest && strings.Contains(strings.ToLower(ae.Description), "not found"):
		return fmt.Errorf("SUPPORTBOT_OPERATOR_CHAT %s was not found: add the bot to the group and check the id (a supergroup's id starts with -100)", d.chatID)
	default:
		return fmt.Errorf("could not check SUPPORTBOT_OPERATOR_CHAT %s: %w", d.chatID, err)
	}
}

// topicName trims name to what Telegram accepts: 1–128 characters.
func topicName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "conversation"
	}
	if utf16Len(name) > maxTopicName {
		name = strings.TrimSpace(name[:prefixUTF16(name, maxTopicName-1)]) + "…"
	}
	return name
}

// CreateTopic opens a forum topic (its name trimmed to 128 characters) and
// returns its message_thread_id.
func (d *Desk) CreateTopic(ctx context.Context, name string) (string, error) {
	id, err := d.chat()
	if err != nil {
		return "", err
	}
	var topic *models.ForumTopic
	err = d.t.call(ctx, "createForumTopic", func(ctx context.Context) (err error) {
		topic, err = d.t.api.CreateForumTopic(ctx, &tgbot.CreateForumTopicParams{ChatID: id, Name: topicName(name)})
		return err
	})
	if err != nil {
		return "", err
	}
	return strconv.Itoa(topic.MessageThreadID), nil
}

// EditTopic renames a topic. Renaming to the same name is not an error.
func (d *Desk) EditTopic(ctx context.Context, threadID, name string) error {
	return d.topicCall(ctx, "editForumTopic", threadID, func(ctx context.Context, chat int64, thread int) error {
		_, err := d.t.api.EditForumTopic(ctx, &tgbot.EditForumTopicParams{ChatID: chat, MessageThreadID: thread, Name: topicName(name)})
		return err
	})
}

// CloseTopic closes a topic; closing a closed topic is not an error.
func (d *Desk) CloseTopic(ctx context.Context, threadID string) error {
	return d.topicCall(ctx, "closeForumTopic", threadID, func(ctx context.Context, chat int64, thread int) error {
		_, err := d.t.api.CloseForumTopic(ctx, &tgbot.CloseForumTopicParams{ChatID: chat, MessageThreadID: thread})
		return err
	})
}

// ReopenTopic opens a closed topic again; reopening an open topic is not an
// error.
func (d *Desk) ReopenTopic(ctx context.Context, threadID string) error {
	return d.topicCall(ctx, "reopenForumTopic", threadID, func(ctx context.Context, chat int64, thread int) error {
		_, err := d.t.api.ReopenForumTopic(ctx, &tgbot.ReopenForumTopicParams{ChatID: chat, MessageThreadID: thread})
		return err
	})
}

func (d *Desk) topicCall(ctx context.Context, method, threadID string, fn func(ctx context.Context, chat int64, thread int) error) error {
	chat, err := d.chat()
	if err != nil {
		return err
	}
	thread, err := threadParam(threadID)
	if err != nil || thread == 0 {
		return fmt.Errorf("telegram %s: %q is not a topic id", method, threadID)
	}
	err = d.t.call(ctx, method, func(ctx context.Context) error { return fn(ctx, chat, thread) })
	if isAPIError(err, "TOPIC_NOT_MODIFIED") {
		return nil // already so: a retried call must not fail
	}
	return err
}
