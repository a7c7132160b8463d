package faq

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The evaluation on ../shared/data runs only when SUPPORTBOT_EVAL names the
// data folder: it is a development tool (faqscore gives the official
// figures), not a test. SUPPORTBOT_EVAL_DUMP=file writes one CSV row of
// features per in-scope and out-of-scope message for calibration work.

type evalCase struct {
	text   string
	expect string // "" for out of scope
}

type evalSet struct {
	name    string
	faq     *FAQ
	tests   []evalCase
	handoff []string
}

// loadEvalSet reads a set of dir by name, or a set folder given by its
// absolute path (a Russian set in faq/testdata/eval), named by its base.
func loadEvalSet(t testing.TB, dir, name string, shots int) *evalSet {
	if filepath.IsAbs(name) {
		dir, name = filepath.Dir(name), filepath.Base(name)
	}
	s := &evalSet{name: name, faq: &FAQ{}}
	byIntent := func(pairs [][2]string) {
		idx := map[string]*Entry{}
		for _, p := range pairs {
			e := idx[p[1]]
			if e == nil {
				e = &Entry{ID: p[1], Answer: "Answer about " + strings.ReplaceAll(p[1], "_", " ") + "."}
				idx[p[1]] = e
				s.faq.Entries = append(s.faq.Entries, e)
			}
			if len(e.Questions) < shots {
				e.Questions = append(e.Questions, p[0])
			}
		}
	}
	switch name {
	case "banking77":
		read := func(f string) [][2]string {
			fh, err := os.Open(filepath.Join(dir, name, f))
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			rows, err := csv.NewReader(fh).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var out [][2]string
			for _, r := range rows[1:] {
				out = append(out, [2]string{r[0], r[1]})
			}
			return out
		}
		byIntent(read("train.csv"))
		for _, p := range read("test.csv") {
			s.tests = append(s.tests, evalCase{p[0], p[1]})
		}
	case "clinc150":
		var d map[string][][2]string
		b, err := os.ReadFile(filepath.Join(dir, name, "data_full.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		byIntent(d["train"])
		for _, p := range d["test"] {
			s.tests = append(s.tests, evalCase{p[0], p[1]})
		}
		for _, p := range d["oos_test"] {
			s.tests = append(s.tests, evalCase{p[0], ""})
		}
	case "stackfaq":
		b, err := os.ReadFile(filepath.Join(dir, name, "stackExchange-FAQ.xml"))
		if err != nil {
			t.Fatal(err)
		}
		pairs := regexp.MustCompile(`(?s)<qapair>(.*?)</qapair>`).FindAllStringSubmatch(string(b), -1)
		qre := regexp.MustCompile(`(?s)<question>(.*?)</question>`)
		are := regexp.MustCompile(`(?s)<answer>(.*?)</answer>`)
		rre := regexp.MustCompile(`(?s)<rephr>(.*?)</rephr>`)
		un := func(x string) string { return strings.TrimSpace(html.UnescapeString(x)) }
		cut := func(x string, n int) string {
			r := []rune(x)
			if len(r) > n {
				r = r[:n]
			}
			return string(r)
		}
		for i, p := range pairs {
			id := fmt.Sprintf("q%d", i)
			var rephr []string
			for _, r := range rre.FindAllStringSubmatch(p[1], -1) {
				if x := un(r[1]); x != "" && x != "*" {
					rephr = append(rephr, x)
				}
			}
			e := &Entry{ID: id, Answer: "see " + id}
			if q := qre.FindStringSubmatch(p[1]); q != nil {
				e.Questions = append([]string{cut(un(q[1]), 300)}, rephr[:min(2, len(rephr))]...)
			} else {
				e.Questions = rephr[:min(3, len(rephr))]
			}
			if a := are.FindStringSubmatch(p[1]); a != nil {
				e.Answer = cut(un(a[1]), 500)
			}
			s.faq.Entries = append(s.faq.Entries, e)
			if len(rephr) > 2 {
				for _, r := range rephr[2:] {
					s.tests = append(s.tests, evalCase{r, id})
				}
			}
		}
	default:
		b, err := os.ReadFile(filepath.Join(dir, name, "faq.json"))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Entries []struct {
				ID        string   `json:"id"`
				Questions []string `json:"questions"`
				Answer    string   `json:"answer"`
			} `json:"entries"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for _, e := range f.Entries {
			s.faq.Entries = append(s.faq.Entries, &Entry{ID: e.ID, Questions: e.Questions, Answer: e.Answer})
		}
		readLines := func(f string, fn func(map[string]any)) {
			fh, err := os.Open(filepath.Join(dir, name, f))
			if err != nil {
				return
			}
			defer fh.Close()
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				var o map[string]any
				if json.Unmarshal(sc.Bytes(), &o) == nil {
					fn(o)
				}
			}
		}
		readLines("tests.jsonl", func(o map[string]any) {
			exp, _ := o["expect"].(string)
			s.tests = append(s.tests, evalCase{o["text"].(string), exp})
		})
		readLines("handoff.jsonl", func(o map[string]any) { s.handoff = append(s.handoff, o["text"].(string)) })
	}
	return s
}

func TestEvalSets(t *testing.T) {
	dir := os.Getenv("SUPPORTBOT_EVAL")
	if dir == "" {
		t.Skip("set SUPPORTBOT_EVAL=../../shared/data to evaluate on the data sets")
	}
	var dump *csv.Writer
	if p := os.Getenv("SUPPORTBOT_EVAL_DUMP"); p != "" {
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		dump = csv.NewWriter(fh)
		defer dump.Flush()
		dump.Write(append([]string{"set", "label", "top1ok", "intop3", "lang", "pre", "text"}, featureNames...))
	}
	sets := strings.Split(os.Getenv("SUPPORTBOT_EVAL_SETS"), ",")
	if sets[0] == "" {
		sets = []string{"ru-telecom", "banking77", "clinc150", "stackfaq"}
	}
	for _, name := range sets {
		s := loadEvalSet(t, dir, name, 10)
		name = s.name
		m := NewMatcher(s.faq)
		var in, top1, top3, right, wrong, clar, oos, oosAns, hand, inHand int
		for _, c := range s.tests {
			d := m.Match(c.text)
			ws := m.topicWords(analyze(c.text, matcherVocab{m}, m.lex))
			cands, q := m.rank(ws)
			if c.expect == "" {
				oos++
				if d.Action == Answer {
					oosAns++
				}
			} else {
				in++
				if d.Action == Handoff {
					inHand++
				}
				if len(cands) > 0 && m.ids[cands[0].entry] == c.expect {
					top1++
				}
				for k := 0; k < len(cands) && k < 3; k++ {
					if m.ids[cands[k].entry] == c.expect {
						top3++
					}
				}
				switch {
				case d.Action == Answer && d.Entry == c.expect:
					right++
				case d.Action == Answer:
					wrong++
				case d.Action == Clarify && slicesContains(d.Candidates, c.expect):
					clar++
				}
			}
			if dump != nil {
				fv := m.features(ws, cands, q)
				label := "oos"
				if c.expect != "" {
					label = "in"
				}
				ok, in3 := "0", "0"
				if len(cands) > 0 && m.ids[cands[0].entry] == c.expect {
					ok = "1"
				}
				for k := 0; k < len(cands) && k < 3; k++ {
					if m.ids[cands[k].entry] == c.expect {
						in3 = "1"
					}
				}
				// pre: decided before the gates (the FAQ's own phrasing,
				// handoff, small talk): "ans" answered, "no" not.
				pre := ""
				all := analyze(c.text, matcherVocab{m}, m.lex)
				if _, exact := m.exact[phrasingKey(all)]; exact || d.Action == Handoff || m.onlySmallTalk(all) {
					pre = "no"
					if d.Action == Answer {
						pre = "ans"
					}
				}
				row := []string{name, label, ok, in3, d.Lang, pre, c.text}
				for _, v := range fv {
					row = append(row, fmt.Sprintf("%.4f", v))
				}
				dump.Write(row)
			}
		}
		for _, h := range s.handoff {
			if m.Match(h).Action == Handoff {
				hand++
			}
		}
		pct := func(a, b int) float64 {
			if b == 0 {
				return 0
			}
			return 100 * float64(a) / float64(b)
		}
		t.Logf("%-10s scale=%.2f top1=%.1f top3=%.1f | right=%.1f resolved=%.1f wrong=%.1f oos_answered=%.1f handoff=%.1f in_handed=%.1f",
			name, m.ix.selfScale, pct(top1, in), pct(top3, in), pct(right, in), pct(right+clar, in), pct(wrong, in), pct(oosAns, oos), pct(hand, len(s.handoff)), pct(inHand, in))
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
