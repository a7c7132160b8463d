package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// clock is a hand-moved clock shared by the router and the database.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeChannel records what it was asked to send. fail, when set, decides
// the outcome of each attempt.
type fakeChannel struct {
	platform bot.Platform
	mu       sync.Mutex
	sent     []bot.Reply
	attempts int
	fail     func(r bot.Reply, attempt int) error
}

func (c *fakeChannel) Platform() bot.Platform { return c.platform }

func (c *fakeChannel) Send(ctx context.Context, r bot.Reply) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts++
	if c.fail != nil {
		if err := c.fail(r, c.attempts); err != nil {
			return "", err
		}
	}
	c.sent = append(c.sent, r)
	return fmt.Sprint("m", len(c.sent)), nil
}

// take returns the replies sent since the last take.
func (c *fakeChannel) take() []bot.Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sent
	c.sent = nil
	return s
}

// harness is a running Router on handlers/testdata/faq.yaml and a fresh
// SQLite file, with a recording Telegram channel.
type harness struct {
	t     *testing.T
	r     *Router
	db    *storage.DB
	f     *faq.FAQ
	ch    *fakeChannel
	clock *clock
	event atomic.Int64
	stop  func()
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "supportbot.db")
	return startHarness(t, path, opts...)
}

func startHarness(t *testing.T, path string, opts ...Option) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := faq.Load("testdata/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Monday 10:00 in Moscow; the test FAQ has no schedule (always open).
	c := &clock{t: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	opts = append([]Option{WithNow(c.Now), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	r := NewRouter(db, f, opts...)
	ch := &fakeChannel{platform: bot.Telegram}
	r.AddChannel(ch)
	h := &harness{t: t, r: r, db: db, f: f, ch: ch, clock: c}
	h.start()
	t.Cleanup(func() {
		h.stop()
		db.Close()
	})
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.r.Run(ctx) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("Run: %v", err)
		}
		h.stop = func() {}
	}
}

// msg is a text message from customer chat.
func (h *harness) msg(chat, text string) bot.Message {
	return bot.Message{Platform: bot.Telegram, Kind: bot.KindText, ChatID: chat, UserID: chat, UserName: "Ирина", Text: text}
}

// press is a button press from customer chat.
func (h *harness) press(chat string, b bot.Button) bot.Message {
	return bot.Message{Platform: bot.Telegram, Kind: bot.KindButton, ChatID: chat, UserID: chat, Text: b.Text, Payload: b.Payload, CallbackID: "cb" + chat}
}

// send hands the messages to the router, waits until everything is
// processed and sent, and returns what was sent.
func (h *harness) send(ms ...bot.Message) []bot.Reply {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range ms {
		if m.EventID == "" {
			m.EventID = fmt.Sprint(h.event.Add(1))
		}
		if err := h.r.Handle(ctx, m); err != nil {
			h.t.Fatal(err)
		}
	}
	h.wait()
	return h.ch.take()
}

func (h *harness) wait() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.r.wake(h.r.wakeOut)
	if err := h.r.Wait(ctx); err != nil {
		h.t.Fatalf("waiting for the router: %v", err)
	}
}

func (h *harness) conversation(chat string) *storage.Conversation {
	h.t.Helper()
	c, err := h.db.ConversationByChat(context.Background(), string(bot.Telegram), chat)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) handoff(chat string) *storage.Handoff {
	h.t.Helper()
	c := h.conversation(chat)
	hf, err := h.db.Handoff(context.Background(), c.HandoffID)
	if err != nil {
		h.t.Fatal(err)
	}
	return hf
}

// texts renders replies for failure messages.
func texts(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "\n  %q", r.Text)
		for _, row := range r.Buttons {
			for _, bt := range row {
				fmt.Fprintf(&b, " [%s|%s%s]", bt.Text, bt.Payload, bt.URL)
			}
		}
	}
	return b.String()
}

// expect checks that the replies are, in order, texts containing each of
// want.
func expect(t *testing.T, got []bot.Reply, want ...string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.Contains(got[i].Text, want[i])
	}
	if !ok {
		t.Fatalf("replies:%s\nwant %d containing %q", texts(got), len(want), want)
	}
}

func buttonsOf(r bot.Reply) []bot.Button {
	var bs []bot.Button
	for _, row := range r.Buttons {
		bs = append(bs, row...)
	}
	return bs
}

var (
	ru   = faq.DefaultTexts
	talk = bot.Button{Text: ru.TalkToPerson, Payload: payloadHandoff}
)

func TestCustomerFlow(t *testing.T) {
	type step struct {
		in    bot.Message
		want  []string // one substring per reply
		state storage.State
	}
	h := newHarness(t)
	chat := "" // each case is its own customer
	msg := func(text string) bot.Message { return h.msg(chat, text) }
	press := func(text, payload string) bot.Message {
		return h.press(chat, bot.Button{Text: text, Payload: payload})
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"start", []step{
			{msg("/start"), []string{"Я бот магазина «Тест»"}, storage.StateBot},
			{msg("Начать"), []string{"Я бот магазина «Тест»"}, storage.StateBot},
		}},
		{"first hello is greeted, later ones answered", []step{
			{msg("привет"), []string{"Я бот магазина «Тест»"}, storage.StateBot},
			{msg("привет"), []string{"Чем помочь?"}, storage.StateBot},
		}},
		{"first thanks is thanked, not greeted", []step{
			{msg("спасибо"), []string{"Пожалуйста! Обращайтесь."}, storage.StateBot},
		}},
		{"first good morning is greeted", []step{
			{msg("Добрый день!"), []string{"Я бот магазина «Тест»"}, storage.StateBot},
		}},
		{"answer and follow-up button", []step{
			{msg("как вернуть товар"), []string{"в течение 14 дней"}, storage.StateBot},
			{press("Доставка", "entry:delivery"), []string{"2–5 дней"}, storage.StateBot},
			{press("Стоимость доставки", "entry:delivery_cost"), []string{"бесплатна от 3000"}, storage.StateBot},
		}},
		{"english", []step{
			{msg("How do I return an item?"), []string{"within 14 days"}, storage.StateBot},
		}},
		{"media", []step{
			{bot.Message{Platform: bot.Telegram, Kind: bot.KindMedia, ChatID: "media", Attachments: []bot.Attachment{{Type: "sticker", FileID: "s"}}},
				[]string{ru.NonText}, storage.StateBot},
		}},
		{"two failures hand off", []step{
			{msg("ывапролдж фыва"), []string{ru.DontKnow}, storage.StateBot},
			{msg("ололо трулала"), []string{"номер в очереди: 1"}, storage.StateWaiting},
		}},
		{"a waiting customer is not answered from the FAQ", []step{
			{msg("позовите оператора"), []string{"номер в очереди: 2"}, storage.StateWaiting},
			{msg("как вернуть товар"), nil, storage.StateWaiting},
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for j, st := range tc.steps {
				chat = fmt.Sprint("c", i)
				if st.in.ChatID == "" || st.in.ChatID == "media" {
					st.in.ChatID = chat
				}
				got := h.send(st.in)
				if len(got) != len(st.want) {
					t.Fatalf("step %d (%q): replies:%s\nwant %q", j, st.in.Text, texts(got), st.want)
				}
				expect(t, got, st.want...)
				if c := h.conversation(chat); c.State != st.state {
					t.Fatalf("step %d: state %s, want %s", j, c.State, st.state)
				}
			}
		})
	}
}

func TestIsGreetingEntry(t *testing.T) {
	for _, tc := range []struct {
		e    faq.Entry
		want bool
	}{
		{faq.Entry{ID: "hello", SmallTalk: true, Questions: []string{"Привет", "Здравствуйте"}}, true},
		{faq.Entry{ID: "hi", SmallTalk: true, Questions: []string{"Hi there!"}}, true},
		{faq.Entry{ID: "morning", SmallTalk: true, Questions: []string{"Доброе утро"}}, true},
		{faq.Entry{ID: "thanks", SmallTalk: true, Questions: []string{"Спасибо", "Благодарю"}}, false},
		{faq.Entry{ID: "bye", SmallTalk: true, Questions: []string{"Пока", "До свидания"}}, false},
		{faq.Entry{ID: "history", SmallTalk: true, Questions: []string{"Хайповый товар"}}, false},
		{faq.Entry{ID: "faq_hello", Questions: []string{"Привет, где мой заказ?"}}, false}, // not small talk
	} {
		if got := isGreetingEntry(&tc.e); got != tc.want {
			t.Errorf("isGreetingEntry(%s %q) = %v, want %v", tc.e.ID, tc.e.Questions, got, tc.want)
		}
	}
}

func TestButtons(t *testing.T) {
	h := newHarness(t)
	got := h.send(h.press("1", bot.Button{Text: "Доставка", Payload: "entry:delivery"}))
	expect(t, got, "2–5 дней")
	bs := buttonsOf(got[0])
	if len(bs) != 2 || bs[0].Payload != "entry:delivery_cost" || bs[0].Text != "Стоимость доставки" ||
		bs[1].URL != "https://example.com/track" || bs[1].Payload != "" {
		t.Fatalf("entry buttons: %+v", bs)
	}
	if got[0].CallbackID != "cb1" {
		t.Errorf("button press not acknowledged: %+v", got[0])
	}

	got = h.send(h.msg("2", "ывапролдж"))
	expect(t, got, ru.DontKnow)
	if bs := buttonsOf(got[0]); len(bs) != 1 || bs[0] != talk {
		t.Fatalf("fallback buttons: %+v", bs)
	}
	got = h.send(h.press("2", talk))
	expect(t, got, "номер в очереди: 1")
	if hf := h.handoff("2"); hf.Reason != storage.ReasonRequest {
		t.Errorf("reason %s", hf.Reason)
	}
}

func TestClarify(t *testing.T) {
	h := newHarness(t)
	m := faq.NewMatcher(h.f)
	const q = "оплата доставки"
	if d := m.Match(q); d.Action != faq.Clarify {
		t.Skipf("the matcher no longer finds %q ambiguous (%s)", q, d.Action)
	}
	got := h.send(h.msg("1", q))
	expect(t, got, ru.DidYouMean)
	bs := buttonsOf(got[0])
	if len(bs) < 3 || !strings.HasPrefix(bs[0].Payload, payloadEntry) || bs[len(bs)-1].Payload != payloadNone || bs[len(bs)-1].Text != ru.NoneOfThese {
		t.Fatalf("clarify buttons: %+v", bs)
	}
	// A candidate answers; "none of these" hands off.
	expect(t, h.send(h.press("1", bs[0])), "")
	got = h.send(h.press("1", bs[len(bs)-1]))
	expect(t, got, "номер в очереди: 1")
	if hf := h.handoff("1"); hf.Reason != storage.ReasonNoneOfThese {
		t.Errorf("reason %s", hf.Reason)
	}
}

// isAck reports a reply that only acknowledges a button press.
func isAck(r bot.Reply) bool {
	return r.CallbackID != "" && r.Text == "" && len(r.Buttons) == 0 && len(r.Attachments) == 0
}

// TestEveryPressIsAcknowledged: each button press gets exactly one
// acknowledgement, on its first reply when it has one, alone otherwise.
func TestEveryPressIsAcknowledged(t *testing.T) {
	h := newDeskHarness(t)
	// acks checks that press m, sent alone, was acknowledged exactly once
	// among the replies (to any chat), and returns the replies that are not
	// a bare acknowledgement.
	acks := func(m bot.Message) []bot.Reply {
		t.Helper()
		m.CallbackID = "cb-" + fmt.Sprint(h.event.Load()+1)
		s := h.step(m)
		var n int
		var rest []bot.Reply
		for _, r := range append(append(s.desk, s.tg...), s.vk...) {
			if r.CallbackID == m.CallbackID {
				n++
			} else if r.CallbackID != "" {
				t.Errorf("%q acknowledged another press %q", m.Payload, r.CallbackID)
			}
			if !isAck(r) {
				rest = append(rest, r)
			}
		}
		if n != 1 {
			t.Fatalf("press %q (%q) acknowledged %d times; replies:%s%s", m.Payload, m.ChatID, n, texts(s.tg), texts(s.desk))
		}
		return rest
	}
	// Answered: the acknowledgement rides on the answer.
	got := acks(h.press("1", bot.Button{Text: "Доставка", Payload: "entry:delivery"}))
	expect(t, got, "2–5 дней")
	if got[0].CallbackID == "" {
		t.Error("the answer does not acknowledge the press")
	}
	// A stale button with no text: nothing to say, acknowledged alone.
	expect(t, acks(h.press("1", bot.Button{Payload: "entry:nosuch"})))
	// A press while waiting for a person (the still-waiting notice held back).
	expect(t, acks(h.press("1", talk)), "Обращение #1", "номер в очереди: 1")
	expect(t, acks(h.press("1", bot.Button{Text: "Доставка", Payload: "entry:delivery"})), "👤 id1: Доставка")
	// Operators: a press by a non-operator is answered in the desk, a stale
	// desk button too.
	h.r.dk.operators = map[string]bool{"7": true}
	expect(t, acks(opPress("9", "", payloadDeskTake+"1")), "только операторы")
	expect(t, acks(opPress("7", "", payloadDeskTake+"999")), "устарела")
	// A press whose processing panics is set aside, and still acknowledged.
	h.r.beforeTurn = func(m bot.Message) {
		if m.Payload == "boom" {
			panic("boom")
		}
	}
	expect(t, acks(h.press("2", bot.Button{Text: "boom", Payload: "boom"})))
	// A rating of a conversation rated already is acknowledged alone.
	hf := h.handoff("1")
	if _, err := h.r.CloseHandoff(context.Background(), hf.ID); err != nil {
		t.Fatal(err)
	}
	h.settle(nil)
	expect(t, acks(h.press("1", bot.Button{Text: "5", Payload: "rate:5"})), "Оценка клиента: 5/5", ru.RateThanks)
	expect(t, acks(h.press("1", bot.Button{Text: "4", Payload: "rate:4"})))
}

func TestHandoffTriggers(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		chat, text string
		want       []string
		reason     string
		priority   int
	}{
		{"1", "позовите оператора", []string{"номер в очереди: 1"}, storage.ReasonRequest, 0},
		{"2", "пришла повреждённая посылка", []string{"Сфотографируйте", "номер в очереди: 2"}, storage.ReasonEntry, 0},
		{"3", "это безобразие, буду жаловаться в роспотребнадзор!", []string{"Простите, что так вышло"}, storage.ReasonAngry, 1},
	}
	for _, tc := range tests {
		got := h.send(h.msg(tc.chat, tc.text))
		if len(got) != len(tc.want) {
			t.Fatalf("%q: replies:%s", tc.text, texts(got))
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i].Text, w) {
				t.Fatalf("%q: replies:%s\nwant %q", tc.text, texts(got), tc.want)
			}
		}
		if tc.reason == storage.ReasonAngry && !strings.Contains(got[0].Text, "номер в очереди: 1") {
			t.Errorf("angry customer is not first: %q", got[0].Text)
		}
		hf := h.handoff(tc.chat)
		if hf.Reason != tc.reason || hf.Priority != tc.priority || hf.State != storage.StateWaiting {
			t.Errorf("%q: handoff %+v", tc.text, hf)
		}
	}
}

func TestQueuePositions(t *testing.T) {
	h := newHarness(t)
	for i := 1; i <= 3; i++ {
		expect(t, h.send(h.msg(fmt.Sprint(i), "позовите оператора")), fmt.Sprintf("номер в очереди: %d", i))
		h.clock.Add(time.Second)
	}
	q, err := h.db.Queue(context.Background())
	if err != nil || len(q) != 3 || q[0].Conversation.ChatID != "1" || q[2].Position != 3 {
		t.Fatalf("queue: %v %v", q, err)
	}
}

func TestStillWaitingIsRare(t *testing.T) {
	h := newHarness(t)
	expect(t, h.send(h.msg("1", "позовите оператора")), "номер в очереди")
	expect(t, h.send(h.msg("1", "алло")))
	h.clock.Add(11 * time.Minute)
	expect(t, h.send(h.msg("1", "ну где вы")), "Сообщение получено")
	h.clock.Add(time.Minute)
	expect(t, h.send(h.msg("1", "ау")))
	ms, _ := h.db.Messages(context.Background(), h.conversation("1").ID, 100)
	var relayed int
	for _, m := range ms {
		if m.Author == storage.AuthorCustomer && m.Action == "relay" {
			relayed++
		}
	}
	if relayed != 3 {
		t.Errorf("%d messages stored while waiting, want 3", relayed)
	}
}

func TestOffHours(t *testing.T) {
	h := newHarness(t)
	f := *h.f
	f.Hours = faq.Hours{TimeZone: "Europe/Moscow", Schedule: map[string]string{"sat": "10:00-18:00"}}
	h.r.SetFAQ(&f)
	got := h.send(h.msg("1", "позовите оператора"))
	expect(t, got, "Сейчас операторы не на связи")
	if !strings.Contains(got[0].Text, "номер в очереди: 1") || !strings.Contains(got[0].Text, "в субботу в 10:00") {
		t.Errorf("handoff text: %q", got[0].Text)
	}
}

func TestCloseRateAndBackToBot(t *testing.T) {
	h := newHarness(t)
	expect(t, h.send(h.msg("1", "позовите оператора")), "номер в очереди")
	hf := h.handoff("1")
	if _, err := h.db.Claim(context.Background(), hf.ID, "telegram:7", "Оля"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.r.CloseHandoff(context.Background(), hf.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.r.CloseHandoff(context.Background(), hf.ID); !errors.Is(err, storage.ErrState) {
		t.Fatalf("second close: %v", err)
	}
	h.wait()
	got := h.ch.take()
	expect(t, got, ru.Closed, ru.RatePrompt)
	rate := buttonsOf(got[1])
	if len(rate) != 5 || rate[4].Payload != "rate:5" {
		t.Fatalf("rating buttons %+v", rate)
	}
	expect(t, h.send(h.press("1", rate[4])), ru.RateThanks)
	if got := h.handoff("1"); got.Rating != 5 {
		t.Errorf("rating %d", got.Rating)
	}
	if c := h.conversation("1"); c.State != storage.StateBot {
		t.Errorf("state %s", c.State)
	}
	// A second rating is ignored; the press is only acknowledged.
	if got := h.send(h.press("1", rate[3])); len(got) != 1 || !isAck(got[0]) {
		t.Fatalf("second rating:%s", texts(got))
	}
	expect(t, h.send(h.msg("1", "как вернуть товар")), "14 дней")

	// Closed without a rating: the next message is answered by the bot.
	expect(t, h.send(h.msg("2", "позовите оператора")), "номер в очереди")
	if _, err := h.r.CloseHandoff(context.Background(), h.handoff("2").ID); err != nil {
		t.Fatal(err)
	}
	h.wait()
	h.ch.take()
	expect(t, h.send(h.msg("2", "как вернуть товар")), "14 дней")
}

func TestGroupsAndBans(t *testing.T) {
	h := newHarness(t)
	m := h.msg("-100", "как вернуть товар")
	m.Group = true
	expect(t, h.send(m))
	m.Mentioned = true
	expect(t, h.send(m), "14 дней")
	expect(t, h.send(h.msg("5", "привет")), "Я бот")
	if err := h.db.SetBanned(context.Background(), h.conversation("5").ID, true); err != nil {
		t.Fatal(err)
	}
	expect(t, h.send(h.msg("5", "позовите оператора")))
	if c := h.conversation("5"); c.State != storage.StateBot {
		t.Errorf("banned customer handed off")
	}
}

func TestDuplicateEventProcessedOnce(t *testing.T) {
	h := newHarness(t)
	m := h.msg("1", "как вернуть товар")
	m.EventID = "dup"
	expect(t, h.send(m, m, m), "14 дней")
}

// TestRawPayloadInInbox: the platform's own JSON of an event is stored
// with it in the inbox, and not in the bot.Message payload.
func TestRawPayloadInInbox(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.msg("1", "как вернуть товар")
	m.EventID = "870211001"
	m.Raw = []byte(`{"update_id":870211001,"message":{"text":"как вернуть товар"}}`)
	expect(t, h.send(m), "14 дней")
	raw, err := h.db.InboxRaw(ctx, string(bot.Telegram), "870211001")
	if err != nil || string(raw) != string(m.Raw) {
		t.Fatalf("raw payload %q, %v; want %q", raw, err, m.Raw)
	}
	// An event without one (the console's) stores none.
	expect(t, h.send(h.msg("2", "привет")), "Я бот")
	if raw, err := h.db.InboxRaw(ctx, string(bot.Telegram), fmt.Sprint(h.event.Load())); err != nil || len(raw) != 0 {
		t.Fatalf("raw payload of an event without one: %q, %v", raw, err)
	}
	if _, err := h.db.InboxRaw(ctx, string(bot.VK), "870211001"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("raw payload of a missing event: %v", err)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	h := newHarness(t)
	h.r.beforeTurn = func(m bot.Message) {
		if m.Text == "boom" {
			panic("boom")
		}
	}
	expect(t, h.send(h.msg("1", "boom")))
	expect(t, h.send(h.msg("1", "как вернуть товар")), "14 дней")
	failed, err := h.db.FailedInbox(context.Background(), 10)
	if err != nil || len(failed) != 1 || !strings.Contains(failed[0].Error, "panic: boom") {
		t.Fatalf("failed events %+v %v", failed, err)
	}
}

func TestSenderRetries(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.ch.fail = func(r bot.Reply, attempt int) error {
		if attempt <= 2 {
			return &bot.RetryError{After: time.Minute, Err: errors.New("429")}
		}
		return nil
	}
	expect(t, h.send(h.msg("1", "как вернуть товар"), h.msg("1", "привет")))
	items, _ := decodeOutbox(h.db.PendingOutbox(ctx, 10))
	if len(items) != 2 || items[0].Attempts != 1 || items[0].NextAttemptAt.Before(h.clock.Now().Add(time.Minute)) || items[1].Attempts != 0 {
		t.Fatalf("after a 429: %+v %+v", items[0], items[1])
	}
	h.clock.Add(30 * time.Second)
	h.wait()
	expect(t, h.ch.take())
	h.clock.Add(31 * time.Second)
	h.wait()
	expect(t, h.ch.take()) // second 429
	h.clock.Add(time.Hour)
	h.wait()
	// Both go, in order.
	expect(t, h.ch.take(), "14 дней", "Чем помочь")
}

func TestSenderBlockedAndPermanent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.ch.fail = func(r bot.Reply, attempt int) error {
		switch r.ChatID {
		case "blocked":
			return fmt.Errorf("telegram: 403: %w", bot.ErrBlocked)
		case "broken":
			return errors.New("400 bad request")
		}
		return nil
	}
	expect(t, h.send(h.msg("blocked", "как вернуть товар"), h.msg("blocked", "привет")))
	if c := h.conversation("blocked"); !c.Blocked {
		t.Error("customer not marked blocked")
	}
	h.ch.mu.Lock()
	attempts := h.ch.attempts
	h.ch.mu.Unlock()
	if attempts != 1 {
		t.Errorf("%d attempts at a blocked customer, want 1", attempts)
	}
	expect(t, h.send(h.msg("broken", "как вернуть товар")))
	for i := 0; i < 5; i++ {
		h.clock.Add(time.Hour)
		h.wait()
	}
	h.ch.mu.Lock()
	attempts = h.ch.attempts
	h.ch.mu.Unlock()
	if attempts != 1+3 {
		t.Errorf("%d attempts in all, want 1 blocked + 3 broken", attempts)
	}
	if items, _ := decodeOutbox(h.db.PendingOutbox(ctx, 10)); len(items) != 0 {
		t.Errorf("still pending: %+v", items)
	}
	// A blocked customer who writes again is reachable again.
	h.ch.fail = nil
	expect(t, h.send(h.msg("blocked", "как вернуть товар")), "14 дней")
	if c := h.conversation("blocked"); c.Blocked {
		t.Error("customer still marked blocked")
	}
}

// TestBlockedUntilTheyWriteAgain: a message received before the bot found it
// was blocked, but processed after, gets no reply and does not unblock the
// customer (whatever the order of processing and sending); one received
// after does.
func TestBlockedUntilTheyWriteAgain(t *testing.T) {
	h := newHarness(t)
	h.ch.mu.Lock()
	h.ch.fail = func(r bot.Reply, attempt int) error { return fmt.Errorf("telegram: 403: %w", bot.ErrBlocked) }
	h.ch.mu.Unlock()
	expect(t, h.send(h.msg("1", "как вернуть товар")))
	c := h.conversation("1")
	if !c.Blocked || !c.BlockedAt.Equal(h.clock.Now()) {
		t.Fatalf("after a 403: blocked %v at %v", c.Blocked, c.BlockedAt)
	}
	// Received at the same moment as the 403 (the clock stands still):
	// written before the customer blocked the bot.
	expect(t, h.send(h.msg("1", "привет"), h.press("1", bot.Button{Text: "Доставка", Payload: "entry:delivery"})))
	h.ch.mu.Lock()
	attempts := h.ch.attempts
	h.ch.fail = nil
	h.ch.mu.Unlock()
	if attempts != 1 {
		t.Errorf("%d attempts at a blocked customer, want 1", attempts)
	}
	if c := h.conversation("1"); !c.Blocked {
		t.Error("unblocked by a message written before the block")
	}
	ms, _ := h.db.Messages(context.Background(), c.ID, 100)
	if len(ms) != 4 || ms[2].Author != storage.AuthorCustomer || ms[3].Author != storage.AuthorCustomer {
		t.Errorf("transcript: %d messages, want the 3 customer messages and the first answer", len(ms))
	}
	h.clock.Add(time.Second)
	expect(t, h.send(h.msg("1", "как вернуть товар")), "14 дней")
	if c := h.conversation("1"); c.Blocked || !c.BlockedAt.IsZero() {
		t.Errorf("still blocked (%v at %v) after writing again", c.Blocked, c.BlockedAt)
	}
}

func TestRestartPicksUpLeftovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supportbot.db")
	ctx := context.Background()
	// A previous run stored an event and a reply and died.
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC) }
	if _, _, err := db.PutInbox(ctx, mustIncoming(t, bot.Message{Platform: bot.Telegram, EventID: "1", Kind: bot.KindText, ChatID: "1", Text: "как вернуть товар"})); err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx *storage.Tx) error {
		c, _, err := tx.UpsertConversation(ctx, string(bot.Telegram), "2", storage.Profile{})
		if err != nil {
			return err
		}
		_, err = addReply(ctx, tx, c.ID, 0, bot.Reply{Platform: bot.Telegram, ChatID: "2", Text: "unsent"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	h := startHarness(t, path)
	h.wait()
	got := h.ch.take()
	if len(got) != 2 {
		t.Fatalf("after restart:%s", texts(got))
	}
	var all string
	for _, r := range got {
		all += r.Text + "|"
	}
	if !strings.Contains(all, "14 дней") || !strings.Contains(all, "unsent") {
		t.Fatalf("after restart:%s", texts(got))
	}
}

func TestRestartInTheMiddleOfEachState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supportbot.db")
	h := startHarness(t, path)
	expect(t, h.send(h.msg("w", "позовите оператора")), "номер в очереди: 1")
	expect(t, h.send(h.msg("a", "позовите оператора")), "номер в очереди: 2")
	if _, err := h.db.Claim(context.Background(), h.handoff("a").ID, "telegram:7", "Оля"); err != nil {
		t.Fatal(err)
	}
	expect(t, h.send(h.msg("c", "позовите оператора")), "номер в очереди: 2")
	h.stop()
	// Closed while the bot is down (`supportbot queue close`): the closing
	// messages wait in the outbox. (Closed through the running router, they
	// could go out before it stops.)
	if _, err := CloseHandoff(context.Background(), h.db, h.f, h.handoff("c").ID); err != nil {
		t.Fatal(err)
	}
	h.db.Close()

	h2 := startHarness(t, path)
	h2.event.Store(1000)
	h2.wait()
	expect(t, h2.ch.take(), ru.Closed, ru.RatePrompt) // queued at close, sent now
	expect(t, h2.send(h2.msg("w", "как вернуть товар")))
	expect(t, h2.send(h2.msg("a", "как вернуть товар")))
	expect(t, h2.send(h2.msg("c", "как вернуть товар")), "14 дней")
}

func TestManyConversationsConcurrently(t *testing.T) {
	h := newHarness(t)
	const chats, each = 20, 5
	var ms []bot.Message
	for i := 0; i < each; i++ {
		for c := 0; c < chats; c++ {
			ms = append(ms, h.press(fmt.Sprint(c), bot.Button{Payload: []string{"entry:delivery", "entry:returns", "entry:payment", "entry:delivery_cost", "entry:returns"}[i]}))
		}
	}
	got := h.send(ms...)
	if len(got) != chats*each {
		t.Fatalf("%d replies, want %d", len(got), chats*each)
	}
	// Each chat got its answers in the order it asked.
	order := map[string][]string{}
	for _, r := range got {
		order[r.ChatID] = append(order[r.ChatID], r.Text[:10])
	}
	want := []string{}
	for _, id := range []string{"delivery", "returns", "payment", "delivery_cost", "returns"} {
		want = append(want, h.f.Entry(id).Answer[:10])
	}
	for c, o := range order {
		if fmt.Sprint(o) != fmt.Sprint(want) {
			t.Fatalf("chat %s got %q, want %q", c, o, want)
		}
	}
}

func TestVKAdminTakeoverAndQuietReturn(t *testing.T) {
	h := newHarness(t, WithAdminQuiet(30*time.Minute))
	vk := &fakeChannel{platform: bot.VK}
	h.r.AddChannel(vk)
	ctx := context.Background()
	customer := func(text string) bot.Message {
		return bot.Message{Platform: bot.VK, Kind: bot.KindText, ChatID: "2000000", UserID: "2000000", UserName: "Ирина К.", Text: text}
	}
	h.send(customer("привет"))
	expect(t, vk.take(), "Я бот")
	// An admin answers in VK's own screen.
	h.send(bot.Message{Platform: bot.VK, Kind: bot.KindAdminReply, ChatID: "2000000", UserID: "77", UserName: "Админ", Text: "Здравствуйте, это Мария"})
	expect(t, vk.take())
	c, err := h.db.ConversationByChat(ctx, string(bot.VK), "2000000")
	if err != nil || c.State != storage.StateAssigned || c.UserName != "Ирина К." {
		t.Fatalf("after the admin's reply: %+v %v", c, err)
	}
	// The bot stays silent while the admin talks.
	h.send(customer("как вернуть товар"))
	expect(t, vk.take())
	h.clock.Add(20 * time.Minute)
	h.send(bot.Message{Platform: bot.VK, Kind: bot.KindAdminReply, ChatID: "2000000", UserID: "77", Text: "Сейчас посмотрю"})
	h.clock.Add(20 * time.Minute)
	h.r.releaseQuietAdmins(ctx)
	if c, _ := h.db.ConversationByChat(ctx, string(bot.VK), "2000000"); c.State != storage.StateAssigned {
		t.Fatalf("returned to the bot 20 minutes after the admin's last message")
	}
	h.clock.Add(11 * time.Minute)
	h.r.releaseQuietAdmins(ctx)
	if c, _ := h.db.ConversationByChat(ctx, string(bot.VK), "2000000"); c.State != storage.StateBot {
		t.Fatalf("state %s after the quiet period, want bot", c.State)
	}
	h.send(customer("как вернуть товар"))
	expect(t, vk.take(), "14 дней")
	hf, _ := h.db.Handoff(ctx, c.HandoffID)
	if hf.Reason != storage.ReasonAdmin || hf.OwnerID != "vk:77" || hf.State != storage.StateClosed {
		t.Errorf("admin handoff %+v", hf)
	}
}

// TestSetFAQWhileProcessing swaps the FAQ while conversations run (run with
// -race): every message is answered by one FAQ or the other.
func TestSetFAQWhileProcessing(t *testing.T) {
	h := newHarness(t)
	other, err := faq.Load("testdata/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				h.r.SetFAQ(other)
			} else {
				h.r.SetFAQ(h.f)
			}
		}
	}()
	var ms []bot.Message
	for i := 0; i < 50; i++ {
		ms = append(ms, h.msg(fmt.Sprint(i%5), "как вернуть товар"))
	}
	got := h.send(ms...)
	close(stop)
	wg.Wait()
	if len(got) != 50 {
		t.Fatalf("%d replies, want 50", len(got))
	}
	for _, r := range got {
		if !strings.Contains(r.Text, "14 дней") {
			t.Fatalf("reply %q", r.Text)
		}
	}
}

// TestChannelAddedLater: replies stored for a platform before its channel
// is added are sent once it is.
func TestChannelAddedLater(t *testing.T) {
	h := newHarness(t)
	vk := &fakeChannel{platform: bot.VK}
	h.send(bot.Message{Platform: bot.VK, Kind: bot.KindText, ChatID: "5", Text: "как вернуть товар"})
	h.r.AddChannel(vk)
	h.wait()
	expect(t, vk.take(), "14 дней")
}

// blockingChannel never finishes a Send until its context ends.
type blockingChannel struct{ started chan struct{} }

func (c *blockingChannel) Platform() bot.Platform { return bot.Console }

func (c *blockingChannel) Send(ctx context.Context, r bot.Reply) (string, error) {
	select {
	case c.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return "", &bot.RetryError{Err: ctx.Err()}
}

// TestShutdownWithSendInFlight: Run returns soon after its context ends even
// when a Send hangs, and the reply is not lost: the next run sends it.
func TestShutdownWithSendInFlight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supportbot.db")
	h := startHarness(t, path)
	h.r.shutdownGrace = 50 * time.Millisecond
	ch := &blockingChannel{started: make(chan struct{}, 1)}
	h.r.AddChannel(ch)
	if err := h.r.Handle(context.Background(), bot.Message{Platform: bot.Console, EventID: "1", Kind: bot.KindText, ChatID: "console", Text: "как вернуть товар"}); err != nil {
		t.Fatal(err)
	}
	<-ch.started
	h.stop() // returns only once Run has
	h.db.Close()

	h2 := startHarness(t, path)
	con := &fakeChannel{platform: bot.Console}
	h2.r.AddChannel(con)
	h2.wait()
	expect(t, con.take(), "14 дней")
	items, _ := decodeOutbox(h2.db.PendingOutbox(context.Background(), 10))
	if len(items) != 0 {
		t.Fatalf("pending after delivery: %+v", items)
	}
}

// TestRetention: the maintenance loop deletes the outbox rows sent and the
// inbox rows processed more than the retention ago, and keeps the
// transcript, what is recent and what is still pending.
func TestRetention(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	expect(t, h.send(h.msg("1", "как вернуть товар")), "14 дней")
	c1 := h.conversation("1")
	ms, _ := h.db.Messages(ctx, c1.ID, 10)
	if len(ms) != 2 || ms[0].InboxID == 0 {
		t.Fatalf("transcript %+v", ms)
	}
	// A reply still pending (no VK channel) for that old event.
	err := h.db.Update(ctx, func(tx *storage.Tx) error {
		_, err := addReply(ctx, tx, c1.ID, ms[0].InboxID, bot.Reply{Platform: bot.VK, ChatID: "9", Text: "pending"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Add(29 * 24 * time.Hour)
	expect(t, h.send(h.msg("2", "как вернуть товар")), "14 дней")
	h.clock.Add(2 * 24 * time.Hour)

	h.r.prune(ctx)
	in, out, err := h.db.Rows(ctx)
	if err != nil || in != 1 || out != 2 {
		t.Fatalf("after pruning: %d inbox and %d outbox rows (%v), want 1 (the recent event) and 2 (its reply, the pending one)", in, out, err)
	}
	if ms, _ := h.db.Messages(ctx, c1.ID, 10); len(ms) != 2 || ms[0].InboxID != 0 || ms[1].Text == "" {
		t.Fatalf("transcript after pruning: %+v", ms)
	}
	if items, _ := decodeOutbox(h.db.PendingOutbox(ctx, 10)); len(items) != 1 || items[0].Reply.Text != "pending" {
		t.Fatalf("pending after pruning: %+v", items)
	}
	// Nothing more to prune: a second run deletes nothing.
	h.r.prune(ctx)
	if in2, out2, _ := h.db.Rows(ctx); in2 != in || out2 != out {
		t.Fatalf("second prune: %d, %d rows", in2, out2)
	}

	// Retention 0 keeps everything.
	h0 := newHarness(t, WithRetention(0))
	expect(t, h0.send(h0.msg("1", "как вернуть товар")), "14 дней")
	h0.clock.Add(365 * 24 * time.Hour)
	h0.r.prune(ctx)
	if in, out, _ := h0.db.Rows(ctx); in != 1 || out != 1 {
		t.Fatalf("pruned with retention 0: %d, %d rows left", in, out)
	}
}

// mustIncoming is m as Handle stores it.
func mustIncoming(t testing.TB, m bot.Message) storage.Incoming {
	t.Helper()
	in, err := incoming(m)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestHandleBatch: a batch is stored in one call and processed like the
// same events handled one by one; storing it again (an adapter retrying
// after an error) processes nothing twice, nor does an event repeated in
// the batch.
func TestHandleBatch(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := h.msg("1", "как вернуть товар")
	a.EventID, a.Raw = "b1", []byte(`{"update_id":1}`)
	b := h.msg("2", "как вернуть товар")
	b.EventID = "b2"
	batch := []bot.Message{a, b, a}
	for range 2 {
		if err := h.r.HandleBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.r.HandleBatch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	h.wait()
	got := h.ch.take()
	slices.SortFunc(got, func(x, y bot.Reply) int { return strings.Compare(x.ChatID, y.ChatID) })
	expect(t, got, "14 дней", "14 дней")
	if got[0].ChatID != "1" || got[1].ChatID != "2" {
		t.Errorf("replies to %s and %s, want 1 and 2", got[0].ChatID, got[1].ChatID)
	}
	if raw, err := h.db.InboxRaw(ctx, "telegram", "b1"); err != nil || string(raw) != `{"update_id":1}` {
		t.Errorf("raw %q, %v", raw, err)
	}
	if in, _, err := h.db.Rows(ctx); err != nil || in != 2 {
		t.Errorf("%d inbox rows (%v), want 2", in, err)
	}
	if err := h.r.HandleBatch(ctx, []bot.Message{{Platform: bot.Telegram}}); err == nil {
		t.Error("an event without id accepted")
	}
}
