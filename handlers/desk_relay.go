package handlers

// The operator side: the desk (a Telegram forum group, one topic per
// handed-off conversation) and VK admins answering in VK's own screen. The
// customer flow calls in here at a few points (a handoff, a message while
// handed off, an undeliverable reply); everything that talks to the desk
// lives in this file.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// maintenanceEvery is how often the router looks for work no event brings:
// desk topics to open, reminders, VK admins gone quiet.
const maintenanceEvery = 30 * time.Second

// fromDesk handles a message in the operators' chat. Operator commands and
// the relay to customers are not built yet: the message is recorded as
// ignored.
func (t *turn) fromDesk(ctx context.Context) error {
	t.decision = "ignored"
	return nil
}

// fromAdmin handles a VK admin's own reply in VK's community messages: the
// conversation is assigned to the admin and the bot keeps quiet in it until
// the admin has been quiet for adminQuiet.
func (t *turn) fromAdmin(ctx context.Context) error {
	t.decision = "relay"
	conv, _, err := t.tx.UpsertConversation(ctx, t.m.Platform, t.m.ChatID, storage.Profile{})
	if err != nil {
		return err
	}
	t.conv = conv
	owner := string(t.m.Platform) + ":" + t.m.UserID
	h, err := t.tx.AdminTakeover(ctx, conv.ID, owner, t.m.UserName)
	if err != nil {
		return err
	}
	if h.Reason == storage.ReasonAdmin && h.CreatedAt.Equal(t.tx.Now().Truncate(time.Millisecond)) {
		t.handoff = storage.ReasonAdmin
	}
	return t.tx.AddMessage(ctx, &storage.Message{
		ConversationID: conv.ID, InboxID: t.ev.ID, Author: storage.AuthorAdmin, AuthorID: owner,
		Kind: bot.KindText, Text: t.m.Text, Attachments: t.m.Attachments,
	})
}

// deskHandoff is called in the transaction that queued h. The desk topic is
// opened by the maintenance loop (it needs the network, which has no place in
// a transaction); its first post carries the transcript so far.
func (t *turn) deskHandoff(ctx context.Context, h *storage.Handoff) error {
	return nil
}

// relayToDesk posts the customer's message to the conversation's desk topic,
// if it has one yet (if not, the card that opens the topic will show it).
func (t *turn) relayToDesk(ctx context.Context, h *storage.Handoff) error {
	if t.desk == nil || h.TopicID == "" {
		return nil
	}
	text := t.m.Text
	if text == "" && len(t.m.Attachments) > 0 {
		text = "[" + t.m.Attachments[0].Type + "]"
	}
	who := t.conv.UserName
	if who == "" {
		who = "Клиент"
	}
	_, err := t.tx.AddReply(ctx, t.conv.ID, t.ev.ID, bot.Reply{
		Platform: bot.Telegram, ChatID: t.desk.ChatID(), ThreadID: h.TopicID,
		Text: who + ": " + text, Attachments: sameMedia(t.conv.Platform, t.m.Attachments),
	})
	if err == nil {
		t.replies++
	}
	return err
}

// sameMedia keeps the attachments a Telegram desk can resend: those that
// came from Telegram (file ids work within the bot).
func sameMedia(p bot.Platform, att []bot.Attachment) []bot.Attachment {
	if p != bot.Telegram {
		return nil
	}
	return att
}

// tellDeskUndelivered tells the operators, in the conversation's topic, that
// a reply could not reach the customer.
func (r *Router) tellDeskUndelivered(ctx context.Context, it *storage.OutboxItem, cause error) error {
	desk := r.getDesk()
	if desk == nil || it.ConversationID == 0 || it.Reply.ChatID == desk.ChatID() {
		return nil
	}
	return r.db.Update(ctx, func(tx *storage.Tx) error {
		c, err := tx.Conversation(ctx, it.ConversationID)
		if err != nil || c.HandoffID == 0 {
			return nil
		}
		h, err := tx.Handoff(ctx, c.HandoffID)
		if err != nil || h.TopicID == "" {
			return nil
		}
		_, err = tx.AddReply(ctx, c.ID, 0, bot.Reply{
			Platform: bot.Telegram, ChatID: desk.ChatID(), ThreadID: h.TopicID,
			Text: "⚠️ Сообщение не дошло до клиента: " + undeliveredReason(cause),
		})
		return err
	})
}

func undeliveredReason(err error) string {
	if strings.Contains(err.Error(), bot.ErrBlocked.Error()) {
		return "клиент заблокировал бота или закрыл личные сообщения."
	}
	return fmt.Sprintf("платформа отказала (%v).", err)
}

// runMaintenance does, every maintenanceEvery until ctx is done, the work no
// event brings: it returns to the bot the conversations whose VK admin went
// quiet.
func (r *Router) runMaintenance(ctx, work context.Context) {
	tick := time.NewTicker(maintenanceEvery)
	defer tick.Stop()
	for {
		r.releaseQuietAdmins(work)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// releaseQuietAdmins returns to the bot the conversations a VK admin took
// over and has not written in for adminQuiet.
func (r *Router) releaseQuietAdmins(ctx context.Context) {
	if r.adminQuiet <= 0 {
		return
	}
	hs, err := r.db.QuietAdmins(ctx, r.Now().Add(-r.adminQuiet))
	if err != nil {
		r.log.Error("router: quiet admins", "err", err)
		return
	}
	for _, h := range hs {
		err := r.db.Update(ctx, func(tx *storage.Tx) error {
			_, err := tx.Release(ctx, h.ID)
			return err
		})
		if err != nil && !storageIsExpected(err) {
			r.log.Error("router: return a quiet admin's conversation to the bot", "handoff", h.ID, "err", err)
		}
	}
}
