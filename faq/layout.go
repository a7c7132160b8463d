package faq

import "strings"

// The Russian ЙЦУКЕН and the Latin QWERTY layouts share keys: a customer who
// forgot to switch types "ult vjq pfrfp" for "где мой заказ", or "рщц" for
// "how". Both directions are repaired word by word.

// latinKeys are the Latin-layout keys in the order of ruKeys.
const latinKeys = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"

// ruKeys are the Russian letters on the same keys.
const ruKeys = "йцукенгшщзхъфывапролджэячсмитьбюё"

var (
	latToRu = func() map[rune]rune {
		m := map[rune]rune{'{': 'х', '}': 'ъ', ':': 'ж', '"': 'э', '<': 'б', '>': 'ю', '~': 'ё'}
		rk := []rune(ruKeys)
		for i, r := range []rune(latinKeys) {
			m[r] = rk[i]
		}
		return m
	}()
	ruToLat = func() map[rune]rune {
		m := map[rune]rune{}
		lk := []rune(latinKeys)
		for i, r := range []rune(ruKeys) {
			if lk[i] >= 'a' && lk[i] <= 'z' {
				m[r] = lk[i]
			}
		}
		return m
	}()
)

// toRussianLayout retypes a lower-case Latin-layout word on the Russian
// layout; ok is false when a character has no Russian key.
func toRussianLayout(w string) (string, bool) {
	var b strings.Builder
	b.Grow(len(w) * 2)
	for _, r := range w {
		c, ok := latToRu[r]
		if !ok {
			return "", false
		}
		if c == 'ё' {
			c = 'е'
		}
		b.WriteRune(c)
	}
	return b.String(), true
}

// toLatinLayout retypes a lower-case Cyrillic word on the Latin layout; ok is
// false when a letter is on a punctuation key (б, ю, ж, э, х, ъ), which
// English words do not contain.
func toLatinLayout(w string) (string, bool) {
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		c, ok := ruToLat[r]
		if !ok {
			return "", false
		}
		b.WriteRune(c)
	}
	return b.String(), true
}

// bigramScore is the mean letter-bigram log-probability of w (word
// boundaries included) under a table; characters outside the alphabet score
// as impossible.
func bigramScore(w string, ru bool) float64 {
	prev := 0
	sum := 0.0
	n := 0
	for _, r := range w {
		i := -1
		if ru {
			if r >= 'а' && r <= 'я' {
				i = int(r-'а') + 1
			}
		} else if r >= 'a' && r <= 'z' {
			i = int(r-'a') + 1
		}
		if i < 0 {
			return -20
		}
		if ru {
			sum += float64(ruBigrams[prev][i])
		} else {
			sum += float64(enBigrams[prev][i])
		}
		prev = i
		n++
	}
	if ru {
		sum += float64(ruBigrams[prev][0])
	} else {
		sum += float64(enBigrams[prev][0])
	}
	return sum / float64(n+1)
}

// layoutVote is how strongly a word's letters say "typed on the wrong
// layout": positive when the retyped form reads much better than the word as
// typed. It looks at letters only; known words are decided by the caller.
func layoutVote(typed, retyped string, typedRU bool) float64 {
	return bigramScore(retyped, !typedRU) - bigramScore(typed, typedRU)
}
