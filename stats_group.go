package main

import (
	"math"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/supportbot/supportbot/storage"
)

// questionGroup is one question the FAQ does not answer yet, as customers
// worded it: similar wordings grouped, most frequent wording first.
type questionGroup struct {
	// Count is how many customer messages the group holds.
	Count int
	// Wordings are the distinct wordings (deduplicated ignoring case,
	// spacing and end punctuation), most frequent first.
	Wordings []wording
	// Platforms counts the messages by platform.
	Platforms map[string]int
	// First and Last are when the question was first and last asked.
	First, Last time.Time
	// Terms are the group's most characteristic keywords, best first.
	Terms []string
}

// wording is one distinct way a question was written.
type wording struct {
	Text        string // as the customer wrote it (the first time)
	Count       int
	terms       []string
	first, last time.Time
}

// Examples returns up to n wordings, most frequent first.
func (g *questionGroup) Examples(n int) []string {
	var out []string
	for _, w := range g.Wordings {
		if len(out) == n {
			break
		}
		out = append(out, w.Text)
	}
	return out
}

// groupThreshold is the similarity from which a wording joins a group.
const groupThreshold = 0.6

// groupLeaders is how many of a group's most frequent wordings a new
// wording is compared with.
const groupLeaders = 5

// groupUnanswered groups the unanswered questions so that twenty wordings of
// one question become one group. It is greedy and deterministic: distinct
// wordings, most frequent first, each join the group with the most similar
// leader (one of its first groupLeaders wordings) when the similarity
// reaches groupThreshold, or start a new group. The similarity of two
// keyword sets is the mean of their weighted overlap coefficient (shared
// weight over the smaller set's weight: "хочу подарочный сертификат на
// 5000" contains all of "подарочные сертификаты") and their cosine (which
// keeps one shared word out of two from being enough). Keywords weigh their
// inverse document frequency over the distinct wordings, so words that many
// questions share ("заказ") count for less. Groups come out most frequent
// first.
func groupUnanswered(us []storage.Unanswered, keywords func(string) []string) []questionGroup {
	type item struct {
		wording
		platforms map[string]int
	}
	byKey := map[string]*item{}
	var items []*item
	for _, u := range us {
		key := wordingKey(u.Text)
		if key == "" {
			continue
		}
		it := byKey[key]
		if it == nil {
			it = &item{wording: wording{Text: strings.TrimSpace(u.Text), first: u.Time, last: u.Time}, platforms: map[string]int{}}
			it.terms = dedupe(keywords(u.Text))
			byKey[key] = it
			items = append(items, it)
		}
		it.Count++
		it.platforms[u.Platform]++
		if u.Time.Before(it.first) {
			it.first = u.Time
		}
		if u.Time.After(it.last) {
			it.last = u.Time
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if !a.first.Equal(b.first) {
			return a.first.Before(b.first)
		}
		return a.Text < b.Text
	})

	df := map[string]int{}
	for _, it := range items {
		for _, t := range it.terms {
			df[t]++
		}
	}
	idf := map[string]float64{}
	for t, n := range df {
		idf[t] = math.Log(1 + float64(len(items))/float64(n))
	}

	type cluster struct {
		g       questionGroup
		leaders [][]string
		terms   map[string]float64
	}
	var clusters []*cluster
	for _, it := range items {
		var best *cluster
		bestSim := 0.0
		for _, c := range clusters {
			for _, l := range c.leaders {
				if sim := similarity(it.terms, l, idf); sim >= groupThreshold && sim > bestSim {
					best, bestSim = c, sim
				}
			}
		}
		if best == nil {
			best = &cluster{g: questionGroup{Platforms: map[string]int{}, First: it.first, Last: it.last}, terms: map[string]float64{}}
			clusters = append(clusters, best)
		}
		if len(best.leaders) < groupLeaders && len(it.terms) > 0 {
			best.leaders = append(best.leaders, it.terms)
		}
		g := &best.g
		g.Count += it.Count
		g.Wordings = append(g.Wordings, it.wording)
		for p, n := range it.platforms {
			g.Platforms[p] += n
		}
		if it.first.Before(g.First) {
			g.First = it.first
		}
		if it.last.After(g.Last) {
			g.Last = it.last
		}
		for _, t := range it.terms {
			best.terms[t] += float64(it.Count)
		}
	}

	// Greedy assignment depends on the order: a long wording asked more
	// often than the short one that links it to its group starts a group
	// of its own. Merge groups whose leaders are similar, the larger
	// group absorbing the smaller, until nothing changes.
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(clusters) && !merged; i++ {
			for j := i + 1; j < len(clusters) && !merged; j++ {
				a, b := clusters[i], clusters[j]
				if !leadersSimilar(a.leaders, b.leaders, idf) {
					continue
				}
				if b.g.Count > a.g.Count {
					a, b = b, a
				}
				absorb(&a.g, &b.g)
				for t, w := range b.terms {
					a.terms[t] += w
				}
				for _, l := range b.leaders {
					if len(a.leaders) < groupLeaders {
						a.leaders = append(a.leaders, l)
					}
				}
				clusters[i] = a
				clusters = append(clusters[:j], clusters[j+1:]...)
				merged = true
			}
		}
	}

	out := make([]questionGroup, 0, len(clusters))
	for _, c := range clusters {
		g := c.g
		g.Terms = topTerms(c.terms, 3)
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Last.After(out[j].Last)
	})
	return out
}

// leadersSimilar reports whether a leader of one group is similar enough to
// a leader of the other.
func leadersSimilar(a, b [][]string, idf map[string]float64) bool {
	for _, x := range a {
		for _, y := range b {
			if similarity(x, y, idf) >= groupThreshold {
				return true
			}
		}
	}
	return false
}

// absorb adds group b to group a, keeping the wordings most frequent first.
func absorb(a, b *questionGroup) {
	a.Count += b.Count
	a.Wordings = append(a.Wordings, b.Wordings...)
	sort.SliceStable(a.Wordings, func(i, j int) bool { return a.Wordings[i].Count > a.Wordings[j].Count })
	for p, n := range b.Platforms {
		a.Platforms[p] += n
	}
	if b.First.Before(a.First) {
		a.First = b.First
	}
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
}

// similarity compares two keyword sets weighted by idf: the mean of the
// overlap coefficient and the cosine. Empty sets are similar to nothing.
func similarity(a, b []string, idf map[string]float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	in := map[string]bool{}
	var sumB, sqB float64
	for _, t := range b {
		in[t] = true
		sumB += idf[t]
		sqB += idf[t] * idf[t]
	}
	var sumA, sqA, shared, dot float64
	for _, t := range a {
		w := idf[t]
		sumA += w
		sqA += w * w
		if in[t] {
			shared += w
			dot += w * w
		}
	}
	if shared == 0 {
		return 0
	}
	overlap := shared / math.Min(sumA, sumB)
	cosine := dot / math.Sqrt(sqA*sqB)
	return (overlap + cosine) / 2
}

// wordingKey is what two wordings share when they are the same text:
// lower case, ё as е, words separated by single spaces, no punctuation.
func wordingKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if r == 'ё' {
			r = 'е'
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

func dedupe(ts []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func topTerms(m map[string]float64, n int) []string {
	terms := make([]string, 0, len(m))
	for t := range m {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		if m[terms[i]] != m[terms[j]] {
			return m[terms[i]] > m[terms[j]]
		}
		return terms[i] < terms[j]
	})
	if len(terms) > n {
		terms = terms[:n]
	}
	return terms
}
