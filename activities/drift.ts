import { Context } from '@temporalio/activity';
import type { PipelineConfig } from '../config/pipeline.js';
import { columnsFromTable } from '../dataset/columns-from-table.js';
import type { ColumnSet } from '../dataset/columns.js';
import { readColumns } from '../dataset/read-columns.js';
import { readPipelineWindow } from '../dataset/window.js';
import { computeDriftReport } from '../drift/index.js';
import type { ColumnDrift, DriftReport } from '../drift/report.js';
import { asActivity } from './failures.js';
import type { ActivityDeps, VersionRef } from './shared.js';

export interface DriftInput {
  pipeline: PipelineConfig;
  champion: VersionRef;
}

/** One drifted column, as the pass summary shows it. */
export interface DriftedColumn {
  name: string;
  method: ColumnDrift['method'];
  statistic: number | null;
  pValue: number | null;
  threshold: number | null;
  mustWatch: boolean;
}

/**
 * The drift stage's decision, kept small because it lives in workflow
 * history: the full per-column report is stored in the registry (`reportId`).
 */
export interface DriftResult {
  detected: boolean;
  /** Every drifted column, most drifted first. */
  drifted: string[];
  /** The most drifted columns with their figures (at most five). */
  top: DriftedColumn[];
  share: number;
  threshold: number;
  testedColumns: number;
  mustWatchDrifted: string[];
  /** Columns that could not be tested (too few rows, empty window…), with why. */
  insufficient: { name: string; reason: string }[];
  /** Columns whose missing share jumped. */
  missingJumps: string[];
  rows: { reference: number; current: number };
  /** Where the current window came from. */
  window: string;
  reportId: number;
}

const TOP = 5;

export function createDrift({ registry }: ActivityDeps) {
  /**
   * Compares the current window with the champion's own training rows (its
   * stored snapshot, not whatever file the config names today), stores the
   * full report, and returns the decision.
   */
  return function drift({ pipeline, champion }: DriftInput): Promise<DriftResult> {
    return asActivity(async () => {
      const version = await registry.getVersion(pipeline.model, champion.version);
      const columns = pipeline.features.map((f) => ({ name: f.name, kind: f.kind }));
      const reference = await readColumns(await registry.trainingDataPath(version), { columns, format: 'csv' });
      const { set: current, description } = await readCurrentWindow(pipeline, registry);
      const report = computeDriftReport(reference, current, { config: pipeline.drift, columns: columns.map((c) => c.name) });
      const at = new Date().toISOString();
      const runId = activityRunId();
      // Stored as JSON only: /reports/<id> renders the HTML on request (≈ 220 KB each, mostly Chart.js).
      const { id } = await registry.saveDriftReport({ model: pipeline.model, version: champion.version, runId, at, report });
      return summarise(report, description, id);
    });
  };
}

async function readCurrentWindow(pipeline: PipelineConfig, registry: ActivityDeps['registry']): Promise<{ set: ColumnSet; description: string }> {
  const source = pipeline.monitor.window;
  // Files are read column by column (fast, Parquet too); the log and queries arrive as rows.
  if (!source || source.kind === 'file') {
    const path = source?.path ?? pipeline.data.current;
    const columns = pipeline.features.map((f) => ({ name: f.name, kind: f.kind }));
    return { set: await readColumns(path, { columns }), description: path };
  }
  const table = await readPipelineWindow(pipeline, registry);
  return { set: columnsFromTable(table, pipeline.features), description: table.description };
}

function activityRunId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.runId;
  } catch {
    return undefined; // called outside an activity (tests, CLI)
  }
}

/** How far past its threshold a column is, comparable across methods (p-values: smaller is further). */
function severity(c: ColumnDrift): number {
  if (c.statistic === null || c.threshold === null) return 0;
  if (c.pValue !== null) return -Math.log10(Math.max(c.pValue, 1e-300) / c.threshold);
  return c.statistic / c.threshold;
}

function summarise(report: DriftReport, window: string, reportId: number): DriftResult {
  const drifted = report.columns.filter((c) => c.drifted).sort((a, b) => severity(b) - severity(a));
  return {
    detected: report.dataset.drifted,
    drifted: drifted.map((c) => c.name),
    top: drifted.slice(0, TOP).map((c) => ({
      name: c.name,
      method: c.method,
      statistic: c.statistic,
      pValue: c.pValue,
      threshold: c.threshold,
      mustWatch: c.mustWatch,
    })),
    share: report.dataset.share,
    threshold: report.dataset.threshold,
    testedColumns: report.dataset.testedColumns,
    mustWatchDrifted: report.dataset.mustWatchDrifted,
    insufficient: report.columns.filter((c) => c.status === 'insufficient-data').map((c) => ({ name: c.name, reason: c.reason ?? '' })),
    missingJumps: report.columns.filter((c) => c.missingJump).map((c) => c.name),
    rows: report.dataset.rows,
    window,
    reportId,
  };
}
