package faq

import (
	_ "embed"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed data/handoff.txt
var builtinHandoff string

// minFuzzyRunes is the shortest lexicon word matched with a typo: shorter
// ones have real neighbours ("робот"/"работ"). Only Russian words are
// matched with typos: English ones have too many close neighbours
// ("manage"/"manager").
const minFuzzyRunes = 6

// defaultGap is how many words may stand between two elements of a rule.
const defaultGap = 3

// hmember is one word of the handoff lexicon.
type hmember struct {
	text   []rune
	stem   string
	prefix bool
	whole  bool // "word=": the word itself only, no other form, no typo
	// alone: the member is an angry or request rule by itself
	// ("разнесу"), with no other word to confirm a typo of it.
	alone bool
}

// halt is one alternative of an element: one word or an exact phrase.
type halt []int // member indices, adjacent words

// helement is one position of a rule.
type helement struct {
	alts     []halt
	blockers []int // members that, right before the match, cancel it
	gap      int   // words allowed between the previous element and this one
}

type hkind uint8

const (
	hRequest hkind = iota
	hAngry
	hWeak
	hOnly
	hAlone
)

type hrule struct {
	kind  hkind
	elems []helement
}

// handoffRules recognises requests for a person and anger.
type handoffRules struct {
	members []hmember
	rules   []hrule
	// exact maps a word or stem to the non-prefix members it is; prefix
	// maps a prefix to the prefix members it is; fuzzy lists the Russian
	// members of minFuzzyRunes or more, tried on words that are no
	// dictionary word.
	exact  map[string][]int32
	prefix map[string][]int32
	fuzzy  map[rune][]int32 // by startKey of the first letter
	// seen remembers the members of words already looked up (word and
	// stem -> member indexes): customers repeat their words, and the typo
	// tolerance is the costly part. Bounded by maxCached.
	seen boundedCache[[]int32]
	// byFirst lists, per member, the rules whose first element it can
	// start: a message is checked only against the rules its words open.
	byFirst [][]int32
}

// startKey buckets first letters for typo matching: vowels together.
func startKey(r rune) rune {
	if strings.ContainsRune("аеиоуыэюяaeiou", r) {
		return 'а'
	}
	return r
}

// politeness are words an "only" rule ignores.
var politeness = toSet(`пожалуйста пожалуйсто пожалуста плиз please pls plz мне меня нам срочно скорее быстрее
эй алло ау hey hello hi привет здравствуйте добрый день вечер утро уже можно now here a an the me`)

// newHandoffRules compiles the built-in lexicon and the FAQ's extension.
func newHandoffRules(ext HandoffLexicon, lx *lexicon) *handoffRules {
	h := &handoffRules{}
	memo := map[string]int{}
	member := func(m string) int {
		if i, ok := memo[m]; ok {
			return i
		}
		hm := hmember{}
		if strings.HasSuffix(m, "*") {
			hm.prefix = true
			m = strings.TrimSuffix(m, "*")
		} else if strings.HasSuffix(m, "=") {
			hm.whole = true
			m = strings.TrimSuffix(m, "=")
		}
		m = fold(m)
		hm.text = []rune(m)
		hm.stem = stem(m, scriptOf(m))
		memo[m+strconv.FormatBool(hm.prefix)] = len(h.members)
		h.members = append(h.members, hm)
		return len(h.members) - 1
	}
	classes := map[string]*helement{}
	// parseElem reads an element: alternatives separated by "|", each a
	// word, a phrase or a @class (whose blockers then guard the element).
	parseElem := func(tok string) helement {
		var e helement
		for _, alt := range strings.Split(tok, "|") {
			if strings.HasPrefix(alt, "@") {
				if c := classes[strings.ReplaceAll(alt[1:], " ", "_")]; c != nil {
					e.alts = append(e.alts, c.alts...)
					e.blockers = append(e.blockers, c.blockers...)
				}
				continue
			}
			var a halt
			for _, w := range strings.Fields(alt) {
				a = append(a, member(w))
			}
			if len(a) > 0 {
				e.alts = append(e.alts, a)
			}
		}
		return e
	}
	for _, line := range strings.Split(builtinHandoff, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "@") {
			name, rest, ok := strings.Cut(line[1:], ":")
			if ok && !strings.Contains(name, " ") {
				c := &helement{}
				for _, w := range strings.Fields(rest) {
					if o := classes[w[1:]]; strings.HasPrefix(w, "@") && o != nil {
						c.alts = append(c.alts, o.alts...)
						continue
					}
					var a halt
					for _, p := range strings.Split(w, "_") {
						a = append(a, member(p))
					}
					c.alts = append(c.alts, a)
				}
				classes[strings.TrimSpace(name)] = c
				continue
			}
			name, rest, ok = strings.Cut(line[1:], " - ")
			if c := classes[strings.TrimSpace(name)]; ok && c != nil {
				for _, w := range strings.Fields(rest) {
					c.blockers = append(c.blockers, member(w))
				}
			}
			continue
		}
		kindName, body, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		r := hrule{}
		switch strings.TrimSpace(kindName) {
		case "request":
			r.kind = hRequest
		case "angry":
			r.kind = hAngry
		case "weak":
			r.kind = hWeak
		case "only":
			r.kind = hOnly
		case "alone":
			r.kind = hAlone
		default:
			continue
		}
		gap := defaultGap
		for _, tok := range splitElements(body) {
			if strings.HasPrefix(tok, "~") {
				if n, err := strconv.Atoi(tok[1:]); err == nil {
					gap = n
				}
				continue
			}
			e := parseElem(tok)
			if len(e.alts) == 0 {
				continue
			}
			e.gap = gap
			gap = defaultGap
			r.elems = append(r.elems, e)
		}
		if len(r.elems) > 0 {
			h.rules = append(h.rules, r)
		}
	}
	addExt := func(phrases []string, kind hkind) {
		for _, p := range phrases {
			r := hrule{kind: kind}
			for _, w := range plainWords(p) {
				if stopwords[w.text] && len(plainWords(p)) > 1 {
					continue
				}
				r.elems = append(r.elems, helement{alts: []halt{{member(w.text)}}, gap: 2})
			}
			if len(r.elems) > 0 {
				h.rules = append(h.rules, r)
			}
		}
	}
	addExt(ext.Request, hRequest)
	addExt(ext.Angry, hAngry)
	h.byFirst = make([][]int32, len(h.members))
	for ri, r := range h.rules {
		for _, a := range r.elems[0].alts {
			if l := h.byFirst[a[0]]; len(l) == 0 || l[len(l)-1] != int32(ri) {
				h.byFirst[a[0]] = append(l, int32(ri))
			}
		}
	}
	for _, r := range h.rules {
		if len(r.elems) == 1 && (r.kind == hRequest || r.kind == hAngry) {
			for _, a := range r.elems[0].alts {
				if len(a) == 1 {
					h.members[a[0]].alone = true
				}
			}
		}
	}
	h.exact = map[string][]int32{}
	h.fuzzy = map[rune][]int32{}
	h.prefix = map[string][]int32{}
	for i, hm := range h.members {
		t := string(hm.text)
		if hm.prefix {
			h.prefix[t] = append(h.prefix[t], int32(i))
		} else {
			h.exact[t] = append(h.exact[t], int32(i))
			if hm.stem != t && len(hm.text) > 3 && !hm.whole {
				h.exact["\x00"+hm.stem] = append(h.exact["\x00"+hm.stem], int32(i))
			}
		}
		if len(hm.text) >= minFuzzyRunes && isCyrillicLetter(hm.text[0]) && !hm.whole {
			k := startKey(hm.text[0])
			h.fuzzy[k] = append(h.fuzzy[k], int32(i))
		}
	}
	return h
}

// wordMembers sets the bits of the members word w is in bits (zeroed).
func (h *handoffRules) wordMembers(w *hword, bits []uint64) {
	key := string(w.text) + "\x00" + w.stem
	if ms, ok := h.seen.get(key); ok {
		for _, i := range ms {
			bits[i>>6] |= 1 << (uint(i) & 63)
		}
		return
	}
	h.lookupMembers(w, bits)
	var ms []int32
	for k, b := range bits {
		for b != 0 {
			j := bits64TrailingZeros(b)
			ms = append(ms, int32(k*64+j))
			b &= b - 1
		}
	}
	h.seen.put(key, ms)
}

// lookupMembers sets the bits of the members word w is.
func (h *handoffRules) lookupMembers(w *hword, bits []uint64) {
	set := func(i int32) { bits[i>>6] |= 1 << (uint(i) & 63) }
	t := string(w.text)
	for _, i := range h.exact[t] {
		set(i)
	}
	if w.stem != "" {
		for _, i := range h.exact["\x00"+w.stem] {
			set(i)
		}
	}
	for k := range t {
		if k > 0 {
			for _, i := range h.prefix[t[:k]] {
				set(i)
			}
		}
	}
	for _, i := range h.prefix[t] {
		set(i)
	}
	if len(w.text) < minFuzzyRunes-1 || !isCyrillicLetter(w.text[0]) {
		return
	}
	var others []string // the real words w may be a typo of
	for _, i := range h.fuzzy[startKey(w.text[0])] {
		if bits[i>>6]&(1<<(uint(i)&63)) != 0 || !h.members[i].matches(w) {
			continue
		}
		if h.members[i].alone {
			// A word that is a rule by itself only counts as a typo when
			// the typed word is no real word ("оставлю" is not "ославлю")
			// and every real word one letter away is that word: "возмут"
			// is "возьмут", not "возмутительно". Elsewhere the rule's other
			// words confirm the typo ("перевидите на аператора").
			if isDictWord(t) {
				continue
			}
			if others == nil {
				others = append(dictTypoOf(t), "")
			}
			if !h.members[i].isAll(others) {
				continue
			}
		}
		set(i)
	}
}

// isAll reports whether every real word of cs ("" ends the list) is member
// m without typos.
func (m *hmember) isAll(cs []string) bool {
	for _, c := range cs {
		if c == "" {
			continue
		}
		if m.prefix && !strings.HasPrefix(c, string(m.text)) {
			return false
		}
		if !m.prefix && c != string(m.text) && (m.stem == "" || len(m.text) <= 3 || stem(c, scriptOf(c)) != m.stem) {
			return false
		}
	}
	return true
}

// splitElements splits a rule body into elements: fields separated by
// spaces, where "_" joins the words of a phrase alternative ("так_и_не").
func splitElements(body string) []string {
	out := strings.Fields(body)
	for i, t := range out {
		if !strings.HasPrefix(t, "@") {
			out[i] = strings.ReplaceAll(t, "_", " ")
		}
	}
	return out
}

// hword is a message word as the handoff rules see it.
type hword struct {
	text []rune
	stem string
}

// matches reports whether word w is member m.
func (m *hmember) matches(w *hword) bool {
	n := len(m.text)
	if m.prefix {
		if len(w.text) >= n && runesEqual(w.text[:n], m.text) {
			return true
		}
		if n < minFuzzyRunes || len(w.text) < n-1 || !sameStart(w.text[0], m.text[0]) || !isCyrillicLetter(m.text[0]) {
			return false
		}
		for _, k := range [3]int{n - 1, n, n + 1} {
			if k <= len(w.text) && damerau(w.text[:k], m.text, 1) <= 1 {
				return true
			}
		}
		return false
	}
	if runesEqual(w.text, m.text) || (m.stem != "" && w.stem == m.stem && len(m.text) > 3) {
		return true
	}
	return n >= minFuzzyRunes && len(w.text) > 0 && isCyrillicLetter(m.text[0]) && sameStart(w.text[0], m.text[0]) && damerau(w.text, m.text, 1) <= 1
}

// sameStart reports whether two first letters may be the same word's: equal,
// or both vowels (customers write "аператор" for "оператор").
func sameStart(a, b rune) bool {
	const vowels = "аеиоуыэюяaeiou"
	return a == b || (strings.ContainsRune(vowels, a) && strings.ContainsRune(vowels, b))
}

func runesEqual(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// match decides whether a message asks for a person or is angry.
func (h *handoffRules) match(text string, ws []word) (Reason, bool) {
	if len(ws) == 0 || len(ws) > 80 {
		return "", false
	}
	hw := make([]hword, len(ws))
	for i := range ws {
		hw[i] = hword{text: []rune(ws[i].orig), stem: ws[i].origStem}
		if ws[i].orig == "" {
			hw[i].text = []rune(ws[i].surf)
		}
	}
	// Which members does each word match?
	nb := (len(h.members) + 63) / 64
	bitsAll := make([]uint64, nb*len(hw))
	for i := range hw {
		if len(hw[i].text) > 0 {
			h.wordMembers(&hw[i], bitsAll[i*nb:(i+1)*nb])
		}
	}
	is := func(wi, mi int) bool {
		return bitsAll[wi*nb+mi>>6]&(1<<(uint(mi)&63)) != 0
	}
	// any: the members some word of the message is, to skip rules at once.
	anyBits := make([]uint64, nb)
	for i := range hw {
		for k := 0; k < nb; k++ {
			anyBits[k] |= bitsAll[i*nb+k]
		}
	}
	present := func(r *hrule) bool {
		for k := range r.elems {
			found := false
			for _, a := range r.elems[k].alts {
				if anyBits[a[0]>>6]&(1<<(uint(a[0])&63)) != 0 {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	// altAt reports the end (exclusive) of alternative a matched at wi, or -1.
	altAt := func(a halt, wi int) int {
		if wi+len(a) > len(hw) {
			return -1
		}
		for k, mi := range a {
			if !is(wi+k, mi) {
				return -1
			}
		}
		return wi + len(a)
	}
	elemAt := func(e *helement, wi int) int {
		for _, a := range e.alts {
			if end := altAt(a, wi); end >= 0 {
				if wi > 0 && len(e.blockers) > 0 {
					blocked := false
					for _, b := range e.blockers {
						if is(wi-1, b) {
							blocked = true
							break
						}
					}
					if blocked {
						continue
					}
				}
				return end
			}
		}
		return -1
	}
	var seq func(r *hrule, k, from, to int) bool
	seq = func(r *hrule, k, from, to int) bool {
		if k == len(r.elems) {
			return true
		}
		e := &r.elems[k]
		for wi := from; wi < to && wi < len(hw); wi++ {
			if end := elemAt(e, wi); end >= 0 {
				next := len(hw)
				if k+1 < len(r.elems) {
					next = end + r.elems[k+1].gap + 1
				}
				if seq(r, k+1, end, next) {
					return true
				}
			}
		}
		return false
	}
	// The rules some word of the message opens, in file order.
	cand := make([]uint64, (len(h.rules)+63)/64)
	for k, b := range anyBits {
		for b != 0 {
			mi := k*64 + bits64TrailingZeros(b)
			b &= b - 1
			for _, ri := range h.byFirst[mi] {
				cand[ri>>6] |= 1 << (uint(ri) & 63)
			}
		}
	}
	weak := 0
	weakSeen := map[int]bool{}
	for ri := range h.rules {
		if cand[ri>>6]&(1<<(uint(ri)&63)) == 0 {
			continue
		}
		r := &h.rules[ri]
		if !present(r) {
			continue
		}
		switch r.kind {
		case hRequest:
			if seq(r, 0, 0, len(hw)) {
				return ReasonRequest, true
			}
		case hAngry:
			if seq(r, 0, 0, len(hw)) {
				return ReasonAngry, true
			}
		case hWeak:
			if !weakSeen[ri] && seq(r, 0, 0, len(hw)) {
				weakSeen[ri] = true
				weak++
			}
		case hOnly:
			if onlyMatch(r, hw, ws, elemAt) {
				return ReasonRequest, true
			}
		case hAlone:
			if onlyMatch(r, hw, ws, elemAt) {
				return ReasonAngry, true
			}
		}
	}
	if weak >= 2 || (weak >= 1 && (shouting(ws) || emphatic(text))) {
		return ReasonAngry, true
	}
	return "", false
}

// emphatic reports whether a message has "?!", "!?", "!!!" or "???": like
// capitals, it turns one sign of anger into anger ("вы вообще работаете?!",
// "сколько можно!!!").
func emphatic(text string) bool {
	return strings.Contains(text, "?!") || strings.Contains(text, "!?") ||
		strings.Contains(text, "!!!") || strings.Contains(text, "???")
}

// onlyMatch reports whether the message, less politeness, is exactly the
// rule's elements in order.
func onlyMatch(r *hrule, hw []hword, ws []word, elemAt func(*helement, int) int) bool {
	var idx []int
	for i := range ws {
		if politeness[ws[i].orig] || ws[i].script == scriptOther {
			continue
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 || len(idx) > 4 {
		return false
	}
	p := 0
	for k := range r.elems {
		if p >= len(idx) {
			return false
		}
		end := elemAt(&r.elems[k], idx[p])
		if end < 0 {
			return false
		}
		for p < len(idx) && idx[p] < end {
			p++
		}
	}
	return p == len(idx)
}

// shouting reports whether most of a message's words are in capitals.
func shouting(ws []word) bool {
	up, n := 0, 0
	for _, w := range ws {
		if utf8.RuneCountInString(w.orig) < 3 || w.script == scriptOther {
			continue
		}
		n++
		if w.upper {
			up++
		}
	}
	return n >= 2 && up*3 >= n*2
}
