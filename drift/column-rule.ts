import { defaultThreshold, P_VALUE_METHODS, NUMERIC_ONLY_METHODS, type DriftConfig, type DriftMethod } from '../config/drift.js';
import { ConfigError } from '../errors/index.js';

/** What the config says about one column before its data is looked at. */
export interface ColumnRule {
  /** The method forced by the config (per feature, then for every column); undefined: Evidently's default choice. */
  method: DriftMethod | undefined;
  mustWatch: boolean;
}

/** Method precedence: `features[name].method` ?? `config.method` ?? the default choice (made later, from the data). */
export function columnRule(name: string, kind: 'numeric' | 'categorical', config: DriftConfig): ColumnRule {
  const feature = config.features[name];
  const method = feature?.method ?? config.method;
  if (method && kind === 'categorical' && NUMERIC_ONLY_METHODS.has(method)) {
    const where = feature?.method ? `features.${name}.method` : 'method';
    throw new ConfigError(`column "${name}" is categorical: ${method} needs ordered (numeric) values (${where}); use chisquare, ztest, jensenshannon or psi`, {
      column: name,
      method,
    });
  }
  return { method, mustWatch: feature?.mustWatch ?? false };
}

/**
 * Threshold precedence: `features[name].threshold` ?? `config.threshold` ??
 * (for p-value methods) the deprecated `config.pValue` ?? the method's default
 * (Evidently's: 0.05 for p-values, 0.1 for distances).
 */
export function columnThreshold(name: string, method: DriftMethod, config: DriftConfig): number {
  return (
    config.features[name]?.threshold ??
    config.threshold ??
    (P_VALUE_METHODS.has(method) ? config.pValue : undefined) ??
    defaultThreshold(method)
  );
}
