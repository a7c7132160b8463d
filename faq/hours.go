package faq

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on machines without /usr/share/zoneinfo
)

// minutesPerDay is the length of a day in a schedule; a range that runs past
// midnight ends after it.
const minutesPerDay = 24 * 60

// span is one opening range in minutes after the day's midnight. end is
// after start and at most a day after it; end > minutesPerDay means the
// range runs past midnight into the next day.
type span struct{ start, end int }

// plan is a parsed Hours.
type plan struct {
	loc *time.Location
	// always is true for an empty schedule.
	always bool
	// days holds each weekday's ranges (indexed by time.Weekday), sorted.
	days [7][]span
}

// compiled returns the parsed schedule: the loader's, or one parsed now on
// a best-effort basis (unknown days and times skipped, an unknown time zone
// read as UTC) for Hours built by hand.
func (h Hours) compiled() *plan {
	if h.plan != nil {
		return h.plan
	}
	p := &plan{loc: time.UTC, always: len(h.Schedule) == 0}
	if loc, err := loadLocation(h.TimeZone); err == nil {
		p.loc = loc
	}
	keys := make([]string, 0, len(h.Schedule))
	for k := range h.Schedule {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		days, err := parseDays(k)
		if err != nil {
			continue
		}
		spans, err := parseRanges(h.Schedule[k])
		if err != nil {
			continue
		}
		for _, d := range days {
			p.days[d] = append(p.days[d], spans...)
		}
	}
	p.sort()
	return p
}

func (p *plan) sort() {
	for d := range p.days {
		sort.Slice(p.days[d], func(i, j int) bool { return p.days[d][i].start < p.days[d][j].start })
	}
}

// never reports whether a non-empty schedule has no open range at all.
func (p *plan) never() bool {
	if p.always {
		return false
	}
	for _, d := range p.days {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// Open reports whether operators work at t. An empty schedule is always
// open.
func (h Hours) Open(t time.Time) bool {
	p := h.compiled()
	if p.always {
		return true
	}
	lt := t.In(p.loc)
	wd := lt.Weekday()
	m := lt.Hour()*60 + lt.Minute()
	for _, s := range p.days[wd] {
		if s.start <= m && m < s.end {
			return true
		}
	}
	for _, s := range p.days[(wd+6)%7] {
		if s.end > minutesPerDay && m < s.end-minutesPerDay {
			return true
		}
	}
	return false
}

// NextOpen returns t if operators work at t, and otherwise the moment they
// are next back, in the schedule's time zone. For a schedule with no open
// hours at all (the loader rejects one) it returns the zero Time.
func (h Hours) NextOpen(t time.Time) time.Time {
	if h.Open(t) {
		return t
	}
	p := h.compiled()
	lt := t.In(p.loc)
	y, mo, d := lt.Date()
	for off := 0; off <= 7; off++ {
		wd := time.Date(y, mo, d+off, 12, 0, 0, 0, p.loc).Weekday()
		for _, s := range p.days[wd] {
			if st := time.Date(y, mo, d+off, 0, s.start, 0, 0, p.loc); st.After(t) {
				return st
			}
		}
	}
	return time.Time{}
}

// NextOpenText says in words when operators are back, for the {next_open}
// placeholder: "завтра в 09:00 по московскому времени", "on Monday at 09:00
// (CET)"; "сейчас" / "now" when they work at now, and "" when the schedule
// never opens.
func (h Hours) NextOpenText(now time.Time, lang string) string {
	en := isEnglish(lang)
	next := h.NextOpen(now)
	switch {
	case next.IsZero():
		return ""
	case next.Equal(now):
		if en {
			return "now"
		}
		return "сейчас"
	}
	p := h.compiled()
	ln, nn := now.In(p.loc), next.In(p.loc)
	y1, m1, d1 := ln.Date()
	y2, m2, d2 := nn.Date()
	days := int(time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)).Hours() / 24)
	clock := nn.Format("15:04")
	var s string
	switch {
	case days == 0 && en:
		s = "today at " + clock
	case days == 0:
		s = "сегодня в " + clock
	case days == 1 && en:
		s = "tomorrow at " + clock
	case days == 1:
		s = "завтра в " + clock
	case en:
		s = "on " + nn.Weekday().String() + " at " + clock
	default:
		s = ruOnWeekday[nn.Weekday()] + " в " + clock
	}
	return s + " " + zoneWords(p.loc, nn, en)
}

// ruOnWeekday is "on <weekday>" in Russian, indexed by time.Weekday.
var ruOnWeekday = [7]string{"в воскресенье", "в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу"}

// zoneWords names the time zone after a time of day.
func zoneWords(loc *time.Location, t time.Time, en bool) string {
	if loc.String() == "Europe/Moscow" {
		if en {
			return "(Moscow time)"
		}
		return "по московскому времени"
	}
	abbr := t.Format("MST")
	if abbr != "" && (abbr[0] == '+' || abbr[0] == '-') {
		abbr = "UTC" + abbr
	}
	return "(" + abbr + ")"
}

// Day names for Describe, indexed by time.Weekday.
var (
	ruDayShort = [7]string{"вс", "пн", "вт", "ср", "чт", "пт", "сб"}
	enDayShort = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// Describe writes the working hours for people: "пн–пт 09:00–21:00,
// сб 10:00–18:00 (Europe/Moscow)", or in English for lang "en": "Mon–Fri
// 09:00–21:00, Sat 10:00–18:00 (Europe/Moscow)". Days with the same hours in
// a row are written as one range; an empty schedule is "круглосуточно" /
// "24/7".
func (h Hours) Describe(lang string) string {
	en := isEnglish(lang)
	p := h.compiled()
	if p.always {
		if en {
			return "24/7"
		}
		return "круглосуточно"
	}
	names, and, daily := ruDayShort, " и ", "ежедневно"
	if en {
		names, and, daily = enDayShort, " and ", "daily"
	}
	week := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var hours [7]string
	for i, wd := range week {
		var rs []string
		for _, s := range p.days[wd] {
			rs = append(rs, formatSpan(s, en))
		}
		hours[i] = strings.Join(rs, and)
	}
	var parts []string
	for i := 0; i < 7; {
		j := i
		for j+1 < 7 && hours[j+1] == hours[i] {
			j++
		}
		switch {
		case hours[i] == "":
		case i == 0 && j == 6:
			parts = append(parts, daily+" "+hours[i])
		case i == j:
			parts = append(parts, names[week[i]]+" "+hours[i])
		default:
			parts = append(parts, names[week[i]]+"–"+names[week[j]]+" "+hours[i])
		}
		i = j + 1
	}
	if len(parts) == 0 {
		if en {
			return "closed"
		}
		return "закрыто"
	}
	return strings.Join(parts, ", ") + " (" + p.loc.String() + ")"
}

// formatSpan writes "09:00–21:00"; a whole day is "круглосуточно" / "24h".
func formatSpan(s span, en bool) string {
	if s.start == 0 && s.end == minutesPerDay {
		if en {
			return "24h"
		}
		return "круглосуточно"
	}
	end := s.end
	if end > minutesPerDay {
		end -= minutesPerDay
	}
	return fmt.Sprintf("%02d:%02d–%02d:%02d", s.start/60, s.start%60, end/60, end%60)
}

// loadLocation loads an IANA time zone ("Europe/Moscow"). It refuses ""
// and "Local", which would make the hours depend on the server.
func loadLocation(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, errors.New("time zone is empty")
	case "Local":
		return nil, errors.New(`"Local" depends on the server's settings`)
	}
	return time.LoadLocation(name)
}

// dayNames maps day names and groups, Russian and English, to weekdays.
var dayNames = map[string][]time.Weekday{}

func init() {
	add := func(d time.Weekday, names ...string) {
		for _, n := range names {
			dayNames[n] = []time.Weekday{d}
		}
	}
	add(time.Monday, "mon", "monday", "пн", "пон", "понедельник")
	add(time.Tuesday, "tue", "tues", "tuesday", "вт", "вторник")
	add(time.Wednesday, "wed", "wednesday", "ср", "среда")
	add(time.Thursday, "thu", "thur", "thurs", "thursday", "чт", "четверг")
	add(time.Friday, "fri", "friday", "пт", "пятница")
	add(time.Saturday, "sat", "saturday", "сб", "суббота")
	add(time.Sunday, "sun", "sunday", "вс", "воскресенье")
	all := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for _, n := range []string{"daily", "every day", "everyday", "ежедневно", "каждый день", "все дни"} {
		dayNames[n] = all
	}
	for _, n := range []string{"weekdays", "будни"} {
		dayNames[n] = all[:5]
	}
	for _, n := range []string{"weekend", "weekends", "выходные"} {
		dayNames[n] = all[5:]
	}
}

// isDash reports whether r separates the two ends of a range.
func isDash(r rune) bool { return r == '-' || r == '–' || r == '—' }

// parseDays reads a schedule key: a day ("sat", "сб"), a range of days
// ("mon-fri", "пн–пт", "fri-mon" wraps over the weekend), a group ("daily",
// "будни", "weekends"), or a comma-separated list of those.
func parseDays(key string) ([]time.Weekday, error) {
	var out []time.Weekday
	for part := range strings.SplitSeq(strings.ToLower(key), ",") {
		part = strings.TrimSpace(part)
		if days, ok := dayNames[strings.TrimSuffix(part, ".")]; ok {
			out = append(out, days...)
			continue
		}
		ends := strings.FieldsFunc(part, isDash)
		if len(ends) != 2 {
			return nil, fmt.Errorf("%q is not a day or a range of days", part)
		}
		var from, to time.Weekday
		for i, e := range ends {
			e = strings.TrimSuffix(strings.TrimSpace(e), ".")
			d, ok := dayNames[e]
			if !ok || len(d) != 1 {
				return nil, fmt.Errorf("%q is not a day", e)
			}
			if i == 0 {
				from = d[0]
			} else {
				to = d[0]
			}
		}
		for d := from; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == to {
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no day named")
	}
	return out, nil
}

// closedWords are schedule values for a day off; allDayWords for round the
// clock.
var (
	closedWords = map[string]bool{"closed": true, "off": true, "day off": true, "выходной": true, "закрыто": true, "нерабочий": true, "false": true, "": true}
	allDayWords = map[string]bool{"24h": true, "24/7": true, "round the clock": true, "круглосуточно": true}
)

// parseRanges reads a schedule value: "09:00-21:00", several ranges
// separated by commas ("09:00-13:00, 14:00-18:00"), a range past midnight
// ("20:00-02:00"), "24h" / "круглосуточно", or "closed" / "выходной".
func parseRanges(v string) ([]span, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if closedWords[v] {
		return nil, nil
	}
	if allDayWords[v] {
		return []span{{0, minutesPerDay}}, nil
	}
	var out []span
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		ends := strings.FieldsFunc(part, isDash)
		if len(ends) != 2 {
			return nil, fmt.Errorf("%q is not a range like 09:00-21:00", part)
		}
		start, err := parseClock(ends[0])
		if err != nil {
			return nil, err
		}
		end, err := parseClock(ends[1])
		if err != nil {
			return nil, err
		}
		switch {
		case start == minutesPerDay:
			return nil, fmt.Errorf("%q starts at 24:00; write 00:00 on the next day", part)
		case end == start:
			return nil, fmt.Errorf("%q starts and ends at the same time; for round the clock write 24h", part)
		case end < start:
			end += minutesPerDay // past midnight
		}
		out = append(out, span{start, end})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	for i := 1; i < len(out); i++ {
		if out[i].start < out[i-1].end {
			return nil, errors.New("the ranges overlap")
		}
	}
	return out, nil
}

// parseClock reads "9:00", "09:00", "09.00" or "24:00" as minutes after
// midnight.
func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	if !ok {
		hh, mm, ok = strings.Cut(s, ".")
	}
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	return h*60 + m, nil
}
