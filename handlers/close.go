package handlers

import (
	"context"
	"fmt"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// CloseHandoff closes handoff id (waiting or assigned): in one transaction
// the conversation becomes closed and the customer's closing message and the
// 1–5 rating prompt go to the outbox, to be sent by the running router (at
// once, or at its next start). It returns the closed handoff, or
// storage.ErrNotFound when there is no such handoff and a
// *storage.StateError (storage.ErrState) when it is already closed. It does
// not need Run.
func (r *Router) CloseHandoff(ctx context.Context, id int64) (*storage.Handoff, error) {
	h, err := CloseHandoff(ctx, r.db, r.kb.Load().f, id)
	if err == nil {
		r.dk.dirty.Store(true) // the desk closes the topic
		r.wake(r.wakeOut)
	}
	return h, err
}

// CloseHandoff is Router.CloseHandoff for a process that runs no router
// (`supportbot queue close`): the closing messages, in the words of f, wait
// in the outbox for the bot, whose sender looks at it every second.
func CloseHandoff(ctx context.Context, db *storage.DB, f *faq.FAQ, id int64) (*storage.Handoff, error) {
	var h *storage.Handoff
	err := db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		h, err = closeHandoffTx(ctx, tx, f, id, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("close handoff %d: %w", id, err)
	}
	return h, nil
}

// closeHandoffTx is CloseHandoff inside tx (an operator's /close in the
// desk); inboxID is the event that closed it, or 0.
func closeHandoffTx(ctx context.Context, tx *storage.Tx, f *faq.FAQ, id, inboxID int64) (*storage.Handoff, error) {
	h, err := tx.CloseHandoff(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := tx.Conversation(ctx, h.ConversationID)
	if err != nil {
		return nil, err
	}
	texts := f.TextsFor(c.Lang)
	for _, msg := range []struct {
		text    string
		buttons [][]bot.Button
	}{
		{texts.Closed, nil},
		{texts.RatePrompt, rateButtons()},
	} {
		if msg.text == "" {
			continue
		}
		if _, err := addReply(ctx, tx, c.ID, inboxID, bot.Reply{Platform: bot.Platform(c.Platform), ChatID: c.ChatID, Text: msg.text, Buttons: msg.buttons}); err != nil {
			return nil, err
		}
		if err := tx.AddMessage(ctx, &storage.Message{ConversationID: c.ID, InboxID: inboxID, Author: storage.AuthorBot, Text: msg.text}); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// rateButtons are the 1–5 rating choices, in one row.
func rateButtons() [][]bot.Button {
	row := make([]bot.Button, 5)
	for i := range row {
		n := fmt.Sprint(i + 1)
		row[i] = bot.Button{Text: n, Payload: payloadRate + n}
	}
	return [][]bot.Button{row}
}
