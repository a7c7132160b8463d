package faq

import (
	"maps"
	"strings"
	"testing"
)

// colloquialFAQ is a small FAQ whose entries differ by the words customers
// shorten or spell by ear: an informal spelling the matcher does not read as
// its word sends the question to the wrong entry or to no entry.
const colloquialFAQ = `entries:
  - id: app_install
    questions:
      - "Как установить приложение?"
      - "Где скачать мобильное приложение?"
    answer: "Приложение есть в App Store и Google Play."
  - id: router_install
    questions:
      - "Как установить роутер?"
      - "Как настроить роутер?"
    answer: "Роутер настраивается по инструкции в коробке."
  - id: tv_connect
    questions:
      - "Как подключить телевизор?"
    answer: "Телевизор подключается кабелем к приставке."
  - id: pc_connect
    questions:
      - "Как подключить ноутбук?"
    answer: "Ноутбук подключается к сети Wi-Fi."
  - id: send_screenshot
    questions:
      - "Как отправить скриншот ошибки?"
    answer: "Прикрепите скриншот к сообщению в чате."
  - id: send_receipt
    questions:
      - "Как отправить чек об оплате?"
    answer: "Прикрепите чек к сообщению в чате."
  - id: reset_password
    questions:
      - "How do I reset my password?"
    answer: "Press «Forgot password» on the login page."
  - id: reset_router
    questions:
      - "How do I reset my router?"
    answer: "Hold the reset button for ten seconds."
`

// TestColloquialMatch: a message with informal spellings is answered like
// the same message spelled out. Without data/colloquial.txt the informal
// messages fall between entries.
func TestColloquialMatch(t *testing.T) {
	f, err := Parse(strings.NewReader(colloquialFAQ), "colloquial.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(f)
	tests := []struct {
		informal, standard, entry string
	}{
		{"как установить прилогу", "как установить приложение", "app_install"},
		{"как подключить телек", "как подключить телевизор", "tv_connect"},
		{"как подключить ноут", "как подключить ноутбук", "pc_connect"},
		{"как отправить скрин", "как отправить скриншот", "send_screenshot"},
		{"how do i reset my pwd", "how do i reset my password", "reset_password"},
	}
	for _, tt := range tests {
		std := m.Match(tt.standard)
		if std.Action != Answer || std.Entry != tt.entry {
			t.Errorf("Match(%q) = %s %q, want Answer %q (the standard spelling)", tt.standard, std.Action, std.Entry, tt.entry)
			continue
		}
		got := m.Match(tt.informal)
		if got.Action != Answer || got.Entry != tt.entry {
			t.Errorf("Match(%q) = %s %q (candidates %v), want Answer %q like %q",
				tt.informal, got.Action, got.Entry, got.Candidates, tt.entry, tt.standard)
		}
	}
}

// TestColloquialAnalyze: informal words read as their standard word, and so
// take part in what the standard word does: "нету" is a negation like "нет",
// "спасибочки" thanks like "спасибо", "скока" asks like "сколько".
func TestColloquialAnalyze(t *testing.T) {
	_, lx := builtinLexicon()
	tests := []struct{ text, want string }{
		{"скока стоит", "сколько стоит"},
		{"щас нету инета", "сейчас нет интернета"},
		{"спасибочки", "спасибо"},
		{"здраствуйте", "здравствуйте"},
		{"pls help u", "please help you"},
		{"thx", "thanks"},
	}
	stems := func(text string) []string {
		var s []string
		for _, w := range analyze(text, nil, lx) {
			s = append(s, w.stem)
		}
		return s
	}
	for _, tt := range tests {
		got, want := stems(tt.text), stems(tt.want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("analyze(%q) stems %q, want %q like %q", tt.text, got, want, tt.want)
		}
	}
	ws := analyze("нету", nil, lx)
	if len(ws) != 1 || !negations[ws[0].orig] {
		t.Errorf("нету is no negation: %+v", ws)
	}
}

func TestParseColloquial(t *testing.T) {
	text := `# a comment: with a colon, not a line
сколько: скока скоко # a trailing comment: скок

a line without a colon
два слова: вариант
: orphan
Интернет: ИНЕТ инёт
само: само
  spaced :  aa   bb
пустой:
`
	want := map[string]string{
		"скока": "сколько",
		"скоко": "сколько",
		"инет":  "интернет", // "ИНЕТ" and "инёт" fold to the same word
		"aa":    "spaced",
		"bb":    "spaced",
	}
	if got := parseColloquial(text); !maps.Equal(got, want) {
		t.Errorf("parseColloquial = %v, want %v", got, want)
	}
	if got := parseColloquial(""); len(got) != 0 {
		t.Errorf("parseColloquial(\"\") = %v", got)
	}
}

// TestColloquialData checks data/colloquial.txt itself: every line parses,
// no variant is listed for two words or is itself a standard word (the list
// is applied once, not in chains), and every variant typed alone reaches
// the list (layout repair leaves the list's words alone: "ща" is not "of").
func TestColloquialData(t *testing.T) {
	seen := map[string]string{}
	stds := map[string]bool{}
	for n, line := range strings.Split(colloquialText, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		std, vars, ok := strings.Cut(line, ":")
		std = fold(strings.TrimSpace(std))
		if !ok || std == "" || strings.ContainsAny(std, " \t") || len(strings.Fields(vars)) == 0 {
			t.Errorf("line %d %q: want \"word: variant ...\"", n+1, line)
			continue
		}
		stds[std] = true
		for _, v := range strings.Fields(vars) {
			v = fold(v)
			if prev, ok := seen[v]; ok && prev != std {
				t.Errorf("line %d: %q is listed for %q and %q", n+1, v, prev, std)
			}
			seen[v] = std
		}
	}
	_, lx := builtinLexicon()
	for v, std := range colloquialMap0() {
		if stds[v] {
			t.Errorf("variant %q is also a standard word", v)
		}
		if ws := analyze(v, nil, lx); len(ws) != 1 || ws[0].surf != std {
			t.Errorf("%q typed alone reads as %+v, want %q", v, ws, std)
		}
	}
	if n := len(colloquialMap0()); n < 150 {
		t.Errorf("%d variants; the list lost most of its lines", n)
	}
}

// colloquialMap0 is the parsed data/colloquial.txt.
func colloquialMap0() map[string]string {
	colloquial("")
	return colloquialMap
}

// TestColloquialClosing: a customer who closes the conversation informally
// gets the thanks small talk like one who writes "спасибо, всё пришло". "норм"
// stays "норм", a word match.go's closing check knows, not "нормально".
func TestColloquialClosing(t *testing.T) {
	m := testMatcher(t)
	for _, text := range []string{
		"спасибо, всё пришло",
		"спасибочки, всё пришло",
		"пасибки!",
		"норм, спасибо",
		"thx, got it",
	} {
		if d := m.Match(text); d.Action != Answer || d.Entry != "thanks" {
			t.Errorf("Match(%q) = %s %q (candidates %v), want Answer thanks", text, d.Action, d.Entry, d.Candidates)
		}
	}
}
