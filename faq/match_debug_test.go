package faq

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugSet(t *testing.T) {
	dir := os.Getenv("SUPPORTBOT_EVAL")
	name := os.Getenv("SUPPORTBOT_DEBUG_SET")
	if dir == "" || name == "" {
		t.Skip()
	}
	s := loadEvalSet(t, dir, name, 10)
	m := NewMatcher(s.faq)
	for _, c := range s.tests {
		ws := m.topicWords(analyze(c.text, matcherVocab{m}, m.lex))
		cands, q := m.rank(ws)
		fv := m.features(ws, cands, q)
		top := ""
		if len(cands) > 0 {
			top = m.ids[cands[0].entry]
		}
		mark := "OK "
		if top != c.expect {
			mark = "BAD"
		}
		if c.expect == "" {
			mark = "OOS"
		}
		var terms []string
		for _, w := range ws {
			if !w.stop {
				x := w.stem
				if w.fixed {
					x += "*"
				}
				terms = append(terms, x)
			}
		}
		fmt.Printf("%s s1=%.2f m=%.2f cov=%.2f unk=%.2f %-20s %-20s %q %v\n", mark, fv[0], fv[2], fv[5], fv[6], c.expect, top, c.text, terms)
	}
}
