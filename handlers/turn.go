package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// Button payloads the bot puts under its own messages.
const (
	payloadEntry   = "entry:" // + entry id: answer that entry
	payloadHandoff = "handoff"
	payloadNone    = "none"  // "none of these" under "did you mean"
	payloadRate    = "rate:" // + 1..5
)

// turn is the processing of one inbox event, inside its transaction. It
// collects what to count once the transaction is committed.
type turn struct {
	r    *Router
	tx   *storage.Tx
	kb   *knowledge
	ev   *event
	m    bot.Message
	desk Desk

	conv    *storage.Conversation
	created bool
	lang    string

	// Counted after commit.
	decision string
	handoff  string
	replies  int
	// acked: the button press was acknowledged by a reply (see ack).
	acked bool
}

// committed counts the metrics of a committed turn.
func (t *turn) committed() {
	if t.decision != "" {
		MessagesIn.WithLabelValues(string(t.m.Platform), t.decision).Inc()
	}
	if t.handoff != "" {
		Handoffs.WithLabelValues(t.handoff).Inc()
	}
}

// run routes the event: the operators' desk, a VK admin's own reply, or a
// customer.
func (t *turn) run(ctx context.Context) error {
	if t.desk != nil && t.m.ChatID == t.desk.ChatID() && t.m.Platform == bot.Telegram {
		return t.fromDesk(ctx)
	}
	if t.m.Kind == bot.KindAdminReply {
		return t.fromAdmin(ctx)
	}
	return t.fromCustomer(ctx)
}

// texts returns the bot's words in the customer's language.
func (t *turn) texts() faq.Texts { return t.kb.f.TextsFor(t.lang) }

// fromCustomer is the customer flow.
func (t *turn) fromCustomer(ctx context.Context) error {
	var err error
	t.conv, t.created, err = t.tx.UpsertConversation(ctx, string(t.m.Platform), t.m.ChatID,
		storage.Profile{UserID: t.m.UserID, UserName: t.m.UserName, ProfileURL: t.m.ProfileURL})
	if err != nil {
		return err
	}
	t.lang = t.conv.Lang
	if t.conv.Blocked && t.ev.ReceivedAt.After(t.conv.BlockedAt) {
		// They wrote after the bot found it was blocked, so they can be
		// reached again. A message received before that (processed after
		// it) proves nothing: it is recorded, and the bot's answers to it
		// are not sent (see replyAs).
		no := false
		if err := t.tx.UpdateConversation(ctx, t.conv.ID, storage.ConversationUpdate{Blocked: &no}); err != nil {
			return err
		}
		t.conv.Blocked = false
	}
	if (t.m.Group && !t.m.Mentioned) || t.conv.Banned {
		t.decision = "ignored"
		return t.customerMessage(ctx, "ignored", "", 0)
	}
	if t.conv.State == storage.StateAssigned {
		if err := t.releaseQuietAdmin(ctx); err != nil {
			return err
		}
	}
	switch t.conv.State {
	case storage.StateWaiting, storage.StateAssigned:
		return t.whileHandedOff(ctx)
	case storage.StateClosed:
		if n, ok := ratingOf(t.m); ok {
			return t.rate(ctx, n)
		}
		if err := t.tx.Reopen(ctx, t.conv.ID); err != nil {
			return err
		}
		t.conv.State = storage.StateBot
	}
	return t.withBot(ctx)
}

// withBot answers a customer the bot is talking to.
func (t *turn) withBot(ctx context.Context) error {
	m := t.m
	switch {
	case m.Kind == bot.KindButton:
		return t.button(ctx)
	case isMedia(m):
		t.decision = "media"
		if err := t.customerMessage(ctx, "media", "", 0); err != nil {
			return err
		}
		return t.reply(ctx, t.texts().NonText, t.talkButton())
	case isStart(m):
		t.decision = "smalltalk"
		if err := t.customerMessage(ctx, "smalltalk", "", 0); err != nil {
			return err
		}
		return t.reply(ctx, t.texts().Greeting, nil)
	case strings.TrimSpace(m.Text) == "":
		t.decision = "ignored"
		return t.customerMessage(ctx, "ignored", "", 0)
	}
	return t.decide(ctx, t.match(m.Text))
}

// match runs the matcher and remembers the customer's language.
func (t *turn) match(text string) faq.Decision {
	start := time.Now()
	d := t.kb.m.Match(text)
	MatchSeconds.Observe(time.Since(start).Seconds())
	if d.Lang != "" {
		t.lang = d.Lang
	}
	return d
}

// saveLang stores the customer's language when it changed.
func (t *turn) saveLang(ctx context.Context) error {
	if t.lang == "" || t.lang == t.conv.Lang {
		return nil
	}
	t.conv.Lang = t.lang
	return t.tx.UpdateConversation(ctx, t.conv.ID, storage.ConversationUpdate{Lang: &t.lang})
}

// decide acts on the matcher's decision.
func (t *turn) decide(ctx context.Context, d faq.Decision) error {
	if err := t.saveLang(ctx); err != nil {
		return err
	}
	switch d.Action {
	case faq.Answer:
		if e := t.kb.f.Entry(d.Entry); e != nil {
			return t.answer(ctx, e, d.Score)
		}
	case faq.Clarify:
		var cands []*faq.Entry
		for _, id := range d.Candidates {
			if e := t.kb.f.Entry(id); e != nil && !e.SmallTalk {
				cands = append(cands, e)
			}
		}
		if len(cands) > 0 {
			return t.clarify(ctx, cands, d.Score)
		}
	case faq.Handoff:
		t.decision = "handoff"
		if err := t.customerMessage(ctx, "handoff", "", d.Score); err != nil {
			return err
		}
		if d.Reason == faq.ReasonAngry {
			return t.handOff(ctx, storage.ReasonAngry, 1, t.texts().HandoffAngry)
		}
		return t.handOff(ctx, storage.ReasonRequest, 0, "")
	}
	return t.fallback(ctx, d.Score)
}

// answer replies with entry e (and hands off after it when e says so).
func (t *turn) answer(ctx context.Context, e *faq.Entry, score float64) error {
	action := "answer"
	if e.SmallTalk {
		action = "smalltalk"
	}
	t.decision = action
	if err := t.customerMessage(ctx, action, e.ID, score); err != nil {
		return err
	}
	if err := t.setFailures(ctx, 0); err != nil {
		return err
	}
	if t.created && t.kb.greetings[e.ID] {
		// A first message that only says hello gets the greeting; other
		// small talk ("спасибо") gets its own answer.
		return t.reply(ctx, t.texts().Greeting, nil)
	}
	if err := t.replyEntry(ctx, e, t.entryButtons(e)); err != nil {
		return err
	}
	if e.Handoff {
		return t.handOff(ctx, storage.ReasonEntry, 0, "")
	}
	return nil
}

// clarify asks "did you mean" with one button per candidate and a "none of
// these" button.
func (t *turn) clarify(ctx context.Context, cands []*faq.Entry, score float64) error {
	t.decision = "clarify"
	if err := t.customerMessage(ctx, "clarify", "", score); err != nil {
		return err
	}
	var rows [][]bot.Button
	for _, e := range cands {
		rows = append(rows, []bot.Button{{Text: e.Label(), Payload: payloadEntry + e.ID}})
	}
	rows = append(rows, []bot.Button{{Text: t.texts().NoneOfThese, Payload: payloadNone}})
	return t.reply(ctx, t.texts().DidYouMean, rows)
}

// fallback admits the bot does not know; the second failure in a row hands
// off.
func (t *turn) fallback(ctx context.Context, score float64) error {
	t.decision = "fallback"
	if err := t.customerMessage(ctx, "fallback", "", score); err != nil {
		return err
	}
	failures := t.conv.Failures + 1
	if failures >= 2 {
		return t.handOff(ctx, storage.ReasonFailures, 0, "")
	}
	if err := t.setFailures(ctx, failures); err != nil {
		return err
	}
	return t.reply(ctx, t.texts().DontKnow, t.talkButton())
}

func (t *turn) setFailures(ctx context.Context, n int) error {
	if t.conv.Failures == n {
		return nil
	}
	t.conv.Failures = n
	return t.tx.UpdateConversation(ctx, t.conv.ID, storage.ConversationUpdate{Failures: &n})
}

// button handles a press on one of the bot's buttons like the choice it
// stands for; an unknown payload (a button from an older FAQ) is read as
// the text on it.
func (t *turn) button(ctx context.Context) error {
	p := t.m.Payload
	switch {
	case strings.HasPrefix(p, payloadEntry):
		if e := t.kb.f.Entry(strings.TrimPrefix(p, payloadEntry)); e != nil {
			return t.answer(ctx, e, 1)
		}
	case p == payloadHandoff:
		t.decision = "handoff"
		if err := t.customerMessage(ctx, "handoff", "", 1); err != nil {
			return err
		}
		return t.handOff(ctx, storage.ReasonRequest, 0, "")
	case p == payloadNone:
		t.decision = "handoff"
		if err := t.customerMessage(ctx, "handoff", "", 0); err != nil {
			return err
		}
		return t.handOff(ctx, storage.ReasonNoneOfThese, 0, "")
	case strings.HasPrefix(p, payloadRate):
		if n, ok := ratingOf(t.m); ok {
			return t.rate(ctx, n)
		}
	}
	if strings.TrimSpace(t.m.Text) == "" {
		t.decision = "ignored"
		return t.customerMessage(ctx, "ignored", "", 0)
	}
	return t.decide(ctx, t.match(t.m.Text))
}

// rate stores the customer's rating of the last handoff and thanks them; the
// conversation is back with the bot.
func (t *turn) rate(ctx context.Context, n int) error {
	t.decision = "button"
	if err := t.customerMessage(ctx, "rating", "", float64(n)); err != nil {
		return err
	}
	if t.conv.State == storage.StateClosed {
		if err := t.tx.Reopen(ctx, t.conv.ID); err != nil {
			return err
		}
		t.conv.State = storage.StateBot
	}
	h, err := t.tx.Rate(ctx, t.conv.ID, n)
	if err != nil {
		if storageIsExpected(err) {
			return nil // rated already, or a stale button: nothing to say
		}
		return err
	}
	if err := t.deskRating(ctx, h, n); err != nil {
		return err
	}
	return t.reply(ctx, t.texts().RateThanks, nil)
}

// entryButtons are an entry's follow-up and link buttons, one per row.
func (t *turn) entryButtons(e *faq.Entry) [][]bot.Button {
	var rows [][]bot.Button
	for _, b := range e.Buttons {
		switch {
		case b.URL != "":
			rows = append(rows, []bot.Button{{Text: b.Text, URL: b.URL}})
		case b.Entry != "":
			text := b.Text
			if target := t.kb.f.Entry(b.Entry); text == "" && target != nil {
				text = target.Label()
			}
			if text == "" {
				text = b.Entry
			}
			rows = append(rows, []bot.Button{{Text: text, Payload: payloadEntry + b.Entry}})
		}
	}
	return rows
}

func (t *turn) talkButton() [][]bot.Button {
	return [][]bot.Button{{{Text: t.texts().TalkToPerson, Payload: payloadHandoff}}}
}

// customerMessage stores the customer's message in the transcript with what
// the bot did about it.
func (t *turn) customerMessage(ctx context.Context, action, entry string, score float64) error {
	text := t.m.Text
	if t.m.Kind == bot.KindButton && text == "" {
		text = t.m.Payload
	}
	return t.tx.AddMessage(ctx, &storage.Message{
		ConversationID: t.conv.ID,
		InboxID:        t.ev.ID,
		Author:         storage.AuthorCustomer,
		AuthorID:       t.m.UserID,
		Kind:           string(t.m.Kind),
		Text:           text,
		Attachments:    attachmentsJSON(t.m.Attachments),
		Action:         action,
		EntryID:        entry,
		Score:          score,
	})
}

// reply sends text to the customer (through the outbox) and stores it in the
// transcript.
func (t *turn) reply(ctx context.Context, text string, buttons [][]bot.Button) error {
	return t.replyAs(ctx, text, "", buttons)
}

func (t *turn) replyEntry(ctx context.Context, e *faq.Entry, buttons [][]bot.Button) error {
	return t.replyAs(ctx, e.AnswerFor(t.lang), e.ID, buttons)
}

func (t *turn) replyAs(ctx context.Context, text, entry string, buttons [][]bot.Button) error {
	if strings.TrimSpace(text) == "" || t.conv.Blocked {
		// Nothing to say, or nobody to say it to: the customer blocked the
		// bot after writing this message.
		return nil
	}
	r := bot.Reply{Platform: bot.Platform(t.conv.Platform), ChatID: t.conv.ChatID, Text: text, Buttons: buttons}
	if string(t.m.Platform) == t.conv.Platform && t.m.ChatID == t.conv.ChatID {
		r.ThreadID = t.m.ThreadID // a Telegram group with topics
		if !t.acked && t.m.CallbackID != "" {
			r.CallbackID, t.acked = t.m.CallbackID, true
		}
	}
	if _, err := addReply(ctx, t.tx, t.conv.ID, t.ev.ID, r); err != nil {
		return err
	}
	t.replies++
	return t.tx.AddMessage(ctx, &storage.Message{
		ConversationID: t.conv.ID, InboxID: t.ev.ID, Author: storage.AuthorBot, Text: text, EntryID: entry,
	})
}

// ack acknowledges the button press the turn handles when none of its
// replies did: every press gets exactly one acknowledgement, an outbox reply
// with only CallbackID (the adapters answer the callback and send nothing
// else) when there is nothing to say, say a press while waiting for a person
// or a stale button.
func (t *turn) ack(ctx context.Context) error {
	if t.m.CallbackID == "" || t.acked || t.toBlocked() {
		return nil
	}
	var convID int64
	if t.conv != nil {
		convID = t.conv.ID
	}
	if _, err := addReply(ctx, t.tx, convID, t.ev.ID, ackReply(t.m)); err != nil {
		return err
	}
	t.acked = true
	t.replies++
	return nil
}

// toBlocked reports whether the turn's event came from a customer who has
// blocked the bot since they wrote it: nothing is sent back to them.
func (t *turn) toBlocked() bool {
	return t.conv != nil && t.conv.Blocked && t.conv.Platform == string(t.m.Platform) && t.conv.ChatID == t.m.ChatID
}

// ackReply is the reply that only acknowledges button press m.
func ackReply(m bot.Message) bot.Reply {
	return bot.Reply{Platform: m.Platform, ChatID: m.ChatID, ThreadID: m.ThreadID, CallbackID: m.CallbackID}
}

// ratingOf reads a rating button ("rate:4").
func ratingOf(m bot.Message) (int, bool) {
	if m.Kind != bot.KindButton || !strings.HasPrefix(m.Payload, payloadRate) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(m.Payload, payloadRate))
	return n, err == nil && n >= 1 && n <= 5
}

// isMedia reports a message that carries no text the bot can read.
func isMedia(m bot.Message) bool {
	return m.Kind == bot.KindMedia || (len(m.Attachments) > 0 && strings.TrimSpace(m.Text) == "")
}

// greetingPhrases are the built-in hellos, lower-case with ё as е.
var greetingPhrases = []string{
	"привет", "приветик", "приветствую", "здравствуйте", "здравствуй", "здрасте", "здрасьте",
	"добрый день", "добрый вечер", "доброе утро", "доброго дня", "доброго времени суток", "доброй ночи",
	"хай", "салют", "hello", "hi", "hey", "hiya", "greetings", "good morning", "good afternoon", "good evening",
}

// isGreetingEntry reports whether e is a greeting entry, whose match on a
// customer's very first message is answered with the greeting (texts:
// greeting) rather than e's own answer: a smalltalk entry one of whose
// phrasings is a built-in hello (greetingPhrases: "привет", "добрый день",
// "hello"...), alone or followed by more words. The FAQ needs no id or flag
// for it, and other small talk ("спасибо") keeps its own answer on a first
// message.
func isGreetingEntry(e *faq.Entry) bool {
	if !e.SmallTalk {
		return false
	}
	for _, q := range e.Questions {
		q = strings.ReplaceAll(strings.ToLower(q), "ё", "е")
		words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		line := " " + strings.Join(words, " ") + " "
		for _, g := range greetingPhrases {
			if strings.HasPrefix(line, " "+g+" ") {
				return true
			}
		}
	}
	return false
}

// startWords open a conversation: VK's "Начать" button, its English form,
// Telegram's /start.
var startWords = map[string]bool{"начать": true, "start": true, "старт": true, "/start": true}

// isStart reports /start (with or without a deep-link argument or a
// @botname) and "Начать".
func isStart(m bot.Message) bool {
	s := strings.ToLower(strings.TrimSpace(m.Text))
	if f := strings.Fields(s); len(f) > 0 && strings.HasPrefix(f[0], "/start") {
		cmd, _, _ := strings.Cut(f[0], "@")
		return cmd == "/start"
	}
	s = strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	return startWords[s]
}
