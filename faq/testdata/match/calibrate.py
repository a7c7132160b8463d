#!/usr/bin/python3
"""Refit the matcher's two calibration models (faq/score.go) from a feature dump.

    SUPPORTBOT_EVAL=../shared/data SUPPORTBOT_EVAL_DUMP=/tmp/dump.csv go test ./faq -run TestEvalSets
    /usr/bin/python3 faq/testdata/match/calibrate.py /tmp/dump.csv

Gate 1 (entryModel): P(the first candidate is the right entry), fitted on
in-scope messages of all four sets, equal weight per set. Gate 2
(scopeModel): P(the message is in scope), fitted on the sets that have
out-of-scope messages (ru-telecom, CLINC150), equal weight per set and
class, on features of how much of the message the FAQ explains (not of
which entry). Prints the Go weights, then right/wrong/out-of-scope answered
per set at the chosen thresholds, pooled and leave-one-set-out.
"""
import csv, math, os, sys
import numpy as np
from sklearn.linear_model import LogisticRegression

F1 = "s1 s2 margin word1 gram1 cover unknown ncontent ratio cover2 unkdict word2 unkdictn nondictn".split()
F2 = "s1 word1 gram1 cover unknown unkdict ncontent unkdictn nondictn".split()
LOG = {"ncontent", "unkdictn", "nondictn"}  # log(1+x), as confidence() does
T1 = float(os.environ.get("T1", "0.87"))
T2 = float(os.environ.get("T2", "0.75"))

rows = list(csv.DictReader(open(sys.argv[1])))
names = [k for k in rows[0] if k not in ("set", "label", "top1ok", "intop3")]
X = np.array([[math.log1p(float(r[n])) if n in LOG else float(r[n]) for n in names] for r in rows])
i1 = [names.index(n) for n in F1]
i2 = [names.index(n) for n in F2]
top = np.array([r["top1ok"] == "1" for r in rows])
sets = np.array([r["set"] for r in rows])
isin = np.array([r["label"] == "in" for r in rows])
S = sorted(set(sets))
OOS_SETS = ["ru-telecom", "clinc150"]


def balanced(mask, groups):
    w = np.zeros(len(rows))
    for g in groups:
        m = mask & g
        if m.sum():
            w[m] = 1.0 / m.sum()
    return w * mask.sum()


def fit(train):
    m1 = train & isin
    g1 = LogisticRegression(C=10, max_iter=5000).fit(
        X[m1][:, i1], top[m1], sample_weight=balanced(m1, [sets == s for s in S])[m1])
    m2 = train & np.isin(sets, OOS_SETS)
    g2 = LogisticRegression(C=10, max_iter=5000).fit(
        X[m2][:, i2], isin[m2],
        sample_weight=balanced(m2, [(sets == s) & (isin == c) for s in OOS_SETS for c in (True, False)])[m2])
    return g1, g2


def report(label, p1, p2):
    print(label)
    for s in S:
        m = sets == s
        nin, noos = (m & isin).sum(), (m & ~isin).sum()
        a = m & (p1 >= T1) & (p2 >= T2)
        print("  %-10s right %5.1f  wrong %4.1f  oos_answered %5.1f" % (
            s, 100 * (a & isin & top).sum() / nin, 100 * (a & isin & ~top).sum() / nin,
            100 * (a & ~isin).sum() / noos if noos else 0))


g1, g2 = fit(np.ones(len(rows), bool))
for name, g, feats in (("entryModel", g1, F1), ("scopeModel", g2, F2)):
    print("%s: bias %.3f" % (name, g.intercept_[0]))
    for n, w in zip(feats, g.coef_[0]):
        print("\t%q: %.3f," .replace("%q", '"%s"') % (n, w))
report("pooled (T1=%.2f, T2=%.2f)" % (T1, T2), g1.predict_proba(X[:, i1])[:, 1], g2.predict_proba(X[:, i2])[:, 1])
q1, q2 = np.zeros(len(rows)), np.zeros(len(rows))
for s in S:
    a, b = fit(sets != s)
    m = sets == s
    q1[m] = a.predict_proba(X[m][:, i1])[:, 1]
    q2[m] = b.predict_proba(X[m][:, i2])[:, 1]
report("leave-one-set-out", q1, q2)
