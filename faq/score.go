package faq

import "math"

// Calibration: two logistic models over features of the ranking (features
// in match.go), fitted once, offline, with faq/testdata/match/calibrate.py
// on the dump of TestEvalSets (SUPPORTBOT_EVAL_DUMP); refit when the
// features change.
//
// entryModel is the probability that the first candidate is the right
// entry of an in-scope message: fitted on six data sets, three Russian
// brands of different businesses (a telecom operator, a food delivery
// service, a furniture store; together 70% of the weight) and banking77,
// CLINC150 with ten phrasings per intent and StackFAQ.
//
// scopeModel is the probability that the message is about the FAQ at all:
// fitted on the sets with out-of-scope messages (the three Russian brands
// and CLINC150), equal weight per set and class, on features of how much of
// the message the FAQ explains rather than of which entry fits best.
//
// Both were checked leave-one-brand-out: each Russian brand scored by
// gates fitted without it, as the bot meets a new brand.
//
// The bot answers only when both pass their threshold: "which entry" and
// "is this ours" are different questions, and one model of both had to set
// its single threshold high enough for the out-of-scope messages that it
// lost right answers everywhere else.
//
// Features (match.go): s1, s2 the first two scores, margin, ratio s2/s1;
// word1, gram1, word2 the per-space cosines; cover, cover2 the share of the
// message's IDF mass the first (second) entry knows, qcover the share its
// phrasings alone know (not its answer); unknown the share no entry knows,
// unkdict that of real words no entry or synonym group of the FAQ knows;
// ncontent, unkdictn, nondictn, fixedn counts (content words, unknown real
// words, unknown other words, typo-corrected words); near1, near2 the
// similarity to the closest single phrasing of the first (second) entry;
// s1rel, near1rel s1 and near1 over the FAQ's own scale (a phrasing's score
// against the rest of its entry, leave-one-phrasing-out at NewMatcher);
// brand whether the message names a well-known company the FAQ never names
// (data/brands.txt: "промокод на озон" in a food shop's FAQ).
var (
	entryModel = newLogit(-3.215, map[string]float64{
		"s1":       -1.505,
		"s2":       -5.748,
		"margin":   4.242,
		"word1":    3.705,
		"gram1":    4.787,
		"cover":    5.924,
		"unknown":  0.004,
		"ncontent": 0.690,
		"ratio":    -0.341,
		"cover2":   -1.760,
		"unkdict":  1.433,
		"word2":    -0.535,
		"unkdictn": -0.190,
		"nondictn": 0.697,
		"near1":    0.554,
		"qcover":   -2.024,
		"near2":    -0.662,
		"fixedn":   1.120,
		"s1rel":    0.774,
		"near1rel": -0.192,
	})
	scopeModel = newLogit(-3.245, map[string]float64{
		"s1":       3.248,
		"word1":    -0.992,
		"gram1":    2.221,
		"cover":    4.051,
		"unknown":  0.848,
		"unkdict":  -2.010,
		"ncontent": 0.736,
		"unkdictn": -0.013,
		"nondictn": -0.012,
		"near1":    -1.084,
		"qcover":   -1.216,
		"fixedn":   2.905,
		"s1rel":    0.215,
		"near1rel": 0.448,
		"brand":    -5.632,
	})
)

// logit is a logistic model over features in the order of featureNames.
type logit struct {
	bias float64
	w    []float64
	log  []bool // the feature is used as log(1 + x)
}

// logFeatures are used as log(1 + x): counts.
var logFeatures = map[string]bool{"ncontent": true, "unkdictn": true, "nondictn": true, "fixedn": true}

func newLogit(bias float64, w map[string]float64) logit {
	l := logit{bias: bias, w: make([]float64, len(featureNames)), log: make([]bool, len(featureNames))}
	for i, n := range featureNames {
		l.w[i] = w[n]
		l.log[i] = logFeatures[n]
	}
	return l
}

// prob maps features to a probability.
func (l logit) prob(f []float64) float64 {
	z := l.bias
	for i, w := range l.w {
		if w == 0 {
			continue
		}
		v := f[i]
		if l.log[i] {
			v = math.Log1p(v)
		}
		z += w * v
	}
	return 1 / (1 + math.Exp(-z))
}

// Decision thresholds.
const (
	// answerP and scopeP: the first candidate of a message in Russian
	// (Decision.Lang) is answered when entryModel gives it at least
	// answerP and scopeModel gives the message at least scopeP. Chosen on
	// leave-one-brand-out figures (each Russian brand scored by gates
	// fitted without it) for the most right answers with, on average over
	// the brands, at most 2% wrong and 7% of out-of-scope messages answered
	// (at most 3% and 9% on any one: brands.txt was written knowing these
	// brands' near-misses, so their held-out out-of-scope figure flatters).
	// scopeP is then raised from the 0.65 that rule gives to 0.75 for margin:
	// on a fourth brand kept out of all fitting (fitness), 0.65 answered
	// 11.2% of its out-of-scope messages, over the 10% a brand tolerates;
	// 0.75 answers 8.8% there and at most 5% on the other three, for about
	// 2-5 points of right answers.
	answerP = 0.84
	scopeP  = 0.75
	// answerPEN and scopePEN are the same for a message in English: the
	// most right answers on banking77, CLINC150 and StackFAQ with at most 3%
	// wrong on each. Apart, the English cap no longer holds the Russian
	// thresholds up.
	answerPEN = 0.80
	scopePEN  = 0.75
	// answerPX and scopePX are the same for a message in a language the
	// FAQ hardly uses (Matcher.thresholds): an English question to a
	// Russian FAQ scores lower than a Russian one, since it meets the FAQ
	// only through the bilingual lexicon, so the English thresholds left
	// many right first candidates unanswered (of 117 such in-scope
	// messages on the three Russian brands, 86 first, 58 answered).
	// Chosen leave-one-brand-out on the Russian brands with the other
	// thresholds fixed (calibrate.py CROSS=1): 0.55/0.65 lies inside the
	// plateau (0.49-0.53/0.61-0.62 when chosen on two brands for the
	// third); the English out-of-scope messages there score at most 0.43
	// on scope.
	answerPX = 0.55
	scopePX  = 0.65
	// clarifyP is the entry confidence from which the best candidates are
	// offered as "did you mean".
	clarifyP = 0.3
	// closeRatio: candidates scoring at least this share of the first are
	// offered with it.
	closeRatio = 0.75
	// clarifyMin is the lowest first score worth a "did you mean".
	clarifyMin = 0.15
)
