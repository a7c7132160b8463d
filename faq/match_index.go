package faq

import (
	"math"
	"slices"
)

// The index: every entry is a centroid of its phrasings (questions and
// keywords, and the answer) in two TF-IDF spaces, one of word stems and
// synonym groups, one of character n-grams of the words. An inverted list
// per feature makes scoring a message cost only its own features.

// answerWeight is how much the answer text counts against one phrasing.
// Measured top-1 at half weight and at one: ru-telecom 76.6 → 78.4,
// CLINC150 70.3 → 71.4, banking77 73.1 → 73.2, StackFAQ 85.7 → 85.5; with
// the larger lexicon, 1 → 1.5 → 2 over the six Russian brands: mean 75.2 →
// 76.3 → 75.7 (all six up at 1.5), banking77 75.6 → 75.9, CLINC150 72.5
// → 72.9, StackFAQ 86.6 → 85.9.
const answerWeight = 1.5

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
	// entryFeats are each entry's word-space features, sorted, for coverage;
	// entryQFeats the same of its phrasings and keywords only (not the
	// answer).
	entryFeats  [][]int32
	entryQFeats [][]int32
	// phr are each entry's phrasings and keywords as unit vectors (per
	// space), for how close a message comes to one of them.
	phr [][]phrVec
	// selfScale is the FAQ's own score scale (buildIndex).
	selfScale float64
	// unknownIDF is the weight of a feature no entry has.
	unknownIDF float32
	n          int
	// foreign marks the scripts the FAQ's phrasings hardly use (English in
	// a Russian FAQ): such a word's letters can match nothing, so they are
	// no evidence either way (foreignShare).
	foreign [3]bool
	// pairKeys are the pairs of nearby words (wordPairs) of the entries'
	// texts, sorted; pairEnt[pairOff[i]:pairOff[i+1]] the entries that
	// have pairKeys[i]. pairRecs collects them while building.
	pairKeys []uint64
	pairOff  []int32
	pairEnt  []int32
	pairRecs []pairRec
	// seen and gen drop repeated features of a text while building.
	seen []uint32
	gen  uint32
}

// pairRec is one entry's pair of nearby words, while building.
type pairRec struct {
	key   uint64
	entry int32
}

// finishPairs turns the collected pairs into the sorted lists.
func (ix *index) finishPairs() {
	recs := ix.pairRecs
	slices.SortFunc(recs, func(a, b pairRec) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return int(a.entry - b.entry)
	})
	for i, r := range recs {
		if i > 0 && r == recs[i-1] {
			continue
		}
		if len(ix.pairKeys) == 0 || ix.pairKeys[len(ix.pairKeys)-1] != r.key {
			ix.pairKeys = append(ix.pairKeys, r.key)
			ix.pairOff = append(ix.pairOff, int32(len(ix.pairEnt)))
		}
		ix.pairEnt = append(ix.pairEnt, r.entry)
	}
	ix.pairOff = append(ix.pairOff, int32(len(ix.pairEnt)))
	ix.pairRecs = nil
}

// pairEntries are the entries that have pair k.
func (ix *index) pairEntries(k uint64) []int32 {
	i, ok := slices.BinarySearch(ix.pairKeys, k)
	if !ok {
		return nil
	}
	return ix.pairEnt[ix.pairOff[i]:ix.pairOff[i+1]]
}

// negations are the function words that make a pair with the next word:
// "не работает" and "работает" ask different things.
var negations = toSet("не нет ни not no dont doesnt didnt cant cannot isnt wont havent hasnt arent")

// pairWindow is how many following content words a word pairs with: word
// order is free in Russian ("интернет не работает", "не работает интернет").
const pairWindow = 2

// wordPairs calls f with a key for each pair of nearby words of ws (a
// content word or negation and one of the next pairWindow content words,
// order ignored) whose stems the index knows.
func (ix *index) wordPairs(ws []word, f func(uint64)) {
	for i := range ws {
		a := &ws[i]
		if a.stop && !negations[a.surf] {
			continue
		}
		ia, ok := ix.stemID[a.stem]
		if !ok {
			continue
		}
		k := 0
		for j := i + 1; j < len(ws) && k < pairWindow; j++ {
			b := &ws[j]
			if b.sent != a.sent {
				break
			}
			if b.stop && !negations[b.surf] {
				continue
			}
			k++
			ib, ok := ix.stemID[b.stem]
			if !ok || ib == ia {
				continue
			}
			lo, hi := min(ia, ib), max(ia, ib)
			f(uint64(lo)<<32 | uint64(hi))
		}
	}
}

// foreignShare: a script whose words are fewer than this share of the
// content words of the FAQ's phrasings is foreign to the FAQ.
const foreignShare = 0.15

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
	// While building (one goroutine), repeats are dropped as they come, so
	// a long answer sorts its distinct features only.
	if create {
		ix.gen++
	}
	add := func(id int32) {
		if create {
			for int(id) >= len(ix.seen) {
				ix.seen = append(ix.seen, 0)
			}
			if ix.seen[id] == ix.gen {
				return
			}
			ix.seen[id] = ix.gen
		}
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
		// A word the FAQ does not have but whose synonym group it uses
		// ("refund" in a Russian FAQ with "возврат") is explained by the
		// group: its own stem and letters are not unknown mass.
		explained := false
		if !create {
			for _, c := range w.concepts {
				if _, ok := ix.conceptID[c]; ok {
					explained = true
					break
				}
			}
		}
		if id, ok := ix.stemID[w.stem]; ok {
			add(id)
		} else if create {
			id = newFeat(spaceWord, fs)
			ix.stemID[w.stem] = id
			add(id)
		} else if unknown != nil && fs == 0 && !explained {
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
		forGrams(w.surf, func(g []byte) {
			if id, ok := ix.gramID[string(g)]; ok {
				add(id)
			} else if create {
				id = newFeat(spaceGram, fs)
				ix.gramID[string(g)] = id
				add(id)
			} else if unknown != nil && fs == 0 && !explained && !ix.foreign[w.script] {
				unknown[spaceGram] += float64(ix.unknownIDF * ix.unknownIDF)
			}
		})
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

// forGrams calls f with every character n-gram of " w " (the spaces mark
// the word's edges), in a buffer f must copy to keep. Words of one letter
// give none.
func forGrams(w string, f func([]byte)) {
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
		f(s[offs[i]:end])
	}
}

// text is one phrasing of an entry with its weight.
type weightedDoc struct {
	feats  []int32
	w      float32
	answer bool
}

// phrVec is one phrasing's features (sorted) with their weights, each space
// normalised to unit length.
type phrVec struct {
	feats []int32
	w     []float32
}

// buildIndex builds the index from each entry's analysed documents.
func buildIndex(docs [][]weightedDoc, ix *index) {
	n := len(docs)
	nf := len(ix.space)
	df := make([]int32, nf)
	ix.entryFeats = make([][]int32, n)
	ix.entryQFeats = make([][]int32, n)
	seen := make([]uint32, nf) // 2e for all, 2e+1 for q (plus one)
	for e, ds := range docs {
		var all, q []int32
		ga, gq := uint32(2*e+1), uint32(2*e+2)
		for _, d := range ds {
			for _, f := range d.feats {
				if seen[f] != ga && seen[f] != gq {
					all = append(all, f)
				}
				if !d.answer && ix.space[f] == spaceWord && seen[f] != gq {
					q = append(q, f)
					seen[f] = gq
				} else if seen[f] != gq {
					seen[f] = ga
				}
			}
		}
		slices.Sort(q)
		ix.entryQFeats[e] = q
		slices.Sort(all)
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
	ix.phr = make([][]phrVec, n)
	// cent is the entry's centroid, dense over the features, with the
	// features it touched.
	cent := make([]float64, nf)
	var touched []int32
	selfSum, selfN := 0.0, 0
	for e, ds := range docs {
		for _, f := range touched {
			cent[f] = 0
		}
		touched = touched[:0]
		for _, d := range ds {
			var norm [2]float64
			for _, f := range d.feats {
				v := float64(ix.idf[f])
				norm[ix.space[f]] += v * v
			}
			if !d.answer {
				pv := phrVec{feats: d.feats, w: make([]float32, len(d.feats))}
				for k, f := range d.feats {
					if s := ix.space[f]; norm[s] > 0 {
						pv.w[k] = float32(float64(ix.idf[f]) / math.Sqrt(norm[s]))
					}
				}
				ix.phr[e] = append(ix.phr[e], pv)
			}
			for _, f := range d.feats {
				s := ix.space[f]
				if norm[s] > 0 {
					if cent[f] == 0 {
						touched = append(touched, f)
					}
					cent[f] += float64(d.w) * float64(ix.idf[f]) / math.Sqrt(norm[s])
				}
			}
		}
		slices.Sort(touched)
		var norm [2]float64
		for _, f := range touched {
			norm[ix.space[f]] += cent[f] * cent[f]
		}
		for _, f := range touched {
			ix.post[f] = append(ix.post[f], posting{entry: int32(e), w: float32(cent[f] / math.Sqrt(norm[ix.space[f]]))})
		}
		// Leave one phrasing out: how close is each phrasing to the
		// centroid of the rest of its entry? c' = c - v (v of unit length
		// per space), cos(v, c') = (v·c - 1) / |c'|.
		if len(ix.phr[e]) < 2 {
			continue
		}
		for _, p := range ix.phr[e] {
			var dot, vn [2]float64
			for k, f := range p.feats {
				s := ix.space[f]
				dot[s] += float64(p.w[k]) * cent[f]
				vn[s] += float64(p.w[k]) * float64(p.w[k])
			}
			sc := 0.0
			for s, share := range [2]float64{wordShare, 1 - wordShare} {
				rest := norm[s] - 2*dot[s] + vn[s]
				if vn[s] > 0 && rest > 1e-9 {
					sc += share * max(0, dot[s]-vn[s]) / math.Sqrt(rest)
				}
			}
			selfSum += sc
			selfN++
		}
	}
	// selfScale is the mean score of a phrasing against the rest of its
	// entry: what a clear paraphrase scores in this FAQ (10 phrasings an
	// entry make higher scores than 3).
	ix.selfScale = 0.5
	if selfN > 0 {
		ix.selfScale = max(0.05, selfSum/float64(selfN))
	}
}
