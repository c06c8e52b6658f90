import type { DriftConfig, DriftMethod } from '../../config/drift.js';
import { evidentlyBins, valueShares, type BinnedShares } from '../binning.js';
import type { PreparedColumn, PreparedNumeric } from '../prepared-column.js';
import { quantileBinShares, referenceQuantileEdges } from '../quantile-bins.js';
import { chiSquare } from './chisquare.js';
import { jensenShannon } from './jensenshannon.js';
import { kolmogorovSmirnov } from './ks.js';
import { populationStability } from './psi.js';
import type { MethodResult } from './result.js';
import { normedWasserstein } from './wasserstein.js';
import { twoProportionZ } from './ztest.js';

export type { MethodResult } from './result.js';

/** Runs one method on a prepared column (both windows non-empty; kinds already checked against the method). */
export function evaluateMethod(method: DriftMethod, column: PreparedColumn, config: DriftConfig): MethodResult {
  switch (method) {
    case 'ks':
      return kolmogorovSmirnov(numeric(column, method));
    case 'wasserstein':
      return normedWasserstein(numeric(column, method));
    case 'chisquare':
      return chiSquare(column.kind === 'numeric' ? column.valueCounts() : column.counts);
    case 'ztest':
      return twoProportionZ(column.kind === 'numeric' ? column.valueCounts() : column.counts);
    case 'jensenshannon':
      return jensenShannon(evidentlyBins(column));
    case 'psi':
      return populationStability(psiBins(column, config));
  }
}

/** PSI's binning: Evidently's (default) or `bins` reference-quantile bins for numeric columns. */
function psiBins(column: PreparedColumn, config: DriftConfig): BinnedShares {
  if (config.psi.strategy === 'quantile') {
    if (column.kind === 'categorical') return valueShares(column.counts);
    const { reference, current } = column.sorted();
    return quantileBinShares(reference, current, referenceQuantileEdges(reference, config.psi.bins));
  }
  return evidentlyBins(column);
}

function numeric(column: PreparedColumn, method: DriftMethod): PreparedNumeric {
  if (column.kind !== 'numeric') throw new TypeError(`${method} on categorical column "${column.name}" reached evaluateMethod`); // columnRule rejects it
  return column;
}
