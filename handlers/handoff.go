package handlers

import (
	"context"
	"errors"
	"strconv"

	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// handOff queues the conversation for a person and tells the customer at
// once: that a person will answer, their place in the queue, and, outside
// working hours, when operators are back. text overrides the handoff text
// (the apology for an angry customer).
func (t *turn) handOff(ctx context.Context, reason string, priority int, text string) error {
	h, pos, err := t.tx.Enqueue(ctx, t.conv.ID, reason, priority)
	if err != nil {
		return err
	}
	t.conv.State, t.conv.HandoffID, t.conv.Failures = storage.StateWaiting, h.ID, 0
	t.handoff = reason
	if t.decision == "" {
		t.decision = "handoff"
	}
	texts := t.texts()
	if text == "" {
		text = texts.Handoff
	}
	vars := t.vars(pos)
	msg := faq.Fill(text, vars)
	if !t.kb.f.Hours.Open(t.tx.Now()) {
		if off := faq.Fill(texts.OffHours, vars); off != "" {
			msg += "\n\n" + off
		}
	}
	if err := t.reply(ctx, msg, nil); err != nil {
		return err
	}
	return t.deskHandoff(ctx, h)
}

// vars are the placeholders of the bot's texts.
func (t *turn) vars(pos int) map[string]string {
	hours := t.kb.f.Hours
	return map[string]string{
		"position":  strconv.Itoa(pos),
		"hours":     hours.Describe(t.lang),
		"next_open": hours.NextOpenText(t.tx.Now(), t.lang),
	}
}

// whileHandedOff stores what a customer writes while a person has (or is
// about to have) the conversation and passes it on; the bot answers nothing
// from the FAQ. A waiting customer is reminded of their place at most once
// per stillWaiting.
func (t *turn) whileHandedOff(ctx context.Context) error {
	t.decision = "relay"
	if err := t.customerMessage(ctx, "relay", "", 0); err != nil {
		return err
	}
	h, err := t.tx.Handoff(ctx, t.conv.HandoffID)
	if err != nil {
		return err
	}
	if err := t.relayToDesk(ctx, h); err != nil {
		return err
	}
	if h.State != storage.StateWaiting {
		return nil
	}
	last := h.CreatedAt
	if h.LastNoticeAt.After(last) {
		last = h.LastNoticeAt
	}
	if t.tx.Now().Sub(last) < t.r.stillWaiting {
		return nil
	}
	pos, err := t.tx.Position(ctx, h.ID)
	if err != nil {
		return err
	}
	if err := t.tx.MarkNotified(ctx, h.ID); err != nil {
		return err
	}
	texts := t.texts()
	vars := t.vars(pos)
	msg := faq.Fill(texts.StillWaiting, vars)
	if !t.kb.f.Hours.Open(t.tx.Now()) {
		if off := faq.Fill(texts.OffHours, vars); off != "" {
			msg += "\n\n" + off
		}
	}
	return t.reply(ctx, msg, nil)
}

// storageIsExpected reports a refused state change or a missing row: the
// world moved on (a stale button, a double press), not a failure to retry.
func storageIsExpected(err error) bool {
	return errors.Is(err, storage.ErrState) || errors.Is(err, storage.ErrNotFound)
}
