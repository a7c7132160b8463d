package handlers

// What operators do in the desk chat: write to a customer in the
// conversation's topic, press "take" or "close" under the card, and the
// commands /close, /faq ID, /note TEXT, /ban, /unban, /queue and /help.
//
// Rules:
//   - Only operators act (WithOperators; everyone in the desk chat when the
//     list is empty). A non-operator's plain message is ignored silently (it
//     is never relayed); their commands and button presses get a one-line
//     answer saying that only operators can act, so a missing id in
//     SUPPORTBOT_OPERATORS is easy to spot.
//   - Telegram does not deliver the bot's own messages to it; a message
//     without an author is ignored.
//   - A message that starts with "/" is a command and never reaches the
//     customer, even a mistyped or unknown one (that gets the list of
//     commands).
//   - The first operator to write in a waiting conversation's topic, or to
//     press "take", owns it. A colleague's later message in the same topic
//     still goes to the customer (the topic is the team's), but the owner
//     stays; a second "take" is told who has it.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// deskTurn is a turn in the desk chat.
type deskTurn struct {
	*turn
	// h is the handoff whose topic the message is in (the newest one
	// attached to it), or nil in the general topic or an unrelated one.
	h *storage.Handoff
}

// operatorID is how an operator is stored as an owner or author.
func (d *deskTurn) operatorID() string { return "telegram:" + d.m.UserID }

func (d *deskTurn) operatorName() string {
	if n := strings.TrimSpace(d.m.UserName); n != "" {
		return n
	}
	return "id" + d.m.UserID
}

func (d *deskTurn) run(ctx context.Context) error {
	m := d.m
	text := strings.TrimSpace(m.Text)
	isCommand := m.Kind == bot.KindCommand || strings.HasPrefix(text, "/")
	if !d.r.isOperator(m.UserID) {
		d.decision = "ignored"
		if m.Kind == bot.KindButton || isCommand {
			return d.post(ctx, m.ThreadID, "Действовать здесь могут только операторы: добавьте свой Telegram id ("+
				m.UserID+") в SUPPORTBOT_OPERATORS.", nil)
		}
		return nil
	}
	if m.Kind == bot.KindButton {
		return d.button(ctx)
	}
	if m.ThreadID != "" {
		h, err := d.tx.HandoffByTopic(ctx, m.ThreadID)
		switch {
		case err == nil:
			d.h = h
			if d.conv, err = d.tx.Conversation(ctx, h.ConversationID); err != nil {
				return err
			}
			d.lang = d.conv.Lang
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
	}
	if isCommand {
		d.decision = "command"
		return d.command(ctx, text)
	}
	if d.h == nil {
		d.decision = "ignored" // operators talking among themselves
		return nil
	}
	return d.relay(ctx)
}

// post queues text (with buttons) in the desk, in topic thread ("" is the
// general topic); the first post of a button press acknowledges it.
func (d *deskTurn) post(ctx context.Context, thread, text string, buttons [][]bot.Button) error {
	r := bot.Reply{Platform: bot.Telegram, ChatID: d.desk.ChatID(), ThreadID: thread, Text: text, Buttons: buttons}
	if !d.acked && d.m.CallbackID != "" {
		r.CallbackID, d.acked = d.m.CallbackID, true
	}
	var convID int64
	if d.conv != nil {
		convID = d.conv.ID
	}
	if _, err := addReply(ctx, d.tx, convID, d.ev.ID, r); err != nil {
		return err
	}
	d.replies++
	return nil
}

// say posts text in the topic the message came from.
func (d *deskTurn) say(ctx context.Context, text string) error {
	return d.post(ctx, d.m.ThreadID, text, nil)
}

// toCustomer sends r's text and attachments to the customer of the handoff,
// as an operator, and records it in the transcript.
func (d *deskTurn) toCustomer(ctx context.Context, text string, att []bot.Attachment, entry string, buttons [][]bot.Button) error {
	c := d.conv
	if _, err := addReply(ctx, d.tx, c.ID, d.ev.ID, bot.Reply{
		Platform: bot.Platform(c.Platform), ChatID: c.ChatID, Text: text, Attachments: att, Buttons: buttons,
	}); err != nil {
		return err
	}
	d.replies++
	kind := bot.KindText
	if len(att) > 0 {
		kind = bot.KindMedia
	}
	if err := d.tx.AddMessage(ctx, &storage.Message{
		ConversationID: c.ID, InboxID: d.ev.ID, Author: storage.AuthorOperator, AuthorID: d.operatorID(),
		Kind: string(kind), Text: text, Attachments: attachmentsJSON(att), EntryID: entry,
	}); err != nil {
		return err
	}
	return d.tx.MarkFirstReply(ctx, d.h.ID)
}

// claimByWriting gives a waiting handoff to the operator who writes to its
// customer, and says so in the topic.
func (d *deskTurn) claimByWriting(ctx context.Context) error {
	if d.h.State != storage.StateWaiting {
		return nil
	}
	h, err := d.tx.Claim(ctx, d.h.ID, d.operatorID(), d.operatorName())
	if err != nil {
		return err
	}
	d.h = h
	return d.say(ctx, "Разговор ведёт "+d.operatorName()+".")
}

// closedWords says that handoff h is closed, for an operator who tried to
// act on it.
func closedWords(h *storage.Handoff) string {
	return fmt.Sprintf("Обращение #%d закрыто, клиенту ничего не отправлено. Если клиент напишет снова, разговор вернётся в эту тему.", h.ID)
}

// relay sends an operator's message in a topic to its customer.
func (d *deskTurn) relay(ctx context.Context) error {
	d.decision = "relay"
	if d.h.State == storage.StateClosed {
		return d.say(ctx, closedWords(d.h))
	}
	text := strings.TrimSpace(d.m.Text)
	att := d.m.Attachments
	if len(att) > 0 && d.conv.Platform != string(bot.Telegram) {
		// A Telegram file_id means nothing to VK, and the file's download URL
		// carries the bot token: the file cannot be passed on.
		if err := d.say(ctx, "⚠️ Файл не отправлен: клиенту в "+platformName(bot.Platform(d.conv.Platform))+
			" нельзя переслать файл из Telegram. Пришлите ссылку или опишите словами."); err != nil {
			return err
		}
		att = nil
	}
	if text == "" && len(att) == 0 {
		return nil
	}
	if err := d.claimByWriting(ctx); err != nil {
		return err
	}
	if d.r.dk.signature && text != "" {
		if n := firstName(d.m.UserName); n != "" {
			text += "\n\n— " + n
		}
	}
	return d.toCustomer(ctx, text, att, "", nil)
}

// button handles a press on "take" or "close" under a card.
func (d *deskTurn) button(ctx context.Context) error {
	d.decision = "button"
	id, take, ok := deskButton(d.m.Payload)
	if !ok {
		return d.say(ctx, "Эта кнопка устарела.")
	}
	var err error
	if d.h, err = d.tx.Handoff(ctx, id); errors.Is(err, storage.ErrNotFound) {
		return d.say(ctx, "Эта кнопка устарела.")
	} else if err != nil {
		return err
	}
	if d.conv, err = d.tx.Conversation(ctx, d.h.ConversationID); err != nil {
		return err
	}
	d.lang = d.conv.Lang
	thread := d.h.TopicID
	if thread == "" {
		thread = d.m.ThreadID
	}
	if !take {
		return d.close(ctx, thread)
	}
	switch {
	case d.h.State == storage.StateClosed:
		return d.post(ctx, thread, fmt.Sprintf("Обращение #%d уже закрыто.", d.h.ID), nil)
	case d.h.State == storage.StateAssigned && d.h.OwnerID == d.operatorID():
		return d.post(ctx, thread, "Вы уже ведёте этот разговор.", nil)
	case d.h.State == storage.StateAssigned:
		return d.post(ctx, thread, "Разговор уже ведёт "+ownerWords(d.h)+".", nil)
	}
	h, err := d.tx.Claim(ctx, d.h.ID, d.operatorID(), d.operatorName())
	var se *storage.StateError
	if errors.As(err, &se) {
		return d.post(ctx, thread, "Разговор уже ведёт "+se.Name+".", nil)
	}
	if err != nil {
		return err
	}
	d.h = h
	if err := d.post(ctx, thread, "Разговор ведёт "+d.operatorName()+".", nil); err != nil {
		return err
	}
	// The customer learns that a person is there.
	return d.replyAs(ctx, d.texts().OperatorTaken, "", nil)
}

// close closes the handoff: the customer gets the closing message and the
// rating prompt, the topic is closed by the desk work.
func (d *deskTurn) close(ctx context.Context, thread string) error {
	if d.h.State == storage.StateClosed {
		return d.post(ctx, thread, fmt.Sprintf("Обращение #%d уже закрыто.", d.h.ID), nil)
	}
	h, err := closeHandoffTx(ctx, d.tx, d.kb.f, d.h.ID, d.ev.ID)
	if err != nil {
		return err
	}
	d.h = h
	d.replies += 2
	return d.post(ctx, thread, fmt.Sprintf("✅ Обращение #%d закрыто (%s). Клиенту отправлены прощание и просьба оценить разговор; дальше ему отвечает бот.",
		h.ID, d.operatorName()), nil)
}

// command runs an operator's command.
func (d *deskTurn) command(ctx context.Context, text string) error {
	name, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	name, _, _ = strings.Cut(strings.ToLower(strings.TrimPrefix(name, "/")), "@")
	switch name {
	case "help", "start":
		return d.say(ctx, deskHelp)
	case "queue":
		items, err := d.r.db.Queue(ctx)
		if err != nil {
			return err
		}
		return d.say(ctx, queueText(items, d.tx.Now()))
	case "close", "faq", "note", "ban", "unban":
		if d.h == nil {
			return d.say(ctx, "/"+name+" работает в теме обращения. /queue — список обращений.")
		}
	default:
		return d.say(ctx, "Неизвестная команда /"+name+". "+deskHelpLine)
	}
	switch name {
	case "close":
		return d.close(ctx, d.m.ThreadID)
	case "faq":
		return d.faq(ctx, arg)
	case "note":
		if arg == "" {
			return d.say(ctx, "Напишите текст заметки: /note клиент просил перезвонить после 18:00.")
		}
		d.decision = "note"
		return d.tx.AddMessage(ctx, &storage.Message{
			ConversationID: d.conv.ID, InboxID: d.ev.ID, Author: storage.AuthorNote, AuthorID: d.operatorID(), Text: arg,
		})
	case "ban":
		return d.ban(ctx, true)
	default: // unban
		return d.ban(ctx, false)
	}
}

// faq sends entry id's answer to the customer.
func (d *deskTurn) faq(ctx context.Context, id string) error {
	f := d.kb.f
	if id == "" {
		return d.say(ctx, "Укажите id статьи, например /faq "+firstID(f.Entries)+". Статьи: "+allIDs(f.Entries)+".")
	}
	e := f.Entry(id)
	if e == nil {
		msg := "Статьи «" + id + "» нет."
		if near := f.Closest(id, 3); len(near) > 0 {
			msg += " Может быть: " + strings.Join(near, ", ") + "? Например: /faq " + near[0]
		} else {
			msg += " Статьи: " + allIDs(f.Entries) + "."
		}
		return d.say(ctx, msg)
	}
	if d.h.State == storage.StateClosed {
		return d.say(ctx, closedWords(d.h))
	}
	if err := d.claimByWriting(ctx); err != nil {
		return err
	}
	// Only link buttons: the entry's follow-up buttons would be read as
	// messages to the operator while the conversation is handed off.
	var links [][]bot.Button
	for _, b := range e.Buttons {
		if b.URL != "" {
			links = append(links, []bot.Button{{Text: b.Text, URL: b.URL}})
		}
	}
	if err := d.toCustomer(ctx, e.AnswerFor(d.conv.Lang), nil, e.ID, links); err != nil {
		return err
	}
	return d.say(ctx, "📤 Клиенту отправлен ответ «"+e.Label()+"» ("+e.ID+").")
}

// ban bans (or unbans) the customer of the topic; a ban closes the handoff
// without a word to the customer.
func (d *deskTurn) ban(ctx context.Context, on bool) error {
	if err := d.tx.UpdateConversation(ctx, d.conv.ID, storage.ConversationUpdate{Banned: &on}); err != nil {
		return err
	}
	if !on {
		return d.say(ctx, "Блокировка снята: бот снова отвечает этому клиенту.")
	}
	if d.h.State != storage.StateClosed {
		h, err := d.tx.CloseHandoff(ctx, d.h.ID)
		if err != nil {
			return err
		}
		d.h = h
	}
	return d.say(ctx, fmt.Sprintf("🚫 Клиент заблокирован: бот больше не отвечает ему и не передаёт его сообщения. Обращение #%d закрыто. /unban — снять блокировку.", d.h.ID))
}

// deskButton reads a desk button's payload: the handoff id and whether it
// is "take" (else "close").
func deskButton(p string) (id int64, take, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(p, payloadDeskTake):
		rest, take = strings.TrimPrefix(p, payloadDeskTake), true
	case strings.HasPrefix(p, payloadDeskClose):
		rest = strings.TrimPrefix(p, payloadDeskClose)
	default:
		return 0, false, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, take, err == nil && id > 0
}

func firstID(es []*faq.Entry) string {
	if len(es) == 0 {
		return "delivery"
	}
	return es[0].ID
}

// allIDs lists the entry ids (the first 60).
func allIDs(es []*faq.Entry) string {
	var ids []string
	for _, e := range es {
		if len(ids) == 60 {
			ids = append(ids, "…")
			break
		}
		ids = append(ids, e.ID)
	}
	return strings.Join(ids, ", ")
}
