package faq

import "testing"

// Questions to the bot about itself are small talk, not the entry that
// happens to share their one content word; the customer's own name is not.
func TestAboutTheBot(t *testing.T) {
	m := matcherOf(t, `entries:
  - id: profile_name
    questions: ["Как изменить имя в профиле?", "Можно поменять фамилию?", "How do I change my name?"]
    answer: "Имя и фамилия меняются в профиле."
  - id: delivery
    questions: ["Сколько стоит доставка?"]
    answer: "Бесплатно от 1000 рублей."
`)
	for _, s := range []string{"как тебя зовут", "what's your name?", "ты бот?", "are you a robot?", "кто ты", "thanks a lot", "thank you very much"} {
		if d := m.Match(s); d.Action == Answer {
			t.Errorf("Match(%q) = answer %s, want no entry", s, d.Entry)
		}
	}
	for _, s := range []string{"как поменять имя в профиле", "how do I change my name"} {
		if d := m.Match(s); d.Action != Answer || d.Entry != "profile_name" {
			t.Errorf("Match(%q) = %+v, want answer profile_name", s, d)
		}
	}
}

// A FAQ that answers questions about the bot itself keeps answering them.
func TestAboutTheBotInFAQ(t *testing.T) {
	m := matcherOf(t, `entries:
  - id: bot
    questions: ["Ты бот?", "Кто ты?", "What is your name?"]
    answer: "Я бот магазина, оператор рядом."
  - id: delivery
    questions: ["Сколько стоит доставка?"]
    answer: "Бесплатно от 1000 рублей."
`)
	if d := m.Match("ты робот?"); d.Action != Answer || d.Entry != "bot" {
		t.Errorf("Match = %+v, want answer bot", d)
	}
}
