// Package faq is the knowledge base: the faq.yaml schema, strict loading with
// file:line:col errors, and the matcher that decides what a customer's
// message asks for. It is pure: no network, no database.
package faq

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
