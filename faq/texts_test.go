package faq

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDefaultTexts checks that every text has a Russian and an English
// default that uses only known placeholders, and the ones it must.
func TestDefaultTexts(t *testing.T) {
	for _, def := range []Texts{DefaultTexts, DefaultTextsEN} {
		v := reflect.ValueOf(def)
		for i := range v.NumField() {
			key := v.Type().Field(i).Tag.Get("yaml")
			s := v.Field(i).String()
			if s == "" {
				t.Errorf("no default for %s", key)
			}
			for _, p := range placeholders(s) {
				if !contains(Placeholders, p) {
					t.Errorf("%s: unknown placeholder {%s}", key, p)
				}
			}
		}
		for _, s := range []string{def.Handoff, def.HandoffAngry, def.StillWaiting} {
			if !strings.Contains(s, "{position}") {
				t.Errorf("%q does not mention {position}", s)
			}
		}
		if !strings.Contains(def.OffHours, "{next_open}") {
			t.Errorf("%q does not mention {next_open}", def.OffHours)
		}
		for _, label := range []string{def.NoneOfThese, def.TalkToPerson} {
			if utf8.RuneCountInString(label) > MaxLabel {
				t.Errorf("button label %q is longer than %d", label, MaxLabel)
			}
		}
	}
}

func TestTextsFor(t *testing.T) {
	f := &FAQ{
		Texts:   Texts{Greeting: "Привет от «Чайной лавки»!", DontKnow: "Не знаю."},
		TextsEN: Texts{DontKnow: "No idea."},
	}
	tests := []struct {
		lang     string
		greeting string
		dontKnow string
		handoff  string
	}{
		{"ru", "Привет от «Чайной лавки»!", "Не знаю.", DefaultTexts.Handoff},
		{"", "Привет от «Чайной лавки»!", "Не знаю.", DefaultTexts.Handoff},
		{"uk", "Привет от «Чайной лавки»!", "Не знаю.", DefaultTexts.Handoff},
		// English never borrows the brand's Russian words.
		{"en", DefaultTextsEN.Greeting, "No idea.", DefaultTextsEN.Handoff},
		{"en-GB", DefaultTextsEN.Greeting, "No idea.", DefaultTextsEN.Handoff},
	}
	for _, tt := range tests {
		got := f.TextsFor(tt.lang)
		if got.Greeting != tt.greeting || got.DontKnow != tt.dontKnow || got.Handoff != tt.handoff {
			t.Errorf("TextsFor(%q) = %+v", tt.lang, got)
		}
	}
	if got := (*FAQ)(nil).TextsFor("ru"); got != DefaultTexts {
		t.Errorf("nil FAQ: %+v", got)
	}
}

func TestFill(t *testing.T) {
	vars := map[string]string{"position": "3", "next_open": "завтра в 09:00", "hours": "пн–пт"}
	tests := []struct{ in, want string }{
		{"Ваш номер в очереди: {position}.", "Ваш номер в очереди: 3."},
		{"{next_open}, {hours}, {position}", "завтра в 09:00, пн–пт, 3"},
		{"{unknown} остаётся", "{unknown} остаётся"},
		{"{position}{position}", "33"},
		{"скобка { без пары", "скобка { без пары"},
		{"{ position }", "{ position }"},
		{"}{position}", "}3"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Fill(tt.in, vars); got != tt.want {
			t.Errorf("Fill(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Fill("{position}", nil); got != "{position}" {
		t.Errorf("Fill with nil vars = %q", got)
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Вы {position}-й, вернёмся {next_open}", "position,next_open"},
		{"{см. сайт} и {}", ""},
		{"{{hours}}", "hours"},
		{"{a", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(placeholders(tt.in), ","); got != tt.want {
			t.Errorf("placeholders(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
