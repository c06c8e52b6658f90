import { DataError } from '../errors/index.js';
import type { LoggedPrediction } from '../registry/types.js';
import type { ClassifierRow } from './observations.js';

/**
 * Reads the monitoring-relevant values of logged predictions. What serving
 * logs is a class value (string, number or boolean: compared as text, as the
 * model card's classes are) or a regression value; anything else is a
 * DataError naming the request.
 */

export function classifierRow(p: LoggedPrediction, classes: readonly string[]): ClassifierRow {
  const where = `logged prediction ${JSON.stringify(p.requestId)} of ${p.model} v${p.version}`;
  return {
    predicted: classValue(p.prediction, `${where}: the prediction`),
    truth: p.label === null ? null : classValue(p.label, `${where}: the feedback label`),
    probabilities: p.probabilities === null ? null : probabilityRow(p.probabilities, classes, where),
  };
}

export function regressorValues(p: LoggedPrediction): { predicted: number; truth: number | null } {
  const where = `logged prediction ${JSON.stringify(p.requestId)} of ${p.model} v${p.version}`;
  return {
    predicted: numberValue(p.prediction, `${where}: the prediction`),
    truth: p.label === null ? null : numberValue(p.label, `${where}: the feedback label`),
  };
}

function classValue(v: unknown, what: string): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new DataError(`${what} is ${JSON.stringify(v)}, not a class (a string, number or boolean)`);
}

function numberValue(v: unknown, what: string): number {
  const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(x)) throw new DataError(`${what} is ${JSON.stringify(v)}, not a finite number`);
  return x;
}

/** The logged {class: p} in the model's class order; every class must be there, and nothing else. */
function probabilityRow(p: Record<string, number>, classes: readonly string[], where: string): Float64Array {
  const row = new Float64Array(classes.length);
  classes.forEach((c, j) => {
    const v = p[c];
    if (typeof v !== 'number') {
      throw new DataError(`${where}: its probabilities (${Object.keys(p).join(', ')}) lack the model's class ${JSON.stringify(c)}`);
    }
    row[j] = v;
  });
  const extra = Object.keys(p).filter((c) => !classes.includes(c));
  if (extra.length) throw new DataError(`${where}: its probabilities name ${extra.map((c) => JSON.stringify(c)).join(', ')}, not classes of the model (${classes.join(', ')})`);
  return row;
}
