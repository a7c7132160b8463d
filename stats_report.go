package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/supportbot/supportbot/storage"
)

// statsReport is everything `supportbot stats` reports, in the shape of its
// -json output. The field names are a contract (documented in README.md):
// add fields, never rename them. Times are RFC 3339; durations are seconds.
type statsReport struct {
	Period        statsPeriod       `json:"period"`
	Totals        statsTotals       `json:"totals"`
	Platforms     []statsPlatform   `json:"platforms"`
	Questions     statsQuestions    `json:"questions"`
	Actions       map[string]int    `json:"actions"`
	Handoffs      statsHandoffs     `json:"handoffs"`
	ResponseTimes statsTimes        `json:"response_times"`
	Ratings       statsRatings      `json:"ratings"`
	TopEntries    []statsEntry      `json:"top_entries"`
	Days          []statsDay        `json:"days"`
	Unanswered    []statsUnanswered `json:"unanswered"`

	// durations kept for the HTML page's distributions.
	botValues, operatorValues []time.Duration
}

type statsPeriod struct {
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Days     float64   `json:"days"`
	TimeZone string    `json:"time_zone"`
}

type statsTotals struct {
	Conversations    int `json:"conversations"`
	Messages         int `json:"messages"`
	CustomerMessages int `json:"customer_messages"`
}

type statsPlatform struct {
	Platform         string `json:"platform"`
	Conversations    int    `json:"conversations"`
	Messages         int    `json:"messages"`
	CustomerMessages int    `json:"customer_messages"`
}

type statsQuestions struct {
	Total              int     `json:"total"`
	Answered           int     `json:"answered"`
	Clarified          int     `json:"clarified"`
	HandedOff          int     `json:"handed_off"`
	NotUnderstood      int     `json:"not_understood"`
	AnsweredShare      float64 `json:"answered_share"`
	ClarifiedShare     float64 `json:"clarified_share"`
	HandedOffShare     float64 `json:"handed_off_share"`
	NotUnderstoodShare float64 `json:"not_understood_share"`
	SmallTalk          int     `json:"smalltalk"`
}

type statsHandoffs struct {
	Total    int           `json:"total"`
	Waiting  int           `json:"waiting"`
	ByReason []statsReason `json:"by_reason"`
}

type statsReason struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type statsTimes struct {
	Bot            statsDuration `json:"bot"`
	BotUndelivered int           `json:"bot_undelivered"`
	OperatorReply  statsDuration `json:"operator_first_reply"`
	Close          statsDuration `json:"close"`
}

type statsDuration struct {
	Count         int     `json:"count"`
	MedianSeconds float64 `json:"median_seconds"`
	P90Seconds    float64 `json:"p90_seconds"`
	MeanSeconds   float64 `json:"mean_seconds"`
	MaxSeconds    float64 `json:"max_seconds"`
}

type statsRatings struct {
	Count   int            `json:"count"`
	Average float64        `json:"average"`
	ByValue map[string]int `json:"by_value"`
}

type statsEntry struct {
	Entry string `json:"entry"`
	Count int    `json:"count"`
}

type statsDay struct {
	Date          string `json:"date"`
	Messages      int    `json:"messages"`
	Answered      int    `json:"answered"`
	Clarified     int    `json:"clarified"`
	HandedOff     int    `json:"handed_off"`
	NotUnderstood int    `json:"not_understood"`
}

type statsUnanswered struct {
	Count     int            `json:"count"`
	Examples  []string       `json:"examples"`
	Wordings  []statsWording `json:"wordings"`
	Keywords  []string       `json:"keywords"`
	Platforms map[string]int `json:"platforms"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
}

type statsWording struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// examplesPerGroup is how many wordings a group shows.
const examplesPerGroup = 3

// buildReport turns the storage figures and the grouped unanswered questions
// into the report.
func buildReport(s *storage.Stats, groups []questionGroup) *statsReport {
	r := &statsReport{
		Period: statsPeriod{
			Since:    s.Since,
			Until:    s.Until,
			Days:     math.Round(s.Until.Sub(s.Since).Hours()/24*100) / 100,
			TimeZone: zoneName(s.Since),
		},
		Totals:    statsTotals{s.Conversations, s.Messages, s.CustomerMessages},
		Platforms: []statsPlatform{},
		Questions: statsQuestions{
			Total: s.Questions, Answered: s.Answered, Clarified: s.Clarified,
			HandedOff: s.HandedOff, NotUnderstood: s.NotUnderstood,
			AnsweredShare:      share(s, s.Answered),
			ClarifiedShare:     share(s, s.Clarified),
			HandedOffShare:     share(s, s.HandedOff),
			NotUnderstoodShare: share(s, s.NotUnderstood),
			SmallTalk:          s.SmallTalk,
		},
		Actions:  s.Actions,
		Handoffs: statsHandoffs{Total: s.Handoffs, Waiting: s.Waiting, ByReason: []statsReason{}},
		ResponseTimes: statsTimes{
			Bot:            durationOf(s.BotResponse),
			BotUndelivered: s.NoResponse,
			OperatorReply:  durationOf(s.OperatorReply),
			Close:          durationOf(s.Close),
		},
		Ratings:        statsRatings{Count: s.Ratings.Count, Average: math.Round(s.Ratings.Average*100) / 100, ByValue: map[string]int{}},
		TopEntries:     []statsEntry{},
		Days:           []statsDay{},
		Unanswered:     []statsUnanswered{},
		botValues:      s.BotResponse.Values,
		operatorValues: s.OperatorReply.Values,
	}
	if r.Actions == nil {
		r.Actions = map[string]int{}
	}
	for _, p := range s.Platforms {
		r.Platforms = append(r.Platforms, statsPlatform(p))
	}
	for _, c := range s.HandoffReasons {
		r.Handoffs.ByReason = append(r.Handoffs.ByReason, statsReason{c.Key, c.Count})
	}
	for v := 1; v <= 5; v++ {
		r.Ratings.ByValue[fmt.Sprint(v)] = s.Ratings.ByValue[v]
	}
	for _, c := range s.TopEntries {
		r.TopEntries = append(r.TopEntries, statsEntry{c.Key, c.Count})
	}
	for _, d := range s.Days {
		r.Days = append(r.Days, statsDay{
			Date: d.Date.Format("2006-01-02"), Messages: d.Messages, Answered: d.Answered,
			Clarified: d.Clarified, HandedOff: d.HandedOff, NotUnderstood: d.NotUnderstood,
		})
	}
	for i := range groups {
		g := &groups[i]
		u := statsUnanswered{
			Count: g.Count, Examples: g.Examples(examplesPerGroup), Keywords: g.Terms,
			Platforms: g.Platforms, FirstSeen: g.First, LastSeen: g.Last,
		}
		for _, w := range g.Wordings {
			u.Wordings = append(u.Wordings, statsWording{w.Text, w.Count})
		}
		r.Unanswered = append(r.Unanswered, u)
	}
	return r
}

// zoneName names t's time zone: its IANA name, or its abbreviation when the
// zone is the unnamed local one.
func zoneName(t time.Time) string {
	if name := t.Location().String(); name != "Local" && name != "" {
		return name
	}
	abbr, _ := t.Zone()
	return abbr
}

func share(s *storage.Stats, n int) float64 { return math.Round(s.Share(n)*10000) / 10000 }

func durationOf(d storage.Durations) statsDuration {
	sec := func(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
	return statsDuration{Count: d.Count, MedianSeconds: sec(d.Median), P90Seconds: sec(d.P90), MeanSeconds: sec(d.Mean), MaxSeconds: sec(d.Max)}
}

// Empty reports whether nothing happened in the period.
func (r *statsReport) Empty() bool { return r.Totals.Messages == 0 && r.Handoffs.Total == 0 }

// periodText is the period in words: "1 Nov 2026 00:00 – 8 Nov 2026 00:00 (7 days)".
func (r *statsReport) periodText() string {
	const f = "2 Jan 2006 15:04"
	days := r.Period.Days
	unit := "days"
	if days == 1 {
		unit = "day"
	}
	return fmt.Sprintf("%s – %s (%s %s, %s)", r.Period.Since.Format(f), r.Period.Until.Format(f), trimFloat(days), unit, r.Period.TimeZone)
}

// writeStatsText prints the report as aligned plain-text tables.
func writeStatsText(w io.Writer, r *statsReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }

	p("Period\t%s", r.periodText())
	if r.Empty() {
		p("")
		p("No conversations in this period.")
		return tw.Flush()
	}

	p("")
	p("CONVERSATIONS AND MESSAGES")
	p("  platform\tconversations\tmessages\tfrom customers")
	for _, pl := range r.Platforms {
		p("  %s\t%d\t%d\t%d", pl.Platform, pl.Conversations, pl.Messages, pl.CustomerMessages)
	}
	if len(r.Platforms) > 1 {
		p("  total\t%d\t%d\t%d", r.Totals.Conversations, r.Totals.Messages, r.Totals.CustomerMessages)
	}

	q := r.Questions
	p("")
	p("WHAT THE BOT DID WITH %d QUESTIONS", q.Total)
	p("  answered from the FAQ\t%d\t%s", q.Answered, percent(q.AnsweredShare))
	p("  asked \"did you mean\"\t%d\t%s", q.Clarified, percent(q.ClarifiedShare))
	p("  handed off to a person\t%d\t%s", q.HandedOff, percent(q.HandedOffShare))
	p("  not understood\t%d\t%s", q.NotUnderstood, percent(q.NotUnderstoodShare))
	if q.SmallTalk > 0 {
		p("  (and %d greetings and thanks answered as small talk)", q.SmallTalk)
	}

	p("")
	h := r.Handoffs
	if h.Waiting > 0 {
		p("HANDOFFS: %d (%d still waiting)", h.Total, h.Waiting)
	} else {
		p("HANDOFFS: %d", h.Total)
	}
	for _, c := range h.ByReason {
		p("  %s\t%d\t%s", reasonText(c.Reason), c.Count, percent(float64(c.Count)/float64(max(h.Total, 1))))
	}

	t := r.ResponseTimes
	p("")
	p("RESPONSE TIMES\tmedian\t90%% within\tcount")
	p("  bot's reply\t%s\t%s\t%d", seconds(t.Bot.MedianSeconds), seconds(t.Bot.P90Seconds), t.Bot.Count)
	p("  operator's first reply\t%s\t%s\t%d", seconds(t.OperatorReply.MedianSeconds), seconds(t.OperatorReply.P90Seconds), t.OperatorReply.Count)
	p("  handoff to close\t%s\t%s\t%d", seconds(t.Close.MedianSeconds), seconds(t.Close.P90Seconds), t.Close.Count)
	if t.BotUndelivered > 0 {
		p("  (%d bot replies not delivered yet or never)", t.BotUndelivered)
	}

	p("")
	if r.Ratings.Count == 0 {
		p("RATINGS: none")
	} else {
		var parts []string
		for v := 5; v >= 1; v-- {
			if n := r.Ratings.ByValue[fmt.Sprint(v)]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d×%d", n, v))
			}
		}
		p("RATINGS: %s average from %d (%s)", trimFloat(r.Ratings.Average), r.Ratings.Count, strings.Join(parts, ", "))
	}

	if len(r.TopEntries) > 0 {
		p("")
		p("MOST USED ENTRIES")
		for i, e := range r.TopEntries {
			if i == 10 {
				p("  … and %d more", len(r.TopEntries)-10)
				break
			}
			p("  %s\t%d", e.Entry, e.Count)
		}
	}

	if err := tw.Flush(); err != nil {
		return err
	}
	// The questions have long texts: not part of the aligned table.
	if len(r.Unanswered) > 0 {
		n := 0
		for _, u := range r.Unanswered {
			n += u.Count
		}
		fmt.Fprintf(w, "\nQUESTIONS THE FAQ DOES NOT ANSWER YET: %d messages, %d questions\n", n, len(r.Unanswered))
		for i, u := range r.Unanswered {
			if i == 20 {
				fmt.Fprintf(w, "  … and %d more (see -json or -fragment)\n", len(r.Unanswered)-20)
				break
			}
			fmt.Fprintf(w, "  %4d  %s\n", u.Count, oneLine(u.Examples[0], 90))
			for _, e := range u.Examples[1:] {
				fmt.Fprintf(w, "        · %s\n", oneLine(e, 88))
			}
		}
	}
	return nil
}

func reasonText(reason string) string {
	switch reason {
	case "request":
		return "asked for a person"
	case "angry":
		return "upset or complaining"
	case "failures":
		return "bot failed twice"
	case "none_of_these":
		return "\"none of these\""
	case "entry":
		return "entry always handed off"
	case "media":
		return "sent a photo or file"
	case "admin":
		return "VK admin took over"
	}
	return reason
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// seconds formats a span for people: 0.4s, 12s, 4m05s, 2h10m, 3d4h; "–"
// for nothing measured.
func seconds(s float64) string {
	if s == 0 {
		return "–"
	}
	return humanDuration(time.Duration(s * float64(time.Second)))
}

func humanDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return trimFloat(math.Round(d.Seconds()*10)/10) + "s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// oneLine flattens whitespace and cuts s to n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
