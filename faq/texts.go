package faq

import (
	"reflect"
	"strings"
)

// Placeholders are the names a text may use in braces: {position} is the
// customer's place in the operators' queue, {hours} the working hours
// (Hours.Describe), {next_open} when operators are back
// (Hours.NextOpenText). The caller of Fill supplies them; the loader rejects
// any other name.
var Placeholders = []string{"position", "hours", "next_open"}

// DefaultTexts are the bot's words in Russian, used for every field that
// faq.yaml's texts leave empty.
var DefaultTexts = Texts{
	Greeting: "Здравствуйте! Я бот-помощник магазина: подскажу про заказы, доставку, оплату и возвраты. " +
		"Напишите вопрос своими словами — а если понадобится, позову оператора.",
	DidYouMean:    "Уточните, пожалуйста, что вы имели в виду:",
	NoneOfThese:   "Другое — позвать оператора",
	DontKnow:      "Извините, на этот вопрос я пока не знаю ответа. Попробуйте сформулировать его иначе или напишите «оператор» — подключим человека.",
	Handoff:       "Передаю ваш вопрос оператору — он ответит здесь же, в этом чате. Ваш номер в очереди: {position}.",
	HandoffAngry:  "Простите, что так вышло. Уже передаю разговор оператору — он разберётся и ответит здесь. Ваш номер в очереди: {position}.",
	OffHours:      "Сейчас операторы не на связи, ответим {next_open}. Сообщение сохранено — писать повторно не нужно.",
	StillWaiting:  "Сообщение получено, оператор скоро ответит. Ваш номер в очереди: {position}.",
	NonText:       "Пока я понимаю только текст. Напишите, пожалуйста, ваш вопрос словами.",
	Closed:        "Оператор завершил разговор. Если появятся вопросы — просто напишите, я на связи.",
	RatePrompt:    "Оцените, пожалуйста, как мы помогли: от 1 до 5.",
	RateThanks:    "Спасибо за оценку! Это помогает нам становиться лучше.",
	TalkToPerson:  "Позвать оператора",
	OperatorTaken: "Оператор подключился к разговору и скоро ответит.",
}

// DefaultTextsEN are the bot's words in English, used for every field that
// faq.yaml's texts_en leave empty.
var DefaultTextsEN = Texts{
	Greeting: "Hello! I'm the shop's assistant bot: I can help with orders, delivery, payment and returns. " +
		"Ask your question in your own words, and I'll bring in a person if needed.",
	DidYouMean:    "Could you tell me which of these you mean?",
	NoneOfThese:   "Something else — talk to a person",
	DontKnow:      "Sorry, I don't know the answer to that yet. Try putting it another way, or write \"operator\" and a person will help.",
	Handoff:       "I'm passing your question to an operator, who will reply right here in this chat. Your place in the queue: {position}.",
	HandoffAngry:  "I'm sorry about this. I'm passing the conversation to an operator, who will sort it out and reply here. Your place in the queue: {position}.",
	OffHours:      "Our operators are offline right now and will reply {next_open}. Your message is saved, no need to send it again.",
	StillWaiting:  "Got your message, an operator will reply soon. Your place in the queue: {position}.",
	NonText:       "I can only read text for now. Please describe your question in words.",
	Closed:        "The operator has closed the conversation. If anything else comes up, just write, I'm here.",
	RatePrompt:    "How well did we help? Please rate us from 1 to 5.",
	RateThanks:    "Thank you for the rating! It helps us get better.",
	TalkToPerson:  "Talk to a person",
	OperatorTaken: "An operator has joined the conversation and will reply shortly.",
}

// TextsFor returns the bot's texts for a customer writing in lang ("ru" or
// "en"): for English, texts_en over DefaultTextsEN; for anything else,
// texts over DefaultTexts. A field the brand wrote only in Russian is not
// used for English customers: the English default is less personal but one
// they can read, and a reply in a language the customer does not read is
// the worse failure.
func (f *FAQ) TextsFor(lang string) Texts {
	if isEnglish(lang) {
		return mergeTexts(f.textsEN(), DefaultTextsEN)
	}
	return mergeTexts(f.textsRU(), DefaultTexts)
}

func (f *FAQ) textsRU() Texts {
	if f == nil {
		return Texts{}
	}
	return f.Texts
}

func (f *FAQ) textsEN() Texts {
	if f == nil {
		return Texts{}
	}
	return f.TextsEN
}

// mergeTexts returns t with every empty field taken from def.
func mergeTexts(t, def Texts) Texts {
	tv := reflect.ValueOf(&t).Elem()
	dv := reflect.ValueOf(def)
	for i := range tv.NumField() {
		if tv.Field(i).String() == "" {
			tv.Field(i).SetString(dv.Field(i).String())
		}
	}
	return t
}

// Fill replaces each {name} in tmpl with vars[name]. A name missing from vars
// is left as it is, so a forgotten variable shows up instead of vanishing.
func Fill(tmpl string, vars map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl))
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tmpl[i+1:], '}')
		if j < 0 {
			break
		}
		name := tmpl[i+1 : i+1+j]
		if v, ok := vars[name]; ok {
			b.WriteString(tmpl[:i])
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[:i+1+j+1])
		}
		tmpl = tmpl[i+1+j+1:]
	}
	b.WriteString(tmpl)
	return b.String()
}

// placeholders returns the {names} used in s: runs of ASCII letters, digits
// and underscores between braces. Other brace text ("{ }", "{см. сайт}") is
// not a placeholder.
func placeholders(s string) []string {
	var names []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return names
		}
		s = s[i+1:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return names
		}
		name := s[:j]
		if isPlaceholderName(name) {
			names = append(names, name)
			s = s[j+1:]
		}
	}
}

func isPlaceholderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// textFields lists the yaml keys of Texts, in field order.
func textFields() []string {
	t := reflect.TypeFor[Texts]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("yaml")
	}
	return keys
}

// setText sets the field of t whose yaml key is key.
func setText(t *Texts, key, s string) {
	v := reflect.ValueOf(t).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("yaml") == key {
			v.Field(i).SetString(s)
			return
		}
	}
}
