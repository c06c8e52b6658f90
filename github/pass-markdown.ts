import type { DriftResult, EvaluateResult } from '../activities/index.js';
import type { PassSummary } from '../workflows/summary.js';

/**
 * A pass summary as GitHub-flavoured markdown, for a check run's output and
 * a reply comment. Pure text: the activity decides where it goes. GitHub
 * caps a check run's `output.summary` at 65,535 characters; `clip` keeps a
 * text under that.
 */

export const GITHUB_TEXT_LIMIT = 65_535;

type Outcome = { status: string; reason?: string; result?: unknown };

const ICON: Record<string, string> = { done: '✅', running: '⏳', skipped: '⏭️', pending: '▫️' };

/**
 * What a finished pass's decision means on a commit: success when the pass
 * did what it should (a promotion, or nothing to do); failure when the
 * candidate this code produced is defective (it failed the serving sandbox)
 * or was rolled back after doing worse live; neutral when nothing shipped by
 * judgement (kept champion, rejected, canary withdrawn).
 */
export function conclusionOf(decision: string): 'success' | 'neutral' | 'failure' {
  if (['promoted', 'bootstrapped', 'no-retrain'].includes(decision)) return 'success';
  if (['failed-sandbox', 'rolled-back'].includes(decision)) return 'failure';
  return 'neutral';
}

const DECISION_TEXT: Record<string, string> = {
  bootstrapped: 'bootstrapped: the first version was trained and became champion',
  promoted: 'promoted: the candidate beat the champion and became champion',
  'kept-champion': 'kept the champion: the candidate did not pass the evaluation gates',
  'no-retrain': 'no retrain: no drift, metric within threshold and rules',
  rejected: 'rejected: the candidate was not approved; the champion stays',
  'failed-sandbox': 'failed the serving sandbox: the candidate did not load, answered wrongly or was too slow; the champion stays',
  'canary-failed': 'canary withdrawn: the candidate did not do as well as the champion on live traffic; the champion stays',
  'rolled-back': 'rolled back: the promoted version did worse live than the champion it replaced',
};

export function decisionText(s: PassSummary): string {
  const d = s.decision;
  if (d === null) return 'in progress';
  const version = promotedVersion(s);
  const text = DECISION_TEXT[d] ?? d;
  return version !== null && (d === 'promoted' || d === 'bootstrapped') ? `${text} (version ${version})` : text;
}

/** The version that became champion, when one did. */
export function promotedVersion(s: PassSummary): number | null {
  const p = s.stages.promote;
  return p.status === 'done' && p.result.promoted ? p.result.version : null;
}

/** The check run's title: short, shown next to the check's name. */
export function titleOf(s: PassSummary): string {
  if (s.decision !== null) {
    const v = promotedVersion(s);
    return `${s.model}: ${s.decision}${v !== null ? ` version ${v}` : ''}`;
  }
  return s.stage === null ? `${s.model}: starting` : (s.stage as string) === 'approval' ? `${s.model}: awaiting approval` : `${s.model}: ${s.stage}…`;
}

/** One line per stage the summary records (in its order), with its state and headline figure. */
export function stageList(s: PassSummary): string {
  const lines: string[] = [];
  for (const [name, raw] of Object.entries(s.stages)) {
    const o = raw as Outcome;
    const icon = ICON[o.status] ?? '•';
    const what = o.status === 'skipped' ? `skipped: ${o.reason ?? ''}` : o.status === 'done' ? stageFigure(name, o.result) : o.status;
    lines.push(`- ${icon} **${name}** — ${what}`);
  }
  return lines.join('\n');
}

function stageFigure(stage: string, result: unknown): string {
  const r = result as Record<string, unknown>;
  switch (stage) {
    case 'monitor':
      return r.status === 'no-champion' ? 'no champion yet' : `champion ${r.metric} ${num(r.value as number | null)} on ${r.rows} labelled rows${r.belowThreshold ? ' (below threshold)' : ''}`;
    case 'drift':
      return r.detected ? `drift detected in ${(r.drifted as string[]).length} of ${r.testedColumns} columns` : `no drift (${r.testedColumns} columns tested)`;
    case 'evaluate':
      return `${r.metric} candidate ${num(r.candidate as number)} vs champion ${num(r.champion as number)}: ${r.won ? 'passed the gates' : 'did not pass the gates'}`;
    case 'promote':
      return r.promoted ? `version ${r.version} is champion` : `version ${r.version} registered, not promoted`;
    default:
      return 'done';
  }
}

/** The drift verdicts: the overall one and the most drifted columns. */
export function driftSection(d: DriftResult): string {
  const head = d.detected
    ? `**Drift detected**: ${d.drifted.length} of ${d.testedColumns} columns drifted (share ${num(d.share)}, threshold ${num(d.threshold)})${d.mustWatchDrifted.length ? `; must-watch: ${d.mustWatchDrifted.map(code).join(', ')}` : ''}.`
    : `**No drift**: ${d.drifted.length} of ${d.testedColumns} columns drifted (share ${num(d.share)}, threshold ${num(d.threshold)}).`;
  const lines = [head, `Reference ${d.rows.reference} rows, current ${d.rows.current} rows (${escape(d.window)}).`];
  if (d.top.length) {
    lines.push('', '| column | test | statistic | p-value | threshold |', '| --- | --- | ---: | ---: | ---: |');
    for (const c of d.top) lines.push(`| ${code(c.name)}${c.mustWatch ? ' (must watch)' : ''} | ${c.method} | ${num(c.statistic)} | ${num(c.pValue)} | ${num(c.threshold)} |`);
  }
  return lines.join('\n');
}

/** Candidate against champion on the holdout rows, one row per metric, with each gate's verdict. */
export function metricsSection(e: EvaluateResult): string {
  const gates = e.gates ?? [];
  const lines = [
    `**Candidate vs champion** on ${e.holdoutRows} holdout rows (primary metric ${code(e.metric)}, margin ${e.margin}):`,
    '',
    '| metric | candidate | champion | difference | gates |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  const pairs = e.metrics?.length ? e.metrics : [{ name: e.metric, candidate: e.candidate, champion: e.champion }];
  const ordered = [...pairs.filter((m) => m.name === e.metric), ...pairs.filter((m) => m.name !== e.metric)];
  for (const m of ordered) {
    const mine = gates.filter((g) => g.name.endsWith(`:${m.name}`) || (m.name === e.metric && !g.name.includes(':')));
    const verdict = mine.length ? mine.map((g) => `${g.passed ? '✅' : '❌'} ${escape(g.name)}`).join(', ') : '';
    const diff = m.candidate !== null && m.champion !== null ? signed(m.candidate - m.champion) : '—';
    lines.push(`| ${m.name === e.metric ? `**${m.name}**` : m.name} | ${num(m.candidate)} | ${num(m.champion)} | ${diff} | ${verdict} |`);
  }
  const failed = gates.filter((g) => !g.passed);
  if (failed.length) lines.push('', ...failed.map((g) => `- ❌ ${escape(g.name)}: ${escape(g.detail)}`));
  if (e.bootstrap) lines.push('', `Paired bootstrap (${Math.round(e.bootstrap.confidence * 100)}%): improvement in [${num(e.bootstrap.lower)}, ${num(e.bootstrap.upper)}].`);
  return lines.join('\n');
}

/** The full markdown of a pass: decision, stages, drift, metrics, report link. */
export function passMarkdown(s: PassSummary, opts: { reportLink?: string | null; run: string }): string {
  const parts = [`**Decision**: ${decisionText(s)}`];
  if (s.retrainReasons.length) parts.push(`**Why retrained**: ${s.retrainReasons.join(', ')}`);
  parts.push('', stageList(s));
  if (s.stages.drift.status === 'done') parts.push('', driftSection(s.stages.drift.result));
  if (s.stages.evaluate.status === 'done') parts.push('', metricsSection(s.stages.evaluate.result));
  if (opts.reportLink) parts.push('', `📄 Report: ${opts.reportLink}`);
  parts.push('', `<sub>${escape(opts.run)}</sub>`);
  return clip(parts.join('\n'));
}

export function clip(text: string, limit = GITHUB_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const note = '\n\n… (cut to GitHub\'s size limit; the report has everything)';
  return text.slice(0, limit - note.length) + note;
}

function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : v.toFixed(4);
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${num(v)}`;
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

/** Table cells and inline text: pipes would break a table, and HTML is not ours to inject. */
function escape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}
