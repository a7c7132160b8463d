package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Stats is what happened in a period: the figures `supportbot stats` reports.
// Every count covers [Since, Until). Messages and conversations are counted
// by the message's created_at, handoffs by the handoff's created_at.
type Stats struct {
	Since, Until time.Time

	// Platforms lists, per platform (sorted by name), the conversations with
	// at least one message in the period and the messages written in it.
	Platforms []PlatformStats
	// Conversations, Messages and CustomerMessages are the totals over
	// Platforms.
	Conversations, Messages, CustomerMessages int

	// Actions counts customer messages by messages.action (answer, clarify,
	// handoff, fallback, smalltalk, relay, ...; an empty action is "none"),
	// button presses included.
	Actions map[string]int
	// Questions are the customer messages the bot decided on: typed (not
	// button presses) with action answer, clarify, handoff or fallback. The
	// four counts below split them; their shares are Share(n).
	Questions     int
	Answered      int // answered from the FAQ
	Clarified     int // "did you mean" asked
	HandedOff     int // the message itself sent the conversation to a person
	NotUnderstood int // fallback: "I don't know yet"
	// SmallTalk counts greetings and thanks answered by small-talk entries;
	// they are not questions.
	SmallTalk int

	// Handoffs counts the handoffs created in the period; HandoffReasons
	// splits them by handoffs.reason, most frequent first.
	Handoffs       int
	HandoffReasons []Count

	// BotResponse is the time from a customer's message to the bot's reply
	// reaching the platform: inbox.received_at to the first outbox.sent_at of
	// a reply to the same chat caused by that event. A message without an
	// inbox row (written directly, e.g. by a test or an import) counts the
	// time to the next bot message in the conversation instead. Messages
	// whose reply was never delivered are left out; NoResponse counts them.
	BotResponse Durations
	NoResponse  int
	// OperatorReply is handoffs.created_at to first_reply_at, over the
	// handoffs of the period that got a reply.
	OperatorReply Durations
	// Close is handoffs.created_at to closed_at, over the handoffs of the
	// period that are closed.
	Close Durations
	// Waiting counts the handoffs of the period that are still in the
	// queue now (state waiting).
	Waiting int

	// Ratings are the customers' 1–5 ratings of the handoffs of the period.
	Ratings Ratings

	// TopEntries counts answered customer messages (button presses
	// included) by entry id, most used first.
	TopEntries []Count

	// Days is one row per calendar day (in Since's location) of the period,
	// oldest first, zero-filled; periods longer than maxDays start at the
	// first day with a message.
	Days []Day

	// Unanswered are the questions the FAQ did not answer, oldest first:
	// typed customer messages whose action was fallback, and the "did you
	// mean" question a customer answered with "none of these" (the last
	// clarify before a handoff with reason none_of_these).
	Unanswered []Unanswered
}

// Share returns n as a fraction of Questions, or 0 when there were none.
func (s *Stats) Share(n int) float64 {
	if s.Questions == 0 {
		return 0
	}
	return float64(n) / float64(s.Questions)
}

// PlatformStats are one platform's figures in a period.
type PlatformStats struct {
	Platform         string
	Conversations    int
	Messages         int // every author: customer, bot, operator, admin, note
	CustomerMessages int
}

// Count is a key (an entry id, a handoff reason) and how often it occurred.
type Count struct {
	Key   string
	Count int
}

// Durations summarises a set of time spans. Median and P90 are percentiles
// with linear interpolation between the two nearest values (the method of
// most spreadsheets); all are zero when Count is zero.
type Durations struct {
	Count       int
	Median, P90 time.Duration
	Mean, Max   time.Duration
	// Values are the spans, shortest first, for distributions.
	Values []time.Duration
}

// Ratings are the customers' ratings of the handoffs in a period.
type Ratings struct {
	Count   int
	Average float64 // 0 when Count is 0
	// ByValue[i] counts ratings of i (1..5); index 0 is unused.
	ByValue [6]int
}

// Day is one calendar day's customer messages and what the bot did with them.
type Day struct {
	Date time.Time // midnight, in Since's location
	// Messages counts every customer message of the day; the others count
	// questions (see Stats.Questions) by decision.
	Messages, Answered, Clarified, HandedOff, NotUnderstood int
}

// Unanswered is one customer question the FAQ did not answer.
type Unanswered struct {
	Text           string
	Time           time.Time
	Platform       string
	ConversationID int64
	// Why is "fallback" (not understood) or "none_of_these" (the customer
	// rejected every "did you mean" choice).
	Why string
}

// maxDays bounds the zero-filled day series of long periods.
const maxDays = 400

// querier is the read side of *sql.DB, *sql.Conn and *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Stats reads the figures of [since, until) from the read pool; it writes
// nothing. An empty period gives a Stats with zero counts and no error.
func (db *DB) Stats(ctx context.Context, since, until time.Time) (*Stats, error) {
	return queryStats(ctx, db.rd.pool, since, until)
}

func queryStats(ctx context.Context, q querier, since, until time.Time) (*Stats, error) {
	if !until.After(since) {
		return nil, fmt.Errorf("stats: period ends (%s) before it starts (%s)", until.Format(time.RFC3339), since.Format(time.RFC3339))
	}
	s := &Stats{Since: since, Until: until, Actions: map[string]int{}}
	steps := []struct {
		name string
		fn   func(context.Context, querier, *Stats) error
	}{
		{"platforms", statsPlatforms},
		{"actions", statsActions},
		{"handoffs", statsHandoffs},
		{"response times", statsBotResponse},
		{"entries", statsEntries},
		{"days", statsDays},
		{"unanswered", statsUnanswered},
	}
	for _, st := range steps {
		if err := st.fn(ctx, q, s); err != nil {
			return nil, fmt.Errorf("stats: %s: %w", st.name, err)
		}
	}
	return s, nil
}

// period returns the bounds as stored timestamps.
func (s *Stats) period() (string, string) { return ts(s.Since), ts(s.Until) }

func statsPlatforms(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	rows, err := q.QueryContext(ctx, `
		SELECT c.platform, COUNT(DISTINCT m.conversation_id), COUNT(*),
		       COALESCE(SUM(m.author = 'customer'), 0)
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.created_at >= ? AND m.created_at < ?
		GROUP BY c.platform ORDER BY c.platform`, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p PlatformStats
		if err := rows.Scan(&p.Platform, &p.Conversations, &p.Messages, &p.CustomerMessages); err != nil {
			return err
		}
		s.Platforms = append(s.Platforms, p)
		s.Conversations += p.Conversations
		s.Messages += p.Messages
		s.CustomerMessages += p.CustomerMessages
	}
	return rows.Err()
}

// questionActions are the decisions that make a customer message a question.
var questionActions = map[string]bool{"answer": true, "clarify": true, "handoff": true, "fallback": true}

// countQuestions adds n questions with action a to the four counters.
func countQuestions(a string, n int, answered, clarified, handedOff, notUnderstood *int) {
	switch a {
	case "answer":
		*answered += n
	case "clarify":
		*clarified += n
	case "handoff":
		*handedOff += n
	case "fallback":
		*notUnderstood += n
	}
}

func statsActions(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	rows, err := q.QueryContext(ctx, `
		SELECT action, kind = 'button', COUNT(*)
		FROM messages
		WHERE author = 'customer' AND created_at >= ? AND created_at < ?
		GROUP BY 1, 2`, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			action string
			button bool
			n      int
		)
		if err := rows.Scan(&action, &button, &n); err != nil {
			return err
		}
		if action == "" {
			action = "none"
		}
		s.Actions[action] += n
		if action == "smalltalk" {
			s.SmallTalk += n
		}
		if button || !questionActions[action] {
			continue
		}
		s.Questions += n
		countQuestions(action, n, &s.Answered, &s.Clarified, &s.HandedOff, &s.NotUnderstood)
	}
	return rows.Err()
}

func statsHandoffs(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	rows, err := q.QueryContext(ctx, `
		SELECT reason, state, created_at, first_reply_at, closed_at, rating
		FROM handoffs
		WHERE created_at >= ? AND created_at < ?
		ORDER BY id`, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	reasons := map[string]int{}
	var reply, closing []time.Duration
	var ratingSum int
	for rows.Next() {
		var (
			reason, state      string
			created            stamp
			firstReply, closed stamp
			rating             sql.NullInt64
		)
		if err := rows.Scan(&reason, &state, &created, &firstReply, &closed, &rating); err != nil {
			return err
		}
		s.Handoffs++
		reasons[reason]++
		if state == "waiting" {
			s.Waiting++
		}
		if firstReply.Valid && created.Valid {
			reply = append(reply, nonNegative(firstReply.Time.Sub(created.Time)))
		}
		if closed.Valid && created.Valid {
			closing = append(closing, nonNegative(closed.Time.Sub(created.Time)))
		}
		if rating.Valid && rating.Int64 >= 1 && rating.Int64 <= 5 {
			s.Ratings.Count++
			s.Ratings.ByValue[rating.Int64]++
			ratingSum += int(rating.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.HandoffReasons = sortedCounts(reasons)
	s.OperatorReply = summarize(reply)
	s.Close = summarize(closing)
	if s.Ratings.Count > 0 {
		s.Ratings.Average = float64(ratingSum) / float64(s.Ratings.Count)
	}
	return nil
}

func statsBotResponse(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	// The customer messages of the period that the bot decided on, with
	// when their event was stored and, for those without an inbox row, the
	// next bot message of the conversation.
	type pending struct {
		received       time.Time
		platform, chat string
	}
	byInbox := map[int64]pending{}
	var ds []time.Duration
	err := func() error {
		rows, err := q.QueryContext(ctx, `
			SELECT m.created_at, COALESCE(m.inbox_id, 0), i.received_at, c.platform, c.chat_id,
			       CASE WHEN m.inbox_id IS NULL THEN
			         (SELECT b.created_at FROM messages b
			          WHERE b.conversation_id = m.conversation_id AND b.id > m.id AND b.author = 'bot'
			          ORDER BY b.id LIMIT 1) END
			FROM messages m
			JOIN conversations c ON c.id = m.conversation_id
			LEFT JOIN inbox i ON i.id = m.inbox_id
			WHERE m.author = 'customer' AND m.created_at >= ? AND m.created_at < ?
			  AND m.action IN ('answer', 'clarify', 'handoff', 'fallback', 'smalltalk')`, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				created, received, botAt stamp
				inbox                    int64
				p                        pending
			)
			if err := rows.Scan(&created, &inbox, &received, &p.platform, &p.chat, &botAt); err != nil {
				return err
			}
			switch {
			case inbox != 0 && received.Valid:
				p.received = received.Time
				byInbox[inbox] = p
			case inbox == 0 && created.Valid && botAt.Valid:
				ds = append(ds, nonNegative(botAt.Time.Sub(created.Time)))
			default:
				s.NoResponse++
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return err
	}
	// Their first delivered reply to the customer's own chat (not a post in
	// the operators' desk). Replies are written with the decision, so the
	// outbox rows created in the period (and a day after, for late events)
	// hold them all.
	if len(byInbox) > 0 {
		first := map[int64]time.Time{}
		rows, err := q.QueryContext(ctx, `
			SELECT inbox_id, platform, chat_id, sent_at FROM outbox
			WHERE inbox_id IS NOT NULL AND sent_at IS NOT NULL AND created_at >= ? AND created_at < ?`,
			from, ts(s.Until.Add(24*time.Hour)))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				inbox          int64
				platform, chat string
				sent           stamp
			)
			if err := rows.Scan(&inbox, &platform, &chat, &sent); err != nil {
				return err
			}
			p, ok := byInbox[inbox]
			if !ok || !sent.Valid || p.platform != platform || p.chat != chat {
				continue
			}
			if t, ok := first[inbox]; !ok || sent.Time.Before(t) {
				first[inbox] = sent.Time
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for inbox, p := range byInbox {
			if t, ok := first[inbox]; ok {
				ds = append(ds, nonNegative(t.Sub(p.received)))
			} else {
				s.NoResponse++
			}
		}
	}
	s.BotResponse = summarize(ds)
	return nil
}

func statsEntries(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	rows, err := q.QueryContext(ctx, `
		SELECT entry_id, COUNT(*) FROM messages
		WHERE author = 'customer' AND action = 'answer' AND entry_id <> ''
		  AND created_at >= ? AND created_at < ?
		GROUP BY entry_id ORDER BY 2 DESC, 1`, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Key, &c.Count); err != nil {
			return err
		}
		s.TopEntries = append(s.TopEntries, c)
	}
	return rows.Err()
}

func statsDays(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	rows, err := q.QueryContext(ctx, `
		SELECT created_at, action, kind = 'button' FROM messages
		WHERE author = 'customer' AND created_at >= ? AND created_at < ?
		ORDER BY created_at`, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	loc := s.Since.Location()
	byDay := map[time.Time]*Day{}
	var first time.Time
	for rows.Next() {
		var (
			at     stamp
			action string
			button bool
		)
		if err := rows.Scan(&at, &action, &button); err != nil {
			return err
		}
		if !at.Valid {
			continue
		}
		d := dayOf(at.Time, loc)
		if first.IsZero() {
			first = d
		}
		day := byDay[d]
		if day == nil {
			day = &Day{Date: d}
			byDay[d] = day
		}
		day.Messages++
		if !button && questionActions[action] {
			countQuestions(action, 1, &day.Answered, &day.Clarified, &day.HandedOff, &day.NotUnderstood)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	start := dayOf(s.Since, loc)
	last := dayOf(s.Until.Add(-time.Nanosecond), loc)
	if daysBetween(start, last) > maxDays {
		if first.IsZero() {
			return nil
		}
		start = first
	}
	for d := start; !d.After(last); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		if day := byDay[d]; day != nil {
			s.Days = append(s.Days, *day)
		} else {
			s.Days = append(s.Days, Day{Date: d})
		}
	}
	return nil
}

func statsUnanswered(ctx context.Context, q querier, s *Stats) error {
	from, to := s.period()
	rows, err := q.QueryContext(ctx, `
		SELECT m.text, m.created_at, c.platform, m.conversation_id, 'fallback'
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.author = 'customer' AND m.action = 'fallback' AND m.kind <> 'button'
		  AND TRIM(m.text) <> '' AND m.created_at >= ? AND m.created_at < ?
		UNION ALL
		SELECT m.text, m.created_at, c.platform, m.conversation_id, 'none_of_these'
		FROM handoffs h
		JOIN conversations c ON c.id = h.conversation_id
		JOIN messages m ON m.id = (
			SELECT x.id FROM messages x
			WHERE x.conversation_id = h.conversation_id AND x.author = 'customer'
			  AND x.action = 'clarify' AND x.kind <> 'button' AND x.created_at <= h.created_at
			ORDER BY x.id DESC LIMIT 1)
		WHERE h.reason = 'none_of_these' AND h.created_at >= ? AND h.created_at < ?
		  AND TRIM(m.text) <> ''
		ORDER BY 2, 4`, from, to, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			u  Unanswered
			at stamp
		)
		if err := rows.Scan(&u.Text, &at, &u.Platform, &u.ConversationID, &u.Why); err != nil {
			return err
		}
		u.Time = at.Time
		u.Text = strings.TrimSpace(u.Text)
		s.Unanswered = append(s.Unanswered, u)
	}
	return rows.Err()
}

// Queue is the handoff queue at one moment, for the queue gauges.
type Queue struct {
	// Waiting counts handoffs in state waiting.
	Waiting int
	// Oldest is when the longest-waiting of them was queued; zero when the
	// queue is empty.
	Oldest time.Time
}

// QueueGauge returns the length of the handoff queue and when its oldest
// entry was queued. It reads only; an empty queue is Queue{} and no error.
func (db *DB) QueueGauge(ctx context.Context) (Queue, error) {
	return queryQueue(ctx, db.rd.pool)
}

func queryQueue(ctx context.Context, q querier) (Queue, error) {
	var (
		out    Queue
		oldest stamp
	)
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM handoffs WHERE state = 'waiting'`).Scan(&out.Waiting, &oldest)
	if err != nil {
		return Queue{}, fmt.Errorf("queue gauge: %w", err)
	}
	out.Oldest = oldest.Time
	return out, nil
}

// Writable checks that the database takes writes: it begins a write
// transaction (BEGIN IMMEDIATE takes SQLite's write lock, which fails on a
// read-only file or when another process holds the lock past the busy
// timeout) and rolls it back. It changes nothing.
func (db *DB) Writable(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database not writable: %w", err)
	}
	// A write statement makes the check real even if the transaction mode
	// ever becomes deferred; it matches no row.
	if _, err := tx.ExecContext(ctx, `UPDATE handoffs SET id = id WHERE 0`); err != nil {
		tx.Rollback()
		return fmt.Errorf("database not writable: %w", err)
	}
	return tx.Rollback()
}

// summarize sorts ds and computes its percentiles.
func summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	var sum float64
	for _, d := range ds {
		sum += float64(d)
	}
	return Durations{
		Count:  len(ds),
		Median: Percentile(ds, 0.5),
		P90:    Percentile(ds, 0.9),
		Mean:   time.Duration(math.Round(sum / float64(len(ds)))),
		Max:    ds[len(ds)-1],
		Values: ds,
	}
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 1) of sorted, interpolating
// linearly between the two nearest values; 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	pos := p * float64(n-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	if lo < 0 {
		lo = 0
	}
	if hi >= n {
		hi = n - 1
	}
	frac := pos - float64(lo)
	return sorted[lo] + time.Duration(math.Round(frac*float64(sorted[hi]-sorted[lo])))
}

func nonNegative(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// sortedCounts turns a map into Counts, most frequent first, then by key.
func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Hours() / 24)
}

// stamp scans a timestamp column or expression whatever form the driver
// gives it: a time.Time (declared DATETIME columns), or text in the stored
// format (expressions such as MIN(created_at)). NULL leaves Valid false.
type stamp struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (s *stamp) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s = stamp{}
		return nil
	case time.Time:
		*s = stamp{Time: v.UTC(), Valid: true}
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	case int64:
		*s = stamp{Time: time.Unix(v, 0).UTC(), Valid: true}
		return nil
	}
	return fmt.Errorf("timestamp: cannot scan %T", v)
}

var stampFormats = []string{
	timeFormat,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05",
}

func (s *stamp) parse(text string) error {
	for _, f := range stampFormats {
		if t, err := time.ParseInLocation(f, text, time.UTC); err == nil {
			*s = stamp{Time: t.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("timestamp: cannot parse %q", text)
}
