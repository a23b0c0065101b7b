#!/usr/bin/env python3
"""Independent reference values for volscreen's volatility estimators and HV cone.

A second implementation, in Python 3 with the standard library only (math, statistics), of the
conventions in product.md ("More commands", Estimators) and docs/metrics.md. It shares no code with
the Rust in src/vol/: sample variances come from statistics.variance (exact rational arithmetic),
means from statistics.fmean, quartiles from statistics.quantiles(method="inclusive") (R's type 7,
numpy's default "linear"), logarithms as differences of math.log.

It prints the expected values pasted as constants into src/vol/estimators/tests.rs (PYTHON) and
src/vol/cone.rs (tests, PYTHON):

    python3 scripts/estimator-vectors.py

Conventions: window n = the last n sessions; O, H, L, C of session i; C0 the close before the
window; sums over i = 1..n; annualised by 252; sample variances with divisor n - 1.
  close-to-close   sample variance of ln(Ci/Ci-1), i = 1..n (needs n + 1 sessions)
  Parkinson        sum ln(Hi/Li)^2 / (4 n ln 2)
  Garman-Klass     (1/n) sum [1/2 ln(Hi/Li)^2 - (2 ln 2 - 1) ln(Ci/Oi)^2]
  Rogers-Satchell  (1/n) sum [ln(Hi/Ci) ln(Hi/Oi) + ln(Li/Ci) ln(Li/Oi)]
  Yang-Zhang       var(ln(Oi/Ci-1)) + k var(ln(Ci/Oi)) + (1 - k) RS,  k = 0.34 / (1.34 + (n+1)/(n-1))
                   (needs n + 1 sessions: the window and C0)
Each value printed is sqrt(252 * variance); "None" where the history is too short.
Cone: for window w, the HV of every w-return window ending on one of the last 252 sessions that has
w returns before it; at least 20 such windows, else None.
"""

import math
import statistics

# 30 daily sessions (open, high, low, close), oldest first: realistic large-cap prices.
SESSIONS = [
    (185.78, 186.75, 185.16, 186.39),
    (187.47, 188.00, 185.12, 187.64),
    (187.08, 188.89, 183.12, 183.80),
    (184.53, 188.23, 182.15, 186.74),
    (188.68, 192.27, 187.77, 190.45),
    (189.85, 192.32, 189.63, 192.18),
    (194.57, 197.44, 194.54, 196.84),
    (199.71, 200.83, 198.21, 199.16),
    (199.84, 202.28, 199.26, 201.67),
    (201.54, 202.78, 198.42, 200.68),
    (199.67, 202.71, 198.77, 201.38),
    (201.16, 202.18, 197.55, 201.63),
    (203.40, 204.24, 201.72, 202.78),
    (202.11, 202.89, 197.55, 198.21),
    (197.28, 200.41, 195.77, 199.80),
    (202.01, 204.50, 201.28, 202.94),
    (203.16, 208.04, 201.59, 206.14),
    (207.39, 210.60, 205.38, 209.61),
    (210.60, 212.33, 208.87, 211.15),
    (212.48, 213.85, 211.31, 213.54),
    (210.36, 215.17, 209.92, 211.47),
    (212.90, 219.51, 212.17, 218.86),
    (218.83, 220.04, 212.13, 212.18),
    (212.33, 212.34, 209.46, 209.65),
    (211.35, 217.78, 210.81, 212.38),
    (212.10, 213.25, 209.76, 212.09),
    (212.99, 213.22, 207.55, 209.32),
    (207.58, 208.44, 204.10, 208.16),
    (208.75, 209.51, 204.84, 207.68),
    (207.15, 216.43, 206.94, 214.12),
]

# The by-hand dataset of src/vol/estimators/tests.rs (checked here too): C0 = 100, then 3 sessions.
HAND = [
    (100.0, 100.0, 100.0, 100.0),
    (100.0, 200.0, 100.0, 200.0),
    (400.0, 800.0, 100.0, 400.0),
    (400.0, 400.0, 200.0, 200.0),
]

WINDOWS = [2, 10, 20, 29, 30, 31]
DAYS = 252
LN2 = math.log(2.0)


def lr(a, b):
    """ln(a/b) as a difference of logarithms."""
    return math.log(a) - math.log(b)


def close_to_close(s, n):
    if len(s) < n + 1:
        return None
    closes = [c for (_, _, _, c) in s[-(n + 1):]]
    r = [lr(b, a) for a, b in zip(closes, closes[1:])]
    return statistics.variance(r)


def parkinson(s, n):
    if len(s) < n:
        return None
    return sum(lr(h, l) ** 2 for (_, h, l, _) in s[-n:]) / (4 * n * LN2)


def garman_klass(s, n):
    if len(s) < n:
        return None
    return statistics.fmean(
        0.5 * lr(h, l) ** 2 - (2 * LN2 - 1) * lr(c, o) ** 2 for (o, h, l, c) in s[-n:]
    )


def rogers_satchell(s, n):
    if len(s) < n:
        return None
    return statistics.fmean(
        lr(h, c) * lr(h, o) + lr(l, c) * lr(l, o) for (o, h, l, c) in s[-n:]
    )


def yang_zhang(s, n):
    if len(s) < n + 1:
        return None
    w = s[-(n + 1):]
    overnight = [lr(w[i][0], w[i - 1][3]) for i in range(1, n + 1)]
    intraday = [lr(c, o) for (o, _, _, c) in w[1:]]
    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    return (
        statistics.variance(overnight)
        + k * statistics.variance(intraday)
        + (1 - k) * rogers_satchell(s, n)
    )


ESTIMATORS = [
    ("CloseToClose", close_to_close),
    ("Parkinson", parkinson),
    ("GarmanKlass", garman_klass),
    ("RogersSatchell", rogers_satchell),
    ("YangZhang", yang_zhang),
]


def annualised(var):
    return None if var is None else math.sqrt(DAYS * var)


def cone_closes():
    """300 closes, 100 + ((7i² + 13i) mod 29)·0.1 + 0.05i: the same IEEE-754 operations in the
    same order, so Rust (src/vol/cone.rs tests) rebuilds them bit for bit."""
    return [100 + ((i * i * 7 + i * 13) % 29) * 0.1 + i * 0.05 for i in range(300)]


def cone_row(closes, w, year=252, min_samples=20):
    r = [lr(b, a) for a, b in zip(closes, closes[1:])]
    # r[j] is the return ending at close j + 1; the window ending at close e is r[e-w .. e-1].
    ends = range(max(len(closes) - year, w), len(closes))
    hvs = [math.sqrt(DAYS * statistics.variance(r[e - w:e])) for e in ends]
    if len(hvs) < min_samples:
        return (w, len(hvs), None)
    q = statistics.quantiles(hvs, n=4, method="inclusive")
    return (w, len(hvs), (hvs[-1], min(hvs), q[0], q[1], q[2], max(hvs)))


def rust(x):
    return "None" if x is None else "Some(%r)" % x


def main():
    print("// estimators over SESSIONS: (estimator, window, value)")
    for n in WINDOWS:
        for name, f in ESTIMATORS:
            print("(Estimator::%s, %d, %s)," % (name, n, rust(annualised(f(SESSIONS, n)))))
    print("// estimators over HAND, window 3")
    for name, f in ESTIMATORS:
        print("(Estimator::%s, 3, %s)," % (name, rust(annualised(f(HAND, 3)))))
    print("// cone over cone_closes(): (window, samples, (current, min, p25, median, p75, max))")
    for w in [10, 20, 60, 252, 280, 290]:
        print("%r," % (cone_row(cone_closes(), w),))


if __name__ == "__main__":
    main()
