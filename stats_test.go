package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// statsNow is the injected clock of these tests: the report's "now".
var statsNow = time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)

// statsDB writes conversations into a fresh database with SQL that follows
// the schema (storage.Open runs the migrations first).
type statsDB struct {
	t    *testing.T
	Path string
	db   *sql.DB
	ev   int
	conv map[string]int64
}

func newStatsDB(t *testing.T) *statsDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "supportbot.db")
	s, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &statsDB{t: t, Path: path, db: db, conv: map[string]int64{}}
}

func (d *statsDB) exec(q string, args ...any) int64 {
	d.t.Helper()
	res, err := d.db.Exec(q, args...)
	if err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func stTS(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

// conversation returns the conversation of platform and chat, creating it.
func (d *statsDB) conversation(platform, chat string, at time.Time) int64 {
	key := platform + ":" + chat
	if id, ok := d.conv[key]; ok {
		return id
	}
	id := d.exec(`INSERT INTO conversations (platform, chat_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		platform, chat, chat, stTS(at), stTS(at))
	d.conv[key] = id
	return id
}

// ask stores a customer message received at `at`, the bot's reply and its
// delivery `took` later.
func (d *statsDB) ask(platform, chat, text, action, entry string, at time.Time, took time.Duration) int64 {
	c := d.conversation(platform, chat, at)
	d.ev++
	inbox := d.exec(`INSERT INTO inbox (platform, event_id, payload, received_at, processed_at) VALUES (?, ?, '{}', ?, ?)`,
		platform, d.ev, stTS(at), stTS(at))
	d.exec(`INSERT INTO messages (conversation_id, inbox_id, author, text, action, entry_id, created_at) VALUES (?, ?, 'customer', ?, ?, ?, ?)`,
		c, inbox, text, action, entry, stTS(at))
	d.exec(`INSERT INTO messages (conversation_id, inbox_id, author, text, created_at) VALUES (?, ?, 'bot', 'reply', ?)`, c, inbox, stTS(at))
	d.exec(`INSERT INTO outbox (conversation_id, inbox_id, platform, chat_id, payload, created_at, next_attempt_at, sent_at) VALUES (?, ?, ?, ?, '{}', ?, ?, ?)`,
		c, inbox, platform, chat, stTS(at), stTS(at), stTS(at.Add(took)))
	return c
}

func (d *statsDB) handoff(conv int64, reason string, at time.Time, reply, closed time.Duration, rating int) {
	state := "waiting"
	var r, c, rt any
	if reply > 0 {
		r, state = stTS(at.Add(reply)), "assigned"
		d.exec(`INSERT INTO messages (conversation_id, author, text, created_at) VALUES (?, 'operator', 'Здравствуйте!', ?)`, conv, stTS(at.Add(reply)))
	}
	if closed > 0 {
		c, state = stTS(at.Add(closed)), "closed"
	}
	if rating > 0 {
		rt = rating
	}
	d.exec(`INSERT INTO handoffs (conversation_id, reason, state, created_at, first_reply_at, closed_at, rating) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		conv, reason, state, stTS(at), r, c, rt)
}

// The unanswered questions of the known data set: five wordings of one
// question, two of another, one alone.
var (
	giftWordings = []string{
		"Есть ли у вас подарочные сертификаты?",
		"подарочный сертификат можно купить?",
		"Как купить подарочный сертификат",
		"продаёте подарочные сертификаты?",
		"хочу подарочный сертификат на 5000",
	}
	holidayWordings = []string{
		"вы работаете в праздники?",
		"работаете ли в праздники 31 декабря",
	}
	cryptoWording = "можно оплатить криптой"
)

// fillKnown writes the data set whose figures the tests check:
//
//   - 12 questions on Telegram and VK: 3 answered (order_status twice,
//     returns once), 8 not understood, 1 request for a person; 1 "спасибо"
//     as small talk;
//   - bot replies delivered in 1s ×8, 2s ×3, 3s ×2 (13 replies): median 1s,
//     p90 2.8s;
//   - two handoffs: a request replied in 4 minutes, closed in 10, rated 5;
//     and after two failures, replied in 20 minutes, closed in 40, rated 3.
func fillKnown(d *statsDB) {
	day := func(n, h, m int) time.Time { return time.Date(2026, 11, n, h, m, 0, 0, time.UTC) }
	s := time.Second
	d.ask("telegram", "1", "где мой заказ", "answer", "order_status", day(2, 10, 0), s)
	d.ask("telegram", "1", "спасибо", "smalltalk", "thanks", day(2, 10, 1), s)
	d.ask("telegram", "2", "заказ где", "answer", "order_status", day(3, 11, 0), 2*s)
	d.ask("vk", "3", "как вернуть товар", "answer", "returns", day(3, 12, 0), s)
	for i, w := range giftWordings {
		d.ask([]string{"vk", "telegram"}[i%2], fmt.Sprint(10+i), w, "fallback", "", day(4, 9+i, 0), s)
	}
	c := d.ask("vk", "20", holidayWordings[0], "fallback", "", day(5, 10, 0), 2*s)
	d.ask("vk", "20", holidayWordings[1], "fallback", "", day(5, 10, 1), 3*s)
	d.handoff(c, "failures", day(5, 10, 1), 20*time.Minute, 40*time.Minute, 3)
	d.ask("telegram", "21", cryptoWording, "fallback", "", day(6, 8, 0), 2*s)
	c = d.ask("telegram", "22", "позовите оператора", "handoff", "", day(6, 9, 0), 3*s)
	d.handoff(c, "request", day(6, 9, 0), 4*time.Minute, 10*time.Minute, 5)
}

func runStatsTest(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" }
	err := runStatsWith(context.Background(), args, &out, &errOut, getenv, statsClock{now: func() time.Time { return statsNow }, loc: time.UTC})
	return out.String(), errOut.String(), err
}

func TestStatsText(t *testing.T) {
	d := newStatsDB(t)
	fillKnown(d)
	out, _, err := runStatsTest(t, "-db", d.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out)
	for _, want := range []string{
		"Period  1 Nov 2026 00:00 – 8 Nov 2026 00:00 (7 days, UTC)",
		"  telegram  6              15        7",
		"  total     11             28        13",
		"WHAT THE BOT DID WITH 12 QUESTIONS",
		"answered from the FAQ   3  25.0%",
		"not understood          8  66.7%",
		"handed off to a person  1  8.3%",
		"(and 1 greetings and thanks answered as small talk)",
		"HANDOFFS: 2",
		"bot's reply             1s      2.8s        13",
		"operator's first reply  12m00s  18m24s      2",
		"handoff to close        25m00s  37m00s      2",
		"RATINGS: 4 average from 2 (1×5, 1×3)",
		"order_status  2",
		"QUESTIONS THE FAQ DOES NOT ANSWER YET: 8 messages, 3 questions",
		"     5  Есть ли у вас подарочные сертификаты?",
		"     2  вы работаете в праздники?",
		"     1  можно оплатить криптой",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestStatsJSON(t *testing.T) {
	d := newStatsDB(t)
	fillKnown(d)
	out, _, err := runStatsTest(t, "-db", d.Path, "-json", "-since", "2026-11-01")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Period struct {
			Since, Until time.Time
			Days         float64
		}
		Totals    statsTotals
		Platforms []statsPlatform
		Questions statsQuestions
		Handoffs  struct {
			Total    int           `json:"total"`
			ByReason []statsReason `json:"by_reason"`
		}
		ResponseTimes struct {
			Bot           statsDuration `json:"bot"`
			OperatorReply statsDuration `json:"operator_first_reply"`
			Close         statsDuration `json:"close"`
		} `json:"response_times"`
		Ratings    statsRatings
		TopEntries []statsEntry `json:"top_entries"`
		Days       []statsDay
		Unanswered []statsUnanswered
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	if !r.Period.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !r.Period.Until.Equal(statsNow) || r.Period.Days != 7 {
		t.Errorf("period = %+v", r.Period)
	}
	if r.Totals != (statsTotals{Conversations: 11, Messages: 28, CustomerMessages: 13}) {
		t.Errorf("totals = %+v", r.Totals)
	}
	want := statsQuestions{Total: 12, Answered: 3, NotUnderstood: 8, HandedOff: 1, SmallTalk: 1,
		AnsweredShare: 0.25, NotUnderstoodShare: 0.6667, HandedOffShare: 0.0833}
	if r.Questions != want {
		t.Errorf("questions = %+v, want %+v", r.Questions, want)
	}
	if r.Handoffs.Total != 2 || !reflect.DeepEqual(r.Handoffs.ByReason, []statsReason{{"failures", 1}, {"request", 1}}) {
		t.Errorf("handoffs = %+v", r.Handoffs)
	}
	if b := r.ResponseTimes.Bot; b.Count != 13 || b.MedianSeconds != 1 || b.P90Seconds != 2.8 || b.MaxSeconds != 3 {
		t.Errorf("bot times = %+v", b)
	}
	if o := r.ResponseTimes.OperatorReply; o.Count != 2 || o.MedianSeconds != 720 || o.P90Seconds != 1104 {
		t.Errorf("operator times = %+v", o)
	}
	if c := r.ResponseTimes.Close; c.MedianSeconds != 1500 || c.P90Seconds != 2220 {
		t.Errorf("close times = %+v", c)
	}
	if r.Ratings.Count != 2 || r.Ratings.Average != 4 || r.Ratings.ByValue["5"] != 1 || r.Ratings.ByValue["3"] != 1 {
		t.Errorf("ratings = %+v", r.Ratings)
	}
	if !reflect.DeepEqual(r.TopEntries, []statsEntry{{"order_status", 2}, {"returns", 1}}) {
		t.Errorf("top entries = %+v", r.TopEntries)
	}
	if len(r.Days) != 7 || r.Days[3] != (statsDay{Date: "2026-11-04", Messages: 5, NotUnderstood: 5}) {
		t.Errorf("days = %+v", r.Days)
	}
	if len(r.Unanswered) != 3 {
		t.Fatalf("unanswered = %+v", r.Unanswered)
	}
	u := r.Unanswered[0]
	if u.Count != 5 || len(u.Examples) != 3 || len(u.Wordings) != 5 || u.Examples[0] != giftWordings[0] || u.Platforms["vk"] != 3 || u.Platforms["telegram"] != 2 {
		t.Errorf("first group = %+v", u)
	}
	if r.Unanswered[1].Count != 2 || r.Unanswered[2].Count != 1 {
		t.Errorf("groups = %d, %d; want 2, 1", r.Unanswered[1].Count, r.Unanswered[2].Count)
	}
	// The field names are a contract: every documented one is present.
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"period", "totals", "platforms", "questions", "actions", "handoffs", "response_times", "ratings", "top_entries", "days", "unanswered"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestStatsGrouping(t *testing.T) {
	var us []storage.Unanswered
	at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	add := func(text string) {
		at = at.Add(time.Minute)
		us = append(us, storage.Unanswered{Text: text, Time: at, Platform: "vk"})
	}
	for _, w := range holidayWordings {
		add(w)
	}
	for _, w := range giftWordings {
		add(w)
	}
	add(cryptoWording)
	add("  ЕСТЬ ЛИ у вас подарочные сертификаты ")  // the same wording again
	add("!!!")                                      // no words: dropped
	add("Как вы работаете в праздники? Подскажите") // a third holiday wording
	add("доставляете в Казахстан?")
	add("доставка в Казахстан есть?")
	gs := groupUnanswered(us, statsKeywords)
	var got []string
	for _, g := range gs {
		got = append(got, fmt.Sprintf("%d/%d %s", g.Count, len(g.Wordings), g.Examples(1)[0]))
	}
	want := []string{
		"6/5 Есть ли у вас подарочные сертификаты?",
		"3/3 вы работаете в праздники?",
		"2/2 доставляете в Казахстан?",
		"1/1 можно оплатить криптой",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups = %q, want %q", got, want)
	}
	// Deterministic: the same input in another order gives the same groups.
	rev := append([]storage.Unanswered(nil), us...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	again := groupUnanswered(rev, statsKeywords)
	if len(again) != len(gs) {
		t.Fatalf("reversed input gives %d groups, not %d", len(again), len(gs))
	}
	for i := range gs {
		if gs[i].Count != again[i].Count || len(gs[i].Wordings) != len(again[i].Wordings) {
			t.Errorf("reversed input: group %d has %d/%d, not %d/%d", i, again[i].Count, len(again[i].Wordings), gs[i].Count, len(gs[i].Wordings))
		}
	}
}

// A long wording asked more often than the short one that links it to its
// group still ends in that group.
func TestStatsGroupingMerge(t *testing.T) {
	at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	var us []storage.Unanswered
	for i, n := range []int{4, 3, 1} {
		for k := 0; k < n; k++ {
			us = append(us, storage.Unanswered{Text: []string{
				"хочу подарочный сертификат на 5000 рублей для мамы",
				"подарочный сертификат купить",
				"подарочные сертификаты",
			}[i], Time: at, Platform: "vk"})
		}
	}
	gs := groupUnanswered(us, statsKeywords)
	if len(gs) != 1 || gs[0].Count != 8 || gs[0].Wordings[0].Count != 4 {
		t.Errorf("groups = %+v, want one of 8", gs)
	}
}

func TestStatsFragment(t *testing.T) {
	d := newStatsDB(t)
	fillKnown(d)
	path := filepath.Join(t.TempDir(), "todo.yaml")
	_, errOut, err := runStatsTest(t, "-db", d.Path, "-fragment", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "3 questions to answer") {
		t.Errorf("stderr = %q", errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + string(data))
	var frag struct {
		Entries []struct {
			ID        string   `yaml:"id"`
			Questions []string `yaml:"questions"`
			Answer    string   `yaml:"answer"`
		} `yaml:"entries"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&frag); err != nil {
		t.Fatalf("fragment is not the faq.yaml shape: %v", err)
	}
	if len(frag.Entries) != 3 {
		t.Fatalf("entries = %+v", frag.Entries)
	}
	e := frag.Entries[0]
	if e.ID != "todo_podarochnye_sertifikaty" || e.Answer != "TODO" || !reflect.DeepEqual(e.Questions, giftWordings) {
		t.Errorf("first entry = %+v", e)
	}
	if frag.Entries[1].ID != "todo_rabotaete_prazdniki" || len(frag.Entries[1].Questions) != 2 {
		t.Errorf("second entry = %+v", frag.Entries[1])
	}
	for _, want := range []string{"write the answer in place of TODO", "supportbot check", "# asked 5 times, last on 2026-11-04 (vk 3, telegram 2)", "answer: TODO # write the answer here"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("fragment lacks %q", want)
		}
	}
}

// The fragment pasted into the bundled faq.yaml loads, and the only
// problems `check` finds are the TODO answers, one per entry.
func TestStatsFragmentPastedIntoFAQ(t *testing.T) {
	d := newStatsDB(t)
	fillKnown(d)
	path := filepath.Join(t.TempDir(), "todo.yaml")
	if _, _, err := runStatsTest(t, "-db", d.Path, "-fragment", path); err != nil {
		t.Fatal(err)
	}
	frag, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	base, err := os.ReadFile("faq.yaml")
	if err != nil {
		t.Skip("no faq.yaml to paste into")
	}
	_, entries, ok := strings.Cut(string(frag), "entries:\n")
	at := strings.Index(string(base), "entries:\n")
	if !ok || at < 0 {
		t.Fatal("no entries: line")
	}
	at += len("entries:\n")
	pasted := string(base[:at]) + entries + string(base[at:])
	_, err = faq.Parse(strings.NewReader(pasted), "faq.yaml")
	var list faq.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("pasted fragment: %v", err)
	}
	if len(list) != 3 {
		t.Errorf("%d problems, want the 3 TODO answers:\n%v", len(list), list)
	}
	for _, e := range list {
		if !strings.Contains(e.Msg, "TODO") {
			t.Errorf("unexpected problem: %v", e)
		}
	}
}

func TestStatsHTML(t *testing.T) {
	d := newStatsDB(t)
	fillKnown(d)
	path := filepath.Join(t.TempDir(), "report.html")
	if _, _, err := runStatsTest(t, "-db", d.Path, "-html", path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, data)
	page := string(data)
	for _, want := range []string{
		`<div class="v" id="answered-share">25.0%</div>`,
		`<div class="v" id="not-understood-share">66.7%</div>`,
		`<div class="v" id="conversations">11</div>`,
		`<div class="v" id="bot-median">1s</div>`,
		`<div class="v" id="operator-median">12m00s</div>`,
		`<div class="v" id="rating">4</div>`,
		`Есть ли у вас подарочные сертификаты?`,
		`<span class="count">5</span>`,
		`<svg xmlns="http://www.w3.org/2000/svg"`,
		`<title>Customer messages per day</title>`,
		`<title>4 Nov: not understood 5</title>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://", "@import", "url("} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), banned) {
			t.Errorf("page is not self-contained: it has %q", banned)
		}
	}
}

// checkWellFormed parses the page as XML: every element closed, every
// attribute quoted, no stray ampersand.
func checkWellFormed(t *testing.T, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	depth, maxDepth := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, col := dec.InputPos()
			t.Fatalf("page is not well-formed at %d:%d: %v", line, col, err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			maxDepth = max(maxDepth, depth)
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || maxDepth < 5 {
		t.Errorf("page nesting: depth %d at the end, %d at most", depth, maxDepth)
	}
}

func TestStatsEmpty(t *testing.T) {
	d := newStatsDB(t)
	out, _, err := runStatsTest(t, "-db", d.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "No conversations in this period.") {
		t.Errorf("empty database says %q", out)
	}
	html := filepath.Join(t.TempDir(), "empty.html")
	frag := filepath.Join(t.TempDir(), "empty.yaml")
	if _, _, err := runStatsTest(t, "-db", d.Path, "-html", html, "-fragment", frag, "-json"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(html)
	checkWellFormed(t, data)
	if !strings.Contains(string(data), "No conversations in this period.") {
		t.Error("empty page does not say so")
	}
	data, _ = os.ReadFile(frag)
	var v map[string][]any
	if err := yaml.Unmarshal(data, &v); err != nil || v["entries"] == nil || len(v["entries"]) != 0 {
		t.Errorf("empty fragment = %q (%v)", data, err)
	}
}

func TestStatsArguments(t *testing.T) {
	now := time.Date(2026, 11, 8, 15, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"7d", now.AddDate(0, 0, -7)},
		{"30d", now.AddDate(0, 0, -30)},
		{"2w", now.AddDate(0, 0, -14)},
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := parseSince(c.in, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "7", "d", "-3d", "0d", "yesterday", "2026-12-01", "2026-13-01"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) is not an error", bad)
		}
	}
	_, _, err := runStatsTest(t, "-db", filepath.Join(t.TempDir(), "nothing.db"))
	if err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Errorf("missing database: %v", err)
	}
	if _, _, err := runStatsTest(t, "-since", "soon"); err == nil || !strings.Contains(err.Error(), "-since") {
		t.Errorf("bad -since: %v", err)
	}
}

// fillBusy writes a plausible fortnight of traffic for the page's looks and
// the browser test: a few hundred conversations, deterministic.
func fillBusy(d *statsDB) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := statsNow.AddDate(0, 0, -14)
	entries := []string{"order_status", "delivery_time", "returns", "payment_methods", "delivery_cost", "pickup_points", "size_chart", "promo_codes"}
	unanswered := append(append(append([]string{}, giftWordings...), holidayWordings...), cryptoWording,
		"доставляете в Казахстан?", "доставка в Казахстан есть?", "можно ли доставку в Минск", "пришёл не тот цвет", "есть ли скидка пенсионерам")
	for day := 0; day < 14; day++ {
		n := 12 + rng.IntN(10) + day
		for i := 0; i < n; i++ {
			at := start.AddDate(0, 0, day).Add(time.Duration(8*3600+rng.IntN(13*3600)) * time.Second)
			platform := []string{"telegram", "vk", "vk"}[rng.IntN(3)]
			chat := fmt.Sprintf("%d-%d", day, i)
			took := time.Duration(300+rng.IntN(2500)) * time.Millisecond
			switch r := rng.IntN(100); {
			case r < 62:
				d.ask(platform, chat, "вопрос", "answer", entries[min(rng.IntN(len(entries)), rng.IntN(len(entries)))], at, took)
			case r < 70:
				d.ask(platform, chat, "вопрос", "clarify", "", at, took)
			case r < 82:
				d.ask(platform, chat, unanswered[min(rng.IntN(len(unanswered)), rng.IntN(len(unanswered)))], "fallback", "", at, took)
			default:
				c := d.ask(platform, chat, "позовите оператора", "handoff", "", at, took)
				reply := time.Duration(30+rng.IntN(1800)) * time.Second
				reasons := []string{"request", "request", "angry", "entry"}
				d.handoff(c, reasons[rng.IntN(len(reasons))], at, reply, reply+time.Duration(rng.IntN(3600))*time.Second, 3+rng.IntN(3))
			}
		}
	}
}
