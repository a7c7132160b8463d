package handlers

// The operator side: the desk (a Telegram forum group, one topic per
// handed-off conversation) and VK admins answering in VK's own screen. The
// customer flow calls in here at a few points (a handoff, a message while
// handed off, an undeliverable reply); everything that talks to the desk
// lives in this file.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// maintenanceEvery is how often the router looks for work no event brings:
// desk topics to open, reminders, VK admins gone quiet.
const maintenanceEvery = 30 * time.Second

// deskEvery is how often at most the desk's topics wait to be opened or
// closed when no event of this process said so (a handoff closed with
// `supportbot queue close`, a failure to retry).
const deskEvery = 5 * time.Second

// fromDesk handles a message or button press in the operators' chat (see
// desk_commands.go): only operators act; their messages in a handoff's topic
// go to the customer, their commands and buttons act on the handoff.
func (t *turn) fromDesk(ctx context.Context) error {
	return (&deskTurn{turn: t}).run(ctx)
}

// fromAdmin handles a VK admin's own reply in VK's community messages: the
// conversation is assigned to the admin and the bot keeps quiet in it until
// the admin has been quiet for adminQuiet.
func (t *turn) fromAdmin(ctx context.Context) error {
	t.decision = "relay"
	conv, _, err := t.tx.UpsertConversation(ctx, string(t.m.Platform), t.m.ChatID, storage.Profile{})
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
		Kind: string(bot.KindText), Text: t.m.Text, Attachments: attachmentsJSON(t.m.Attachments),
	})
}

// deskHandoff is called in the transaction that queued h. The desk topic is
// opened after the commit by the desk work (it needs the network, which has
// no place in a transaction; see desk_topics.go), which deskCommitted wakes;
// its first post, the card, carries the transcript so far.
func (t *turn) deskHandoff(ctx context.Context, h *storage.Handoff) error {
	return nil
}

// deskCommitted runs after the turn's transaction is committed: a turn that
// queued a handoff, or any turn in the desk (it may have closed one), has
// the desk work look for topics to open or close at once.
func (t *turn) deskCommitted() {
	if t.desk == nil {
		return
	}
	if t.handoff != "" || (t.m.Platform == bot.Telegram && t.m.ChatID == t.desk.ChatID()) {
		t.r.dk.dirty.Store(true)
	}
}

// relayToDesk posts the customer's message to the conversation's desk topic,
// if it has one yet (if not, the card that opens the topic will show it).
// Telegram customers' files are copied by file_id; other platforms' files go
// by URL where they have one, and are named in the text otherwise.
func (t *turn) relayToDesk(ctx context.Context, h *storage.Handoff) error {
	if t.desk == nil || h.TopicID == "" {
		return nil
	}
	att, missing := deskMedia(bot.Platform(t.conv.Platform), t.m.Attachments)
	text := strings.TrimSpace(t.m.Text)
	if t.m.Kind == bot.KindButton && text == "" {
		text = "[кнопка " + t.m.Payload + "]"
	}
	if missing != "" {
		text = strings.TrimSpace(missing + " " + text)
	}
	if text == "" && len(att) == 0 {
		return nil
	}
	_, err := addReply(ctx, t.tx, t.conv.ID, t.ev.ID, bot.Reply{
		Platform: bot.Telegram, ChatID: t.desk.ChatID(), ThreadID: h.TopicID,
		Text: "👤 " + shortName(t.conv) + ": " + text, Attachments: att,
	})
	if err == nil {
		t.replies++
	}
	return err
}

// deskRating posts the customer's rating n of handoff h in its desk topic,
// if it had one, so the operators see how it went.
func (t *turn) deskRating(ctx context.Context, h *storage.Handoff, n int) error {
	if t.desk == nil || h.TopicID == "" {
		return nil
	}
	_, err := addReply(ctx, t.tx, t.conv.ID, t.ev.ID, bot.Reply{
		Platform: bot.Telegram, ChatID: t.desk.ChatID(), ThreadID: h.TopicID,
		Text: fmt.Sprintf("⭐ Оценка клиента: %d/5", n),
	})
	if err == nil {
		t.replies++
	}
	return err
}

// deskMedia returns the attachments a Telegram desk can show: all of a
// Telegram customer's (file ids work within the bot), and the ones of
// another platform that have a URL (sent by URL). The others are described
// in missing ("[sticker]").
func deskMedia(p bot.Platform, as []bot.Attachment) (out []bot.Attachment, missing string) {
	if p == bot.Telegram {
		return as, ""
	}
	var gone []bot.Attachment
	for _, a := range as {
		if a.URL != "" && a.Type != "link" {
			out = append(out, bot.Attachment{Type: a.Type, URL: a.URL, Name: a.Name})
		} else if a.Type != "link" {
			gone = append(gone, a)
		}
	}
	return out, attachmentWords(gone)
}

// giveUp records that reply it will never be delivered (blocked: the
// recipient blocked the bot), telling the operators first: a crash in
// between repeats the notice rather than loses it, and the notice is in the
// outbox before the failed reply leaves it.
func (r *Router) giveUp(ctx context.Context, it *outItem, cause error, blocked bool) error {
	if err := r.tellDeskUndelivered(ctx, it, cause); err != nil {
		return err
	}
	return r.db.GiveUp(ctx, it.ID, cause.Error(), blocked)
}

// tellDeskUndelivered tells the operators, in the conversation's topic, that
// a reply could not reach the customer.
func (r *Router) tellDeskUndelivered(ctx context.Context, it *outItem, cause error) error {
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
		_, err = addReply(ctx, tx, c.ID, 0, bot.Reply{
			Platform: bot.Telegram, ChatID: desk.ChatID(), ThreadID: h.TopicID,
			Text: "⚠️ Сообщение не дошло до клиента: " + undeliveredReason(cause),
		})
		return err
	})
}

// undeliveredReason says, for the operators, why a reply did not reach the
// customer.
func undeliveredReason(err error) string {
	if errors.Is(err, bot.ErrBlocked) || strings.Contains(err.Error(), bot.ErrBlocked.Error()) {
		return "клиент заблокировал бота или закрыл личные сообщения."
	}
	return fmt.Sprintf("платформа отказала (%v).", err)
}

// runMaintenance does, until ctx is done, the work no event brings: every
// maintenanceEvery it returns to the bot the conversations whose VK admin
// went quiet, reminds the desk of customers waiting too long and deletes
// outbox and inbox rows older than the retention; as soon as
// a turn queued or closed a handoff (and every deskEvery in any case, for
// handoffs closed by another process) it opens and closes desk topics.
func (r *Router) runMaintenance(ctx, work context.Context) {
	tick := time.NewTicker(maintenanceEvery)
	defer tick.Stop()
	deskTick := time.NewTicker(deskEvery)
	defer deskTick.Stop()
	r.releaseQuietAdmins(work)
	r.deskWork(work, true)
	r.prune(ctx)
	for ctx.Err() == nil {
		// Take the channel before looking at dirty: a turn sets dirty after
		// its commit and only then wakes the waiters.
		changed := r.progress.wait()
		if r.dk.dirty.Swap(false) {
			r.deskWork(work, false)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.releaseQuietAdmins(work)
			r.deskWork(work, true)
			r.prune(ctx)
		case <-deskTick.C:
			r.deskWork(work, false)
		case <-changed:
		}
	}
}

// pruneBatch is how many rows of each kind one pruning transaction deletes
// at most, so it holds the write lock only briefly.
const pruneBatch = 500

// prune deletes the outbox rows sent or given up and the inbox rows
// processed more than the retention ago, a batch per transaction, until
// none is left or ctx is done.
func (r *Router) prune(ctx context.Context) {
	if r.retention <= 0 {
		return
	}
	before := r.Now().Add(-r.retention)
	var outbox, inbox int
	for ctx.Err() == nil {
		o, i, err := r.db.Prune(ctx, before, pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("router: prune old outbox and inbox rows", "err", err)
			}
			return
		}
		outbox, inbox = outbox+o, inbox+i
		if o < pruneBatch && i < pruneBatch {
			break
		}
	}
	if outbox+inbox > 0 {
		r.log.Info("router: pruned old rows", "outbox", outbox, "inbox", inbox, "before", before)
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

// releaseQuietAdmin returns the conversation to the bot when a VK admin took
// it over and has been quiet for the quiet period, so the customer's message
// is answered now rather than at the next maintenance tick (which would leave
// it unanswered: it is recorded as relayed to nobody).
func (t *turn) releaseQuietAdmin(ctx context.Context) error {
	if t.r.adminQuiet <= 0 {
		return nil
	}
	h, err := t.tx.Handoff(ctx, t.conv.HandoffID)
	if err != nil {
		return err
	}
	if h.State != storage.StateAssigned || h.LastAdminAt.IsZero() || t.tx.Now().Sub(h.LastAdminAt) < t.r.adminQuiet {
		return nil
	}
	if _, err := t.tx.Release(ctx, h.ID); err != nil {
		return err
	}
	t.conv.State = storage.StateBot
	return nil
}
