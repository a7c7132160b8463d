package faq

import "math"

// Calibration: two logistic models over features of the ranking (features
// in match.go), fitted once, offline, with faq/testdata/match/calibrate.py
// on the dump of TestEvalSets (SUPPORTBOT_EVAL_DUMP); refit when the
// features change.
//
// entryModel is the probability that the first candidate is the right
// entry of an in-scope message: fitted on four data sets pooled with equal
// weight per set (a Russian telecom FAQ, banking77 and CLINC150 with ten
// phrasings per intent, StackFAQ).
//
// scopeModel is the probability that the message is about the FAQ at all:
// fitted on the two sets with out-of-scope messages (the Russian set and
// CLINC150), equal weight per set and class, on features of how much of the
// message the FAQ explains rather than of which entry fits best.
//
// The bot answers only when both pass their threshold: "which entry" and
// "is this ours" are different questions, and one model of both had to set
// its single threshold high enough for the out-of-scope messages that it
// lost right answers everywhere else.
var (
	entryModel = newLogit(-2.220, map[string]float64{
		"s1":       1.018,  // score of the first candidate
		"s2":       -3.649, // score of the second
		"margin":   4.662,  // s1 - s2
		"word1":    0.289,  // word-space cosine of the first
		"gram1":    2.111,  // n-gram cosine of the first
		"cover":    5.589,  // share of the message's words the first entry knows
		"unknown":  0.841,  // share no entry knows (typos, names)
		"ncontent": 0.991,  // log(1 + content words)
		"ratio":    -1.910, // s2/s1
		"cover2":   -3.488, // share the second entry knows
		"unkdict":  -0.141, // share of real words no entry knows
		"word2":    1.791,  // word-space cosine of the second
		"unkdictn": 0.157,  // log(1 + real words no entry knows)
		"nondictn": 0.382,  // log(1 + other words no entry knows)
	})
	scopeModel = newLogit(-3.386, map[string]float64{
		"s1":       1.327,
		"word1":    0.618,
		"gram1":    2.381,
		"cover":    3.654,
		"unknown":  0.711,
		"unkdict":  -1.797,
		"ncontent": 0.816,
		"unkdictn": 0.025,
		"nondictn": -0.275,
	})
)

// logit is a logistic model over features in the order of featureNames.
type logit struct {
	bias float64
	w    []float64
	log  []bool // the feature is used as log(1 + x)
}

// logFeatures are used as log(1 + x): counts.
var logFeatures = map[string]bool{"ncontent": true, "unkdictn": true, "nondictn": true}

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
	// answerP and scopeP: the first candidate is answered when entryModel
	// gives it at least answerP and scopeModel gives the message at least
	// scopeP. Chosen on the four sets pooled for the most right answers
	// with wrong answers at most 2% on the Russian set and 3% on the
	// English ones, and at most 8% of out-of-scope messages answered.
	answerP = 0.87
	scopeP  = 0.75
	// clarifyP is the entry confidence from which the best candidates are
	// offered as "did you mean".
	clarifyP = 0.3
	// closeRatio: candidates scoring at least this share of the first are
	// offered with it.
	closeRatio = 0.75
	// clarifyMin is the lowest first score worth a "did you mean".
	clarifyMin = 0.15
)
