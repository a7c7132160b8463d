package faq

import "math"

// Calibration: the probability that the first candidate is the right answer,
// from features of the ranking (features in match.go). The weights are a
// logistic regression fitted once, offline, on four data sets pooled with
// equal weight per set (a Russian telecom FAQ, banking77 and CLINC150 with
// ten phrasings per intent, StackFAQ), with out-of-scope messages as
// negatives; five-fold cross-validation over the pool gave the same
// figures within a point on every set. Refit with the dump of
// TestEvalSets (SUPPORTBOT_EVAL_DUMP) when the features change.
var calibration = struct {
	bias float64
	w    []float64 // in the order of featureNames
}{
	bias: -3.806,
	w: []float64{
		0.933,  // s1: score of the first candidate
		-1.562, // s2: score of the second
		2.497,  // margin
		0.298,  // word1: word-space cosine of the first
		1.886,  // gram1: n-gram cosine of the first
		5.589,  // cover: share of the message's words the first entry knows
		0.794,  // unknown: share no entry knows (typos, names)
		1.501,  // ncontent: log(1 + content words)
		-1.728, // ratio: s2/s1
		-2.643, // cover2: share the second entry knows
		-0.635, // unkdict: share of real words no entry knows
		0.349,  // word2
	},
}

// confidence maps ranking features to the probability that the first
// candidate is right.
func confidence(f []float64) float64 {
	z := calibration.bias
	for i, w := range calibration.w {
		v := f[i]
		if featureNames[i] == "ncontent" {
			v = math.Log1p(v)
		}
		z += w * v
	}
	return 1 / (1 + math.Exp(-z))
}

// Decision thresholds on the confidence.
const (
	// answerP is the confidence from which the first candidate is
	// answered: at it, wrong answers stayed under 3% and answered
	// out-of-scope messages under 10% on every data set.
	answerP = 0.85
	// clarifyP is the confidence from which the best candidates are
	// offered as "did you mean".
	clarifyP = 0.3
	// closeRatio: candidates scoring at least this share of the first are
	// offered with it.
	closeRatio = 0.75
	// clarifyMin is the lowest first score worth a "did you mean".
	clarifyMin = 0.15
)
