package faq

import (
	_ "embed"
	"strings"
	"sync"
)

// brands.txt lists well-known companies, services and public bodies. A
// message naming one of them that the FAQ itself never mentions is likely
// about that other company ("промокод на озон", "как заморозить карту
// сбербанка"): a feature of the scope gate, not a verdict, because a
// customer may name a rival while asking about us.
//
//go:embed data/brands.txt
var brandsText string

// brandTok is one word of a brand's variant: matched whole, or as a prefix
// of the message's word when the variant wrote it with "*".
type brandTok struct {
	text   string
	prefix bool
}

// brandVariant is one way of writing a company's name.
type brandVariant struct {
	company int
	toks    []brandTok
}

// brandList is the parsed brands.txt: variants by their first word, whole
// or prefix.
type brandList struct {
	n      int                // companies
	exact  map[string][]int32 // first word -> variants
	prefix map[string][]int32 // first two letters of a prefix first word -> variants
	vars   []brandVariant
}

// head is the first two runes of w (w when shorter).
func head(w string) string {
	n := 0
	for i := range w {
		if n == 2 {
			return w[:i]
		}
		n++
	}
	return w
}

var (
	brandsOnce sync.Once
	brandsList *brandList
)

// builtinBrands parses brands.txt once.
func builtinBrands() *brandList {
	brandsOnce.Do(func() { brandsList = parseBrands(brandsText) })
	return brandsList
}

// brandWords cuts a text into the folded words brands are matched on: as
// typed, before layout repair and typo correction.
func brandWords(text string, dst []string) []string {
	for _, r := range splitRaw(text) {
		dst = append(dst, splitMixed(fold(r.text))...)
	}
	return dst
}

// parseBrands reads one company a line, variants separated by commas, "*"
// ending a word for a prefix, # for comments.
func parseBrands(text string) *brandList {
	bl := &brandList{exact: map[string][]int32{}, prefix: map[string][]int32{}}
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		added := false
		for _, v := range strings.Split(line, ",") {
			var toks []brandTok
			for _, chunk := range strings.Fields(v) {
				star := strings.HasSuffix(chunk, "*")
				chunk = strings.TrimRight(chunk, "*")
				ws := brandWords(chunk, nil)
				for k, w := range ws {
					toks = append(toks, brandTok{text: w, prefix: star && k == len(ws)-1})
				}
			}
			if len(toks) == 0 {
				continue
			}
			id := int32(len(bl.vars))
			bl.vars = append(bl.vars, brandVariant{company: bl.n, toks: toks})
			if t := toks[0]; t.prefix {
				bl.prefix[head(t.text)] = append(bl.prefix[head(t.text)], id)
			} else {
				bl.exact[t.text] = append(bl.exact[t.text], id)
			}
			added = true
		}
		if added {
			bl.n++
		}
	}
	return bl
}

// tokMatch reports whether a message word matches a variant's word.
func (t brandTok) match(w string) bool {
	if t.prefix {
		return strings.HasPrefix(w, t.text)
	}
	return w == t.text
}

// scan calls f with the company of every variant found in words (at
// each word, every variant that starts there).
func (bl *brandList) scan(n int, at func(int) string, f func(company int)) {
	try := func(ids []int32, i int) {
		for _, id := range ids {
			v := &bl.vars[id]
			if i+len(v.toks) > n {
				continue
			}
			ok := v.toks[0].match(at(i))
			for k := 1; ok && k < len(v.toks); k++ {
				if !v.toks[k].match(at(i + k)) {
					ok = false
					break
				}
			}
			if ok {
				f(v.company)
			}
		}
	}
	for i := 0; i < n; i++ {
		w := at(i)
		if ids, ok := bl.exact[w]; ok {
			try(ids, i)
		}
		if ids, ok := bl.prefix[head(w)]; ok {
			try(ids, i)
		}
	}
}

// brandFilter is a matcher's view of the list: the companies its own FAQ
// does not mention (a shop delivering by СДЭК names СДЭК in its answers).
type brandFilter struct {
	list  *brandList
	other []bool // company -> a third party to this FAQ
}

// newBrandFilter starts with every company a third party.
func newBrandFilter() *brandFilter {
	bl := builtinBrands()
	bf := &brandFilter{list: bl, other: make([]bool, bl.n)}
	for i := range bf.other {
		bf.other[i] = true
	}
	return bf
}

// drop makes every company named in the n words of one of the FAQ's texts
// (at(i), folded as typed) its own or a partner.
func (bf *brandFilter) drop(n int, at func(int) string) {
	bf.list.scan(n, at, func(c int) { bf.other[c] = false })
}

// count is how many third parties the words name (as typed: raw).
func (bf *brandFilter) count(ws []word) int {
	if bf == nil {
		return 0
	}
	n, last := 0, -1
	bf.list.scan(len(ws), func(i int) string { return ws[i].raw }, func(c int) {
		if bf.other[c] && c != last {
			n++
			last = c
		}
	})
	return n
}
