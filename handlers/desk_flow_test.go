package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// payloads returns the payloads of a reply's buttons.
func payloads(r bot.Reply) []string {
	var ps []string
	for _, b := range buttonsOf(r) {
		ps = append(ps, b.Payload)
	}
	return ps
}

func TestDeskWholeConversation(t *testing.T) {
	h := newDeskHarness(t)
	ctx := context.Background()

	// Before a handoff the desk hears nothing.
	s := h.step(h.msg("1", "как вернуть товар"))
	expect(t, s.tg, "14 дней")
	expect(t, s.desk)

	// The customer asks for a person: a topic with the card.
	s = h.step(h.msg("1", "позовите оператора"))
	expect(t, s.tg, "номер в очереди: 1")
	hf := h.handoff("1")
	created, _, _ := h.desk.snapshot()
	if len(created) != 1 || created[0] != fmt.Sprintf("#%d · Telegram · Ирина · просит оператора", hf.ID) {
		t.Fatalf("topics created: %q", created)
	}
	if hf.TopicID == "" {
		t.Fatal("topic not stored on the handoff")
	}
	topic := hf.TopicID
	expect(t, s.desk, "Обращение #")
	card := s.desk[0]
	inThread(t, s.desk, topic)
	for _, want := range []string{"Telegram", "Ирина", "Причина: просит оператора", "Место в очереди: 1",
		"Клиент: как вернуть товар", "Бот: Верните товар в течение 14 дней", "Клиент: позовите оператора", "07:00 Клиент:", "(время UTC)"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("card lacks %q:\n%s", want, card.Text)
		}
	}
	if ps := payloads(card); len(ps) != 2 || ps[0] != fmt.Sprintf("desk:take:%d", hf.ID) || ps[1] != fmt.Sprintf("desk:close:%d", hf.ID) {
		t.Fatalf("card buttons %q", ps)
	}

	// An operator answers in the topic: it reaches the customer as the
	// brand, and the conversation is theirs.
	s = h.step(op("7", topic, "Здравствуйте! Сейчас проверю ваш заказ."))
	if len(s.tg) != 1 || s.tg[0].Text != "Здравствуйте! Сейчас проверю ваш заказ." || s.tg[0].ChatID != "1" {
		t.Fatalf("to the customer:%s", texts(s.tg))
	}
	expect(t, s.desk, "Разговор ведёт Оля Петрова")
	hf = h.handoff("1")
	if hf.State != storage.StateAssigned || hf.OwnerID != "telegram:7" || hf.OwnerName != "Оля Петрова" || hf.FirstReplyAt.IsZero() {
		t.Fatalf("after the operator's reply: %+v", hf)
	}
	if ops := h.transcript(bot.Telegram, "1", storage.AuthorOperator); len(ops) != 1 || ops[0].AuthorID != "telegram:7" {
		t.Fatalf("operator messages in the transcript: %+v", ops)
	}

	// The customer writes: it appears in the topic, the bot says nothing.
	s = h.step(h.msg("1", "Спасибо, жду"))
	expect(t, s.tg)
	expect(t, s.desk, "Ирина: Спасибо, жду")
	inThread(t, s.desk, topic)
	photo := bot.Message{Platform: bot.Telegram, Kind: bot.KindMedia, ChatID: "1", UserID: "1",
		Attachments: []bot.Attachment{{Type: "photo", FileID: "AgACphoto"}}}
	s = h.step(photo)
	if len(s.desk) != 1 || len(s.desk[0].Attachments) != 1 || s.desk[0].Attachments[0].FileID != "AgACphoto" {
		t.Fatalf("photo to the desk: %+v", s.desk)
	}

	// A second operator presses "take": told who has it; the press is
	// acknowledged.
	s = h.step(opPress("8", topic, fmt.Sprintf("desk:take:%d", hf.ID)))
	expect(t, s.desk, "Разговор уже ведёт Оля Петрова")
	if s.desk[0].CallbackID == "" || s.desk[0].ThreadID != topic {
		t.Errorf("press not acknowledged in the topic: %+v", s.desk[0])
	}
	expect(t, s.tg)
	if got := h.handoff("1"); got.OwnerID != "telegram:7" {
		t.Fatalf("owner changed to %s", got.OwnerID)
	}

	// /faq with a known id sends the answer; a bad one gets the closest ids.
	s = h.step(op("7", topic, "/faq returns"))
	expect(t, s.tg, "Верните товар в течение 14 дней")
	expect(t, s.desk, "Клиенту отправлен ответ")
	s = h.step(op("7", topic, "/faq retrns"))
	expect(t, s.tg)
	expect(t, s.desk, "Статьи «retrns» нет. Может быть: returns")
	s = h.step(op("7", topic, "/faq"))
	expect(t, s.tg)
	expect(t, s.desk, "Укажите id статьи")

	// A note never reaches the customer.
	s = h.step(op("7", topic, "/note клиент просил перезвонить после 18:00"))
	expect(t, s.tg)
	expect(t, s.desk)
	if notes := h.transcript(bot.Telegram, "1", storage.AuthorNote); len(notes) != 1 || notes[0].Text != "клиент просил перезвонить после 18:00" {
		t.Fatalf("notes: %+v", notes)
	}
	// Nor does a mistyped command.
	s = h.step(op("7", topic, "/clsoe"))
	expect(t, s.tg)
	expect(t, s.desk, "Неизвестная команда /clsoe")

	// /close: closing text and rating to the customer, the topic closed,
	// the bot back.
	s = h.step(op("7", topic, "/close"))
	expect(t, s.tg, ru.Closed, ru.RatePrompt)
	expect(t, s.desk, "✅ Обращение")
	if _, closed, _ := h.desk.snapshot(); len(closed) != 1 || closed[0] != topic {
		t.Fatalf("topics closed: %q", closed)
	}
	if c := h.conversation("1"); c.State != storage.StateClosed {
		t.Fatalf("state %s", c.State)
	}
	// The customer's rating is posted in the topic.
	s = h.step(h.press("1", buttonsOf(s.tg[1])[4]))
	expect(t, s.tg, ru.RateThanks)
	expect(t, s.desk, "⭐ Оценка клиента: 5/5")
	inThread(t, s.desk, topic)
	if got := h.handoff("1"); got.Rating != 5 {
		t.Errorf("rating %d", got.Rating)
	}
	s = h.step(h.msg("1", "когда привезут заказ"))
	expect(t, s.tg, "2–5 дней")
	expect(t, s.desk)

	// A message in the closed topic is not sent.
	s = h.step(op("7", topic, "ещё вопрос?"))
	expect(t, s.tg)
	expect(t, s.desk, "закрыто, клиенту ничего не отправлено")

	if _, err := h.db.Queue(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDeskTakeAndCloseButtons(t *testing.T) {
	h := newDeskHarness(t)
	h.step(h.msg("1", "позовите оператора"))
	hf := h.handoff("1")
	take := fmt.Sprintf("desk:take:%d", hf.ID)

	// Two operators press at once: exactly one wins, the other is told.
	s := h.step(opPress("7", hf.TopicID, take), opPress("8", hf.TopicID, take))
	var won, told int
	for _, r := range s.desk {
		if r.CallbackID == "" {
			t.Errorf("a press not acknowledged: %q", r.Text)
		}
		switch {
		case strings.HasPrefix(r.Text, "Разговор ведёт"):
			won++
		case strings.HasPrefix(r.Text, "Разговор уже ведёт"):
			told++
		}
	}
	if won != 1 || told != 1 {
		t.Fatalf("desk:%s", texts(s.desk))
	}
	expect(t, s.tg, ru.OperatorTaken)
	if got := h.handoff("1"); got.State != storage.StateAssigned {
		t.Fatalf("state %s", got.State)
	}

	// The owner presses again.
	owner := strings.TrimPrefix(h.handoff("1").OwnerID, "telegram:")
	s = h.step(opPress(owner, hf.TopicID, take))
	expect(t, s.desk, "Вы уже ведёте")

	// "Close" closes; pressing it again says so.
	s = h.step(opPress("7", hf.TopicID, fmt.Sprintf("desk:close:%d", hf.ID)))
	expect(t, s.tg, ru.Closed, ru.RatePrompt)
	expect(t, s.desk, "✅ Обращение")
	s = h.step(opPress("7", hf.TopicID, fmt.Sprintf("desk:close:%d", hf.ID)))
	expect(t, s.desk, "уже закрыто")
	s = h.step(opPress("7", hf.TopicID, "desk:take:9999"))
	expect(t, s.desk, "устарела")
	expect(t, s.tg)
}

func TestDeskBan(t *testing.T) {
	h := newDeskHarness(t)
	h.step(h.msg("1", "позовите оператора"))
	topic := h.handoff("1").TopicID
	s := h.step(op("7", topic, "/ban"))
	expect(t, s.desk, "Клиент заблокирован")
	expect(t, s.tg)
	if c := h.conversation("1"); !c.Banned || c.State != storage.StateClosed {
		t.Fatalf("after /ban: %+v", c)
	}
	if _, closed, _ := h.desk.snapshot(); len(closed) != 1 {
		t.Fatalf("topic not closed: %q", closed)
	}
	// The customer is ignored: no answer, nothing in the desk.
	s = h.step(h.msg("1", "позовите оператора"))
	expect(t, s.tg)
	expect(t, s.desk)

	s = h.step(op("7", topic, "/unban"))
	expect(t, s.desk, "Блокировка снята")
	s = h.step(h.msg("1", "как вернуть товар"))
	expect(t, s.tg, "14 дней")
}

func TestDeskQueueAndHelp(t *testing.T) {
	h := newDeskHarness(t)
	s := h.step(op("7", "", "/queue"))
	expect(t, s.desk, "Очередь пуста")
	for i := 1; i <= 3; i++ {
		h.step(h.msg(fmt.Sprint(i), "позовите оператора"))
		h.clock.Add(time.Minute)
	}
	h.step(h.msg("4", "позовите оператора"))
	h.step(op("8", h.handoff("4").TopicID, "Добрый день!"))
	h.clock.Add(2 * time.Minute)

	s = h.step(op("7", "", "/queue"))
	expect(t, s.desk, "Ждут ответа (3)")
	q := s.desk[0]
	if q.ThreadID != "" {
		t.Errorf("answered in thread %q", q.ThreadID)
	}
	var lines []string
	for _, l := range strings.Split(q.Text, "\n") {
		if strings.Contains(l, "· ждёт") {
			lines = append(lines, l)
		}
	}
	want := []string{
		fmt.Sprintf("1. #%d · Telegram · Ирина · просит оператора · ждёт 5 мин", h.handoff("1").ID),
		fmt.Sprintf("2. #%d · Telegram · Ирина · просит оператора · ждёт 4 мин", h.handoff("2").ID),
		fmt.Sprintf("3. #%d · Telegram · Ирина · просит оператора · ждёт 3 мин", h.handoff("3").ID),
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("queue:\n%s\nwant lines:\n%s", q.Text, strings.Join(want, "\n"))
	}
	if !strings.Contains(q.Text, "В работе (1)") || !strings.Contains(q.Text, "ведёт Пётр Иванов · 2 мин") {
		t.Fatalf("queue without the assigned one:\n%s", q.Text)
	}

	expect(t, h.step(op("7", "", "/help")).desk, "/close — закрыть")
	expect(t, h.step(op("7", "", "/frobnicate")).desk, "Неизвестная команда /frobnicate. Команды:")
	expect(t, h.step(op("7", "", "/close")).desk, "/close работает в теме обращения")
	// Operators chatting in the general topic: nothing happens.
	s = h.step(op("7", "", "коллеги, кто на смене?"))
	expect(t, s.desk)
	expect(t, s.tg)
}

func TestDeskOnlyOperatorsAct(t *testing.T) {
	h := newDeskHarness(t, WithOperators("7", " 8 ", ""))
	h.step(h.msg("1", "позовите оператора"))
	hf := h.handoff("1")

	// A member who is not an operator: the message is not relayed, a
	// command and a press only get told.
	s := h.step(op("9", hf.TopicID, "я тоже отвечу клиенту"))
	expect(t, s.tg)
	expect(t, s.desk)
	s = h.step(op("9", hf.TopicID, "/close"))
	expect(t, s.tg)
	expect(t, s.desk, "только операторы")
	s = h.step(opPress("9", hf.TopicID, fmt.Sprintf("desk:take:%d", hf.ID)))
	expect(t, s.tg)
	expect(t, s.desk, "только операторы")
	if s.desk[0].CallbackID == "" {
		t.Error("a non-operator's press not acknowledged")
	}
	// No author (never the case on Telegram, which does not deliver the
	// bot's own messages): ignored.
	s = h.step(op("", hf.TopicID, "без автора"))
	expect(t, s.tg)
	expect(t, s.desk)

	// Another chat with the same thread id: nothing reaches the customer or
	// the handoff.
	other := op("7", hf.TopicID, "/close")
	other.ChatID = "-100999"
	plain := op("7", hf.TopicID, "привет из другого чата")
	plain.ChatID = "-100999"
	s = h.step(other, plain)
	for _, r := range s.tg {
		if r.ChatID == "1" {
			t.Fatalf("the customer got %q from another chat", r.Text)
		}
	}
	expect(t, s.desk)
	if got := h.handoff("1"); got.State != storage.StateWaiting {
		t.Fatalf("state %s after non-operators", got.State)
	}
	if ops := h.transcript(bot.Telegram, "1", storage.AuthorOperator); len(ops) != 0 {
		t.Fatalf("operator messages: %+v", ops)
	}

	// An operator on the list acts.
	s = h.step(op("8", hf.TopicID, "Здравствуйте!"))
	expect(t, s.tg, "Здравствуйте!")
}

func TestDeskBlockedCustomer(t *testing.T) {
	h := newDeskHarness(t)
	h.step(h.msg("1", "позовите оператора"))
	topic := h.handoff("1").TopicID
	h.ch.mu.Lock()
	h.ch.fail = func(r bot.Reply, attempt int) error {
		if r.ChatID == "1" {
			return fmt.Errorf("telegram: 403: %w", bot.ErrBlocked)
		}
		return nil
	}
	h.ch.mu.Unlock()
	s := h.step(op("7", topic, "Здравствуйте!"))
	expect(t, s.tg)
	// The claim note, then the warning.
	expect(t, s.desk, "Разговор ведёт", "Сообщение не дошло до клиента: клиент заблокировал бота")
	inThread(t, s.desk, topic)
	if c := h.conversation("1"); !c.Blocked {
		t.Error("customer not marked blocked")
	}
}

func TestDeskRestartInWaitingAndAssigned(t *testing.T) {
	path := t.TempDir() + "/supportbot.db"
	desk := newFakeDesk()
	h := startDeskHarness(t, path, desk)
	h.step(h.msg("w", "позовите оператора"))
	h.step(h.msg("a", "позовите оператора"))
	wTopic, aTopic := h.handoff("w").TopicID, h.handoff("a").TopicID
	h.step(op("7", aTopic, "Здравствуйте!"))
	// A third handoff queued while the desk was away (no topic yet).
	h.r.SetDesk(nil)
	expect(t, h.send(h.msg("n", "позовите оператора")), "номер в очереди: 2")
	h.stop()
	h.db.Close()

	h2 := startDeskHarness(t, path, desk)
	h2.event.Store(1000)
	s := h2.settle(nil)
	// The handoff without a topic gets one now; the others keep theirs.
	created, _, _ := desk.snapshot()
	if len(created) != 3 || h2.handoff("n").TopicID == "" {
		t.Fatalf("topics after restart: %q", created)
	}
	expect(t, s.desk, "Обращение #")

	s = h2.step(h2.msg("w", "я ещё жду"))
	expect(t, s.desk, "я ещё жду")
	inThread(t, s.desk, wTopic)
	s = h2.step(op("8", wTopic, "Уже отвечаю"))
	expect(t, s.tg, "Уже отвечаю")
	if got := h2.handoff("w"); got.OwnerID != "telegram:8" {
		t.Fatalf("w owner %q", got.OwnerID)
	}
	s = h2.step(op("7", aTopic, "Нашла ваш заказ"))
	expect(t, s.tg, "Нашла ваш заказ")
	s = h2.step(h2.msg("a", "спасибо"))
	expect(t, s.tg)
	expect(t, s.desk, "спасибо")
	inThread(t, s.desk, aTopic)
	s = h2.step(op("7", aTopic, "/close"))
	expect(t, s.tg, ru.Closed, ru.RatePrompt)
	if created2, _, _ := desk.snapshot(); len(created2) != 3 {
		t.Fatalf("topics created again: %q", created2)
	}
}

func TestDeskVKCustomer(t *testing.T) {
	h := newDeskHarness(t)
	s := h.step(vkMsg("2000001", "позовите оператора"))
	expect(t, s.vk, "номер в очереди: 1")
	expect(t, s.tg)
	hf := h.handoffOf(bot.VK, "2000001")
	created, _, _ := h.desk.snapshot()
	if len(created) != 1 || created[0] != fmt.Sprintf("#%d · VK · Ирина К. · просит оператора", hf.ID) {
		t.Fatalf("topic name %q", created)
	}
	expect(t, s.desk, "Обращение #")
	if !strings.Contains(s.desk[0].Text, "Профиль: https://vk.com/id2000001") || s.desk[0].Platform != bot.Telegram {
		t.Fatalf("card:\n%s", s.desk[0].Text)
	}

	// A VK photo goes to the desk by URL; a sticker without one is named.
	photo := vkMsg("2000001", "вот коробка")
	photo.Kind = bot.KindMedia
	photo.Attachments = []bot.Attachment{
		{Type: "photo", FileID: "photo5_77", URL: "https://sun.userapi.com/p.jpg"},
		{Type: "sticker", Name: "sticker 9"},
	}
	s = h.step(photo)
	if len(s.desk) != 1 || len(s.desk[0].Attachments) != 1 || s.desk[0].Attachments[0].URL != "https://sun.userapi.com/p.jpg" ||
		s.desk[0].Attachments[0].FileID != "" || !strings.Contains(s.desk[0].Text, "[sticker: sticker 9] вот коробка") {
		t.Fatalf("VK media in the desk: %+v", s.desk)
	}

	// The operator's reply goes out on VK.
	s = h.step(op("7", hf.TopicID, "Здравствуйте, Ирина!"))
	if len(s.vk) != 1 || s.vk[0].Text != "Здравствуйте, Ирина!" || s.vk[0].ChatID != "2000001" || s.vk[0].Platform != bot.VK {
		t.Fatalf("to VK:%s", texts(s.vk))
	}
	expect(t, s.tg)
	// A Telegram photo cannot go to VK: the operator is told.
	opPhoto := op("7", hf.TopicID, "")
	opPhoto.Kind = bot.KindMedia
	opPhoto.Attachments = []bot.Attachment{{Type: "photo", FileID: "AgACop"}}
	s = h.step(opPhoto)
	expect(t, s.vk)
	expect(t, s.desk, "Файл не отправлен")
	s = h.step(op("7", hf.TopicID, "/close"))
	expect(t, s.vk, ru.Closed, ru.RatePrompt)
}

func TestDeskSignature(t *testing.T) {
	h := newDeskHarness(t, WithOperatorSignature(true))
	h.step(h.msg("1", "позовите оператора"))
	s := h.step(op("7", h.handoff("1").TopicID, "Здравствуйте!"))
	expect(t, s.tg, "Здравствуйте!\n\n— Оля")
}

func TestDeskReminders(t *testing.T) {
	h := newDeskHarness(t, WithReminder(15*time.Minute), WithStillWaiting(time.Hour))
	h.step(h.msg("1", "позовите оператора"))
	topic := h.handoff("1").TopicID
	h.step(h.msg("2", "позовите оператора"))
	h.step(op("7", h.handoff("2").TopicID, "Здравствуйте!")) // assigned: never reminded

	h.clock.Add(10 * time.Minute)
	s := h.settle(nil)
	expect(t, s.desk)
	expect(t, s.tg)

	h.clock.Add(6 * time.Minute)
	s = h.settle(nil)
	expect(t, s.desk, "⏰ Клиент ждёт ответа уже 16 мин (место в очереди: 1)")
	inThread(t, s.desk, topic)
	expect(t, s.tg, "Сообщение получено, оператор скоро ответит")
	if s.tg[0].ChatID != "1" {
		t.Fatalf("reminded chat %s", s.tg[0].ChatID)
	}
	// Once per period.
	h.clock.Add(time.Minute)
	s = h.settle(nil)
	expect(t, s.desk)
	expect(t, s.tg)
	h.clock.Add(15 * time.Minute)
	s = h.settle(nil)
	expect(t, s.desk, "⏰ Клиент ждёт ответа уже 32 мин")
	expect(t, s.tg, "Сообщение получено")
}

func TestDeskReturningCustomerGetsTheOldTopic(t *testing.T) {
	h := newDeskHarness(t)
	h.step(h.msg("1", "позовите оператора"))
	first := h.handoff("1")
	h.step(op("7", first.TopicID, "/close"))
	h.step(h.msg("1", "как вернуть товар"))

	s := h.step(h.msg("1", "позовите оператора"))
	second := h.handoff("1")
	if second.ID == first.ID || second.TopicID != first.TopicID {
		t.Fatalf("second handoff %+v, first %+v", second, first)
	}
	created, closed, reopened := h.desk.snapshot()
	if len(created) != 1 || len(reopened) != 1 || reopened[0] != first.TopicID || len(closed) != 1 {
		t.Fatalf("created %q closed %q reopened %q", created, closed, reopened)
	}
	h.desk.mu.Lock()
	name := h.desk.topics[first.TopicID]
	h.desk.mu.Unlock()
	if !strings.HasPrefix(name, fmt.Sprintf("#%d ·", second.ID)) {
		t.Errorf("reopened topic not renamed: %q", name)
	}
	expect(t, s.desk, fmt.Sprintf("Обращение #%d", second.ID))
	inThread(t, s.desk, first.TopicID)
	// The new handoff is the one the topic acts on.
	s = h.step(op("7", first.TopicID, "Снова здравствуйте"))
	expect(t, s.tg, "Снова здравствуйте")

	// A topic that cannot be reopened (deleted by hand): a new one.
	h.step(op("7", first.TopicID, "/close"))
	h.step(h.msg("1", "как вернуть товар"))
	h.desk.mu.Lock()
	h.desk.reopenErr = errors.New("Bad Request: TOPIC_ID_INVALID")
	h.desk.mu.Unlock()
	h.step(h.msg("1", "позовите оператора"))
	if third := h.handoff("1"); third.TopicID == first.TopicID || third.TopicID == "" {
		t.Fatalf("third handoff topic %q", third.TopicID)
	}
}

func TestDeskTopicRetriedWhenTelegramFails(t *testing.T) {
	h := newDeskHarness(t)
	h.desk.mu.Lock()
	h.desk.createErr = &bot.RetryError{Err: errors.New("502")}
	h.desk.mu.Unlock()
	s := h.step(h.msg("1", "позовите оператора"))
	expect(t, s.tg, "номер в очереди: 1")
	expect(t, s.desk)
	// The customer's next message waits in the transcript for the card.
	h.step(h.msg("1", "алло"))
	h.desk.mu.Lock()
	h.desk.createErr = nil
	h.desk.mu.Unlock()
	s = h.settle(nil)
	expect(t, s.desk, "Обращение #")
	if !strings.Contains(s.desk[0].Text, "Клиент: алло") {
		t.Fatalf("card without the later message:\n%s", s.desk[0].Text)
	}
}

func TestNoDeskStillQueues(t *testing.T) {
	h := startDeskHarness(t, t.TempDir()+"/supportbot.db", nil)
	s := h.step(h.msg("1", "позовите оператора"))
	expect(t, s.tg, "номер в очереди: 1")
	expect(t, s.desk)
	if hf := h.handoff("1"); hf.State != storage.StateWaiting || hf.TopicID != "" {
		t.Fatalf("handoff %+v", hf)
	}
}

func TestTopicName(t *testing.T) {
	long := strings.Repeat("Очень длинное имя ", 20)
	c := &storage.Conversation{Platform: string(bot.VK), UserName: long}
	name := topicName(&storage.Handoff{ID: 42, Reason: storage.ReasonAngry}, c)
	if n := len([]rune(name)); n > maxTopicName {
		t.Fatalf("%d characters: %q", n, name)
	}
	c = &storage.Conversation{Platform: string(bot.Telegram), UserID: "55"}
	if got := topicName(&storage.Handoff{ID: 7, Reason: storage.ReasonFailures}, c); got != "#7 · Telegram · id55 · бот не справился" {
		t.Fatalf("got %q", got)
	}
}
