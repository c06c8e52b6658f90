/**
 * andersonDarlingKSample against scipy.stats.anderson_ksamp(samples,
 * variant="midrank") (Evidently's "anderson" test): statistic to 1e-9
 * relative, interpolated p-value to 1e-6 relative, the caps, the critical
 * values.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { andersonDarlingKSample, sortFloat64 } from '../../stats/index.js';
import { loadReference, num, relativeError, type ArrayRef, type Fixtures, type Num } from './reference-fixtures.js';

interface AndersonSection {
  cases: { name: string; samples: ArrayRef[]; statistic: Num; pvalue: Num; capped: boolean; criticalValues: number[] }[];
}

let ref: Fixtures<AndersonSection>;
beforeAll(async () => {
  ref = await loadReference<AndersonSection>('anderson');
});

describe('andersonDarlingKSample = scipy.stats.anderson_ksamp (midrank)', () => {
  it('matches statistic, p-value and critical values on generated samples', () => {
    const cases = ref.data.cases;
    // Both the interpolated and the capped p-values are exercised.
    expect(cases.filter((c) => c.capped).length).toBeGreaterThan(3);
    expect(cases.filter((c) => !c.capped).length).toBeGreaterThan(3);
    for (const c of cases) {
      const samples = c.samples.map((s) => sortFloat64(ref.array(s)));
      const r = andersonDarlingKSample(samples);
      expect(relativeError(r.statistic, num(c.statistic)), `${c.name}: statistic ${r.statistic} vs ${c.statistic}`).toBeLessThanOrEqual(1e-9);
      expect(relativeError(r.pValue, num(c.pvalue)), `${c.name}: p ${r.pValue} vs ${c.pvalue}`).toBeLessThanOrEqual(1e-6);
      expect(r.pValueCapped, c.name).toBe(c.capped);
      r.criticalValues.forEach((v, i) => expect(relativeError(v, c.criticalValues[i]!), `${c.name}: critical ${i}`).toBeLessThanOrEqual(1e-12));
    }
  });

  it('rejects fewer than two samples, empty samples and a single distinct value', () => {
    expect(() => andersonDarlingKSample([Float64Array.of(1, 2)])).toThrow(/at least two samples/);
    expect(() => andersonDarlingKSample([Float64Array.of(1, 2), new Float64Array(0)])).toThrow(/sample 1 is empty/);
    expect(() => andersonDarlingKSample([Float64Array.of(3, 3), Float64Array.of(3, 3, 3)])).toThrow(/more than one distinct/);
  });
});
