// Package faq is the knowledge base: the faq.yaml schema, strict loading with
// file:line:col errors, and the matcher that decides what a customer's
// message asks for. It is pure: no network, no database.
package faq

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FAQ is a loaded, validated faq.yaml.
type FAQ struct {
	// Entries are the answers, in file order.
	Entries []*Entry `yaml:"entries"`
	// Texts are the bot's own words; empty fields take built-in defaults.
	Texts Texts `yaml:"texts"`
	// TextsEN are the same texts for customers who write in English.
	TextsEN Texts `yaml:"texts_en"`
	// Hours are the operators' working hours.
	Hours Hours `yaml:"hours"`
	// Synonyms are groups of words the matcher treats as one
	// (["вернуть", "возврат", "сдать"]); they add to the built-in ones.
	Synonyms [][]string `yaml:"synonyms"`
	// Handoff extends the built-in lexicon of requests for a person and of
	// anger.
	Handoff HandoffLexicon `yaml:"handoff"`

	// Warnings are problems the loader tolerated because its Options asked
	// it to (see Options); a strict Parse or Load leaves it empty.
	Warnings ErrorList `yaml:"-"`

	// byID indexes Entries; set by the loader, nil in a FAQ built by hand.
	byID map[string]*Entry
}

// Entry is one question the brand answers.
type Entry struct {
	ID        string   `yaml:"id"`
	Questions []string `yaml:"questions"`
	Answer    string   `yaml:"answer"`
	// AnswerEN is the answer for customers writing in English (optional).
	AnswerEN string `yaml:"answer_en"`
	// Keywords are extra words or short phrases customers use for this
	// entry; they count as evidence but are not shown anywhere.
	Keywords []string `yaml:"keywords"`
	// Buttons are shown under the answer: follow-up entries or links.
	Buttons []Button `yaml:"buttons"`
	// Handoff sends the conversation to a person after the answer.
	Handoff bool `yaml:"handoff"`
	// SmallTalk marks greetings, thanks and the like: answered, but never
	// offered as a "did you mean" choice and not counted as a resolved
	// question.
	SmallTalk bool `yaml:"smalltalk"`
	// Title is the short label on buttons that lead here; defaults to the
	// first question.
	Title string `yaml:"title"`
}

// Button is a button under an answer: it leads to another entry or opens a URL.
type Button struct {
	Text  string `yaml:"text"`
	Entry string `yaml:"entry"`
	URL   string `yaml:"url"`
}

// Texts are the bot's own messages. Placeholders in braces are filled in:
// {position} (place in the queue), {hours} (working hours), {next_open}
// (when operators are back).
type Texts struct {
	Greeting      string `yaml:"greeting"`       // answer to /start or a first "Начать"
	DidYouMean    string `yaml:"did_you_mean"`   // above the clarify buttons
	NoneOfThese   string `yaml:"none_of_these"`  // the button that asks for a person
	DontKnow      string `yaml:"dont_know"`      // fallback
	Handoff       string `yaml:"handoff"`        // a person will answer; {position}
	HandoffAngry  string `yaml:"handoff_angry"`  // apology when the customer is upset
	OffHours      string `yaml:"off_hours"`      // appended outside working hours; {next_open}
	StillWaiting  string `yaml:"still_waiting"`  // a waiting customer wrote again (sent rarely)
	NonText       string `yaml:"non_text"`       // sticker, photo, voice...
	Closed        string `yaml:"closed"`         // the operator closed the conversation
	RatePrompt    string `yaml:"rate_prompt"`    // ask for a 1–5 rating
	RateThanks    string `yaml:"rate_thanks"`    // after a rating
	TalkToPerson  string `yaml:"talk_to_person"` // button label
	OperatorTaken string `yaml:"operator_taken"` // an operator took the conversation
}

// Hours are the operators' working hours in a time zone, for example
//
//	hours:
//	  timezone: Europe/Moscow
//	  schedule:
//	    mon-fri: "09:00-21:00"
//	    sat: "10:00-18:00"
//
// Days not listed are days off. An empty schedule means always open.
type Hours struct {
	TimeZone string            `yaml:"timezone"`
	Schedule map[string]string `yaml:"schedule"`

	// plan is the parsed schedule, set by the loader; Hours built by hand
	// are parsed on each call.
	plan *plan
}

// HandoffLexicon holds phrases that send a conversation to a person.
type HandoffLexicon struct {
	// Request are ways to ask for a human ("позовите оператора").
	Request []string `yaml:"request"`
	// Angry are signs of anger or a threat to complain.
	Angry []string `yaml:"angry"`
}

// Action is what the bot does with a message.
type Action string

// The four decisions.
const (
	Answer   Action = "answer"
	Clarify  Action = "clarify"
	Handoff  Action = "handoff"
	Fallback Action = "fallback"
)

// Reason says why a message is handed off.
type Reason string

// Handoff reasons the matcher can give.
const (
	ReasonRequest Reason = "request" // the customer asked for a person
	ReasonAngry   Reason = "angry"   // anger or a threat to complain
)

// Decision is the matcher's verdict on one message.
type Decision struct {
	Action Action `json:"action"`
	// Entry is the chosen entry id; empty unless Action is Answer.
	Entry string `json:"entry"`
	// Score is the confidence in [0,1].
	Score float64 `json:"score"`
	// Candidates are the best entry ids, best first; for Clarify, the ones
	// to offer.
	Candidates []string `json:"candidates"`
	// Reason is set when Action is Handoff.
	Reason Reason `json:"reason,omitempty"`
	// Lang is "ru" or "en": the language the customer wrote in.
	Lang string `json:"lang,omitempty"`
}

// MaxLabel is the longest button label, in characters: VK cuts button
// labels at 40.
const MaxLabel = 40

// Entry returns the entry with the given id, or nil if there is none.
func (f *FAQ) Entry(id string) *Entry {
	if f == nil {
		return nil
	}
	if f.byID != nil {
		return f.byID[id]
	}
	for _, e := range f.Entries {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// Closest returns up to n entry ids that look like id, closest first: ids
// that contain it or are contained in it, then ids within a few typing
// mistakes (edit distance, case-insensitive). It suggests what a mistyped
// "/faq retrns" or a broken button meant; far-off ids are never returned, so
// the result may be empty.
func (f *FAQ) Closest(id string, n int) []string {
	if f == nil || n <= 0 {
		return nil
	}
	ids := make([]string, 0, len(f.Entries))
	seen := make(map[string]bool, len(f.Entries))
	for _, e := range f.Entries {
		if !seen[e.ID] {
			seen[e.ID] = true
			ids = append(ids, e.ID)
		}
	}
	return closest(id, ids, n)
}

// closest ranks candidates by their likeness to s (see FAQ.Closest).
func closest(s string, candidates []string, n int) []string {
	ls := strings.ToLower(s)
	if ls == "" {
		return nil
	}
	limit := max(2, utf8.RuneCountInString(ls)/3)
	type scored struct {
		id   string
		d, i int
	}
	var found []scored
	for i, c := range candidates {
		lc := strings.ToLower(c)
		if lc == ls {
			continue
		}
		d := distance(ls, lc)
		if utf8.RuneCountInString(ls) >= 3 && strings.Contains(lc, ls) ||
			utf8.RuneCountInString(lc) >= 3 && strings.Contains(ls, lc) {
			d = min(d, 1) // a prefix or a part of the id ranks with a typo
		}
		if d > limit {
			continue
		}
		found = append(found, scored{c, d, i})
	}
	sort.SliceStable(found, func(a, b int) bool { return found[a].d < found[b].d })
	var out []string
	for _, s := range found {
		if len(out) == n {
			break
		}
		out = append(out, s.id)
	}
	return out
}

// distance is the optimal-string-alignment edit distance between a and b in
// runes: insertions, deletions, substitutions and swaps of two neighbours
// each cost one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 {
		return len(rb)
	}
	if len(rb) == 0 {
		return len(ra)
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Label is the text of a button that leads to this entry: the Title, or else
// the first question with its first letter capitalised, cut at a word
// boundary with "…" to fit MaxLabel characters.
func (e *Entry) Label() string {
	s := strings.TrimSpace(e.Title)
	if s == "" && len(e.Questions) > 0 {
		s = strings.TrimSpace(e.Questions[0])
	}
	if s == "" {
		s = e.ID
	}
	s = strings.Join(strings.Fields(s), " ")
	if r, size := utf8.DecodeRuneInString(s); unicode.IsLower(r) {
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	return truncate(s, MaxLabel)
}

// truncate cuts s to at most n runes, at a word boundary when one is near,
// ending it with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := len(r)
	for i := len(r) - 1; i > n/2; i-- {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	t := strings.TrimRightFunc(string(r[:cut]), func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c) && c != ')' && c != '»'
	})
	return t + "…"
}

// AnswerFor returns the answer in the customer's language: AnswerEN for
// "en" (and "en-US" and the like) when the entry has one, Answer otherwise.
func (e *Entry) AnswerFor(lang string) string {
	if isEnglish(lang) && e.AnswerEN != "" {
		return e.AnswerEN
	}
	return e.Answer
}

// isEnglish reports whether lang names English ("en", "en-GB", "EN").
func isEnglish(lang string) bool {
	return len(lang) >= 2 && strings.EqualFold(lang[:2], "en") && (len(lang) == 2 || lang[2] == '-' || lang[2] == '_')
}
