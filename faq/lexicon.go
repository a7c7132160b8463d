package faq

import (
	"embed"
	"io/fs"
	"strings"
	"sync"
)

// synonymFiles are the built-in synonym groups: data/synonyms.txt holds the
// everyday vocabulary of any consumer business, data/synonyms_*.txt that of
// one kind of business each (clothing, clinics, courses...), read in name
// order.
//
//go:embed data/synonyms*.txt
var synonymFiles embed.FS

// builtinSynonyms is the text of every built-in synonym file.
func builtinSynonyms() string {
	names, err := fs.Glob(synonymFiles, "data/synonyms*.txt")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	var b strings.Builder
	for _, n := range names {
		data, err := synonymFiles.ReadFile(n)
		if err != nil {
			panic(err) // embedded at build time
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

// lexicon maps stems and stem phrases to synonym groups (concepts).
type lexicon struct {
	single  map[string][]int32  // stem -> groups
	phrases map[string][]phrase // first stem -> phrases starting with it
	words   map[string]bool     // every folded surface word of every member
	ngroups int
}

// phrase is a multi-word member of a group.
type phrase struct {
	stems []string
	group int32
}

// parseSynonymGroups reads the built-in format: one group a line, members
// separated by commas, # starts a comment.
func parseSynonymGroups(text string) [][]string {
	var groups [][]string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		var g []string
		for _, m := range strings.Split(line, ",") {
			if m = strings.TrimSpace(m); m != "" {
				g = append(g, m)
			}
		}
		if len(g) > 1 {
			groups = append(groups, g)
		}
	}
	return groups
}

// newLexicon compiles groups of members; each member is folded and stemmed.
func newLexicon(groups [][]string) *lexicon {
	lx := &lexicon{single: map[string][]int32{}, phrases: map[string][]phrase{}, words: map[string]bool{}}
	for gi, g := range groups {
		for _, member := range g {
			ws := plainWords(member)
			if len(ws) == 0 {
				continue
			}
			stems := make([]string, len(ws))
			for i, w := range ws {
				stems[i] = stem(w.text, w.script)
				lx.words[w.text] = true
			}
			if len(stems) == 1 {
				if !containsInt32(lx.single[stems[0]], int32(gi)) {
					lx.single[stems[0]] = append(lx.single[stems[0]], int32(gi))
				}
				continue
			}
			lx.phrases[stems[0]] = append(lx.phrases[stems[0]], phrase{stems: stems, group: int32(gi)})
		}
	}
	lx.ngroups = len(groups)
	return lx
}

func containsInt32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// plainWords cuts text into folded words without layout repair.
func plainWords(text string) []token {
	raw := splitRaw(text)
	out := make([]token, 0, len(raw))
	for _, r := range raw {
		for _, p := range splitMixed(fold(r.text)) {
			out = append(out, token{text: p, script: scriptOf(p), sent: r.sent})
		}
	}
	return out
}

var (
	builtinOnce sync.Once
	builtinLex  *lexicon
	builtinGrp  [][]string
)

// builtinLexicon is the compiled built-in lexicon, shared read-only by every
// Matcher.
func builtinLexicon() ([][]string, *lexicon) {
	builtinOnce.Do(func() {
		builtinGrp = parseSynonymGroups(builtinSynonyms())
		builtinLex = newLexicon(builtinGrp)
	})
	return builtinGrp, builtinLex
}
