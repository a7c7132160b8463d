package faq

import "unicode/utf8"

// Typo tolerance: a word the FAQ does not know is compared with the words it
// does know (its phrasings, keywords and the built-in lexicon) through a
// symmetric-delete index (every word with one letter removed), then checked
// with the Damerau–Levenshtein distance.

// typoIndex finds known words within a small edit distance of a misspelt one.
type typoIndex struct {
	words   []string           // known words (folded)
	deletes map[string][]int32 // word or word minus one rune -> words
	// own tells the FAQ's own words from the lexicon's; nil: all equal.
	own func(string) bool
}

// minTypoRunes is the shortest word worth correcting: shorter words have too
// many neighbours.
const minTypoRunes = 4

// maxTypoDist is the edit distance allowed for a word of n runes.
func maxTypoDist(n int) int {
	if n >= 8 {
		return 2
	}
	return 1
}

// newTypoIndex indexes words (duplicates are ignored by the caller).
func newTypoIndex(words []string) *typoIndex {
	t := &typoIndex{words: words, deletes: make(map[string][]int32, len(words)*8)}
	buf := make([]rune, 0, 32)
	for i, w := range words {
		rs := []rune(w)
		if len(rs) < minTypoRunes {
			continue
		}
		t.deletes[w] = append(t.deletes[w], int32(i))
		for j := range rs {
			buf = append(buf[:0], rs[:j]...)
			buf = append(buf, rs[j+1:]...)
			k := string(buf)
			if l := t.deletes[k]; len(l) == 0 || l[len(l)-1] != int32(i) {
				t.deletes[k] = append(l, int32(i))
			}
		}
	}
	return t
}

// correct returns the known word closest to w, or "" when none is within the
// allowed distance or two different words are equally close (unless only
// one of them is the FAQ's own: t.own).
func (t *typoIndex) correct(w string) string {
	rs := []rune(w)
	if len(rs) < minTypoRunes || len(rs) > 30 {
		return ""
	}
	maxd := maxTypoDist(len(rs))
	bestD := maxd + 1
	var best []int32 // the distinct words at bestD
	seen := map[int32]bool{}
	try := func(k string) {
		for _, i := range t.deletes[k] {
			if seen[i] {
				continue
			}
			seen[i] = true
			d := damerau(rs, []rune(t.words[i]), maxd)
			switch {
			case d < bestD:
				bestD, best = d, append(best[:0], i)
			case d == bestD && d <= maxd:
				dup := false
				for _, b := range best {
					if t.words[b] == t.words[i] {
						dup = true
					}
				}
				if !dup {
					best = append(best, i)
				}
			}
		}
	}
	try(w)
	buf := make([]rune, 0, len(rs))
	for j := range rs {
		buf = append(buf[:0], rs[:j]...)
		buf = append(buf, rs[j+1:]...)
		try(string(buf))
	}
	switch {
	case len(best) == 0:
		return ""
	case len(best) == 1:
		return t.words[best[0]]
	case t.own == nil:
		return ""
	}
	// A tie: the FAQ's own word over the lexicon's ("возрат" is "возврат"
	// in a FAQ about returns, not the lexicon's "возраст").
	pick := -1
	for _, b := range best {
		if t.own(t.words[b]) {
			if pick >= 0 {
				return ""
			}
			pick = int(b)
		}
	}
	if pick < 0 {
		return ""
	}
	return t.words[pick]
}

// damerau is the optimal-string-alignment distance between a and b, or
// max+1 when it is larger than max.
func damerau(a, b []rune, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var buf [3 * 34]int
	var prev2, prev, cur []int
	if len(b) < 33 {
		prev2, prev, cur = buf[0:len(b)+1], buf[34:34+len(b)+1], buf[68:68+len(b)+1]
	} else {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(b)] > max {
		return max + 1
	}
	return prev[len(b)]
}

// Dictionary correction: a misspelt word the FAQ does not know at all
// ("склоько", "олате", "годнсти") is one edit away from a real word more
// often than from one of the FAQ's own words. dictCandidates lists the
// dictionary word forms (words.bloom) one edit away; dictCorrect picks the
// only one, or the only one the FAQ knows.

// minDictRunes is the shortest word corrected against the dictionary: a
// short word is one edit from too many real words.
const minDictRunes = 5

var (
	cyrLetters = []rune("абвгдежзийклмнопрстуфхцчшщъыьэюя")
	latLetters = []rune("abcdefghijklmnopqrstuvwxyz")
)

// dictCandidates are the distinct dictionary words one edit (a letter
// deleted, inserted, replaced, or two neighbours swapped) from w.
func dictCandidates(w string, s script) []string {
	var alpha []rune
	switch s {
	case scriptCyrillic:
		alpha = cyrLetters
	case scriptLatin:
		alpha = latLetters
	default:
		return nil
	}
	rs := []rune(w)
	if len(rs) < minDictRunes || len(rs) > 24 {
		return nil
	}
	var out []string
	buf := make([]rune, 0, len(rs)+1)
	enc := make([]byte, 0, 4*len(rs)+4)
	check := func(c []rune) {
		enc = enc[:0]
		for _, r := range c {
			enc = utf8.AppendRune(enc, r)
		}
		if !bloomHas(bloomHash(enc)) || string(enc) == w {
			return
		}
		for _, o := range out {
			if o == string(enc) {
				return
			}
		}
		out = append(out, string(enc))
	}
	for i := range rs {
		buf = append(append(buf[:0], rs[:i]...), rs[i+1:]...)
		check(buf)
		if i+1 < len(rs) && rs[i] != rs[i+1] {
			buf = append(buf[:0], rs...)
			buf[i], buf[i+1] = buf[i+1], buf[i]
			check(buf)
		}
		for _, a := range alpha {
			if a == rs[i] {
				continue
			}
			buf = append(buf[:0], rs...)
			buf[i] = a
			check(buf)
		}
	}
	for i := 0; i <= len(rs); i++ {
		for _, a := range alpha {
			buf = append(append(append(buf[:0], rs[:i]...), a), rs[i:]...)
			check(buf)
		}
	}
	return out
}

// dictCache remembers dictCandidates per word: a few hundred Bloom probes
// a word.
var dictCache boundedCache[[]string]

// dictTypoOf is dictCandidates of w, cached.
func dictTypoOf(w string) []string {
	cands, ok := dictCache.get(w)
	if !ok {
		cands = dictCandidates(w, scriptOf(w))
		dictCache.put(w, cands)
	}
	return cands
}

// dictCorrect is the dictionary word w was meant to be: the only candidate
// one edit away, or the only one of several that known accepts; "" when
// there is none or the choice is unclear.
func dictCorrect(w string, s script, known func(string) bool) string {
	cands := dictTypoOf(w)
	switch len(cands) {
	case 0:
		return ""
	case 1:
		return cands[0]
	}
	pick := ""
	for _, c := range cands {
		if known(c) {
			if pick != "" {
				return ""
			}
			pick = c
		}
	}
	return pick
}
