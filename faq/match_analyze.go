package faq

import (
	"strings"
	"unicode/utf8"
)

// word is one analysed word of a message.
type word struct {
	surf     string // folded, layout-repaired, typo-corrected surface form
	raw      string // folded form as typed (before layout repair)
	orig     string // folded form as typed (after layout repair)
	origStem string // stem of orig
	stem     string
	script   script
	stop     bool    // a function word
	concepts []int32 // synonym groups the word (or a phrase starting here) belongs to
	sent     int
	ask      bool // its sentence ends with '?'
	upper    bool // typed in capitals (shouting), for anger
	fixed    bool // typo-corrected
}

// vocab tells which words a matcher knows; layout repair and typo
// correction consult it. A nil vocab knows only the built-in words.
type vocab interface {
	knows(surf, stem string) bool
	correct(surf string) string
	stem(w string, s script) string
	// repair tells whether to repair keyboard layouts (not in FAQ text).
	repair() bool
}

// stemWith stems w through v's cache when there is one.
func stemWith(v vocab, w string, s script) string {
	if v != nil {
		return v.stem(w, s)
	}
	return stem(w, s)
}

// buildVocab is the vocab of index building: it knows no words yet, corrects
// nothing, repairs no layouts, and remembers stems.
type buildVocab struct{ stems map[string]string }

func (buildVocab) knows(string, string) bool { return false }
func (buildVocab) correct(string) string     { return "" }
func (buildVocab) repair() bool              { return false }
func (b buildVocab) stem(w string, s script) string {
	if st, ok := b.stems[w]; ok {
		return st
	}
	st := stem(w, s)
	b.stems[w] = st
	return st
}

// analyze cuts text into words: folding, layout repair (when a word reads as
// Russian typed on the Latin layout or the reverse), informal spellings
// (colloquial.txt), stemming, stopwords, typo correction against the
// vocabulary and, in a customer's message, against the dictionary
// (dictCorrect), and synonym groups.
func analyze(text string, v vocab, lx *lexicon) []word {
	raw := splitRaw(text)
	ws := make([]word, 0, len(raw)+2)
	for _, r := range raw {
		up := r.letters >= 2 && r.upper == r.letters
		for _, p := range splitMixed(fold(r.text)) {
			ws = append(ws, word{surf: p, raw: p, script: scriptOf(p), sent: r.sent, ask: r.ask, upper: up})
		}
	}
	if v == nil || v.repair() {
		repairLayout(ws, v, lx)
	}
	for i := range ws {
		w := &ws[i]
		w.orig = w.surf
		if w.script == scriptLatin && !isAllLetters(w.surf) {
			// Layout keys left in a Latin word that was not retyped.
			w.surf = stripNonLetters(w.surf)
		}
		if c := colloquial(w.surf); c != "" {
			w.surf, w.orig = c, c
			w.script = scriptOf(c)
		}
		if stopwords[w.surf] {
			w.stem, w.origStem, w.stop = w.surf, w.surf, true
			continue
		}
		w.stem = stemWith(v, w.surf, w.script)
		w.origStem = w.stem
		w.stop = stopwords[w.stem]
		if w.stop || v == nil || w.script == scriptOther {
			continue
		}
		if knowsWord(v, lx, w.surf, w.stem) || isDictWord(w.surf) {
			continue
		}
		if c := v.correct(w.surf); c != "" {
			w.surf, w.fixed = c, true
			w.script = scriptOf(c)
			w.stem = stemWith(v, c, w.script)
			continue
		}
		if !v.repair() {
			continue // the FAQ's own text is taken as written
		}
		known := func(c string) bool { return knowsWord(v, lx, c, stemWith(v, c, w.script)) }
		if c := dictCorrect(w.surf, w.script, known); c != "" {
			// A real word now: typo-corrected when the FAQ knows it,
			// otherwise a dictionary word the FAQ does not know.
			w.surf = c
			w.stem = stemWith(v, c, w.script)
			w.fixed = known(c)
		}
	}
	attachConcepts(ws, lx)
	return ws
}

// knowsWord reports whether the matcher or the lexicon knows a word.
func knowsWord(v vocab, lx *lexicon, surf, st string) bool {
	if stopwords[surf] || lx.words[surf] || len(lx.single[st]) > 0 || len(lx.phrases[st]) > 0 {
		return true
	}
	return v != nil && v.knows(surf, st)
}

// attachConcepts marks words with the synonym groups they belong to; a
// phrase's group goes to its first content word.
func attachConcepts(ws []word, lx *lexicon) {
	for i := range ws {
		w := &ws[i]
		if !w.stop {
			w.concepts = append(w.concepts, lx.single[w.stem]...)
		}
		for _, ph := range lx.phrases[w.stem] {
			if i+len(ph.stems) > len(ws) {
				continue
			}
			ok := true
			for k, s := range ph.stems {
				if ws[i+k].stem != s {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			// Give the group to the first content word of the phrase.
			at := i
			for k := range ph.stems {
				if !ws[i+k].stop {
					at = i + k
					break
				}
			}
			if ws[at].stop {
				// A phrase of function words only ("не туда"): make the first
				// word carry it.
				ws[at].stop = false
			}
			if !containsInt32(ws[at].concepts, ph.group) {
				ws[at].concepts = append(ws[at].concepts, ph.group)
			}
		}
	}
}

func isAllLetters(s string) bool {
	for _, r := range s {
		if !isLatinLetter(r) && !isCyrillicLetter(r) {
			return false
		}
	}
	return true
}

func stripNonLetters(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if isLatinLetter(r) || isCyrillicLetter(r) {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// repairLayout retypes words written on the wrong keyboard layout. A word is
// retyped when its retyped form is a known word and the typed one is not,
// when it contains layout keys that are no letters in English, or when its
// letters read far better as the other language. Undecided words follow the
// message's majority.
func repairLayout(ws []word, v vocab, lx *lexicon) {
	type cand struct {
		i     int
		conv  string
		score float64 // > 0 leans to retyping
		both  bool    // both readings are known words
	}
	var cands []cand
	votesFor, votesAgainst := 0, 0
	for i := range ws {
		w := &ws[i]
		switch w.script {
		case scriptLatin:
			conv, ok := toRussianLayout(w.surf)
			if !ok {
				continue
			}
			if isContraction(w.surf) {
				continue
			}
			if !isAllLetters(w.surf) {
				// ",", ";", "[" inside a Latin word: only a Russian typed on
				// the wrong layout looks like that.
				w.surf, w.script = conv, scriptCyrillic
				votesFor++
				continue
			}
			kt := knowsLatin(v, lx, w.surf)
			kc := knowsCyrillic(v, lx, conv)
			vote := layoutVote(w.surf, conv, false)
			switch {
			case kc && !kt:
				w.surf, w.script = conv, scriptCyrillic
				votesFor++
			case kt && !kc:
				votesAgainst++
			case kt && kc:
				cands = append(cands, cand{i, conv, vote, true})
			default:
				cands = append(cands, cand{i, conv, vote, false})
			}
		case scriptCyrillic:
			conv, ok := toLatinLayout(w.surf)
			if !ok {
				continue
			}
			kc := knowsCyrillic(v, lx, w.surf)
			kt := knowsLatin(v, lx, conv)
			vote := layoutVote(w.surf, conv, true)
			switch {
			case kt && !kc && len(conv) >= 2:
				w.surf, w.script = conv, scriptLatin
				votesFor++
			case kc:
				votesAgainst++
			default:
				if vote > 1.5 {
					cands = append(cands, cand{i, conv, vote, false})
				}
			}
		}
	}
	for _, c := range cands {
		w := &ws[c.i]
		th := 1.0
		if votesFor > votesAgainst {
			th = 0
		} else if votesAgainst > votesFor {
			th = 2
		}
		if c.both {
			// Both readings are words: the message's majority decides.
			th = 2.5
			if votesFor > votesAgainst {
				th = -3
			}
		}
		if c.score > th {
			w.surf = c.conv
			w.script = scriptOf(c.conv)
		}
	}
}

// isContraction reports whether a Latin word is an English contraction
// ("doesn't", "i'm"), not Russian typed on the Latin layout.
func isContraction(w string) bool {
	i := strings.LastIndexByte(w, '\'')
	if i <= 0 || strings.ContainsAny(w[:i], ",.;[]`'") {
		return false
	}
	switch w[i+1:] {
	case "s", "t", "m", "re", "ve", "ll", "d":
		return true
	}
	return false
}

func knowsLatin(v vocab, lx *lexicon, w string) bool {
	if stopwords[w] || lx.words[w] || isDictWord(w) || colloquial(w) != "" || (v != nil && v.knows(w, "")) {
		return true
	}
	st := stemWith(v, w, scriptLatin)
	if len(lx.single[st]) > 0 {
		return true
	}
	return v != nil && v.knows(w, st)
}

func knowsCyrillic(v vocab, lx *lexicon, w string) bool {
	if stopwords[w] || lx.words[w] || isDictWord(w) || colloquial(w) != "" || (v != nil && v.knows(w, "")) {
		return true
	}
	st := stemWith(v, w, scriptCyrillic)
	if len(lx.single[st]) > 0 {
		return true
	}
	return v != nil && v.knows(w, st)
}
