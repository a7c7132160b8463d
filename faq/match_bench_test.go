package faq

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// benchMessages are customer messages of the kinds the matcher meets.
var benchMessages = []string{
	"где мой заказ",
	"Здравствуйте! Подскажите пожалуйста, сколько стоит доставка курьером и можно ли оплатить картой при получении?",
	"ult vjq pfrfp",
	"how do I return an item",
	"атследить пасылку",
	"позовите оператора",
	"добрый день, заказал неделю назад наушники, до сих пор не пришли, трек не обновляется, что делать?",
	"какая погода завтра",
}

// BenchmarkMatch matches messages against a 1,000-entry FAQ with 10
// phrasings each (target: under 50 µs a message on one core).
func BenchmarkMatch(b *testing.B) {
	m := NewMatcher(generateFAQ(1000, 10))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Match(benchMessages[i%len(benchMessages)])
		i++
	}
}

// BenchmarkNewMatcher loads (parses and validates) and indexes a 1,000-entry
// FAQ with 10 phrasings each (target: under 300 ms).
func BenchmarkNewMatcher(b *testing.B) {
	data := generateYAML(1000, 10)
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(bytes.NewReader(data), "bench.yaml")
		if err != nil {
			b.Fatal(err)
		}
		NewMatcher(f)
	}
}

// FuzzMatch: no message may panic the matcher, and every decision is well
// formed.
func FuzzMatch(f *testing.F) {
	for _, s := range benchMessages {
		f.Add(s)
	}
	for _, s := range []string{"", " ", "?!...", "👍", "❤️🙏😅", "\xff\xfe\xfd", "a\x00b", "ъъъ",
		strings.Repeat("оператор ", 500), strings.Repeat("ы", 10000), "hf,jnftn[]';.,`", "'", ",,,",
		"ВЫ ВООБЩЕ РАБОТАЕТЕ?!", "5гб", "wi-fi", "e-sim", "24/7", "ё", "Ё", "ﬁ", "İ", "ǅ"} {
		f.Add(s)
	}
	m := testMatcher(f)
	f.Fuzz(func(t *testing.T, s string) {
		d := m.Match(s)
		switch d.Action {
		case Answer:
			if d.Entry == "" {
				t.Fatalf("answer without entry for %q", s)
			}
		case Clarify:
			if len(d.Candidates) < 2 || len(d.Candidates) > 3 {
				t.Fatalf("clarify with %d candidates for %q", len(d.Candidates), s)
			}
		case Handoff:
			if d.Reason == "" {
				t.Fatalf("handoff without reason for %q", s)
			}
		case Fallback:
		default:
			t.Fatalf("action %q for %q", d.Action, s)
		}
		if d.Candidates == nil || d.Score < 0 || d.Score > 1 || d.Score != d.Score {
			t.Fatalf("bad decision %+v for %q", d, s)
		}
		if d.Lang != "ru" && d.Lang != "en" {
			t.Fatalf("lang %q for %q", d.Lang, s)
		}
		for _, k := range Keywords(s) {
			if !utf8.ValidString(k) || k == "" {
				t.Fatalf("bad keyword %q for %q", k, s)
			}
		}
	})
}
