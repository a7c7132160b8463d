package faq

import (
	"math"
	"slices"
	"strings"
)

// The index: every entry is a centroid of its phrasings (questions and
// keywords, and the answer) in two TF-IDF spaces, one of word stems and
// synonym groups, one of character n-grams of the words. An inverted list
// per feature makes scoring a message cost only its own features.

// answerWeight is how much the answer text counts against one phrasing.
// Measured top-1 at half weight and at one: ru-telecom 76.6 → 78.4,
// CLINC150 70.3 → 71.4, banking77 73.1 → 73.2, StackFAQ 85.7 → 85.5.
const answerWeight = 1

// gramN is the length of the character n-grams.
const gramN = 3

// posting is one entry's weight for a feature.
type posting struct {
	entry int32
	w     float32
}

// feature kinds: stems and synonym groups make the word space, character
// n-grams the gram space.
const (
	spaceWord = 0
	spaceGram = 1
)

// index is the built, read-only scoring structure.
type index struct {
	stemID    map[string]int32
	gramID    map[string]int32
	conceptID map[int32]int32
	space     []uint8
	// funcScript is the script of a function-word feature (its stem and
	// its n-grams), 0 for every other feature.
	funcScript []uint8
	idf        []float32
	post       [][]posting
	// entryFeats are each entry's word-space features, sorted, for coverage.
	entryFeats [][]int32
	// unknownIDF is the weight of a feature no entry has.
	unknownIDF float32
	n          int
}

// bag is a set of feature ids with the words they came from.
type bag struct {
	ids []int32
	// unknown counts features no entry has, per space, as IDF mass squared.
	unknown [2]float64
}

// docFeatures lists the features of analysed words; with create, unseen
// features get ids (index building), else they are counted as unknown.
//
// Function words ("how", "my", "где", "не") are features too: IDF makes
// them weigh little where every entry has them, and they still tell "how
// much" from "how long" or "what is my balance" from "top up my balance".
// Dropping them cost 1–2 points of top-1 on the English sets. An unknown
// function word is not counted as unknown.
func (ix *index) docFeatures(ws []word, create bool, dst []int32, unknown *[2]float64) []int32 {
	add := func(id int32) {
		dst = append(dst, id)
	}
	newFeat := func(sp uint8, fs script) int32 {
		id := int32(len(ix.space))
		ix.space = append(ix.space, sp)
		ix.funcScript = append(ix.funcScript, uint8(fs))
		return id
	}
	for i := range ws {
		w := &ws[i]
		var fs script // the script of a function word, else 0
		if w.stop {
			if w.script == scriptOther {
				continue
			}
			fs = w.script
		}
		if id, ok := ix.stemID[w.stem]; ok {
			add(id)
		} else if create {
			id = newFeat(spaceWord, fs)
			ix.stemID[w.stem] = id
			add(id)
		} else if unknown != nil && fs == 0 {
			unknown[spaceWord] += float64(ix.unknownIDF * ix.unknownIDF)
		}
		for _, c := range w.concepts {
			if id, ok := ix.conceptID[c]; ok {
				add(id)
			} else if create {
				id = newFeat(spaceWord, 0)
				ix.conceptID[c] = id
				add(id)
			}
		}
		forGrams(w.surf, func(g string) {
			if id, ok := ix.gramID[g]; ok {
				add(id)
			} else if create {
				id = newFeat(spaceGram, fs)
				ix.gramID[strings.Clone(g)] = id
				add(id)
			} else if unknown != nil && fs == 0 {
				unknown[spaceGram] += float64(ix.unknownIDF * ix.unknownIDF)
			}
		})
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

// forGrams calls f with every character n-gram of " w " (the spaces mark
// the word's edges). Words of one letter give none.
func forGrams(w string, f func(string)) {
	if len(w) < 2 {
		return
	}
	var buf [64]byte
	s := append(append(append(buf[:0], ' '), w...), ' ')
	// offsets of rune starts
	var offs [40]int
	n := 0
	for i := range string(s) {
		if n == len(offs) {
			break
		}
		offs[n] = i
		n++
	}
	for i := 0; i+gramN <= n; i++ {
		end := len(s)
		if i+gramN < n {
			end = offs[i+gramN]
		}
		f(string(s[offs[i]:end]))
	}
}

// text is one phrasing of an entry with its weight.
type weightedDoc struct {
	feats []int32
	w     float32
}

// buildIndex builds the index from each entry's analysed documents.
func buildIndex(docs [][]weightedDoc, ix *index) {
	n := len(docs)
	nf := len(ix.space)
	df := make([]int32, nf)
	ix.entryFeats = make([][]int32, n)
	for e, ds := range docs {
		var all []int32
		for _, d := range ds {
			all = append(all, d.feats...)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		for _, f := range all {
			df[f]++
		}
		wf := all[:0:0]
		for _, f := range all {
			if ix.space[f] == spaceWord {
				wf = append(wf, f)
			}
		}
		ix.entryFeats[e] = wf
	}
	ix.n = n
	// A function word's IDF counts only the entries written in its
	// language: in a Russian FAQ with a few English phrasings, "my" or
	// "can" is in every English entry, not a rare and telling word.
	var nScript [3]int
	for _, ds := range docs {
		var has [3]bool
		for _, d := range ds {
			for _, f := range d.feats {
				has[ix.funcScript[f]] = true
			}
		}
		for k, h := range has {
			if h {
				nScript[k]++
			}
		}
	}
	ix.idf = make([]float32, nf)
	for f := range ix.idf {
		nn := n
		if s := ix.funcScript[f]; s != 0 {
			nn = nScript[s]
		}
		ix.idf[f] = float32(math.Log(1 + float64(nn)/float64(df[f])))
	}
	ix.unknownIDF = float32(math.Log(1 + float64(n)))
	ix.post = make([][]posting, nf)
	cent := map[int32]float64{}
	for e, ds := range docs {
		clear(cent)
		for _, d := range ds {
			var norm [2]float64
			for _, f := range d.feats {
				v := float64(ix.idf[f])
				norm[ix.space[f]] += v * v
			}
			for _, f := range d.feats {
				s := ix.space[f]
				if norm[s] > 0 {
					cent[f] += float64(d.w) * float64(ix.idf[f]) / math.Sqrt(norm[s])
				}
			}
		}
		var norm [2]float64
		for f, v := range cent {
			norm[ix.space[f]] += v * v
		}
		for f, v := range cent {
			ix.post[f] = append(ix.post[f], posting{entry: int32(e), w: float32(v / math.Sqrt(norm[ix.space[f]]))})
		}
	}
}
