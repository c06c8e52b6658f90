import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { PipelineConfig } from '../config/pipeline.js';
import { OnnxModel, type ModelOutputs } from '../inference/onnx-model.js';
import { exampleRows, type ExampleRow } from '../serving/features.js';
import { sendCanary, type CanaryOutcome, type CanaryProtocol } from '../sandbox/canary-client.js';
import { holdoutRecords, recordsTable, type CanaryRow } from '../sandbox/canary-rows.js';
import { compareWithReference, selfInconsistency } from '../sandbox/compare.js';
import { latencyFigures, type LatencyFigures } from '../sandbox/latency.js';
import { startServeProcess, type ServeProcess } from '../sandbox/serve-process.js';
import { ModelCard } from '../training/model-card.js';
import { asActivity } from './failures.js';
import { readHoldout, type ActivityDeps } from './shared.js';

export interface SandboxInput {
  pipeline: PipelineConfig;
  /** The trainer's output directory: model.onnx, metadata.json (and prototype.json). */
  candidateDir: string;
}

export interface SandboxCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface SandboxResult {
  /** Every check passed: the candidate loads, answers like in-process inference, and fits the latency budget. */
  passed: boolean;
  /** One sentence per failed check, naming what failed (empty when passed). */
  reasons: string[];
  checks: SandboxCheck[];
  /** Canary requests sent. */
  requests: number;
  /** Client-side latency of the canary requests; null when none was sent (the candidate did not load). */
  latencyMs: LatencyFigures | null;
  /** The p95 budget the latency was judged against (pipeline.sandbox.latencyBudgetMs). */
  budgetMs: number;
}

/** A single canary request waits at most this long (a hung server is an error of the candidate, not a stuck activity). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests left out of the latency figures (see below). */
const WARMUP_REQUESTS = 20;
/** Heartbeat details are updated every this many canary requests. */
const PROGRESS_EVERY = 25;
/** Mismatches named in a failed check's detail: the first few say enough. */
const SHOWN = 3;

export function createValidateInSandbox(_deps: ActivityDeps) {
  /**
   * Infra validation before promotion (docs/sandbox.md): the candidate is
   * served by a real `driftloop serve` process on a spare port and sent canary
   * requests. A candidate that fails to load, answers wrongly or with errors,
   * or is too slow is reported (`passed: false`, with reasons), not thrown:
   * the workflow turns it into a rejection. Only infrastructure trouble (node
   * cannot be started, the holdout cannot be read) throws.
   */
  return function validateInSandbox({ pipeline, candidateDir }: SandboxInput): Promise<SandboxResult> {
    return asActivity(async () => {
      const signal = cancellation();
      const result = await runSandbox(pipeline, candidateDir, signal);
      // A cancelled run's failed checks describe the cancellation, not the candidate: never return them as a verdict.
      if (signal?.aborted) throw signal.reason ?? new Error('validateInSandbox was cancelled');
      return result;
    });
  };
}

async function runSandbox(pipeline: PipelineConfig, candidateDir: string, signal: AbortSignal | undefined): Promise<SandboxResult> {
  const cfg = pipeline.sandbox;
  const checks: SandboxCheck[] = [];
  const result = (requests = 0, latencyMs: LatencyFigures | null = null): SandboxResult => {
    const failed = checks.filter((c) => !c.passed);
    return {
      passed: failed.length === 0,
      reasons: failed.map((c) => `sandbox ${c.name}: ${c.detail}`),
      checks,
      requests,
      latencyMs,
      budgetMs: cfg.latencyBudgetMs,
    };
  };

  const startedAt = performance.now();
  const started = await startServeProcess({ onnx: join(candidateDir, 'model.onnx'), startTimeoutMs: cfg.startTimeoutSeconds * 1000, signal });
  if ('failed' in started) {
    checks.push({ name: 'load', passed: false, detail: `the candidate failed to load in the serving process: ${started.failed}` });
    return result();
  }
  const server: ServeProcess = started.process;
  let reference: OnnxModel | null = null;
  try {
    checks.push({ name: 'load', passed: true, detail: `served at ${server.url} (pid ${server.pid}), ready after ${Math.round(performance.now() - startedAt)} ms` });

    // The serving process accepted the card and the graph; the same files are the in-process reference.
    let card: ModelCard;
    try {
      card = ModelCard.parse(JSON.parse(await readFile(join(candidateDir, 'metadata.json'), 'utf8')));
      reference = await OnnxModel.load(await readFile(join(candidateDir, 'model.onnx')), card, 'sandbox reference');
    } catch (err) {
      checks.push({ name: 'reference', passed: false, detail: `the candidate does not load in-process: ${(err as Error).message}` });
      return result();
    }

    const rows = await canaryRows(pipeline, candidateDir, card, cfg.requests, checks);
    let expected: ModelOutputs;
    try {
      expected = await reference.run(recordsTable(card, rows.map((r) => r.record)));
    } catch (err) {
      checks.push({ name: 'reference', passed: false, detail: `in-process inference of the canary rows failed: ${(err as Error).message}` });
      return result();
    }

    const outcomes = await sendAll(server.url, card, rows, cfg.requests, cfg.concurrency, signal);
    judgeAnswers(card, rows, outcomes, expected, cfg.tolerance, checks);
    // The first requests pay the fresh process's JIT and connection set-up, which no warm replica in
    // production pays: they are checked for answers but left out of the latency figures.
    const warm = outcomes.length > WARMUP_REQUESTS * 2 ? outcomes.slice(WARMUP_REQUESTS) : outcomes;
    const latency = latencyFigures(warm.map((o) => o.outcome.ms));
    if (latency) {
      const figures = `p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms, max ${latency.max} ms over ${warm.length} requests after ${outcomes.length - warm.length} warm-up`;
      checks.push(
        latency.p95 <= cfg.latencyBudgetMs
          ? { name: 'latency', passed: true, detail: `${figures}; p95 within the budget of ${cfg.latencyBudgetMs} ms` }
          : { name: 'latency', passed: false, detail: `p95 latency ${latency.p95} ms exceeds the budget of ${cfg.latencyBudgetMs} ms (${figures})` },
      );
    }
    return result(outcomes.length, latency);
  } finally {
    await Promise.all([server.stop(), reference?.release()]);
  }
}

/**
 * The rows canary requests carry: the candidate's prototype (prototype.json
 * beside the model, else rows synthesised from the card, as the server's
 * GET /prototype shows them), then holdout rows of the current window, enough
 * for every request to carry a different row where the holdout allows.
 */
async function canaryRows(pipeline: PipelineConfig, candidateDir: string, card: ModelCard, requests: number, checks: SandboxCheck[]): Promise<CanaryRow[]> {
  let prototype: ExampleRow[] | null = null;
  try {
    const p = JSON.parse(await readFile(join(candidateDir, 'prototype.json'), 'utf8')) as unknown;
    if (Array.isArray(p)) prototype = p as ExampleRow[];
  } catch {
    // prototype.json is optional (the serving process synthesises examples from the card then; so do we).
  }
  const proto = exampleRows(card, prototype).map((record) => ({ source: 'prototype' as const, record }));
  const holdout = holdoutRecords(card, await readHoldout(pipeline), Math.max(0, requests - proto.length));
  if (holdout.missing.length) {
    checks.push({ name: 'holdout', passed: false, detail: `the current window's holdout lacks the candidate's feature(s) ${holdout.missing.map((n) => `"${n}"`).join(', ')}` });
  }
  return [...proto, ...holdout.rows.map((record) => ({ source: 'holdout' as const, record }))];
}

interface Sent {
  index: number;
  row: number;
  protocol: CanaryProtocol;
  outcome: CanaryOutcome;
}

/** `requests` single-row requests, `concurrency` at a time, cycling over the rows and taking turns on the protocols. */
async function sendAll(url: string, card: ModelCard, rows: CanaryRow[], requests: number, concurrency: number, signal: AbortSignal | undefined): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < requests; i = next++) {
      if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
      const row = i % rows.length;
      const protocol: CanaryProtocol = i % 2 === 0 ? 'vetiver' : 'v2';
      sent.push({ index: i, row, protocol, outcome: await sendCanary(url, card, protocol, rows[row]!.record, REQUEST_TIMEOUT_MS) });
      if (sent.length % PROGRESS_EVERY === 0 || sent.length === requests) report({ stage: 'sandbox', sent: sent.length, of: requests });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, lane));
  return sent.sort((a, b) => a.index - b.index);
}

/** The "responses", "answers" and "consistency" checks. */
function judgeAnswers(card: ModelCard, rows: CanaryRow[], sent: Sent[], expected: ModelOutputs, tolerance: number, checks: SandboxCheck[]): void {
  const where = (s: Sent) => `request ${s.index + 1} (${s.protocol}, ${rows[s.row]!.source} row)`;
  const errors = sent.filter((s) => !s.outcome.ok);
  checks.push(
    errors.length === 0
      ? { name: 'responses', passed: true, detail: `${sent.length} of ${sent.length} requests answered 200 (vetiver /predict and V2 infer)` }
      : {
          name: 'responses',
          passed: false,
          detail: `${errors.length} of ${sent.length} requests failed; ${errors.slice(0, SHOWN).map((s) => `${where(s)}: ${s.outcome.ok ? '' : s.outcome.error}`).join('; ')}`,
        },
  );

  const answered = sent.filter((s) => s.outcome.ok);
  if (answered.length === 0) return;
  const classes = card.task === 'regression' ? null : (card.classes ?? []).map(String);
  let maxDiff = 0;
  const mismatches: string[] = [];
  const inconsistent: string[] = [];
  for (const s of answered) {
    if (!s.outcome.ok) continue;
    const answer = s.outcome.answer;
    const { diff, mismatch } = compareWithReference(expected, s.row, answer, tolerance);
    maxDiff = Math.max(maxDiff, diff);
    if (mismatch) mismatches.push(`${where(s)}: ${mismatch}`);
    const issue = selfInconsistency(classes, answer, tolerance);
    if (issue) inconsistent.push(`${where(s)}: ${issue}`);
  }
  const what = card.task === 'regression' ? 'values' : 'labels and probabilities';
  checks.push(
    mismatches.length === 0
      ? { name: 'answers', passed: true, detail: `${answered.length} answers match in-process inference (${what}; max |difference| ${maxDiff.toExponential(2)} ≤ tolerance ${tolerance})` }
      : {
          name: 'answers',
          passed: false,
          detail: `${mismatches.length} of ${answered.length} answers differ from in-process inference beyond tolerance ${tolerance}; ${mismatches.slice(0, SHOWN).join('; ')}`,
        },
  );
  checks.push(
    inconsistent.length === 0
      ? { name: 'consistency', passed: true, detail: classes ? `every label is the most probable of the card's classes ${JSON.stringify(classes)}` : 'every value is finite' }
      : { name: 'consistency', passed: false, detail: `${inconsistent.length} of ${answered.length} answers are inconsistent; ${inconsistent.slice(0, SHOWN).join('; ')}` },
  );
}

/** Progress in the activity's heartbeat details (shown with the pending activity in the Web UI); nothing outside an activity. */
function report(details: { stage: 'sandbox'; sent: number; of: number }): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not running as an activity (a direct call): nobody to tell.
  }
}

/** The activity's cancellation as an AbortSignal (stops the serving process at once); none outside an activity. */
function cancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
