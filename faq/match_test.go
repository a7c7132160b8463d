package faq

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testMatcher builds a Matcher on testdata/match/faq.yaml, a small shop FAQ.
func testMatcher(t testing.TB) *Matcher {
	t.Helper()
	f, err := Load("testdata/match/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return NewMatcher(f)
}

// matcherOf builds a Matcher on a FAQ given as YAML text.
func matcherOf(t testing.TB, yamlText string) *Matcher {
	t.Helper()
	f, err := Parse(strings.NewReader(yamlText), "faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return NewMatcher(f)
}

func TestMatch(t *testing.T) {
	m := testMatcher(t)
	type want struct {
		action Action
		entry  string // for Answer; for Clarify, an entry among the candidates
		reason Reason
		lang   string
	}
	answer := func(e string) want { return want{action: Answer, entry: e} }
	tests := []struct {
		name string
		text string
		want want
	}{
		// The phrasings themselves and their word forms.
		{"phrasing", "Где мой заказ?", answer("order_status")},
		{"word forms", "где мои заказы", answer("order_status")},
		{"word forms 2", "хочу вернуть товары", answer("returns")},
		{"no punctuation lower case", "как отследить посылку", answer("order_status")},
		{"shouting", "ГДЕ МОЙ ЗАКАЗ", answer("order_status")},
		{"yo folded", "деньги за возвращённый товар не пришли", answer("refund_status")},
		{"ye for yo", "деньги за возвращенный товар так и не пришли", answer("refund_status")},
		// Typos.
		{"typo", "как атследить пасылку", answer("order_status")},
		{"typo 2", "сколко стоит доставкa", answer("delivery_cost")},
		{"typo transposition", "как вренуть товар", answer("returns")},
		// Synonyms of the support domain.
		{"slang synonym", "где моя посылка", answer("order_status")},
		{"faq synonym", "как применить купон", answer("promo_code")},
		// Keyboard layout, both ways.
		{"latin layout", "ult vjq pfrfp", want{action: Answer, entry: "order_status", lang: "ru"}},
		{"latin layout with comma keys", "cjkmrj cnjbn ljcnfdrf", answer("delivery_cost")},
		{"cyrillic layout", "рщц вщ ш кфегкт фт шеуь", want{action: Answer, entry: "returns", lang: "en"}},
		// English.
		{"english", "where is my order", want{action: Answer, entry: "order_status", lang: "en"}},
		{"english forms", "how can I return these items?", answer("returns")},
		{"english to russian entry", "I forgot my password", answer("account_login")},
		// Greeting with a question; greeting alone.
		{"greeting then question", "Здравствуйте! Где мой заказ?", answer("order_status")},
		{"greeting and story", "Добрый день. Заказал наушники неделю назад, до сих пор не привезли. Где мой заказ?", answer("order_status")},
		{"greeting alone", "Здравствуйте!", answer("hello")},
		{"greeting alone 2", "добрый день", answer("hello")},
		{"english greeting", "hello", answer("hello")},
		{"thanks", "спасибо!", answer("thanks")},
		// Out of scope.
		{"out of scope", "какая погода завтра в москве", want{action: Fallback}},
		{"out of scope english", "what's the capital of australia", want{action: Fallback}},
		{"nonsense", "ъъъ", want{action: Fallback}},
		{"emoji", "👍", want{action: Fallback}},
		{"only punctuation", "?!...", want{action: Fallback}},
		// Handoff: requests for a person.
		{"operator", "позовите оператора", want{action: Handoff, reason: ReasonRequest}},
		{"live person", "хочу поговорить с живым человеком", want{action: Handoff, reason: ReasonRequest}},
		{"operator alone", "оператор!", want{action: Handoff, reason: ReasonRequest}},
		{"operator typo", "перевидите на аператора", want{action: Handoff, reason: ReasonRequest}},
		{"not a bot", "мне нужен человек, а не бот", want{action: Handoff, reason: ReasonRequest}},
		{"english request", "operator please", want{action: Handoff, reason: ReasonRequest}},
		{"english request 2", "can I talk to a real person", want{action: Handoff, reason: ReasonRequest}},
		{"faq request", "хочу к директору магазина", want{action: Handoff, reason: ReasonRequest}},
		// Handoff: anger.
		{"mockery", "вы издеваетесь?", want{action: Handoff, reason: ReasonAngry}},
		{"complaint", "буду жаловаться в роспотребнадзор", want{action: Handoff, reason: ReasonAngry}},
		{"complaint forms", "напишу жалобу в роспотребнадзор", want{action: Handoff, reason: ReasonAngry}},
		{"obscenity", "да вы охуели там", want{action: Handoff, reason: ReasonAngry}},
		{"english anger", "this is ridiculous, worst shop ever", want{action: Handoff, reason: ReasonAngry}},
		{"weak signs together", "опять обманули, третий раз пишу уже!!!", want{action: Handoff, reason: ReasonAngry}},
		{"faq angry", "верну все через суд", want{action: Handoff, reason: ReasonAngry}},
		{"person first", "оператор нужен срочно", want{action: Handoff, reason: ReasonRequest}},
		{"person first, typo", "мнеджер нужен", want{action: Handoff, reason: ReasonRequest}},
		{"person then verb", "человека позовите", want{action: Handoff, reason: ReasonRequest}},
		{"someone from support", "пусть со мной свяжется кто-нибудь из поддержки", want{action: Handoff, reason: ReasonRequest}},
		{"call back", "пусть мне перезвонит ваш сотрудник", want{action: Handoff, reason: ReasonRequest}},
		{"court threat", "не решите сегодня — иду в суд", want{action: Handoff, reason: ReasonAngry}},
		{"lawyer threat", "пойду к юристу", want{action: Handoff, reason: ReasonAngry}},
		{"reproach", "как вам не стыдно", want{action: Handoff, reason: ReasonAngry}},
		{"english insult", "you guys are scammers", want{action: Handoff, reason: ReasonAngry}},
		// Not handoff: a question that mentions people or is emphatic.
		{"office manager orders", "я офис-менеджер, хотим заказывать чай в офис на 40 человек", want{action: Answer + "|" + Clarify + "|" + Fallback}},
		{"courier calls", "чтоб курьер позвонил за 10 минут до приезда", want{action: Answer + "|" + Clarify + "|" + Fallback}},
		{"person in a question", "можно ли оформить заказ на другого человека", want{action: Answer + "|" + Clarify + "|" + Fallback}},
		{"emphatic question", "срочно где мой заказ!!!", answer("order_status")},
		{"refund question is no anger", "как вернуть деньги за товар", want{action: Answer + "|" + Clarify}},
		{"refund demand", "ВЕРНИТЕ МОИ ДЕНЬГИ", want{action: Handoff, reason: ReasonAngry}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := m.Match(tt.text)
			if d.Candidates == nil {
				t.Errorf("Candidates is nil")
			}
			if d.Score < 0 || d.Score > 1 {
				t.Errorf("Score %v outside [0,1]", d.Score)
			}
			if !slices.Contains(strings.Split(string(tt.want.action), "|"), string(d.Action)) {
				t.Fatalf("Match(%q) = %s %q (score %.2f, candidates %v, reason %q), want %s %q",
					tt.text, d.Action, d.Entry, d.Score, d.Candidates, d.Reason, tt.want.action, tt.want.entry)
			}
			switch d.Action {
			case Answer:
				if tt.want.entry != "" && d.Entry != tt.want.entry {
					t.Errorf("Match(%q) answered %q, want %q (candidates %v)", tt.text, d.Entry, tt.want.entry, d.Candidates)
				}
			case Handoff:
				if d.Reason != tt.want.reason {
					t.Errorf("Match(%q) reason %q, want %q", tt.text, d.Reason, tt.want.reason)
				}
			case Fallback:
				if d.Entry != "" {
					t.Errorf("fallback with entry %q", d.Entry)
				}
			}
			if tt.want.lang != "" && d.Lang != tt.want.lang {
				t.Errorf("Match(%q).Lang = %q, want %q", tt.text, d.Lang, tt.want.lang)
			}
		})
	}
}

// TestMatchClarify: two entries that fit about equally are offered, never
// small talk.
func TestMatchClarify(t *testing.T) {
	m := testMatcher(t)
	for _, text := range []string{"деньги вернуть", "возврат денег"} {
		d := m.Match(text)
		if d.Action == Answer && d.Entry != "returns" && d.Entry != "refund_status" {
			t.Errorf("Match(%q) answered %q", text, d.Entry)
		}
		if d.Action == Clarify {
			if len(d.Candidates) < 2 || len(d.Candidates) > 3 {
				t.Errorf("Match(%q) clarify with %v", text, d.Candidates)
			}
			if !slices.Contains(d.Candidates, "returns") || !slices.Contains(d.Candidates, "refund_status") {
				t.Errorf("Match(%q) clarify offers %v, want returns and refund_status", text, d.Candidates)
			}
		}
		for _, c := range d.Candidates {
			if c == "hello" || c == "thanks" {
				t.Errorf("Match(%q) offers small talk %q", text, c)
			}
		}
	}
	// Close entries with nearly the same words must not be answered wrong.
	d := m.Match("деньги за товар")
	if d.Action == Answer && d.Entry != "returns" && d.Entry != "refund_status" {
		t.Errorf("ambiguous message answered %q", d.Entry)
	}
}

// TestMatchConcurrent runs Match from many goroutines (run with -race).
func TestMatchConcurrent(t *testing.T) {
	m := testMatcher(t)
	texts := []string{"где мой заказ", "ult vjq pfrfp", "позовите оператора", "привет", "how do I return an item"}
	want := make([]Decision, len(texts))
	for i, s := range texts {
		want[i] = m.Match(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				i := k % len(texts)
				if d := m.Match(texts[i]); d.Action != want[i].Action || d.Entry != want[i].Entry {
					t.Errorf("concurrent Match(%q) = %v, want %v", texts[i], d, want[i])
				}
			}
		}()
	}
	wg.Wait()
}

func TestKeywords(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Здравствуйте! Где мой заказ?", []string{"где", "заказ"}},
		{"ГДЕ мои заказы", []string{"где", "заказ"}},
		{"ult vjq pfrfp", []string{"где", "заказ"}},
		{"Счёт и счет", []string{"счет"}},
		{"Where are my orders?", []string{"where", "order"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Keywords(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Keywords(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestLayoutRepair(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ghbdtn", "привет"},
		{"ult vjq pfrfp", "где мой заказ"},
		{"yt hf,jnftn bynthytn", "не работает интернет"},
		{"hello world", "hello world"},
		{"doesn't work", "doesnt work"},
		{"руддщ", "hello"},
		{"привет", "привет"},
	}
	_, lx := builtinLexicon()
	for _, tt := range tests {
		var got []string
		for _, w := range analyze(tt.in, nil, lx) {
			got = append(got, w.surf)
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("layout(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestTypoIndex(t *testing.T) {
	ti := newTypoIndex([]string{"доставка", "заказ", "посылка", "возврат", "вернуть"})
	tests := []struct{ in, want string }{
		{"дотсавка", "доставка"},
		{"доствка", "доставка"},
		{"пасылка", "посылка"},
		{"заказ", "заказ"},
		{"зак", ""}, // too short to correct
		{"вазврат", "возврат"},
		{"телевизор", ""},
	}
	for _, tt := range tests {
		if got := ti.correct(tt.in); got != tt.want {
			t.Errorf("correct(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsDictWord(t *testing.T) {
	for _, w := range []string{"заказ", "заказала", "посылку", "найти", "order", "ordered"} {
		if !isDictWord(w) {
			t.Errorf("isDictWord(%q) = false", w)
		}
	}
	for _, w := range []string{"пасылку", "атследить", "xqzvw", "ghbdtn"} {
		if isDictWord(w) {
			t.Errorf("isDictWord(%q) = true", w)
		}
	}
}

// TestMatchClosingNoSmallTalk: a FAQ without small-talk entries does not
// answer a customer who only thanks or acknowledges with an entry.
func TestMatchClosingNoSmallTalk(t *testing.T) {
	f := &FAQ{Entries: []*Entry{
		{ID: "order_status", Questions: []string{"Где мой заказ?", "Заказ не пришёл", "Как отследить посылку?"}, Answer: "Статус заказа — в личном кабинете."},
		{ID: "refund", Questions: []string{"Когда придут деньги за возврат?", "Деньги не пришли"}, Answer: "Деньги приходят за 10 дней."},
		{ID: "help", Questions: []string{"Помощь с оплатой", "Не проходит оплата"}, Answer: "Попробуйте другую карту."},
	}}
	m := NewMatcher(f)
	for _, text := range []string{"спасибо, всё пришло", "ок понял", "благодарю за помощь", "спс большое, все пришло", "отлично, спасибо 🙏", "thanks, got it"} {
		if d := m.Match(text); d.Action == Answer {
			t.Errorf("Match(%q) answered %q", text, d.Entry)
		}
	}
	for _, text := range []string{"спасибо, но деньги не пришли", "ок, а где мой заказ?"} {
		if d := m.Match(text); d.Action == Fallback && len(d.Candidates) == 0 {
			t.Errorf("Match(%q) = fallback with no candidates: a question after thanks", text)
		}
	}
}

// TestBrands: the companies a FAQ names are its own or its partners; the
// others are third parties.
func TestBrands(t *testing.T) {
	f := &FAQ{Entries: []*Entry{
		{ID: "delivery", Questions: []string{"Чем доставляете?"}, Answer: "Доставляем СДЭКом и Почтой России."},
	}}
	m := NewMatcher(f)
	count := func(text string) int { return m.brands.count(analyze(text, matcherVocab{m}, m.lex)) }
	for text, want := range map[string]int{
		"курьер сдэк не привез посылку":     0, // a partner
		"почта россии потеряла посылку":     0,
		"промокод на озон":                  1,
		"как заморозить карту сбербанка":    1,
		"как заблокировать карту Тинькофф":  1,
		"на wildberries минималка есть?":    1,
		"часы работы мфц":                   1,
		"уберите из заказа молоко":          0, // not Uber
		"где мои сбережения":                0, // not Сбер
		"ozon и яндекс маркет: где дешевле": 2,
		"как перенести номер":               0,
		"":                                  0,
	} {
		if got := count(text); got != want {
			t.Errorf("brands in %q = %d, want %d", text, got, want)
		}
	}
}

// A large FAQ is analysed in parallel at NewMatcher; it must read every
// text exactly as one worker does, or a brand's answers would depend on
// the machine's cores.
func TestAnalyzeEntriesParallelSameAsSerial(t *testing.T) {
	f := generateFAQ(300, 5)
	f.Entries[7] = nil // a hole, as a FAQ being edited may leave
	_, lx := builtinLexicon()
	one := buildVocab{stems: map[string]string{}}
	many := buildVocab{stems: map[string]string{}}
	want := analyzeEntries(f.Entries, one, lx, 1)
	got := analyzeEntries(f.Entries, many, lx, 3)
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("entry %d analysed differently in parallel:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	}
	if !reflect.DeepEqual(many.stems, one.stems) {
		t.Fatalf("stems: %d in parallel, %d serially", len(many.stems), len(one.stems))
	}
	if len(one.stems) == 0 || len(want[0].questions) != 5 || want[0].answer == nil {
		t.Fatalf("nothing analysed: %d stems, %d questions", len(one.stems), len(want[0].questions))
	}
}
