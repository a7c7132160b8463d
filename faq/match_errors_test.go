package faq

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// TestErrorKinds splits the misses of the Russian sets into kinds
// (SUPPORTBOT_EVAL and SUPPORTBOT_ERRORS_SETS, comma-separated; -v lists
// them with SUPPORTBOT_ERRORS_LIST=1). A development tool, not a test.
func TestErrorKinds(t *testing.T) {
	dir := os.Getenv("SUPPORTBOT_EVAL")
	sets := os.Getenv("SUPPORTBOT_ERRORS_SETS")
	if dir == "" || sets == "" {
		t.Skip()
	}
	list := os.Getenv("SUPPORTBOT_ERRORS_LIST") != ""
	total := map[string]int{}
	for _, name := range strings.Split(sets, ",") {
		s := loadEvalSet(t, dir, name, 10)
		m := NewMatcher(s.faq)
		kinds := map[string]int{}
		for _, c := range s.tests {
			d := m.Match(c.text)
			all := analyze(c.text, matcherVocab{m}, m.lex)
			ws := m.topicWords(all)
			cands, q := m.rank(ws)
			if len(cands) == 0 {
				if c.expect != "" {
					kinds["in: no candidate"]++
				}
				continue
			}
			fv := m.features(ws, cands, q)
			p, ps := entryModel.prob(fv), scopeModel.prob(fv)
			top := m.ids[cands[0].entry]
			answerP, scopeP := m.thresholds(d.Lang)
			var kind string
			switch {
			case c.expect == "" && d.Action == Answer:
				kind = "oos answered: " + msgKind(m, c.text, ws, cands, c.expect, fv)
			case c.expect == "":
				continue
			case d.Action == Answer && d.Entry == c.expect:
				kind = "in: right: " + msgKind(m, c.text, ws, cands, c.expect, fv)
			case d.Action == Answer:
				kind = "in: wrong: " + msgKind(m, c.text, ws, cands, c.expect, fv)
			case top == c.expect:
				gate := "entry+scope"
				if p >= answerP {
					gate = "scope"
				} else if ps >= scopeP {
					gate = "entry"
				}
				kind = "in: top1 unanswered (" + gate + "): " + msgKind(m, c.text, ws, cands, c.expect, fv)
			default:
				kind = "in: top1 wrong: " + msgKind(m, c.text, ws, cands, c.expect, fv)
			}
			kinds[kind]++
			if list {
				fmt.Printf("%-10s %-55s p=%.2f ps=%.2f %-18s %-18s %q\n", name, kind, p, ps, c.expect, top, c.text)
			}
		}
		for k, v := range kinds {
			total[k] += v
		}
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%4d  %s", total[k], k)
	}
}

// msgKind names the kind of a message, first that applies.
func msgKind(m *Matcher, text string, ws []word, cands []candidate, expect string, fv []float64) string {
	lat, cyr := 0, 0
	for _, r := range text {
		if r < 128 && unicode.IsLetter(r) {
			lat++
		} else if unicode.Is(unicode.Cyrillic, r) {
			cyr++
		}
	}
	lang := language(ws)
	content, sents := 0, map[int]bool{}
	for i := range ws {
		if !ws[i].stop {
			content++
		}
		sents[ws[i].sent] = true
	}
	exp := -1
	for i, id := range m.ids {
		if id == expect {
			exp = i
		}
	}
	switch {
	case lat > cyr && lang == "en":
		return "english"
	case lat > cyr:
		return "layout"
	case len(sents) > 1 || content >= 9:
		return "long"
	case fv[17] >= 2 || fv[17]+fv[13] >= 2:
		return "typos"
	case content <= 2:
		return "short"
	case exp >= 0 && m.questionCover(ws, exp) == 0:
		return "no shared word"
	case len(cands) > 1 && cands[1].score >= 0.85*cands[0].score:
		return "close neighbour"
	}
	return "other"
}
