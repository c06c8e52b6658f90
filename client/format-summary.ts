import type { FeatureDrift } from '../activities/index.js';
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
      : `champion v${m.champion.version}: ${m.metric} ${fmt(m.value)} on ${m.rows} rows` +
        (m.threshold === null ? '' : ` (threshold ${m.threshold}${m.belowThreshold ? ', BELOW' : ', ok'})`),
  ));
  row('drift', describe(st.drift, (d) => {
    const tested = d.features.filter((f): f is Extract<FeatureDrift, { status: 'tested' }> => f.status === 'tested');
    const worst = [...tested].sort((a, b) => a.pValue - b.pValue).slice(0, 3);
    const detail = worst.map((f) => `${f.feature} KS=${fmt(f.statistic)} p=${fmt(f.pValue)}`).join(', ');
    const untested = d.features.filter((f) => f.status !== 'tested').map((f) => f.feature);
    return (
      (d.detected ? `DRIFT in ${d.drifted.join(', ')}` : 'no drift') +
      ` (${d.rows.reference} reference vs ${d.rows.current} current rows; ${detail})` +
      (untested.length ? `; not tested: ${untested.join(', ')}` : '')
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
    (e.won ? 'candidate wins' : 'champion stays'),
  ));
  row('promote', describe(st.promote, (p) =>
    `version ${p.version} (${p.sha256.slice(0, 12)})${p.registered ? ' registered' : ' already registered'}; ` +
    (p.promoted ? `champion → v${p.version}` + (p.previousChampion ? ` (was v${p.previousChampion})` : '') : 'champion unchanged'),
  ));
  lines.push(`  decision  ${s.decision ?? `in progress (${s.stage})`}`);
  return lines.join('\n');
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
