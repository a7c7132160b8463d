package handlers

// The words of the operators' desk: topic names, the card, the queue, help.
// The desk speaks Russian, like the operators.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// Desk button payloads: "desk:take:42" takes handoff 42, "desk:close:42"
// closes it.
const (
	payloadDeskTake  = "desk:take:"
	payloadDeskClose = "desk:close:"
)

const (
	// maxTopicName is Telegram's limit for a forum topic's name.
	maxTopicName = 128
	// cardMessages is how many transcript messages the card shows at most.
	cardMessages = 30
	// cardLine is how many characters of one transcript message the card
	// shows at most.
	cardLine = 600
)

// reasonWords says why a conversation was handed off, for the desk.
func reasonWords(reason string) string {
	switch reason {
	case storage.ReasonRequest:
		return "просит оператора"
	case storage.ReasonAngry:
		return "недоволен"
	case storage.ReasonFailures:
		return "бот не справился"
	case storage.ReasonEntry:
		return "вопрос для оператора"
	case storage.ReasonNoneOfThese:
		return "ничего не подошло"
	case storage.ReasonMedia:
		return "прислал файл"
	case storage.ReasonAdmin:
		return "ответил админ VK"
	}
	return reason
}

// platformName is how the desk names a platform.
func platformName(p bot.Platform) string {
	switch p {
	case bot.VK:
		return "VK"
	case bot.Telegram:
		return "Telegram"
	case bot.Console:
		return "консоль"
	}
	return string(p)
}

// shortName is "Ирина К." for "Ирина Кузнецова"; a customer without a name
// is named by their id.
func shortName(c *storage.Conversation) string {
	f := strings.Fields(c.UserName)
	switch {
	case len(f) >= 2:
		r, _ := utf8.DecodeRuneInString(f[1])
		return f[0] + " " + string(r) + "."
	case len(f) == 1:
		return f[0]
	case c.UserID != "":
		return "id" + c.UserID
	}
	return "чат " + c.ChatID
}

// fullName is the customer's name as the platform gave it, or shortName.
func fullName(c *storage.Conversation) string {
	if n := strings.TrimSpace(c.UserName); n != "" {
		return n
	}
	return shortName(c)
}

// firstName is the first word of an operator's name (their signature).
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// topicName names the forum topic of handoff h: "#42 · VK · Ирина К. ·
// просит оператора", at most maxTopicName characters.
func topicName(h *storage.Handoff, c *storage.Conversation) string {
	s := fmt.Sprintf("#%d · %s · %s · %s", h.ID, platformName(bot.Platform(c.Platform)), shortName(c), reasonWords(h.Reason))
	if h.Reason == storage.ReasonAngry {
		s = "❗" + s
	}
	return cut(s, maxTopicName)
}

// cut shortens s to at most n characters, ending it with "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// waited says how long since from, roughly: "3 мин", "1 ч 20 мин", "2 дн".
func waited(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "меньше минуты"
	case d < time.Hour:
		return fmt.Sprintf("%d мин", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d ч", h)
		}
		return fmt.Sprintf("%d ч %d мин", h, m)
	}
	return fmt.Sprintf("%d дн", int(d/(24*time.Hour)))
}

// deskClock formats the times the desk shows in the brand's time zone (the
// FAQ's working hours), UTC when it has none.
type deskClock struct {
	loc *time.Location
	now time.Time
	// utc: the FAQ names no time zone, the times are UTC.
	utc bool
}

func newDeskClock(f *faq.FAQ, now time.Time) deskClock {
	loc, utc := time.UTC, true
	if f != nil && f.Hours.TimeZone != "" {
		if l, err := time.LoadLocation(f.Hours.TimeZone); err == nil {
			loc, utc = l, false
		}
	}
	return deskClock{loc: loc, now: now.In(loc), utc: utc}
}

// at is "15:04" today, "02.01 15:04" another day.
func (k deskClock) at(t time.Time) string {
	t = t.In(k.loc)
	if y, m, d := t.Date(); y == k.now.Year() && m == k.now.Month() && d == k.now.Day() {
		return t.Format("15:04")
	}
	return t.Format("02.01 15:04")
}

// authorWords names a transcript author on the card.
func authorWords(m *storage.Message) string {
	switch m.Author {
	case storage.AuthorCustomer:
		return "Клиент"
	case storage.AuthorBot:
		return "Бот"
	case storage.AuthorOperator:
		return "Оператор"
	case storage.AuthorNote:
		return "Заметка"
	case storage.AuthorAdmin:
		return "Админ VK"
	}
	return string(m.Author)
}

// attachmentWords describes attachments in text: "[photo] [document: a.pdf]".
func attachmentWords(as []bot.Attachment) string {
	var parts []string
	for _, a := range as {
		s := "[" + a.Type
		if a.Name != "" {
			s += ": " + a.Name
		}
		parts = append(parts, s+"]")
	}
	return strings.Join(parts, " ")
}

// cardText is the first post of a handoff's topic: who, where, why, the
// place in the queue, and the transcript so far (ms, oldest first; more is
// true when older messages were left out, whose attachments must decode).
func cardText(h *storage.Handoff, c *storage.Conversation, pos int, ms []*storage.Message, more bool, k deskClock) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Обращение #%d · %s\n", h.ID, platformName(bot.Platform(c.Platform)))
	fmt.Fprintf(&b, "Клиент: %s", fullName(c))
	if c.UserID != "" {
		fmt.Fprintf(&b, " (id %s)", c.UserID)
	}
	b.WriteString("\n")
	if c.ProfileURL != "" {
		fmt.Fprintf(&b, "Профиль: %s\n", c.ProfileURL)
	}
	fmt.Fprintf(&b, "Причина: %s\n", reasonWords(h.Reason))
	switch h.State {
	case storage.StateWaiting:
		fmt.Fprintf(&b, "Место в очереди: %d · ждёт с %s\n", pos, k.at(h.CreatedAt))
	case storage.StateAssigned:
		fmt.Fprintf(&b, "Ведёт: %s\n", ownerWords(h))
	case storage.StateClosed:
		b.WriteString("Уже закрыто.\n")
	}
	if c.Banned {
		b.WriteString("Клиент заблокирован (/unban — снять).\n")
	}
	b.WriteString("\nПереписка")
	if more {
		fmt.Fprintf(&b, " (последние %d сообщений)", len(ms))
	}
	if k.utc {
		b.WriteString(" (время UTC)")
	}
	b.WriteString(":\n")
	for _, m := range ms {
		text := strings.TrimSpace(m.Text)
		if m.Kind == string(bot.KindButton) && text == "" {
			text = "[кнопка]"
		}
		as, _ := attachmentsOf(m) // the caller checked that they decode
		if a := attachmentWords(as); a != "" {
			text = strings.TrimSpace(a + " " + text)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", k.at(m.CreatedAt), authorWords(m), cut(text, cardLine))
	}
	b.WriteString("\nОтветьте в этой теме — сообщение уйдёт клиенту от имени магазина. /help — команды.")
	return b.String()
}

// cardButtons are the card's "take" and "close" buttons.
func cardButtons(id int64) [][]bot.Button {
	n := strconv.FormatInt(id, 10)
	return [][]bot.Button{{
		{Text: "Взять", Payload: payloadDeskTake + n},
		{Text: "Закрыть", Payload: payloadDeskClose + n},
	}}
}

// ownerWords names who owns an assigned handoff.
func ownerWords(h *storage.Handoff) string {
	if h.OwnerName != "" {
		return h.OwnerName
	}
	if h.OwnerID != "" {
		return h.OwnerID
	}
	return "оператор"
}

// queueText lists the open handoffs for /queue: the waiting ones in the order
// they will be served, then who has which.
func queueText(items []*storage.QueueItem, now time.Time) string {
	var waiting, assigned []string
	for _, it := range items {
		h, c := it.Handoff, it.Conversation
		line := fmt.Sprintf("#%d · %s · %s · %s", h.ID, platformName(bot.Platform(c.Platform)), shortName(c), reasonWords(h.Reason))
		if h.State == storage.StateWaiting {
			waiting = append(waiting, fmt.Sprintf("%d. %s · ждёт %s", it.Position, line, waited(now.Sub(h.CreatedAt))))
		} else {
			assigned = append(assigned, fmt.Sprintf("%s · ведёт %s · %s", line, ownerWords(h), waited(now.Sub(h.AssignedAt))))
		}
	}
	if len(waiting) == 0 && len(assigned) == 0 {
		return "Очередь пуста: никто не ждёт, в работе ничего нет."
	}
	var b strings.Builder
	if len(waiting) == 0 {
		b.WriteString("Никто не ждёт.\n")
	} else {
		fmt.Fprintf(&b, "Ждут ответа (%d):\n%s\n", len(waiting), strings.Join(waiting, "\n"))
	}
	if len(assigned) > 0 {
		fmt.Fprintf(&b, "\nВ работе (%d):\n%s\n", len(assigned), strings.Join(assigned, "\n"))
	}
	return strings.TrimSpace(b.String())
}

// deskHelp lists the operators' commands.
const deskHelp = `Команды в теме обращения:
/close — закрыть: клиенту уйдут прощание и просьба оценить от 1 до 5
/faq ID — отправить клиенту ответ из базы (например: /faq delivery)
/note ТЕКСТ — заметка для операторов, клиенту не уходит
/ban — бот больше не отвечает этому клиенту, обращение закрывается; /unban — снять
Любое другое сообщение в теме уходит клиенту от имени магазина; сообщение, которое начинается с «/», клиенту не уходит никогда.

В любой теме:
/queue — кто ждёт и кто кого ведёт
/help — эта справка`

// deskHelpLine is the short help after an unknown command.
const deskHelpLine = "Команды: /close, /faq ID, /note ТЕКСТ, /ban, /unban, /queue, /help."
