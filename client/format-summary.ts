import type { PassSummary, StageOutcome } from '../workflows/summary.js';

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

/** A human-readable account of a pass: one line per stage with its decision and figures. */
export function formatSummary(s: PassSummary): string {
  const lines: string[] = [];
  lines.push(`model ${s.model}  run ${s.runId}${s.forced ? '  (forced)' : ''}`);
  const row = (stage: string, text: string) => lines.push(`  ${stage.padEnd(9)} ${text}`);
  const st = s.stages;

  row('monitor', describe(st.monitor, (m) =>
    m.status === 'no-champion'
      ? 'no champion yet: bootstrapping the first version'
      : `champion v${m.champion.version}: ` +
        (m.value === null ? `no labelled rows yet (${m.windowRows} rows in the window)` : `${m.metric} ${fmt(m.value)} on ${m.rows} labelled rows`) +
        (m.threshold === null ? '' : ` (threshold ${m.threshold}${m.belowThreshold ? ', BELOW' : ', ok'})`) +
        (m.degradation ? `; rules: ${m.degradation.degraded ? 'DEGRADED' : m.degradation.insufficient ? 'insufficient data' : 'ok'} (${m.degradation.reason})` : ''),
  ));
  row('drift', describe(st.drift, (d) => {
    const detail = d.top
      .map((c) => `${c.name} ${c.method}=${c.statistic === null ? '—' : fmt(c.statistic)}${c.pValue === null ? '' : ` p=${fmt(c.pValue)}`}`)
      .join(', ');
    const verdict = d.detected
      ? `DRIFT: ${d.drifted.length}/${d.testedColumns} columns drifted (share ${fmt(d.share)}, data-set threshold ${d.threshold})` +
        (d.mustWatchDrifted.length ? `; must-watch drifted: ${d.mustWatchDrifted.join(', ')}` : '')
      : `no data-set drift: ${d.drifted.length}/${d.testedColumns} columns drifted`;
    return (
      `${verdict} (${d.rows.reference} reference vs ${d.rows.current} current rows${detail ? `; ${detail}` : ''})` +
      (d.insufficient.length ? `; insufficient data: ${d.insufficient.map((c) => c.name).join(', ')}` : '') +
      (d.missingJumps.length ? `; missing share jumped: ${d.missingJumps.join(', ')}` : '') +
      `; report ${d.reportId}`
    );
  }));
  row('retrain', describe(st.retrain, (r) =>
    `${r.trained ? 'trained' : 'reused finished training'} on ${r.trainingRows} rows (${s.retrainReasons.join(', ')}); validation ` +
    Object.entries(r.validationMetrics)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k} ${fmt(v as number)}`)
      .join(', '),
  ));
  row('evaluate', describe(st.evaluate, (e) =>
    `${e.metric} candidate ${fmt(e.candidate)} vs champion ${fmt(e.champion)} on ${e.holdoutRows} holdout rows (margin ${e.margin}): ` +
    (e.won ? 'candidate wins' : 'champion stays') +
    ((e.gates ?? []).some((g) => !g.passed) ? `; failed gates: ${(e.gates ?? []).filter((g) => !g.passed).map((g) => `${g.name} (${g.detail})`).join('; ')}` : ''),
  ));
  if (s.sandbox) {
    const l = s.sandbox.latencyMs;
    row('sandbox', `${s.sandbox.passed ? 'passed' : `FAILED: ${s.sandbox.reasons.join('; ')}`} (${s.sandbox.requests} requests` + (l ? `, p95 ${fmt(l.p95)} ms of ${s.sandbox.budgetMs} ms budget)` : ')'));
  }
  row('promote', describe(st.promote, (p) =>
    `version ${p.version} (${p.sha256.slice(0, 12)})${p.registered ? ' registered' : ' already registered'}; ` +
    (p.promoted ? `champion → v${p.version}` + (p.previousChampion ? ` (was v${p.previousChampion})` : '') : 'champion unchanged'),
  ));
  if (s.approval) row('approval', approvalLine(s.approval));
  if (s.canary) {
    const c = s.canary;
    row('canary', `v${c.version} at ${c.share * 100}% of traffic since ${c.startedAt}` + (c.comparison ? `: ${c.comparison.verdict} (${c.comparison.reasons.join('; ')})` : ''));
  }
  if (s.watch) row('watch', `${s.watch.comparison.verdict} (${s.watch.comparison.reasons.join('; ')})${s.watch.rolledBack ? '; ROLLED BACK' : ''}`);
  if (s.github) row('github', s.github.status === 'reported' ? `check run ${s.github.checkRunId}` : `reporting failed: ${s.github.reason}`);
  lines.push(`  decision  ${s.decision ?? `in progress (${s.stage})`}`);
  if (s.report) lines.push(`  report    ${s.report.status === 'written' ? `${s.report.href} (driftloop dashboard)` : `not written: ${s.report.reason}`}`);
  return lines.join('\n');
}

function approvalLine(a: NonNullable<PassSummary['approval']>): string {
  switch (a.status) {
    case 'waiting':
      return `v${a.candidate} waits for \`driftloop approve|reject\` until ${a.deadline}`;
    case 'approved':
    case 'rejected':
      return `v${a.candidate} ${a.status} by ${a.by} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`;
    case 'timed-out':
      return `v${a.candidate}: nobody answered before ${a.deadline}; rejected`;
  }
}

function describe<T>(outcome: StageOutcome<T>, done: (r: T) => string): string {
  switch (outcome.status) {
    case 'pending':
      return '…';
    case 'running':
      return 'running';
    case 'skipped':
      return `skipped: ${outcome.reason}`;
    case 'done':
      return done(outcome.result);
  }
}
