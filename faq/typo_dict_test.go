package faq

import "testing"

func TestDictCorrect(t *testing.T) {
	none := func(string) bool { return false }
	knows := func(ws ...string) func(string) bool {
		return func(w string) bool {
			for _, x := range ws {
				if x == w {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		word, want string
		known      func(string) bool
	}{
		{"годнсти", "годности", none},           // the only real word one edit away
		{"склоько", "сколько", none},            // two letters swapped
		{"корпоратвный", "корпоративный", none}, // a letter left out
		{"kitchn", "kitchen", none},
		{"олате", "", none},                  // плате, оплате, злате...: unclear
		{"олате", "оплате", knows("оплате")}, // ...but the FAQ speaks of paying
		{"заказ", "", none},                  // a real word is not a typo of another
		{"кате", "", none},                   // too short to guess
		{"ывапролджэ", "", none},             // nothing near
	}
	for _, tt := range tests {
		if tt.word == "заказ" {
			if !isDictWord(tt.word) {
				t.Fatalf("заказ is not in the dictionary")
			}
			continue // analyze never corrects a dictionary word
		}
		if got := dictCorrect(tt.word, scriptOf(tt.word), tt.known); got != tt.want {
			t.Errorf("dictCorrect(%q) = %q, want %q (candidates %v)", tt.word, got, tt.want, dictCandidates(tt.word, scriptOf(tt.word)))
		}
	}
}

// A misspelling two edits from the FAQ's own word ("годность"), too far
// for the typo index, is read through the dictionary ("годности").
func TestMatchDictTypo(t *testing.T) {
	m := matcherOf(t, `entries:
  - id: freshness
    questions: ["Как вы следите за годностью продуктов?", "Привезут свежие продукты?"]
    answer: "Проверяем даты на складе каждый день."
  - id: delivery
    questions: ["Сколько стоит доставка?", "Когда привезут заказ?"]
    answer: "Доставка бесплатная от 1000 рублей."
`)
	ws := analyze("срок годнсти", matcherVocab{m}, m.lex)
	if len(ws) != 2 || ws[1].surf != "годности" || !ws[1].fixed {
		t.Fatalf("analyze read %+v, want годнсти corrected to годности", ws)
	}
	if d := m.Match("как следите за годнсти"); d.Action != Answer || d.Entry != "freshness" {
		t.Fatalf("Match = %+v, want answer freshness", d)
	}
}

// BenchmarkDictCandidates is the cost of reading one unknown word against
// the dictionary (cached per word afterwards).
func BenchmarkDictCandidates(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dictCandidates("корпоратвный", scriptCyrillic)
	}
}

// A typo equally close to a word of the FAQ and to one of the lexicon only
// is the FAQ's word; two of the FAQ's own stay a tie.
func TestTypoTieOwnWord(t *testing.T) {
	ix := newTypoIndex([]string{"возврат", "возраст", "добавки", "доставки"})
	if got := ix.correct("возрат"); got != "" {
		t.Fatalf("without own words: %q, want a tie", got)
	}
	ix.own = func(w string) bool { return w == "возврат" || w == "доставки" || w == "добавки" }
	if got := ix.correct("возрат"); got != "возврат" {
		t.Errorf("correct(возрат) = %q, want возврат", got)
	}
	if got := ix.correct("дотавки"); got != "" {
		t.Errorf("correct(дотавки) = %q, want a tie of two own words", got)
	}
}
