import { describe, expect, it } from 'vitest';
import { pairedBootstrap, primaryDifference } from '../../evaluation/index.js';
import { mulberry32 } from '../../dataset/synthetic.js';
import type { Predictions } from '../../metrics/index.js';

/** n labelled rows and two classifiers: `candidateHit`/`championHit` are each one's accuracy (rows right at random, seeded). */
function models(n: number, candidateHit: number, championHit: number, seed = 7) {
  const rand = mulberry32(seed);
  const truth = Array.from({ length: n }, () => (rand() < 0.5 ? '1' : '0'));
  const flip = (t: string) => (t === '1' ? '0' : '1');
  const predict = (hit: number): Predictions => ({ kind: 'labels', labels: truth.map((t) => (rand() < hit ? t : flip(t))), classes: ['0', '1'] });
  return { truth, candidate: predict(candidateHit), champion: predict(championHit) };
}

const opts = { iterations: 1000, confidence: 0.95, seed: 42 };

describe('paired bootstrap of the primary metric difference', () => {
  it('is deterministic for a seed, and another seed gives another interval', () => {
    const m = models(500, 0.8, 0.7);
    const stat = primaryDifference('accuracy', m.truth, m.candidate, m.champion);
    const a = pairedBootstrap(500, stat, opts);
    const b = pairedBootstrap(500, stat, opts);
    const c = pairedBootstrap(500, stat, { ...opts, seed: 43 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a).toMatchObject({ confidence: 0.95, iterations: 1000 });
  });

  it('a clearly better candidate has a lower bound above 0 that brackets the observed difference', () => {
    const m = models(800, 0.85, 0.65);
    const stat = primaryDifference('accuracy', m.truth, m.candidate, m.champion);
    const observed = stat(Uint32Array.from({ length: 800 }, (_, i) => i));
    const ci = pairedBootstrap(800, stat, opts);
    expect(ci.lower).toBeGreaterThan(0.1);
    expect(ci.lower).toBeLessThan(observed);
    expect(ci.upper).toBeGreaterThan(observed);
  });

  it('identical models give a degenerate interval at 0, below any positive margin', () => {
    const m = models(300, 0.75, 0.75);
    const ci = pairedBootstrap(300, primaryDifference('accuracy', m.truth, m.candidate, m.candidate), opts);
    expect(ci.lower).toBe(0);
    expect(ci.upper).toBe(0);
  });

  it('two equally good but different models give an interval around 0', () => {
    const m = models(600, 0.75, 0.75, 11);
    const ci = pairedBootstrap(600, primaryDifference('accuracy', m.truth, m.candidate, m.champion), opts);
    expect(ci.lower).toBeLessThan(0);
    expect(ci.upper).toBeGreaterThan(0);
  });

  it('orients lower-is-better metrics so that positive means the candidate is better', () => {
    const truth = ['1', '2', '3', '4', '5', '6'];
    const good: Predictions = { kind: 'values', values: Float64Array.from([1.1, 2, 2.9, 4, 5.1, 6]) };
    const bad: Predictions = { kind: 'values', values: Float64Array.from([2, 1, 4, 3, 6, 5]) };
    const ci = pairedBootstrap(6, primaryDifference('rmse', truth, good, bad), opts);
    expect(ci.lower).toBeGreaterThan(0);
  });

  it('is the percentile interval of the replicates (Efron & Tibshirani)', () => {
    // A statistic that ignores the rows: the k-th call returns k, so the replicates are 0..999 and
    // the 2.5 % and 97.5 % quantiles (linear interpolation, R type 7) are 24.975 and 974.025.
    let k = 0;
    const ci = pairedBootstrap(10, () => k++, opts);
    expect(ci.lower).toBeCloseTo(24.975, 9);
    expect(ci.upper).toBeCloseTo(974.025, 9);
  });

  it('rejects no rows and a confidence outside (0, 1) with a RangeError', () => {
    expect(() => pairedBootstrap(0, () => 0, opts)).toThrow(/at least one row/);
    expect(() => pairedBootstrap(5, () => 0, { ...opts, confidence: 1 })).toThrow(/confidence/);
  });
});
