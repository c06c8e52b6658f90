#!/usr/bin/env python3
"""Reference fixtures for the two-sample Kolmogorov-Smirnov test (stats/ks.ts and the modules it uses).

Usage:
    ks_reference.py               -> JSON list of {name, x, y, statistic, pvalue, method}
    ks_reference.py --kstwo-grid  -> JSON list of {n, x, sf}: scipy.stats.kstwo.sf(x, n),
                                     the distribution behind the asymptotic p-value

Everything is computed by `scipy.stats.ks_2samp(x, y, alternative="two-sided",
method="auto")`.  `method` is the p-value method scipy actually used: "exact"
when max(n1, n2) <= 10000 and the exact computation succeeded, "asymp" when the
samples are larger, or when scipy had to fall back to the asymptotic
distribution (it warns "Exact calculation unsuccessful" in that case).

Data is generated with a fixed numpy seed so the fixtures are reproducible.
Floats are printed with repr precision (json), so the TypeScript side reads back
exactly the same doubles.
"""

import json
import sys
import warnings

import numpy as np
from scipy import stats

SEED = 20240611
MAX_AUTO_N = 10000  # scipy's threshold for method="auto"


def ks_case(name, x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(x, y, alternative="two-sided", method="auto")
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    exact = max(len(x), len(y)) <= MAX_AUTO_N and not fell_back
    return {
        "name": name,
        "x": x.tolist(),
        "y": y.tolist(),
        "statistic": float(res.statistic),
        "pvalue": float(res.pvalue),
        "method": "exact" if exact else "asymp",
    }


def cases():
    rng = np.random.default_rng(SEED)
    norm = rng.standard_normal
    out = []

    # Continuous data, various alternatives.
    out.append(ks_case("normal_vs_same", norm(100), norm(120)))
    out.append(ks_case("normal_vs_same_equal_n", norm(150), norm(150)))
    out.append(ks_case("shifted", norm(200), norm(180) + 0.5))
    out.append(ks_case("shifted_small", norm(300), norm(280) + 0.15))
    out.append(ks_case("scaled", norm(150), 2.0 * norm(150)))
    out.append(ks_case("scaled_unequal", norm(160), 2.0 * norm(140)))
    out.append(ks_case("heavy_tailed_t2", rng.standard_t(2, 300), rng.standard_t(2, 250)))
    out.append(ks_case("heavy_tailed_vs_normal", rng.standard_t(2, 400), norm(400)))

    # Ties: rounded values (within and across samples).
    out.append(ks_case("ties_rounded", np.round(norm(80) * 2) / 2, np.round(norm(90) * 2 + 0.3) / 2))
    out.append(ks_case("ties_rounded_equal_n", np.round(norm(60)), np.round(norm(60))))
    out.append(ks_case("ties_integers", rng.integers(0, 5, 40), rng.integers(0, 6, 55)))
    out.append(ks_case("identical_samples", [1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 2.0, 3.0]))
    out.append(ks_case("constant_samples", [5.0] * 7, [5.0] * 3))

    # Tiny samples, every size pair 1..10.
    for n1 in range(1, 11):
        for n2 in range(1, 11):
            shift = 0.25 * ((n1 + 2 * n2) % 5)
            out.append(ks_case(f"tiny_{n1}_{n2}", norm(n1), norm(n2) + shift))
    out.append(ks_case("tiny_disjoint", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]))

    # Interleaved equal-size samples: scipy's exact square method returns
    # 1.0000000000000002 here, so scipy falls back to the asymptotic distribution.
    out.append(ks_case("fallback_interleaved_5", [1.0, 3.0, 5.0, 7.0, 9.0], [2.0, 4.0, 6.0, 8.0, 10.0]))
    a60 = np.array([4.0 * i + j for i in range(30) for j in (0.0, 1.0)])
    out.append(ks_case("fallback_pairs_60", a60, a60 + 2.0))
    a30 = 2.0 * np.arange(30.0)
    out.append(ks_case("fallback_interleaved_30", a30, a30 + 1.0))

    # Unequal sizes.
    out.append(ks_case("unequal_50_3000", norm(50), norm(3000) + 0.3))
    out.append(ks_case("unequal_7_900", norm(7) + 1.0, norm(900)))
    out.append(ks_case("unequal_coprime_97_89", norm(97), norm(89) + 0.4))

    # Medium.
    out.append(ks_case("medium_500_700", norm(500), norm(700) + 0.1))
    out.append(ks_case("medium_same_500_700", norm(500), norm(700)))
    out.append(ks_case("medium_far_500_700", norm(500), norm(700) + 1.0))
    out.append(ks_case("medium_far_500_500", norm(500), norm(500) + 1.0))

    # Boundary of the exact/asymptotic switch.
    out.append(ks_case("boundary_exact_10000_10000", norm(10000), norm(10000) + 0.03))
    out.append(ks_case("boundary_exact_10000_9999", norm(10000), norm(9999) + 0.03))
    out.append(ks_case("boundary_asymp_10001_10000", norm(10001), norm(10000) + 0.03))
    # en = 10001/2 = 5000.5: np.round rounds half to even -> kstwo with n = 5000.
    out.append(ks_case("boundary_asymp_equal_odd_10001", norm(10001), norm(10001) + 0.03))

    # Large: asymptotic path, different regions of kstwo.sf.
    out.append(ks_case("large_20000_15000", norm(20000), norm(15000) + 0.03))
    out.append(ks_case("large_same_20000_15000", norm(20000), norm(15000)))
    out.append(ks_case("large_far_20000_15000", norm(20000), norm(15000) + 0.25))
    out.append(ks_case("large_vfar_20000_15000", norm(20000), norm(15000) + 3.0))
    # Small effective n (en = n1*n2/(n1+n2)) on the asymptotic path.
    out.append(ks_case("asymp_small_en_20000_1", norm(20000), [0.7]))
    out.append(ks_case("asymp_small_en_20000_3", norm(20000), norm(3) + 0.5))
    out.append(ks_case("asymp_small_en_20000_40_same", norm(20000), norm(40)))
    out.append(ks_case("asymp_small_en_20000_40", norm(20000), norm(40) + 0.5))
    out.append(ks_case("asymp_small_en_20000_40_far", norm(20000), norm(40) + 1.5))
    out.append(ks_case("asymp_en_500_same", norm(20000), norm(513)))
    out.append(ks_case("asymp_en_500_shift", norm(20000), norm(513) + 0.2))
    return out


def kstwo_grid():
    """scipy.stats.kstwo.sf over (n, x) pairs covering every branch of _kolmogn."""
    ns = [1, 2, 3, 5, 10, 30, 100, 140, 141, 200, 500, 1000, 5000, 20000,
          100000, 100001, 1000000, 1000001, 3000000]
    # Target n*x^2 values: DMTW, Pomeranz, Pelz-Good and smirnov regions, and
    # the underflow cut-off at 370.
    nx2 = [0.02, 0.1, 0.2, 0.3, 0.5, 0.754, 0.76, 1.0, 1.5, 2.19, 2.21, 3.0, 3.99,
           4.01, 6.0, 10.0, 30.0, 100.0, 200.0, 300.0, 340.0, 369.0, 371.0]
    # scipy's smirnov() is O(n) in double-double arithmetic (about 1 s at
    # n = 1e6), so the largest exactly-computed n only gets a few points.
    nx2_big = [0.1, 1.0, 2.21, 369.0]
    out = []
    for n in ns:
        xs = {np.sqrt(v / n) for v in (nx2_big if n == 1000000 else nx2)}
        # Ruben-Gambino (x <= 1/n and x >= 1 - 1/n), support edge, and x >= 0.5.
        xs |= {0.5 / n, 0.6 / n, 0.9 / n, 1.0 / n, 1.5 / n, 0.5, 0.55, 0.8,
               1.0 - 1.0 / n if n > 1 else 0.3, 0.999}
        for x in sorted(xs):
            if not (0.0 < x < 1.0):
                continue
            out.append({"n": n, "x": float(x), "sf": float(stats.kstwo.sf(x, n))})
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--kstwo-grid":
        data = kstwo_grid()
    else:
        data = cases()
    json.dump(data, sys.stdout)


if __name__ == "__main__":
    main()
