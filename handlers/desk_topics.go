package handlers

// The desk work that needs the network and so runs outside any transaction:
// opening a forum topic (with its card) for each handoff, closing the topics
// of closed handoffs, and reminders of customers waiting too long.
//
// Crash safety: a topic is attached to its handoff (and its card queued in
// the outbox) in one transaction right after CreateTopic returns. If the
// process dies in between, the next run opens another topic for the handoff:
// at worst one stray empty topic, never a handoff without a card. A topic is
// marked closed only after CloseTopic succeeded.
//
// A returning customer (a new handoff of a conversation that had a topic
// before) gets their old topic back, reopened and renamed, so the operators
// see the earlier talk above the new card; if Telegram will not reopen it
// (deleted by hand), a new topic is opened.

import (
	"context"
	"errors"
	"fmt"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// deskWork opens and closes the desk's topics and, when reminders is true,
// reminds the desk of customers waiting longer than remindAfter. Without a
// desk it does nothing. Runs are serialized.
func (r *Router) deskWork(ctx context.Context, reminders bool) {
	desk := r.getDesk()
	if desk == nil {
		return
	}
	r.dk.work.Lock()
	defer r.dk.work.Unlock()
	r.closeTopics(ctx, desk)
	r.openTopics(ctx, desk)
	if reminders {
		r.remind(ctx, desk)
	}
}

// closeTopics closes the topics of closed handoffs.
func (r *Router) closeTopics(ctx context.Context, desk Desk) {
	hs, err := r.db.TopicsToClose(ctx)
	if err != nil {
		r.log.Error("desk: topics to close", "err", err)
		return
	}
	for _, h := range hs {
		if err := desk.CloseTopic(ctx, h.TopicID); err != nil {
			var retry *bot.RetryError
			if errors.As(err, &retry) || ctx.Err() != nil {
				r.log.Warn("desk: close topic; will retry", "handoff", h.ID, "topic", h.TopicID, "err", err)
				return
			}
			// A topic deleted by hand cannot be closed: nothing left to do.
			r.log.Warn("desk: close topic failed; giving up on it", "handoff", h.ID, "topic", h.TopicID, "err", err)
		}
		if err := r.db.MarkTopicClosed(ctx, h.ID); err != nil && !storageIsExpected(err) {
			r.log.Error("desk: mark topic closed", "handoff", h.ID, "err", err)
		}
	}
}

// openTopics opens a topic for each open handoff that has none.
func (r *Router) openTopics(ctx context.Context, desk Desk) {
	hs, err := r.db.TopicsToOpen(ctx)
	if err != nil {
		r.log.Error("desk: topics to open", "err", err)
		return
	}
	for _, h := range hs {
		if err := r.openTopic(ctx, desk, h); err != nil {
			// Telegram is down or busy, or the group lost a setting (the
			// bot's right to manage topics): the next run tries again, and
			// the log says it once per run, not once per handoff.
			r.log.Warn("desk: could not open a topic; will retry", "handoff", h.ID, "waiting", len(hs), "err", err)
			return
		}
	}
}

// openTopic opens (or reopens) the topic of handoff h, attaches it and
// queues the card.
func (r *Router) openTopic(ctx context.Context, desk Desk, h *storage.Handoff) error {
	c, err := r.db.Conversation(ctx, h.ConversationID)
	if err != nil {
		return err
	}
	name := topicName(h, c)
	topic, reused := "", false
	prev, err := r.db.PreviousTopic(ctx, c.ID, h.ID)
	if err != nil {
		return err
	}
	if prev != "" {
		err := desk.ReopenTopic(ctx, prev)
		var retry *bot.RetryError
		switch {
		case err == nil:
			topic, reused = prev, true
			if err := desk.EditTopic(ctx, prev, name); err != nil {
				r.log.Warn("desk: rename a reopened topic", "topic", prev, "err", err)
			}
		case errors.As(err, &retry) || ctx.Err() != nil:
			return err
		default:
			r.log.Info("desk: the customer's old topic cannot be reopened; opening a new one", "topic", prev, "err", err)
		}
	}
	if topic == "" {
		if topic, err = desk.CreateTopic(ctx, name); err != nil {
			return fmt.Errorf("create topic %q: %w", name, err)
		}
	}
	kb := r.kb.Load()
	err = r.db.Update(ctx, func(tx *storage.Tx) error {
		h, err := tx.AttachTopic(ctx, h.ID, topic)
		if err != nil {
			return err
		}
		return postCard(ctx, tx, kb.f, desk.ChatID(), h, 0)
	})
	if errors.Is(err, storage.ErrTopicTaken) {
		if !reused {
			// Another process attached its own topic first: close ours.
			if cerr := desk.CloseTopic(ctx, topic); cerr != nil {
				r.log.Warn("desk: close a stray topic", "topic", topic, "err", cerr)
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.wake(r.wakeOut)
	return nil
}

// postCard queues the card of handoff h (which has its topic) in the desk:
// who, where, why, the place in the queue, the transcript so far, and the
// take and close buttons. inboxID is the event it answers, or 0.
func postCard(ctx context.Context, tx *storage.Tx, f *faq.FAQ, deskChat string, h *storage.Handoff, inboxID int64) error {
	c, err := tx.Conversation(ctx, h.ConversationID)
	if err != nil {
		return err
	}
	pos := 0
	if h.State == storage.StateWaiting {
		if pos, err = tx.Position(ctx, h.ID); err != nil {
			return err
		}
	}
	ms, err := tx.Messages(ctx, c.ID, cardMessages+1)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := attachmentsOf(m); err != nil {
			return err
		}
	}
	more := len(ms) > cardMessages
	if more {
		ms = ms[1:]
	}
	text := cardText(h, c, pos, ms, more, newDeskClock(f, tx.Now()))
	_, err = addReply(ctx, tx, c.ID, inboxID, bot.Reply{
		Platform: bot.Telegram, ChatID: deskChat, ThreadID: h.TopicID, Text: text, Buttons: cardButtons(h.ID),
	})
	return err
}

// remind posts a reminder in the topic of each customer waiting longer than
// remindAfter (once per remindAfter), and tells the customer, at most once
// per remindAfter, that they are still in the queue. Outside working hours
// nobody is reminded: the customer was told when operators are back.
func (r *Router) remind(ctx context.Context, desk Desk) {
	if r.remindAfter <= 0 {
		return
	}
	kb := r.kb.Load()
	now := r.Now()
	if !kb.f.Hours.Open(now) {
		return
	}
	hs, err := r.db.DueReminders(ctx, now.Add(-r.remindAfter))
	if err != nil {
		r.log.Error("desk: due reminders", "err", err)
		return
	}
	for _, h := range hs {
		err := r.db.Update(ctx, func(tx *storage.Tx) error {
			return r.remindOne(ctx, tx, kb, desk.ChatID(), h.ID)
		})
		if err != nil && !storageIsExpected(err) {
			r.log.Error("desk: remind", "handoff", h.ID, "err", err)
		}
	}
	if len(hs) > 0 {
		r.wake(r.wakeOut)
	}
}

// remindOne reminds the desk and the customer of waiting handoff id.
func (r *Router) remindOne(ctx context.Context, tx *storage.Tx, kb *knowledge, deskChat string, id int64) error {
	h, err := tx.Handoff(ctx, id)
	if err != nil {
		return err
	}
	if h.State != storage.StateWaiting {
		return nil
	}
	pos, err := tx.Position(ctx, id)
	if err != nil {
		return err
	}
	if err := tx.MarkReminded(ctx, id); err != nil {
		return err
	}
	c, err := tx.Conversation(ctx, h.ConversationID)
	if err != nil {
		return err
	}
	now := tx.Now()
	if h.TopicID != "" {
		text := fmt.Sprintf("⏰ Клиент ждёт ответа уже %s (место в очереди: %d). Ответьте здесь или нажмите «Взять».",
			waited(now.Sub(h.CreatedAt)), pos)
		if _, err := addReply(ctx, tx, c.ID, 0, bot.Reply{Platform: bot.Telegram, ChatID: deskChat, ThreadID: h.TopicID, Text: text}); err != nil {
			return err
		}
	}
	last := h.CreatedAt
	if h.LastNoticeAt.After(last) {
		last = h.LastNoticeAt
	}
	if now.Sub(last) < r.remindAfter || c.Banned {
		return nil
	}
	if err := tx.MarkNotified(ctx, id); err != nil {
		return err
	}
	texts := kb.f.TextsFor(c.Lang)
	msg := faq.Fill(texts.StillWaiting, map[string]string{
		"position":  fmt.Sprint(pos),
		"hours":     kb.f.Hours.Describe(c.Lang),
		"next_open": kb.f.Hours.NextOpenText(now, c.Lang),
	})
	if msg == "" {
		return nil
	}
	if _, err := addReply(ctx, tx, c.ID, 0, bot.Reply{Platform: bot.Platform(c.Platform), ChatID: c.ChatID, Text: msg}); err != nil {
		return err
	}
	return tx.AddMessage(ctx, &storage.Message{ConversationID: c.ID, Author: storage.AuthorBot, Text: msg})
}
