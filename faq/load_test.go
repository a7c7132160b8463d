package faq

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadValid loads the good fixtures and checks what they hold.
func TestLoadValid(t *testing.T) {
	tests := []struct {
		name      string
		entries   int
		phrasings int
		check     func(t *testing.T, f *FAQ)
	}{
		{name: "minimal", entries: 1, phrasings: 3, check: func(t *testing.T, f *FAQ) {
			e := f.Entry("returns")
			if e == nil || e.Answer != "Верните товар в течение 14 дней..." || e.Questions[2] != "How do I return an item?" {
				t.Errorf("returns = %+v", e)
			}
		}},
		{name: "json", entries: 3, phrasings: 5, check: func(t *testing.T, f *FAQ) {
			if e := f.Entry("reverted_card_payment?"); e == nil || e.Questions[1] != "My payment was returned — why?" {
				t.Errorf("reverted_card_payment? = %+v", e)
			}
		}},
		{name: "aliases", entries: 2, phrasings: 2, check: func(t *testing.T, f *FAQ) {
			if got := strings.Join(f.Entry("b").Keywords, ","); got != "заказ,посылка" {
				t.Errorf("keywords through an alias = %q", got)
			}
		}},
		{name: "full", entries: 4, phrasings: 7, check: func(t *testing.T, f *FAQ) {
			r := f.Entry("returns")
			if r.Title != "Возврат товара" || r.Answer != "Верните товар в течение 14 дней.\nДеньги придут за 3–5 дней." ||
				r.AnswerEN != "Return the item within 14 days." || len(r.Keywords) != 2 {
				t.Errorf("returns = %+v", r)
			}
			want := []Button{{Text: "Когда придут деньги?", Entry: "refund_time"}, {Text: "Бланк возврата", URL: "https://example.com/return.pdf"}}
			if len(r.Buttons) != 2 || r.Buttons[0] != want[0] || r.Buttons[1] != want[1] {
				t.Errorf("buttons = %+v", r.Buttons)
			}
			if got := f.Entry("refund_time").Buttons[0]; got != (Button{Text: "Возврат товара", Entry: "returns"}) {
				t.Errorf("a button without text = %+v, want the title of its entry", got)
			}
			if !f.Entry("damaged").Handoff || !f.Entry("hello").SmallTalk || f.Entry("returns").Handoff {
				t.Error("handoff or smalltalk flags are wrong")
			}
			if f.Texts.Greeting != "Здравствуйте! Это «Чайная лавка». Чем помочь?" || f.Texts.DontKnow != "" ||
				f.TextsEN.Greeting != "Hello! This is Tea Shop. How can I help?" {
				t.Errorf("texts = %+v / %+v", f.Texts, f.TextsEN)
			}
			if len(f.Synonyms) != 2 || f.Synonyms[0][2] != "сдать" {
				t.Errorf("synonyms = %v", f.Synonyms)
			}
			if f.Handoff.Request[0] != "позовите менеджера" || f.Handoff.Angry[0] != "это издевательство" {
				t.Errorf("handoff lexicon = %+v", f.Handoff)
			}
			if f.Hours.TimeZone != "Europe/Moscow" || f.Hours.Schedule["sat"] != "10:00-18:00" {
				t.Errorf("hours = %+v", f.Hours)
			}
			if got := f.Hours.Describe("ru"); got != "пн–пт 09:00–21:00, сб 10:00–18:00 (Europe/Moscow)" {
				t.Errorf("Describe = %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Load(filepath.Join("testdata", "load", tt.name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range f.Entries {
				n += len(e.Questions)
			}
			if len(f.Entries) != tt.entries || n != tt.phrasings {
				t.Errorf("got %d entries, %d phrasings; want %d, %d", len(f.Entries), n, tt.entries, tt.phrasings)
			}
			if len(f.Warnings) != 0 {
				t.Errorf("warnings: %v", f.Warnings)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// TestLoadErrors checks that every problem in a broken fixture is reported,
// in file order, at its line and column. Each wanted line is the start of
// the message after "file:".
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"unknown_keys", []string{
			"2:5: entry \"returns\" has no questions",
			"3:5: entry \"returns\": unknown key `question` — did you mean `questions`?",
			"6:9: entry \"returns\": button #1 leads nowhere",
			"6:21: entry \"returns\": button #1: unknown key `enrty` — did you mean `entry`?",
			"7:1: the file: unknown key `text` — did you mean `texts`?",
			"10:3: hours: unknown key `timezon` — did you mean `timezone`?",
			"11:1: the file: unknown key `color` — known keys: entries, texts",
		}},
		{"wrong_types", []string{
			"3:16: entry \"returns\": questions must be a list — write [\"Как вернуть товар?\"]",
			"4:13: entry \"returns\": answer must be text, not a list",
			"5:14: entry \"returns\": handoff must be true or false, not the value \"да\"",
			"6:16: entry \"returns\": smalltalk must be true or false",
			"7:15: entry \"returns\": keywords must be a list of texts, not a mapping",
			"8:5: entry #2 must be a mapping with id, questions and answer",
			"9:9: entry #3: id must be text, not a list",
			"10:17: entry #3: questions: each item must be text, not a mapping",
			"12:14: entry #3: buttons must be a list",
			"13:12: synonyms: group #1 must be a list",
		}},
		{"ids", []string{
			"2:5: entry #1 has no id — add `id: short_name`",
			"4:9: entry #2: id is empty — write a short name",
			"7:9: entry \"order status\": id must be one word without spaces — write it as \"order_status\"",
			"13:9: entry \"delivery\": id \"delivery\" is already used by the entry at line 10 — ids must be unique",
			"16:9: entry \"a_very_long_identifier_that_will_not_fit_in_button_data\": id is too long (55 bytes; at most 48",
		}},
		{"questions", []string{
			"3:35: entry \"order_status\": the question \"где  мой ЗАКАЗ\" repeats the one at column 17 — remove one",
			"3:53: entry \"order_status\": a question is empty",
			"3:57: entry \"order_status\": the question \"???\" has no words",
			"8:9: entry \"tracking\": the question \"Где мой заказ!\" is also under entry \"order_status\" (at line 3) — a phrasing must lead to one entry",
			"12:5: entry \"nothing\": questions is empty",
			"14:5: entry \"no_questions\" has no questions",
		}},
		{"answers", []string{
			"4:13: entry \"empty\": answer is empty — write the text the bot should send",
			"7:13: entry \"blank\": answer is empty — write the text the bot should send",
			"8:5: entry \"missing\" has no answer — add `answer:` with the text the bot should send",
			"12:13: entry \"todo\": answer is a TODO draft — write the answer",
			"15:13: entry \"todo2\": answer is a TODO draft — write the answer",
			"19:16: entry \"todo_en\": answer_en is a TODO draft",
			"25:12: entry \"null_answer\": answer is empty",
		}},
		{"buttons", []string{
			"6:30: entry \"returns\": button #1 leads to entry \"refnd_time\", which does not exist — did you mean \"refund_time\"?",
			"7:9: entry \"returns\": button #2 has both entry and url",
			"8:9: entry \"returns\": button #3 leads nowhere",
			"9:9: entry \"returns\": button #4 opens a link but has no text",
			"10:29: entry \"returns\": button #5: url \"example.com/return\" is not a web link",
			"11:16: entry \"returns\": button #6: text is 50 characters long; buttons show at most 40",
			"12:29: entry \"returns\": button #7 leads to entry \"zzzzzz\", which does not exist — write the id",
		}},
		{"hours", []string{
			"6:13: hours.timezone: \"Moscow\" is not a time zone — write an IANA name such as Europe/Moscow",
			"9:5: hours.schedule: Fri is already scheduled at line 8",
			"10:5: hours.schedule: \"someday\" is not a day or a range of days",
			"11:10: hours.schedule.sat: \"10\" is not a time like 09:00",
			"12:10: hours.schedule.sun: the ranges overlap",
		}},
		{"hours_notz", []string{"6:3: hours: add `timezone:`"}},
		{"hours_never", []string{"8:5: hours.schedule has no open hours on any day"}},
		{"texts", []string{
			"6:12: texts.handoff: unknown placeholder {positon} — did you mean {position}?",
			"6:12: texts.handoff: unknown placeholder {name} — known: {position}, {hours}, {next_open}",
			"7:3: texts: unknown key `greting` — did you mean `greeting`?",
			"10:13: texts_en.greeting must be text, not a list",
		}},
		{"syntax", []string{"3:5: YAML syntax: did not find expected ',' or ']'"}},
		{"tabs", []string{"3:1: YAML syntax: a tab in the indentation — indent with spaces, not tabs"}},
		{"empty", []string{"1:1: the file has no content"}},
		{"no_entries", []string{"1:1: the file has no `entries:`"}},
		{"empty_entries", []string{"1:1: entries is empty"}},
		{"two_docs", []string{"5:1: a second YAML document starts here"}},
		{"duplicate_keys", []string{"5:5: entry \"a\": `answer` is written twice (first at line 4) — keep one"}},
		{"not_mapping", []string{"1:1: the file must be a mapping that starts with `entries:`, not a list"}},
		{"control", []string{"4:15: control character U+0001 is not allowed"}},
		{"latin1", []string{"4:14: the file is not valid UTF-8 here — save it as UTF-8"}},
		{"duplicates_public", []string{
			"2:101: entry \"pending_top_up\": the question \"why is my top up pending\" repeats the one at column 72",
			"3:42: entry \"top_up_reverted\": the question \"Has my top-up gone through?\" is also under entry \"pending_top_up\" (at line 2)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "load", tt.name+".yaml")
			f, err := Load(path)
			if f != nil || err == nil {
				t.Fatalf("Load(%s) succeeded", path)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(lines) && !strings.HasPrefix(lines[i], path+":"+w) {
					t.Errorf("error %d:\n got %s\nwant %s:%s…", i+1, lines[i], path, w)
				}
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 || e.File != path {
					t.Errorf("bad position in %#v", e)
				}
			}
			var one *Error
			if !errors.As(err, &one) || one != list[0] {
				t.Errorf("errors.As(*Error) = %v, want the first error", one)
			}
		})
	}
}

// TestParseAllowDuplicatePhrasings loads a public data set's duplicates as
// warnings: the repeat within an entry is dropped, the phrasing shared by
// two entries is kept under both.
func TestParseAllowDuplicatePhrasings(t *testing.T) {
	f, err := LoadWith(filepath.Join("testdata", "load", "duplicates_public.yaml"), Options{AllowDuplicatePhrasings: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 2 || !strings.Contains(f.Warnings[1].Msg, "is also under entry \"pending_top_up\"") {
		t.Errorf("warnings = %v", f.Warnings)
	}
	if q := f.Entry("pending_top_up").Questions; len(q) != 2 {
		t.Errorf("pending_top_up questions = %q, want the repeat dropped", q)
	}
	if q := f.Entry("top_up_reverted").Questions; len(q) != 2 || q[0] != "Has my top-up gone through?" {
		t.Errorf("top_up_reverted questions = %q, want the shared phrasing kept", q)
	}
	// Other problems are still errors.
	_, err = ParseWith(strings.NewReader("entries:\n  - id: a\n    questions: [x, x]\n    answer: TODO\n"), "x.yaml", Options{AllowDuplicatePhrasings: true})
	if err == nil || !strings.Contains(err.Error(), "x.yaml:4:13: entry \"a\": answer is a TODO draft") || strings.Contains(err.Error(), "repeats") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nosuch.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

// TestParseGenerated loads the benchmark's synthetic FAQ: the generator's
// output must be valid, or the benchmarks measure an error path.
func TestParseGenerated(t *testing.T) {
	for _, n := range []int{1, 77, 1000} {
		f, err := Parse(bytes.NewReader(generateYAML(n, 10)), "gen.yaml")
		if err != nil {
			t.Fatalf("generateYAML(%d, 10): %v", n, err)
		}
		if len(f.Entries) != n || len(f.Entries[n-1].Questions) != 10 {
			t.Errorf("generateYAML(%d, 10) gave %d entries", n, len(f.Entries))
		}
		g := generateFAQ(n, 10)
		for i, e := range f.Entries {
			if e.ID != g.Entries[i].ID || e.Answer != g.Entries[i].Answer || len(e.Buttons) != len(g.Entries[i].Buttons) {
				t.Fatalf("entry %d: YAML and FAQ differ: %+v vs %+v", i, e, g.Entries[i])
			}
		}
	}
}

// TestParseSyntaxPositions checks where YAML syntax errors are placed.
func TestParseSyntaxPositions(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad indent", "entries:\n  - id: a\n    questions: [a]\n   answer: b\n", "x.yaml:4:4: YAML syntax: "},
		{"unclosed quote", "entries:\n  - id: a\n    questions: [a]\n    answer: \"b\n  - id: c\n", "x.yaml:4:5: YAML syntax: "},
		{"unknown alias", "entries:\n  - id: a\n    questions: *nope\n    answer: b\n", "x.yaml:3:5: YAML syntax: unknown anchor 'nope' referenced"},
		{"colon in plain text", "entries:\n  - id: a\n    questions: [a]\n    answer: Внимание: важно\n", "x.yaml:4:5: YAML syntax: mapping values are not allowed in this context — a colon and a space inside a text"},
		{"question mark in a flow list", "entries:\n  - id: a\n    questions: [\"Можно?\", Где мой заказ?, b]\n    answer: b\n", "x.yaml:3:40: YAML syntax: a question mark inside [ ] or { } must be in quotes"},
		{"question mark in a multi-line flow list", "entries:\n  - id: a\n    questions: [\n      Где мой заказ?,\n      b]\n    answer: b\n", "x.yaml:4:20: YAML syntax: a question mark inside [ ] or { } must be in quotes"},
		{"question mark in a flow mapping", "entries:\n  - id: a\n    questions: [a]\n    answer: b\n    buttons: [{text: Как вернуть?, entry: a}]\n", "x.yaml:5:33: YAML syntax: a question mark inside [ ] or { } must be in quotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "x.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line starting %q", err, tt.want)
			}
		})
	}
}

// TestReadmeExamples loads the YAML examples in README.md's faq.yaml
// section, so the documentation stays true.
func TestReadmeExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, "\n## faq.yaml\n")
	if start < 0 {
		t.Fatal("README.md has no faq.yaml section")
	}
	s = s[start+1:]
	if end := strings.Index(s, "\n## "); end >= 0 {
		s = s[:end]
	}
	n := 0
	for {
		i := strings.Index(s, "```yaml\n")
		if i < 0 {
			break
		}
		s = s[i+len("```yaml\n"):]
		j := strings.Index(s, "```")
		if j < 0 {
			t.Fatal("unclosed code block")
		}
		n++
		if _, err := Parse(strings.NewReader(s[:j]), fmt.Sprintf("README example %d", n)); err != nil {
			t.Error(err)
		}
		s = s[j+3:]
	}
	if n < 2 {
		t.Errorf("found %d YAML examples, want the minimal and the annotated one", n)
	}
}

// BenchmarkParse loads a 1,000-entry FAQ with 10 phrasings each.
func BenchmarkParse(b *testing.B) {
	data := generateYAML(1000, 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), "bench.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseBundled checks the repository's own faq.yaml.
func TestParseBundled(t *testing.T) {
	f, err := Load(filepath.Join("..", "faq.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) < 28 {
		t.Errorf("faq.yaml has %d entries, want at least 28", len(f.Entries))
	}
	for _, e := range f.Entries {
		if e.SmallTalk {
			continue
		}
		if len(e.Questions) < 4 {
			t.Errorf("entry %q has %d phrasings, want at least 4", e.ID, len(e.Questions))
		}
	}
}
