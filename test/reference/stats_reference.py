#!/usr/bin/env python3
"""Reference values for the statistics primitives in stats/ (NumPy / SciPy).

Usage:
    stats_reference.py SECTION OUT_DIR

SECTION is one of: samples, edges, categorical, tails, anderson.  Prints one JSON
document on stdout.  Arrays longer than INLINE_MAX are written to OUT_DIR as
raw little-endian float64 files and referenced as {"file": NAME, "length": N};
shorter ones are inlined as lists.  Floats go through json with repr precision,
so the TypeScript side reads back exactly the same doubles.

Everything is generated from fixed numpy seeds; nothing is hand-typed.  The
reference numbers are computed by:
  samples      scipy.stats.wasserstein_distance, numpy.std, numpy.sum (pairwise
               order), numpy.unique (distinct counts), numpy.histogram_bin_edges
               (sturges and integer bins over the pooled sample, as Evidently
               bins), numpy.histogram with those edges, and on the shares:
               scipy.spatial.distance.jensenshannon (base e and 2), Evidently's
               empty-bin fill (utils.get_binned_data, feel_zeroes) and PSI
               formula (psi.py) evaluated with numpy.
  edges        numpy.histogram_bin_edges for arrays with a given min/max/size
               (powers of two, constant, tiny, subnormal and huge ranges), and
               numpy.histogram counts of values placed on and around each edge.
  categorical  scipy.stats.chisquare(f_obs, f_exp) on Evidently-style counts
               (current counts vs reference counts scaled to the current total).
  tails        scipy.special.gammaincc / chdtrc / gammaln grids, scipy.stats.norm.sf,
               and the two-proportion z-test as Evidently's z_stattest.py
               computes it (plus 2 * norm.sf(|z|)).
  anderson     scipy.stats.anderson_ksamp(samples, variant="midrank") (statistic,
               interpolated p-value, critical values).
"""

import json
import os
import sys
import warnings

import numpy as np
from scipy import special, stats
from scipy.spatial import distance

INLINE_MAX = 64
SEED = 20250611


class Writer:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0

    def array(self, values):
        a = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
        if a.size <= INLINE_MAX:
            return a.tolist()
        name = f"a{self.count:05d}.f64"
        self.count += 1
        a.tofile(os.path.join(self.out_dir, name))
        return {"file": name, "length": int(a.size)}


def num(x):
    """JSON has no NaN/Infinity: encode them as strings."""
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


# --------------------------------------------------------------------------
# samples: pairs of numeric samples
# --------------------------------------------------------------------------


def sample_pairs(rng):
    norm = rng.standard_normal
    pairs = [
        ("normal_same", norm(1000), norm(1200)),
        ("normal_shifted", norm(2000), norm(1500) + 0.3),
        ("normal_scaled", norm(800), 2.5 * norm(900)),
        ("cauchy", rng.standard_cauchy(3000), rng.standard_cauchy(2500)),
        ("cauchy_vs_normal", rng.standard_cauchy(1000), norm(1000)),
        ("lognormal", rng.lognormal(0.0, 1.5, 2000), rng.lognormal(0.2, 1.5, 2200)),
        ("rounded_ties", np.round(norm(3000), 1), np.round(norm(2800) + 0.1, 1)),
        ("integers_few", rng.integers(0, 4, 500).astype(float), rng.integers(0, 5, 700).astype(float)),
        ("ints_many_ties", rng.integers(-50, 50, 5000).astype(float), rng.integers(-40, 60, 4000).astype(float)),
        ("negative_zero", np.array([-0.0, 0.0, -1.0, 1.0, -0.0, 2.0, 0.0]), np.array([0.0, -0.0, 0.5, -2.0])),
        ("disjoint", norm(300), norm(300) + 100.0),
        ("large_offset", 1e6 + norm(2000), 1e6 + norm(2000) * 1.1),
        ("tiny_scale", 1e-12 * norm(500), 1e-12 * norm(600) + 3e-13),
        ("huge_scale", 1e200 * norm(400), 1e200 * norm(400)),
        ("mixed_magnitudes", norm(1000) * 10.0 ** rng.uniform(-8, 8, 1000), norm(1000) * 10.0 ** rng.uniform(-8, 8, 1000)),
        ("constant_same", np.full(50, 3.25), np.full(40, 3.25)),
        ("constant_different", np.full(30, 1.0), np.full(30, 2.0)),
        ("constant_vs_normal", np.full(100, 0.5), norm(100)),
        ("large_200k", norm(200_000), norm(200_000) * 1.02 + 0.01),
        ("large_lognormal_200k", rng.lognormal(0.0, 1.0, 200_000), rng.lognormal(0.05, 1.0, 150_000)),
    ]
    for n in range(1, 6):
        for m in range(1, 6):
            pairs.append((f"tiny_{n}_{m}", norm(n), norm(m) + 0.2))
    return pairs


def evidently_fill(shares):
    """Evidently utils.get_binned_data, feel_zeroes=True (same expression)."""
    shares = np.array(shares, dtype=float)
    nonzero = shares[shares != 0]
    np.place(shares, shares == 0, min(nonzero) / 10**6 if min(nonzero) <= 0.0001 else 0.0001)
    return shares


def binning(w, u, v, bins):
    pooled = np.concatenate([u, v])
    edges = np.histogram_bin_edges(pooled, bins=bins)
    cu = np.histogram(u, edges)[0]
    cv = np.histogram(v, edges)[0]
    su = cu / len(u)
    sv = cv / len(v)
    out = {
        "bins": bins,
        "edges": w.array(edges),
        "countsU": w.array(cu),
        "countsV": w.array(cv),
        "jensenshannon": num(distance.jensenshannon(su, sv)),
        "jensenshannonBase2": num(distance.jensenshannon(su, sv, base=2)),
    }
    if su.any() and sv.any():
        fu = evidently_fill(su)
        fv = evidently_fill(sv)
        out["filledU"] = w.array(fu)
        out["filledV"] = w.array(fv)
        out["psi"] = num(np.sum((fu - fv) * np.log(fu / fv)))
    return out


def section_samples(w):
    rng = np.random.default_rng(SEED)
    cases = []
    for name, u, v in sample_pairs(rng):
        u = np.asarray(u, dtype=float)
        v = np.asarray(v, dtype=float)
        case = {
            "name": name,
            "u": w.array(u),
            "v": w.array(v),
            "wasserstein": num(stats.wasserstein_distance(u, v)),
            "stdU": num(np.std(u)),
            "sumU": num(np.sum(u)),
            "distinctU": int(np.unique(u).size),
            "distinctV": int(np.unique(v).size),
            "binnings": [binning(w, u, v, "sturges"), binning(w, u, v, 10), binning(w, u, v, 30)],
        }
        cases.append(case)
    # np.sum's pairwise order on lengths around the block boundaries.
    sums = []
    for n in [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4097, 65_537, 1_000_003]:
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
        sums.append({"values": w.array(a), "sum": num(np.sum(a))})
    return {"cases": cases, "sums": sums}


# --------------------------------------------------------------------------
# edges: histogram_bin_edges / histogram on chosen min, max, size
# --------------------------------------------------------------------------


def section_edges(w):
    rng = np.random.default_rng(SEED + 1)
    ranges = [
        (0.0, 1.0),
        (-1.0, 1.0),
        (-3.7, 12.9),
        (0.1, 0.7),
        (1e6, 1e6 + 1e-3),
        (-1e300, 1e300),
        (5e-324, 5e-322),
        (1.0, 1.0 + 2**-40),
        (7.0, 7.0),
        (-0.0, -0.0),
        (0.0, 0.0),
        (-2.5, -2.5),
        (123456.789, 987654.321),
    ]
    for _ in range(40):
        lo, hi = np.sort(rng.standard_normal(2) * 10.0 ** rng.uniform(-5, 5, 2))
        ranges.append((float(lo), float(hi)))
    sizes = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000, 1023, 1024, 1025, 4096, 65536, 65537, 100_000]
    sizes += [int(s) for s in rng.integers(2, 300_000, 10)]
    cases = []
    for lo, hi in ranges:
        for n in sizes:
            a = np.full(n, lo)
            a[-1] = hi
            lo_a, hi_a = float(a.min()), float(a.max())  # n = 1 holds only hi
            for bins in ["sturges", 1, 10, 30]:
                try:
                    edges = np.histogram_bin_edges(a, bins=bins)
                except ValueError as exc:
                    cases.append({"min": lo_a, "max": hi_a, "count": n, "bins": bins, "error": str(exc)})
                    continue
                cases.append({"min": lo_a, "max": hi_a, "count": n, "bins": bins, "edges": w.array(edges)})
    for bins in ["sturges", 1, 10]:
        cases.append({"min": 0.0, "max": 0.0, "count": 0, "bins": bins,
                      "edges": w.array(np.histogram_bin_edges(np.array([]), bins=bins))})

    # Counts of values on, just below and just above every edge, plus random values.
    count_cases = []
    for lo, hi, bins in [(-3.7, 12.9, 30), (0.1, 0.7, 10), (-1.0, 1.0, 21), (1e6, 1e6 + 1e-3, 17), (7.0, 7.0, 1)]:
        edges = np.histogram_bin_edges(np.array([lo, hi]), bins=bins)
        probes = np.concatenate([
            edges,
            np.nextafter(edges, -np.inf),
            np.nextafter(edges, np.inf),
            rng.uniform(edges[0] - 0.1 * (edges[-1] - edges[0] + 1), edges[-1] + 0.1 * (edges[-1] - edges[0] + 1), 5000),
        ])
        count_cases.append({"edges": w.array(edges), "values": w.array(probes),
                            "counts": w.array(np.histogram(probes, edges)[0])})
    return {"cases": cases, "counts": count_cases}


# --------------------------------------------------------------------------
# categorical: chi-squared as Evidently calls it
# --------------------------------------------------------------------------


def evidently_chisquare_inputs(ref_counts, cur_counts):
    """f_obs / f_exp as Evidently's chisquare_stattest.py forms them."""
    k_norm = cur_counts.sum() / ref_counts.sum()
    f_exp = [float(r) * k_norm for r in ref_counts]
    f_obs = [float(c) for c in cur_counts]
    return f_obs, f_exp


def section_categorical(w):
    rng = np.random.default_rng(SEED + 2)
    cases = []

    def add(name, f_obs, f_exp):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.chisquare(f_obs, f_exp)
        cases.append({"name": name, "observed": w.array(f_obs), "expected": w.array(f_exp),
                      "statistic": num(res.statistic), "pvalue": num(res.pvalue)})

    for k in [2, 3, 5, 10, 50, 300, 2000]:
        probs = rng.dirichlet(np.ones(k))
        ref = rng.multinomial(5000, probs)
        cur_same = rng.multinomial(4000, probs)
        shifted = probs * rng.uniform(0.8, 1.25, k)
        cur_shift = rng.multinomial(4000, shifted / shifted.sum())
        cur_large = rng.multinomial(1_000_000, shifted / shifted.sum())
        ref_large = rng.multinomial(1_000_000, probs)
        add(f"same_k{k}", *evidently_chisquare_inputs(ref + 1, cur_same))
        add(f"shift_k{k}", *evidently_chisquare_inputs(ref + 1, cur_shift))
        add(f"large_shift_k{k}", *evidently_chisquare_inputs(ref_large + 1, cur_large))
    # New category in current (expected 0, observed > 0): infinite statistic, p = 0.
    add("new_category", *evidently_chisquare_inputs(np.array([500, 300, 0]), np.array([400, 350, 50])))
    # Vanished category (observed 0).
    add("vanished_category", *evidently_chisquare_inputs(np.array([500, 300, 200]), np.array([600, 400, 0])))
    # Huge statistics: tiny p-values down to and below 1e-300.
    for shift in [50, 100, 200, 300, 400, 500, 600, 700, 800, 1000, 2000]:
        add(f"huge_{shift}", [5000.0 + shift, 5000.0 - shift], [5000.0, 5000.0])
    for shift in [100, 300, 600, 900]:
        base = np.full(20, 1000.0)
        obs = base.copy()
        obs[0] += shift
        obs[1] -= shift
        add(f"huge_k20_{shift}", obs.tolist(), base.tolist())
    # Identical counts: statistic 0, p 1.
    add("identical", [10.0, 20.0, 30.0], [10.0, 20.0, 30.0])
    # One category: degrees of freedom 0.
    add("single_category_exact", [7.0], [7.0])
    # Non-integer expected (k_norm), small counts.
    add("small_counts", *evidently_chisquare_inputs(np.array([3, 1, 2]), np.array([1, 4, 2])))
    return {"cases": cases}


# --------------------------------------------------------------------------
# tails: incomplete gamma, normal tail, z-test
# --------------------------------------------------------------------------


def evidently_z(s1, n1, s2, n2):
    """Evidently z_stattest.proportions_diff_z_stat_ind + proportions_diff_z_test (two-sided)."""
    p1 = float(s1) / n1
    p2 = float(s2) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return z, 2 * (1 - stats.norm.cdf(np.abs(z)))


def section_tails(w):
    rng = np.random.default_rng(SEED + 3)
    gamma = []
    a_values = [0.5, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 24.5, 50.0, 150.0, 999.5, 5000.0, 20000.0]
    for a in a_values:
        xs = sorted(set([0.0, 1e-10, 0.01, 0.3, a * 0.5, a * 0.9, a, a + 1.0, a * 1.1, a * 1.5, a * 2, a * 5,
                         a + 10 * np.sqrt(a), a + 30 * np.sqrt(a) + 50, 700.0 + a, 1e4, 1e6]))
        for x in xs:
            gamma.append({"a": a, "x": x, "q": num(special.gammaincc(a, x)), "p": num(special.gammainc(a, x))})
    chi2 = []
    for df in [1, 2, 3, 4, 9, 19, 29, 99, 299, 1999]:
        for x in [0.0, 0.001, 0.5, df * 0.8, float(df), df * 1.2, df + 5 * np.sqrt(df), 2.0 * df + 100, 500.0,
                  1000.0, 1300.0, 1380.0, 1500.0, 3000.0, 1e5]:
            chi2.append({"df": df, "x": float(x), "sf": num(special.chdtrc(df, x))})
    lgamma = []
    for a in np.concatenate([[0.5, 1.0, 1.5, 2.0, 2.5, 3.0], rng.uniform(0.5, 10, 20), 10.0 ** rng.uniform(1, 7, 20)]):
        lgamma.append({"a": float(a), "lgamma": num(special.gammaln(a))})
    normal = []
    for z in np.concatenate([np.linspace(-40, 40, 161), [0.0, -0.0, 1e-8, 8.2, 8.3, 8.4, 37.5, 38.4], rng.normal(0, 5, 40)]):
        normal.append({"z": float(z), "sf": num(stats.norm.sf(z))})
    ztests = []
    pairs = [(30, 100, 45, 100), (0, 50, 3, 60), (50, 50, 48, 60), (500, 1000, 520, 1000), (1, 2, 1, 3),
             (0, 100, 0, 80), (100, 100, 80, 80), (5000, 10000, 3000, 10000), (10, 100000, 1000, 100000),
             (7, 9, 1, 11), (300, 1000, 400, 1000), (3500, 10000, 3000, 10000)]
    for _ in range(30):
        n1, n2 = (int(v) for v in rng.integers(1, 5000, 2))
        pairs.append((int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n2 + 1)), n2))
    for s1, n1, s2, n2 in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z, p = evidently_z(s1, n1, s2, n2)
        ztests.append({"s1": s1, "n1": n1, "s2": s2, "n2": n2, "statistic": num(z), "pvalueEvidently": num(p),
                       "pvalueSf": num(2 * stats.norm.sf(abs(z)))})
    return {"gamma": gamma, "chi2": chi2, "lgamma": lgamma, "normal": normal, "ztests": ztests}


# --------------------------------------------------------------------------
# anderson: k-sample Anderson-Darling (midrank, scipy's default and Evidently's)
# --------------------------------------------------------------------------


def section_anderson(w):
    rng = np.random.default_rng(SEED + 4)
    norm = rng.standard_normal
    groups = [
        ("normal_same", [norm(200), norm(250)]),
        ("normal_shift_small", [norm(300), norm(300) + 0.15]),
        ("normal_shift_mid", [norm(500), norm(400) + 0.2]),
        ("normal_shift_large", [norm(500), norm(500) + 1.0]),
        ("scale", [norm(400), 1.3 * norm(400)]),
        ("rounded_ties", [np.round(norm(600), 1), np.round(norm(700) + 0.05, 1)]),
        ("few_integers", [rng.integers(0, 6, 300).astype(float), rng.integers(0, 6, 350).astype(float)]),
        ("binary", [rng.integers(0, 2, 100).astype(float), (rng.uniform(size=120) < 0.6).astype(float)]),
        ("cauchy", [rng.standard_cauchy(1000), rng.standard_cauchy(900)]),
        ("tiny", [norm(3), norm(4) + 0.5]),
        ("three_samples", [norm(100), norm(120), norm(80) + 0.3]),
        ("five_samples", [norm(60) + 0.05 * i for i in range(5)]),
        ("large_20k", [norm(20_000), norm(20_000) + 0.02]),
    ]
    for n in [5, 10, 20, 40]:
        for shift in [0.0, 0.3, 0.6, 0.9, 1.2]:
            groups.append((f"n{n}_shift{shift}", [norm(n), norm(n) + shift]))
    cases = []
    for name, samples in groups:
        res = stats.anderson_ksamp(samples, variant="midrank")
        m = len(samples) - 1
        b0 = np.array([0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085])
        b1 = np.array([-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615])
        b2 = np.array([-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154])
        critical = b0 + b1 / np.sqrt(m) + b2 / m
        legacy = stats.anderson_ksamp(samples, midrank=True)  # also returns critical values
        cases.append({
            "name": name,
            "samples": [w.array(s) for s in samples],
            "statistic": num(res.statistic),
            "pvalue": num(res.pvalue),
            "capped": bool(res.statistic < critical.min() or res.statistic > critical.max()),
            "criticalValues": [float(c) for c in legacy.critical_values],
        })
    return {"cases": cases}


SECTIONS = {
    "anderson": section_anderson,
    "samples": section_samples,
    "edges": section_edges,
    "categorical": section_categorical,
    "tails": section_tails,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SECTIONS:
        sys.exit(f"usage: stats_reference.py {{{'|'.join(SECTIONS)}}} OUT_DIR")
    w = Writer(sys.argv[2])
    # numpy warns on the huge-scale fixtures (std overflows to inf, as intended).
    warnings.simplefilter("ignore")
    json.dump(SECTIONS[sys.argv[1]](w), sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
