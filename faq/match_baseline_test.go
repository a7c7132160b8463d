package faq

import (
	"math"
	"os"
	"sort"
	"strings"
	"testing"
)

// A plain lexical baseline (Snowball stems plus character 3-grams of the
// words, TF-IDF, cosine to each entry's centroid), to compare the matcher's
// ranking with: run with SUPPORTBOT_EVAL set. It has none of the matcher's
// extras (synonyms, typo correction, layout repair, stopwords, greetings).

type baselineOpts struct {
	answerW  float64 // weight of the answer in the centroid (0: left out)
	split    bool    // two spaces (stems, grams) mixed 0.6/0.4, else one
	stop     bool    // drop the matcher's stopwords
	grams    bool    // character 3-grams
	binaryTF bool
}

type baseline struct {
	o     baselineOpts
	ids   []string
	idf   map[string]float64
	cent  []map[string]float64
	ndocs float64
}

func baselineFeats(text string, o baselineOpts) map[string]float64 {
	f := map[string]float64{}
	for _, t := range plainWords(text) {
		if t.script == scriptOther && !isDigits(t.text) {
			continue
		}
		if o.stop && stopwords[t.text] {
			continue
		}
		st := stem(t.text, t.script)
		f["w:"+st]++
		if o.grams {
			forGrams(t.text, func(g []byte) { f["g:"+string(g)]++ })
		}
	}
	if o.binaryTF {
		for k := range f {
			f[k] = 1
		}
	}
	return f
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func spaceOf(k string) int {
	if k[0] == 'g' {
		return 1
	}
	return 0
}

func (b *baseline) vec(f map[string]float64, known bool) map[string]float64 {
	v := map[string]float64{}
	var norm [2]float64
	for k, tf := range f {
		idf, ok := b.idf[k]
		if !ok {
			if known {
				continue
			}
			idf = math.Log(1 + b.ndocs)
		}
		x := tf * idf
		v[k] = x
		s := 0
		if b.o.split {
			s = spaceOf(k)
		}
		norm[s] += x * x
	}
	for k := range v {
		s := 0
		if b.o.split {
			s = spaceOf(k)
		}
		v[k] /= math.Sqrt(norm[s])
	}
	return v
}

func newBaseline(f *FAQ, o baselineOpts) *baseline {
	b := &baseline{o: o, idf: map[string]float64{}}
	type doc struct {
		e int
		f map[string]float64
		w float64
	}
	var docs []doc
	df := map[string]float64{}
	for _, e := range f.Entries {
		i := len(b.ids)
		b.ids = append(b.ids, e.ID)
		seen := map[string]bool{}
		add := func(text string, w float64) {
			fs := baselineFeats(text, o)
			docs = append(docs, doc{i, fs, w})
			for k := range fs {
				seen[k] = true
			}
		}
		for _, q := range e.Questions {
			add(q, 1)
		}
		if o.answerW > 0 && e.Answer != "" {
			add(e.Answer, o.answerW)
		}
		for k := range seen {
			df[k]++
		}
	}
	b.ndocs = float64(len(b.ids))
	for k, d := range df {
		b.idf[k] = math.Log(1 + b.ndocs/d)
	}
	b.cent = make([]map[string]float64, len(b.ids))
	for i := range b.cent {
		b.cent[i] = map[string]float64{}
	}
	for _, d := range docs {
		for k, x := range b.vec(d.f, true) {
			b.cent[d.e][k] += d.w * x
		}
	}
	for _, c := range b.cent {
		var norm [2]float64
		for k, x := range c {
			s := 0
			if o.split {
				s = spaceOf(k)
			}
			norm[s] += x * x
		}
		for k := range c {
			s := 0
			if o.split {
				s = spaceOf(k)
			}
			c[k] /= math.Sqrt(norm[s])
		}
	}
	return b
}

func (b *baseline) rank(text string) []int {
	q := b.vec(baselineFeats(text, b.o), false)
	type sc struct {
		e int
		s float64
	}
	var out []sc
	for e, c := range b.cent {
		var s [2]float64
		for k, x := range q {
			sp := 0
			if b.o.split {
				sp = spaceOf(k)
			}
			s[sp] += x * c[k]
		}
		v := s[0]
		if b.o.split {
			v = wordShare*s[0] + (1-wordShare)*s[1]
		}
		out = append(out, sc{e, v})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].s > out[j].s })
	r := make([]int, 0, 3)
	for i := 0; i < 3 && i < len(out); i++ {
		r = append(r, out[i].e)
	}
	return r
}

func TestEvalBaseline(t *testing.T) {
	dir := os.Getenv("SUPPORTBOT_EVAL")
	if dir == "" {
		t.Skip("set SUPPORTBOT_EVAL to compare with a plain baseline")
	}
	variants := []struct {
		name string
		o    baselineOpts
	}{
		{"plain", baselineOpts{grams: true}},
		{"plain+ans", baselineOpts{grams: true, answerW: 0.5}},
		{"split+ans", baselineOpts{grams: true, answerW: 0.5, split: true}},
		{"split+ans+stop", baselineOpts{grams: true, answerW: 0.5, split: true, stop: true}},
		{"split+ans+stop+bin", baselineOpts{grams: true, answerW: 0.5, split: true, stop: true, binaryTF: true}},
	}
	sets := strings.Split(os.Getenv("SUPPORTBOT_EVAL_SETS"), ",")
	if sets[0] == "" {
		sets = []string{"ru-telecom", "banking77", "clinc150", "stackfaq"}
	}
	for _, name := range sets {
		s := loadEvalSet(t, dir, name, 10)
		for _, v := range variants {
			b := newBaseline(s.faq, v.o)
			in, top1, top3 := 0, 0, 0
			for _, c := range s.tests {
				if c.expect == "" {
					continue
				}
				in++
				r := b.rank(c.text)
				for k, e := range r {
					if b.ids[e] == c.expect {
						if k == 0 {
							top1++
						}
						top3++
					}
				}
			}
			t.Logf("%-10s %-20s top1=%.1f top3=%.1f", name, v.name, 100*float64(top1)/float64(in), 100*float64(top3)/float64(in))
		}
	}
}
