package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// statsFixture writes known conversations into a fresh database with SQL
// that follows the schema, at fixed times (the injected clock is the times
// themselves: nothing reads the wall clock).
type statsFixture struct {
	t   *testing.T
	db  *DB
	ctx context.Context
	ev  int
}

func newStatsFixture(t *testing.T) *statsFixture {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "stats.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &statsFixture{t: t, db: db, ctx: ctx}
}

func (f *statsFixture) exec(query string, args ...any) int64 {
	f.t.Helper()
	res, err := f.db.write.ExecContext(f.ctx, query, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (f *statsFixture) conversation(platform, chat string, at time.Time) int64 {
	return f.exec(`INSERT INTO conversations (platform, chat_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		platform, chat, chat, ts(at), ts(at))
}

// msg stores a message without an inbox row.
func (f *statsFixture) msg(conv int64, author, kind, text, action, entry string, at time.Time) int64 {
	return f.exec(`INSERT INTO messages (conversation_id, author, kind, text, action, entry_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		conv, author, kind, text, action, entry, ts(at))
}

// ask stores a customer message that arrived through the inbox at `at`, the
// bot's reply, and its outbox row delivered after `took` (never when took < 0).
func (f *statsFixture) ask(conv int64, platform, chat, kind, text, action, entry string, at time.Time, took time.Duration) {
	f.ev++
	inbox := f.exec(`INSERT INTO inbox (platform, event_id, payload, received_at, processed_at) VALUES (?, ?, '{}', ?, ?)`,
		platform, f.ev, ts(at), ts(at))
	f.exec(`INSERT INTO messages (conversation_id, inbox_id, author, kind, text, action, entry_id, created_at) VALUES (?, ?, 'customer', ?, ?, ?, ?, ?)`,
		conv, inbox, kind, text, action, entry, ts(at))
	f.exec(`INSERT INTO messages (conversation_id, inbox_id, author, text, created_at) VALUES (?, ?, 'bot', 'reply', ?)`, conv, inbox, ts(at))
	var sent any
	if took >= 0 {
		sent = ts(at.Add(took))
	}
	// A desk post caused by the same event goes to another chat: it must
	// not count as the customer's reply.
	f.exec(`INSERT INTO outbox (conversation_id, inbox_id, platform, chat_id, payload, created_at, next_attempt_at, sent_at) VALUES (?, ?, 'telegram', '-100desk', '{}', ?, ?, ?)`,
		conv, inbox, ts(at), ts(at), ts(at))
	f.exec(`INSERT INTO outbox (conversation_id, inbox_id, platform, chat_id, payload, created_at, next_attempt_at, sent_at) VALUES (?, ?, ?, ?, '{}', ?, ?, ?)`,
		conv, inbox, platform, chat, ts(at), ts(at), sent)
}

func (f *statsFixture) handoff(conv int64, reason, state string, at time.Time, reply, closed time.Duration, rating int) {
	var r, c, rt any
	if reply > 0 {
		r = ts(at.Add(reply))
	}
	if closed > 0 {
		c = ts(at.Add(closed))
	}
	if rating > 0 {
		rt = rating
	}
	f.exec(`INSERT INTO handoffs (conversation_id, reason, state, created_at, first_reply_at, closed_at, rating) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		conv, reason, state, ts(at), r, c, rt)
}

var (
	statsSince = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	statsUntil = statsSince.AddDate(0, 0, 7)
)

func day(n int, hh, mm int) time.Time { return time.Date(2026, 11, n, hh, mm, 0, 0, time.UTC) }

// fillStats writes the known data set; the figures it gives are spelled out
// in TestStatsFigures.
func fillStats(f *statsFixture) {
	s := time.Second
	// A: Telegram, two answers, thanks, a button press; one message before
	// and one after the period.
	a := f.conversation("telegram", "1", day(2, 10, 0))
	f.ask(a, "telegram", "1", "text", "где мой заказ", "answer", "order_status", day(2, 10, 0), 1*s)
	f.ask(a, "telegram", "1", "text", "сколько стоит доставка", "answer", "delivery_cost", day(2, 10, 5), 3*s)
	f.ask(a, "telegram", "1", "text", "спасибо", "smalltalk", "thanks", day(2, 10, 6), 1*s)
	f.ask(a, "telegram", "1", "button", "Где мой заказ?", "answer", "order_status", day(2, 10, 7), 1*s)
	f.ask(a, "telegram", "1", "text", "до периода", "fallback", "", statsSince.Add(-time.Hour), 1*s)
	f.ask(a, "telegram", "1", "text", "после периода", "fallback", "", statsUntil, 1*s)

	// B: VK, an answer, two fallbacks, handed off after two failures,
	// replied in 10 min, closed in 30, rated 5.
	b := f.conversation("vk", "2", day(3, 12, 0))
	f.ask(b, "vk", "2", "text", "как вернуть", "answer", "returns", day(3, 12, 0), 2*s)
	f.ask(b, "vk", "2", "text", "можно оплатить криптой", "fallback", "", day(3, 12, 1), 5*s)
	f.ask(b, "vk", "2", "text", "оплата биткоином есть?", "fallback", "", day(3, 12, 2), 4*s)
	f.handoff(b, "failures", "closed", day(3, 12, 2), 10*time.Minute, 30*time.Minute, 5)
	f.msg(b, "operator", "text", "Здравствуйте!", "", "", day(3, 12, 12))

	// C: Telegram, asks for a person: replied in 2 min, closed in 20, rated 4.
	c := f.conversation("telegram", "3", day(4, 9, 0))
	f.ask(c, "telegram", "3", "text", "оператора позовите", "handoff", "", day(4, 9, 0), 1*s)
	f.handoff(c, "request", "closed", day(4, 9, 0), 2*time.Minute, 20*time.Minute, 4)
	f.msg(c, "operator", "text", "Слушаю", "", "", day(4, 9, 2))

	// D: VK, "did you mean", then "none of these": still waiting.
	d := f.conversation("vk", "4", day(4, 15, 0))
	f.ask(d, "vk", "4", "text", "доставка или самовывоз", "clarify", "", day(4, 15, 0), 2*s)
	f.ask(d, "vk", "4", "button", "Никакой из них", "handoff", "", day(4, 15, 1), 1*s)
	f.handoff(d, "none_of_these", "waiting", day(4, 15, 1), 0, 0, 0)

	// E: the terminal chat, no inbox: the bot's message 500 ms later.
	e := f.conversation("telegram", "5", day(5, 11, 0))
	f.msg(e, "customer", "text", "где заказ", "answer", "order_status", day(5, 11, 0))
	f.msg(e, "bot", "text", "reply", "", "", day(5, 11, 0).Add(500*time.Millisecond))

	// F: VK, a fallback whose reply was never delivered.
	g := f.conversation("vk", "6", day(6, 18, 0))
	f.ask(g, "vk", "6", "text", "есть ли подарочные карты", "fallback", "", day(6, 18, 0), -1)
}

func TestStatsFigures(t *testing.T) {
	f := newStatsFixture(t)
	fillStats(f)
	s, err := f.db.Stats(f.ctx, statsSince, statsUntil)
	if err != nil {
		t.Fatal(err)
	}

	wantPlatforms := []PlatformStats{
		{Platform: "telegram", Conversations: 3, Messages: 13, CustomerMessages: 6},
		{Platform: "vk", Conversations: 3, Messages: 13, CustomerMessages: 6},
	}
	if !reflect.DeepEqual(s.Platforms, wantPlatforms) {
		t.Errorf("platforms = %+v, want %+v", s.Platforms, wantPlatforms)
	}
	if s.Conversations != 6 || s.Messages != 26 || s.CustomerMessages != 12 {
		t.Errorf("totals = %d conversations, %d messages, %d customer; want 6, 26, 12", s.Conversations, s.Messages, s.CustomerMessages)
	}
	wantActions := map[string]int{"answer": 5, "smalltalk": 1, "fallback": 3, "handoff": 2, "clarify": 1}
	if !reflect.DeepEqual(s.Actions, wantActions) {
		t.Errorf("actions = %v, want %v", s.Actions, wantActions)
	}
	if s.Questions != 9 || s.Answered != 4 || s.Clarified != 1 || s.HandedOff != 1 || s.NotUnderstood != 3 || s.SmallTalk != 1 {
		t.Errorf("questions %d: answered %d clarified %d handed off %d not understood %d small talk %d; want 9: 4 1 1 3 1",
			s.Questions, s.Answered, s.Clarified, s.HandedOff, s.NotUnderstood, s.SmallTalk)
	}
	if got := s.Share(s.Answered); got != 4.0/9 {
		t.Errorf("answered share = %v, want 4/9", got)
	}

	if s.Handoffs != 3 || s.Waiting != 1 {
		t.Errorf("handoffs = %d (waiting %d), want 3 (1)", s.Handoffs, s.Waiting)
	}
	wantReasons := []Count{{"failures", 1}, {"none_of_these", 1}, {"request", 1}}
	if !reflect.DeepEqual(s.HandoffReasons, wantReasons) {
		t.Errorf("reasons = %v, want %v", s.HandoffReasons, wantReasons)
	}

	// Bot: 0.5 1 1 1 1 1 2 2 3 4 5 seconds; one reply never delivered.
	checkDurations(t, "bot response", s.BotResponse, 11, time.Second, 4*time.Second, 5*time.Second)
	if s.NoResponse != 1 {
		t.Errorf("no response = %d, want 1", s.NoResponse)
	}
	if s.BotResponse.Values[0] != 500*time.Millisecond {
		t.Errorf("shortest bot response = %v, want 500ms (terminal chat, bot message time)", s.BotResponse.Values[0])
	}
	// Operators: 2 and 10 minutes; p90 = 2m + 0.9·8m.
	checkDurations(t, "operator reply", s.OperatorReply, 2, 6*time.Minute, 9*time.Minute+12*time.Second, 10*time.Minute)
	checkDurations(t, "close", s.Close, 2, 25*time.Minute, 29*time.Minute, 30*time.Minute)

	if s.Ratings.Count != 2 || s.Ratings.Average != 4.5 || s.Ratings.ByValue != [6]int{0, 0, 0, 0, 1, 1} {
		t.Errorf("ratings = %+v, want 2 with average 4.5", s.Ratings)
	}
	wantEntries := []Count{{"order_status", 3}, {"delivery_cost", 1}, {"returns", 1}}
	if !reflect.DeepEqual(s.TopEntries, wantEntries) {
		t.Errorf("top entries = %v, want %v", s.TopEntries, wantEntries)
	}

	wantDays := []Day{
		{Date: day(1, 0, 0)},
		{Date: day(2, 0, 0), Messages: 4, Answered: 2},
		{Date: day(3, 0, 0), Messages: 3, Answered: 1, NotUnderstood: 2},
		{Date: day(4, 0, 0), Messages: 3, Clarified: 1, HandedOff: 1},
		{Date: day(5, 0, 0), Messages: 1, Answered: 1},
		{Date: day(6, 0, 0), Messages: 1, NotUnderstood: 1},
		{Date: day(7, 0, 0)},
	}
	if !reflect.DeepEqual(s.Days, wantDays) {
		t.Errorf("days =\n%+v\nwant\n%+v", s.Days, wantDays)
	}

	var texts []string
	for _, u := range s.Unanswered {
		texts = append(texts, u.Why+": "+u.Platform+": "+u.Text)
	}
	wantTexts := []string{
		"fallback: vk: можно оплатить криптой",
		"fallback: vk: оплата биткоином есть?",
		"none_of_these: vk: доставка или самовывоз",
		"fallback: vk: есть ли подарочные карты",
	}
	if !reflect.DeepEqual(texts, wantTexts) {
		t.Errorf("unanswered = %q, want %q", texts, wantTexts)
	}
	if len(s.Unanswered) > 0 && !s.Unanswered[0].Time.Equal(day(3, 12, 1)) {
		t.Errorf("first unanswered at %v, want %v", s.Unanswered[0].Time, day(3, 12, 1))
	}
}

func checkDurations(t *testing.T, name string, d Durations, n int, median, p90, max time.Duration) {
	t.Helper()
	if d.Count != n || d.Median != median || d.P90 != p90 || d.Max != max || len(d.Values) != n {
		t.Errorf("%s = %d values, median %v, p90 %v, max %v; want %d, %v, %v, %v",
			name, d.Count, d.Median, d.P90, d.Max, n, median, p90, max)
	}
}

func TestStatsEmptyAndBadPeriod(t *testing.T) {
	f := newStatsFixture(t)
	s, err := f.db.Stats(f.ctx, statsSince, statsUntil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Conversations != 0 || s.Questions != 0 || s.Share(0) != 0 || len(s.Unanswered) != 0 || s.BotResponse.Count != 0 {
		t.Errorf("empty database gives %+v", s)
	}
	if len(s.Days) != 7 {
		t.Errorf("empty period has %d days, want 7 zero days", len(s.Days))
	}
	if _, err := f.db.Stats(f.ctx, statsUntil, statsSince); err == nil {
		t.Error("a period that ends before it starts is not an error")
	}
}

func TestStatsDaysInLocation(t *testing.T) {
	f := newStatsFixture(t)
	msk := time.FixedZone("MSK", 3*3600)
	c := f.conversation("vk", "1", day(2, 0, 0))
	f.msg(c, "customer", "text", "поздно вечером", "fallback", "", day(2, 22, 30)) // 01:30 on the 3rd in Moscow
	f.msg(c, "customer", "text", "днём", "answer", "x", day(2, 12, 0))
	since := time.Date(2026, 11, 2, 0, 0, 0, 0, msk)
	s, err := f.db.Stats(f.ctx, since, since.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Days) != 2 || s.Days[0].Answered != 1 || s.Days[1].NotUnderstood != 1 || s.Days[1].Date.Day() != 3 {
		t.Errorf("days in Moscow = %+v", s.Days)
	}
}

func TestStatsLongPeriodStartsAtFirstMessage(t *testing.T) {
	f := newStatsFixture(t)
	c := f.conversation("vk", "1", day(2, 0, 0))
	f.msg(c, "customer", "text", "привет", "smalltalk", "hello", day(2, 9, 0))
	s, err := f.db.Stats(f.ctx, time.Time{}, day(4, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Days) != 2 || !s.Days[0].Date.Equal(day(2, 0, 0)) || s.Days[0].Messages != 1 {
		t.Errorf("days = %+v, want Nov 2 and 3", s.Days)
	}
}

func TestStatsQueueGauge(t *testing.T) {
	f := newStatsFixture(t)
	q, err := f.db.QueueGauge(f.ctx)
	if err != nil || q.Waiting != 0 || !q.Oldest.IsZero() {
		t.Fatalf("empty queue = %+v, %v", q, err)
	}
	fillStats(f)
	c := f.conversation("telegram", "9", day(5, 0, 0))
	f.handoff(c, "angry", "waiting", day(5, 8, 0), 0, 0, 0)
	f.handoff(c, "request", "assigned", day(1, 8, 0), 0, 0, 0)
	q, err = f.db.QueueGauge(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if q.Waiting != 2 || !q.Oldest.Equal(day(4, 15, 1)) {
		t.Errorf("queue = %+v, want 2 waiting since %v", q, day(4, 15, 1))
	}
}

func TestStatsWritable(t *testing.T) {
	f := newStatsFixture(t)
	if err := f.db.Writable(f.ctx); err != nil {
		t.Fatalf("fresh database: %v", err)
	}
	f.db.Close()
	if err := f.db.Writable(f.ctx); err == nil {
		t.Error("closed database reported writable")
	}
}

func TestStatsPercentile(t *testing.T) {
	s := []time.Duration{1, 2, 3, 4}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {0.5, 3}, {0.9, 4}, {1, 4}} {
		// 0.5 → position 1.5 → 2.5 rounds to 3 (ns); 0.9 → 2.7 → 3.7 → 4.
		if got := Percentile(s, c.p); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

// BenchmarkStats reads a week out of a month of traffic: 20,000
// conversations, 3 customer messages each with the bot's replies, inbox and
// outbox rows, and a handoff for one conversation in five.
func BenchmarkStats(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	actions := []string{"answer", "answer", "answer", "clarify", "fallback", "handoff", "smalltalk"}
	ev := 0
	for c := 0; c < 20000; c++ {
		at := start.Add(time.Duration(c) * 2 * time.Minute)
		platform := []string{"telegram", "vk"}[c%2]
		res, err := tx.Exec(`INSERT INTO conversations (platform, chat_id, created_at, updated_at) VALUES (?, ?, ?, ?)`, platform, c, ts(at), ts(at))
		if err != nil {
			b.Fatal(err)
		}
		conv, _ := res.LastInsertId()
		for k := 0; k < 3; k++ {
			ev++
			at := at.Add(time.Duration(k) * 20 * time.Second)
			action := actions[(c+k)%len(actions)]
			res, _ := tx.Exec(`INSERT INTO inbox (platform, event_id, payload, received_at) VALUES (?, ?, '{}', ?)`, platform, ev, ts(at))
			inbox, _ := res.LastInsertId()
			tx.Exec(`INSERT INTO messages (conversation_id, inbox_id, author, text, action, entry_id, created_at) VALUES (?, ?, 'customer', ?, ?, ?, ?)`,
				conv, inbox, fmt.Sprintf("вопрос номер %d", (c*3+k)%500), action, fmt.Sprintf("entry%d", k), ts(at))
			tx.Exec(`INSERT INTO messages (conversation_id, inbox_id, author, text, created_at) VALUES (?, ?, 'bot', 'ответ', ?)`, conv, inbox, ts(at))
			tx.Exec(`INSERT INTO outbox (conversation_id, inbox_id, platform, chat_id, payload, created_at, next_attempt_at, sent_at) VALUES (?, ?, ?, ?, '{}', ?, ?, ?)`,
				conv, inbox, platform, c, ts(at), ts(at), ts(at.Add(time.Second)))
		}
		if c%5 == 0 {
			tx.Exec(`INSERT INTO handoffs (conversation_id, reason, state, created_at, first_reply_at, closed_at, rating) VALUES (?, 'request', 'closed', ?, ?, ?, 5)`,
				conv, ts(at), ts(at.Add(3*time.Minute)), ts(at.Add(20*time.Minute)))
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	since := start.AddDate(0, 0, 14)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := db.Stats(ctx, since, since.AddDate(0, 0, 7))
		if err != nil {
			b.Fatal(err)
		}
		if s.CustomerMessages == 0 {
			b.Fatal("no messages in the week")
		}
	}
}
