package faq

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMessageRunes bounds how much of a message the matcher reads: support
// questions are short, and a pasted novel must not cost more than a page.
const maxMessageRunes = 2000

// script tells which alphabet a token is written in.
type script uint8

const (
	scriptOther    script = iota // digits, mixed
	scriptLatin                  // a-z only
	scriptCyrillic               // а-я only
)

// token is one word of a message after lower-casing and ё folding.
type token struct {
	text   string // lower-cased, ё→е, layout-repaired
	script script
	// sent is the index of the sentence the token is in.
	sent int
}

// isLatinLetter reports whether r is an ASCII letter.
func isLatinLetter(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

// isCyrillicLetter reports whether r is a Russian letter.
func isCyrillicLetter(r rune) bool {
	return (r >= 'а' && r <= 'я') || (r >= 'А' && r <= 'Я') || r == 'ё' || r == 'Ё'
}

// layoutPunct are the keys that type Russian letters on the Latin layout
// (б ю ж э х ъ ё): inside a Latin word they are letters, not punctuation.
func layoutPunct(r rune) bool {
	switch r {
	case ',', '.', ';', '\'', '[', ']', '`', '<', '>', ':', '"', '{', '}', '~':
		return true
	}
	return false
}

// foldRune lower-cases r and folds ё to е.
func foldRune(r rune) rune {
	r = unicode.ToLower(r)
	if r == 'ё' {
		return 'е'
	}
	return r
}

// rawToken is a word as cut from the text, before layout repair.
type rawToken struct {
	text string // original case
	sent int
	ask  bool // the sentence ends with '?'
	// upper counts upper-case letters, letters counts all letters.
	upper, letters int
}

// splitRaw cuts text into words. A word is a run of letters and digits;
// inside a run of Latin letters, the keys that type Russian letters on a
// Latin layout (",", ".", ";", "'", "[", "]") are kept when a letter follows,
// so "hf,jnftn" stays one word. Sentences end at . ! ? and newlines.
func splitRaw(text string) []rawToken {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
	}
	if utf8.RuneCountInString(text) > maxMessageRunes {
		n := 0
		for i := range text {
			if n == maxMessageRunes {
				text = text[:i]
				break
			}
			n++
		}
	}
	out := make([]rawToken, 0, len(text)/6+1)
	sent := 0
	isWordRune := func(r rune) bool {
		switch {
		case r < utf8.RuneSelf:
			return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		case r >= 'А' && r <= 'я' || r == 'ё' || r == 'Ё':
			return true
		}
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	isLetter := func(r rune) bool {
		if r < utf8.RuneSelf || r >= 'А' && r <= 'я' || r == 'ё' || r == 'Ё' {
			return !('0' <= r && r <= '9')
		}
		return unicode.IsLetter(r)
	}
	isUpper := func(r rune) bool {
		switch {
		case r < utf8.RuneSelf:
			return 'A' <= r && r <= 'Z'
		case r >= 'А' && r <= 'я' || r == 'ё' || r == 'Ё':
			return r <= 'Я' || r == 'Ё'
		}
		return unicode.IsUpper(r)
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if r == '?' {
				for k := len(out) - 1; k >= 0 && out[k].sent == sent; k-- {
					out[k].ask = true
				}
			}
			if r == '.' || r == '!' || r == '?' || r == '\n' {
				sent++
			}
			i += size
			continue
		}
		j := i
		upper, letters := 0, 0
		prevLatin := false
		for j < len(text) {
			c, cs := utf8.DecodeRuneInString(text[j:])
			if isWordRune(c) {
				if isLetter(c) {
					letters++
					if isUpper(c) {
						upper++
					}
				}
				prevLatin = isLatinLetter(c)
				j += cs
				continue
			}
			// Layout keys inside a Latin word: keep when a Latin letter
			// comes before and after.
			if layoutPunct(c) && prevLatin && j+cs < len(text) {
				if n, _ := utf8.DecodeRuneInString(text[j+cs:]); isLatinLetter(n) {
					prevLatin = false
					j += cs
					continue
				}
			}
			break
		}
		out = append(out, rawToken{text: text[i:j], sent: sent, upper: upper, letters: letters})
		i = j
	}
	return out
}

// scriptOf classifies a lower-cased word.
func scriptOf(w string) script {
	lat, cyr, other := 0, 0, 0
	for _, r := range w {
		switch {
		case isLatinLetter(r):
			lat++
		case isCyrillicLetter(r):
			cyr++
		case layoutPunct(r):
			lat++
		default:
			other++
		}
	}
	switch {
	case other > 0:
		return scriptOther
	case lat > 0 && cyr == 0:
		return scriptLatin
	case cyr > 0 && lat == 0:
		return scriptCyrillic
	}
	return scriptOther
}

// fold lower-cases a word and folds ё to е.
func fold(w string) string {
	clean := true
	for _, r := range w {
		if r >= utf8.RuneSelf && r != foldRune(r) || r < utf8.RuneSelf && 'A' <= r && r <= 'Z' {
			clean = false
			break
		}
	}
	if clean {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// splitMixed splits a word that mixes Cyrillic and Latin letters or letters
// and digits ("5гб", "wifiроутер") into runs of one kind, so each can be
// stemmed in its language.
func splitMixed(w string) []string {
	w = fixHomoglyphs(w)
	var parts []string
	start := 0
	kind := -1
	for i, r := range w {
		k := 0
		switch {
		case isCyrillicLetter(r):
			k = 1
		case isLatinLetter(r) || layoutPunct(r):
			k = 2
		case unicode.IsDigit(r):
			k = 3
		}
		if kind >= 0 && k != kind {
			parts = append(parts, w[start:i])
			start = i
		}
		kind = k
	}
	return append(parts, w[start:])
}

// homoglyphs are Latin letters that look like Cyrillic ones.
var homoglyphs = map[rune]rune{'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'x': 'х', 'y': 'у', 'k': 'к', 'm': 'м', 't': 'т', 'h': 'н', 'b': 'в'}

// fixHomoglyphs turns Latin look-alike letters inside a mostly Cyrillic word
// into Cyrillic ones ("доставкa" with a Latin "a").
func fixHomoglyphs(w string) string {
	cyr, lat := 0, 0
	for _, r := range w {
		switch {
		case isCyrillicLetter(r):
			cyr++
		case isLatinLetter(r):
			if _, ok := homoglyphs[r]; !ok {
				return w
			}
			lat++
		}
	}
	if lat == 0 || cyr <= lat {
		return w
	}
	rs := []rune(w)
	for i, r := range rs {
		if c, ok := homoglyphs[r]; ok {
			rs[i] = c
		}
	}
	return string(rs)
}
