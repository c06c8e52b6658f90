/**
 * Runs test/reference/drift_reference.py (Evidently + SciPy, in the reference
 * venv) and reads the fixture files it wrote into ColumnSets with the real
 * columnar reader.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { DriftConfigInput } from '../../config/drift.js';
import type { ColumnSet } from '../../dataset/columns.js';
import { readColumns } from '../../dataset/read-columns.js';

export type Encoded = number | { nonFinite: 'nan' | 'inf' | '-inf' } | null;

export interface ReferenceColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  missing: { reference: number; current: number };
  rows: { reference: number; current: number };
  /** SciPy/NumPy values per method (psi_quantile: PSI on 10 reference-quantile bins). */
  scipy: Record<string, { statistic: Encoded; pValue: Encoded }>;
}

export interface EvidentlyColumn {
  method: string;
  score: Encoded;
  threshold: number;
  drifted: boolean;
}

export interface ReferenceRun {
  name: string;
  config: DriftConfigInput;
  columns: string[] | null;
  evidently: { columns: Record<string, EvidentlyColumn>; dataset: { count: number; share: number; drifted: boolean } };
}

export interface ReferenceFixture {
  name: string;
  format: 'csv' | 'parquet';
  reference: string;
  current: string;
  rows: { reference: number; current: number };
  columns: ReferenceColumn[];
  runs: ReferenceRun[];
}

const PYTHON = fileURLToPath(new URL('../../.venv-reference/bin/python', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../reference/drift_reference.py', import.meta.url));

/** Generates the fixtures (≈ 30–60 s: Evidently is the slow part). */
export function generateReferenceFixtures(): ReferenceFixture[] {
  const dir = mkdtempSync(join(tmpdir(), 'driftloop-drift-reference-'));
  const out = execFileSync(PYTHON, [SCRIPT, dir], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DO_NOT_TRACK: '1' },
  });
  return (JSON.parse(out) as { fixtures: ReferenceFixture[] }).fixtures;
}

export async function readFixture(fixture: ReferenceFixture): Promise<{ reference: ColumnSet; current: ColumnSet }> {
  const columns = fixture.columns.map((c) => ({ name: c.name, kind: c.kind }));
  const [reference, current] = await Promise.all([readColumns(fixture.reference, { columns }), readColumns(fixture.current, { columns })]);
  return { reference, current };
}

/** A JSON-encoded reference number as a JS number (NaN / ±Infinity restored); null stays null. */
export function decode(value: Encoded): number | null {
  if (value === null || typeof value === 'number') return value;
  return value.nonFinite === 'nan' ? Number.NaN : value.nonFinite === 'inf' ? Infinity : -Infinity;
}
