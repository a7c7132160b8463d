package faq

import (
	"strings"
	"testing"
	"time"
)

// mustHours loads a FAQ whose hours are the given YAML.
func mustHours(t *testing.T, yamlHours string) Hours {
	t.Helper()
	in := "entries:\n  - id: a\n    questions: [a]\n    answer: a\nhours:\n" + yamlHours
	f, err := Parse(strings.NewReader(in), "hours.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f.Hours
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestHoursOpenNextOpen(t *testing.T) {
	msk := mustZone(t, "Europe/Moscow")
	ekb := mustZone(t, "Asia/Yekaterinburg")
	week := mustHours(t, `  timezone: Europe/Moscow
  schedule:
    mon-fri: "09:00-21:00"
    сб: "10:00-18:00"
`)
	night := mustHours(t, `  timezone: Europe/Moscow
  schedule:
    fri-sat: "20:00-02:00"
`)
	lunch := mustHours(t, `  timezone: Asia/Yekaterinburg
  schedule:
    будни: "9:00-13:00, 14:00-18:00"
`)
	always := mustHours(t, "  timezone: Europe/Moscow\n")
	// 2026-11-16 is a Monday.
	at := func(loc *time.Location, day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, loc) }
	tests := []struct {
		name string
		h    Hours
		t    time.Time
		open bool
		next time.Time
	}{
		{"monday morning", week, at(msk, 16, 10, 0), true, at(msk, 16, 10, 0)},
		{"opening minute", week, at(msk, 16, 9, 0), true, at(msk, 16, 9, 0)},
		{"a second before", week, at(msk, 16, 8, 59).Add(59 * time.Second), false, at(msk, 16, 9, 0)},
		{"closing minute is closed", week, at(msk, 16, 21, 0), false, at(msk, 17, 9, 0)},
		{"friday night to saturday", week, at(msk, 20, 22, 30), false, at(msk, 21, 10, 0)},
		{"saturday evening to monday", week, at(msk, 21, 18, 0), false, at(msk, 23, 9, 0)},
		{"sunday", week, at(msk, 22, 12, 0), false, at(msk, 23, 9, 0)},
		{"UTC instant inside Moscow hours", week, time.Date(2026, 11, 16, 6, 30, 0, 0, time.UTC), true, time.Date(2026, 11, 16, 6, 30, 0, 0, time.UTC)},
		{"UTC instant before Moscow opens", week, time.Date(2026, 11, 16, 5, 30, 0, 0, time.UTC), false, at(msk, 16, 9, 0)},
		{"Yekaterinburg evening is Moscow afternoon", week, at(ekb, 16, 22, 0), true, at(ekb, 16, 22, 0)},
		{"past midnight into saturday", night, at(msk, 21, 1, 30), true, at(msk, 21, 1, 30)},
		{"past midnight into sunday", night, at(msk, 22, 1, 59), true, at(msk, 22, 1, 59)},
		{"sunday after the night", night, at(msk, 22, 2, 0), false, at(msk, 27, 20, 0)},
		{"thursday night", night, at(msk, 19, 23, 0), false, at(msk, 20, 20, 0)},
		{"lunch break", lunch, at(ekb, 17, 13, 30), false, at(ekb, 17, 14, 0)},
		{"after lunch", lunch, at(ekb, 17, 14, 0), true, at(ekb, 17, 14, 0)},
		{"always open", always, at(msk, 22, 3, 0), true, at(msk, 22, 3, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Open(tt.t); got != tt.open {
				t.Errorf("Open(%s) = %v, want %v", tt.t, got, tt.open)
			}
			if got := tt.h.NextOpen(tt.t); !got.Equal(tt.next) {
				t.Errorf("NextOpen(%s) = %s, want %s", tt.t, got, tt.next)
			}
		})
	}
}

// TestHoursDST checks a zone with summer time: the clock times hold on
// both sides of the change.
func TestHoursDST(t *testing.T) {
	ber := mustZone(t, "Europe/Berlin")
	h := mustHours(t, "  timezone: Europe/Berlin\n  schedule:\n    daily: \"09:00-17:00\"\n")
	// Clocks went back on Sunday 2026-10-25 at 03:00.
	sat := time.Date(2026, 10, 24, 18, 0, 0, 0, ber)
	if got, want := h.NextOpen(sat), time.Date(2026, 10, 25, 9, 0, 0, 0, ber); !got.Equal(want) {
		t.Errorf("NextOpen = %s, want %s", got, want)
	}
	if !h.Open(time.Date(2026, 10, 25, 8, 30, 0, 0, time.UTC)) { // 09:30 in winter time
		t.Error("closed at 09:30 on the day of the change")
	}
}

// TestHoursByHand checks Hours built without the loader.
func TestHoursByHand(t *testing.T) {
	h := Hours{TimeZone: "Europe/Moscow", Schedule: map[string]string{"mon-fri": "09:00-18:00"}}
	msk := mustZone(t, "Europe/Moscow")
	if !h.Open(time.Date(2026, 11, 16, 12, 0, 0, 0, msk)) || h.Open(time.Date(2026, 11, 21, 12, 0, 0, 0, msk)) {
		t.Error("hand-built hours are wrong")
	}
	if (Hours{}).Open(time.Time{}) != true {
		t.Error("the zero Hours are not always open")
	}
	never := Hours{TimeZone: "UTC", Schedule: map[string]string{"sun": "closed"}}
	if got := never.NextOpen(time.Now()); !got.IsZero() {
		t.Errorf("NextOpen of a schedule that never opens = %s", got)
	}
}

func TestHoursDescribe(t *testing.T) {
	tests := []struct {
		hours, ru, en string
	}{
		{"  timezone: Europe/Moscow\n  schedule:\n    mon-fri: \"09:00-21:00\"\n    sat: \"10:00-18:00\"\n",
			"пн–пт 09:00–21:00, сб 10:00–18:00 (Europe/Moscow)",
			"Mon–Fri 09:00–21:00, Sat 10:00–18:00 (Europe/Moscow)"},
		{"  timezone: Europe/Moscow\n  schedule:\n    ежедневно: \"10:00-22:00\"\n",
			"ежедневно 10:00–22:00 (Europe/Moscow)", "daily 10:00–22:00 (Europe/Moscow)"},
		{"  timezone: Asia/Yekaterinburg\n  schedule:\n    пн, ср, пт: \"09:00-13:00, 14:00-18:00\"\n    сб-вс: 24h\n",
			"пн 09:00–13:00 и 14:00–18:00, ср 09:00–13:00 и 14:00–18:00, пт 09:00–13:00 и 14:00–18:00, сб–вс круглосуточно (Asia/Yekaterinburg)",
			"Mon 09:00–13:00 and 14:00–18:00, Wed 09:00–13:00 and 14:00–18:00, Fri 09:00–13:00 and 14:00–18:00, Sat–Sun 24h (Asia/Yekaterinburg)"},
		{"  timezone: Europe/Moscow\n  schedule:\n    fri: \"20:00-02:00\"\n    sun: выходной\n",
			"пт 20:00–02:00 (Europe/Moscow)", "Fri 20:00–02:00 (Europe/Moscow)"},
		{"  timezone: Europe/Moscow\n", "круглосуточно", "24/7"},
	}
	for _, tt := range tests {
		h := mustHours(t, tt.hours)
		if got := h.Describe("ru"); got != tt.ru {
			t.Errorf("Describe(ru) = %q, want %q", got, tt.ru)
		}
		if got := h.Describe("en"); got != tt.en {
			t.Errorf("Describe(en) = %q, want %q", got, tt.en)
		}
	}
}

func TestHoursNextOpenText(t *testing.T) {
	msk := mustZone(t, "Europe/Moscow")
	h := mustHours(t, "  timezone: Europe/Moscow\n  schedule:\n    mon-fri: \"09:00-21:00\"\n")
	tests := []struct {
		now    time.Time
		ru, en string
	}{
		{time.Date(2026, 11, 16, 12, 0, 0, 0, msk), "сейчас", "now"},
		{time.Date(2026, 11, 16, 7, 0, 0, 0, msk), "сегодня в 09:00 по московскому времени", "today at 09:00 (Moscow time)"},
		{time.Date(2026, 11, 16, 22, 0, 0, 0, msk), "завтра в 09:00 по московскому времени", "tomorrow at 09:00 (Moscow time)"},
		{time.Date(2026, 11, 20, 22, 0, 0, 0, msk), "в понедельник в 09:00 по московскому времени", "on Monday at 09:00 (Moscow time)"},
		// 22:00 UTC on Tuesday is 01:00 on Wednesday in Moscow.
		{time.Date(2026, 11, 17, 22, 0, 0, 0, time.UTC), "сегодня в 09:00 по московскому времени", "today at 09:00 (Moscow time)"},
	}
	for _, tt := range tests {
		if got := h.NextOpenText(tt.now, "ru"); got != tt.ru {
			t.Errorf("NextOpenText(%s, ru) = %q, want %q", tt.now, got, tt.ru)
		}
		if got := h.NextOpenText(tt.now, "en"); got != tt.en {
			t.Errorf("NextOpenText(%s, en) = %q, want %q", tt.now, got, tt.en)
		}
	}
	ber := mustHours(t, "  timezone: Europe/Berlin\n  schedule:\n    sat: \"10:00-12:00\"\n")
	if got := ber.NextOpenText(time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC), "en"); got != "on Saturday at 10:00 (CET)" {
		t.Errorf("Berlin: %q", got)
	}
}

func TestParseDaysAndRanges(t *testing.T) {
	days := []struct {
		in   string
		want string // weekday numbers, Sunday = 0
		ok   bool
	}{
		{"mon-fri", "12345", true},
		{"пн–пт", "12345", true},
		{"Sat", "6", true},
		{"fri-mon", "5601", true},
		{"пн, ср, пт", "135", true},
		{"weekends", "60", true},
		{"выходные", "60", true},
		{"daily", "1234560", true},
		{"пн.-пт.", "12345", true},
		{"monday-wednesday", "123", true},
		{"mon-", "", false},
		{"funday", "", false},
		{"mon-fri-sat", "", false},
	}
	for _, tt := range days {
		got, err := parseDays(tt.in)
		var s strings.Builder
		for _, d := range got {
			s.WriteByte(byte('0' + d))
		}
		if (err == nil) != tt.ok || s.String() != tt.want {
			t.Errorf("parseDays(%q) = %q, %v; want %q", tt.in, s.String(), err, tt.want)
		}
	}
	ranges := []struct {
		in   string
		want []span
		ok   bool
	}{
		{"09:00-21:00", []span{{540, 1260}}, true},
		{"9:00 – 21:00", []span{{540, 1260}}, true},
		{"09.00-18.00", []span{{540, 1080}}, true},
		{"14:00-18:00, 09:00-13:00", []span{{540, 780}, {840, 1080}}, true},
		{"22:00-02:00", []span{{1320, 1560}}, true},
		{"00:00-24:00", []span{{0, 1440}}, true},
		{"круглосуточно", []span{{0, 1440}}, true},
		{"closed", nil, true},
		{"Выходной", nil, true},
		{"09:00-09:00", nil, false},
		{"25:00-26:00", nil, false},
		{"09:60-10:00", nil, false},
		{"24:00-02:00", nil, false},
		{"9-18", nil, false},
		{"09:00-13:00, 12:00-18:00", nil, false},
		{"утром", nil, false},
	}
	for _, tt := range ranges {
		got, err := parseRanges(tt.in)
		if (err == nil) != tt.ok || len(got) != len(tt.want) {
			t.Errorf("parseRanges(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseRanges(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}
