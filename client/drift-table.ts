import type { ColumnDrift, DriftReport } from '../drift/report.js';

/** A drift report as a terminal table: one row per column, then the data set's verdict. */
export function formatDriftTable(report: DriftReport): string {
  const header = ['column', 'kind', 'method', 'statistic', 'p-value', 'threshold', 'drifted', 'missing ref', 'missing cur'];
  const rows = report.columns.map((c) => [
    c.name + (c.mustWatch ? ' *' : ''),
    c.kind,
    c.method ?? '—',
    c.statistic === null ? '—' : num(c.statistic),
    c.pValue === null ? '—' : num(c.pValue),
    c.threshold === null ? '—' : num(c.threshold),
    verdict(c),
    missing(c.missing.reference, c.rows.reference),
    missing(c.missing.current, c.rows.current) + (c.missingJump ? ' ↑' : ''),
  ]);
  const right = new Set([3, 4, 5, 7, 8]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const d = report.dataset;
  const out = [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
  out.push('');
  out.push(
    `data set: ${d.drifted ? 'DRIFT' : 'no drift'} — ${d.driftedColumns} of ${d.testedColumns} tested columns drifted ` +
      `(share ${pct(d.share)}, threshold ${pct(d.threshold)})` +
      (d.mustWatchDrifted.length ? `; must-watch drifted: ${d.mustWatchDrifted.join(', ')}` : '') +
      `; rows: reference ${d.rows.reference.toLocaleString('en')}, current ${d.rows.current.toLocaleString('en')}`,
  );
  const notes = report.columns.filter((c) => c.reason).map((c) => `  ${c.name}: ${c.reason}`);
  if (notes.length) out.push('notes:', ...notes);
  if (report.columns.some((c) => c.mustWatch)) out.push('* must-watch column: drifts the data set on its own');
  if (report.columns.some((c) => c.missingJump)) out.push('↑ missing share grew by at least the configured increase');
  return out.join('\n');
}

function verdict(c: ColumnDrift): string {
  if (c.status === 'insufficient-data') return 'insufficient data';
  return c.drifted ? 'DRIFT' : 'no';
}

/** Four significant digits; tiny p-values in exponent form. */
function num(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

function missing(count: number, present: number): string {
  const total = count + present;
  return total === 0 ? '0' : `${count.toLocaleString('en')} (${pct(count / total)})`;
}

function pct(share: number): string {
  return `${Number((share * 100).toPrecision(3))} %`;
}
