import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/paths.js';

/**
 * Chart.js (UMD build, defines `window.Chart`), read from node_modules at
 * render time and inlined into every report, so a report opens offline and
 * keeps working when it is mailed around or archived.
 */
const CHART_JS = join(projectRoot, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js');

let cached: string | undefined;

export function chartJsSource(): string {
  if (cached === undefined) {
    // The source map is not shipped with the report: drop the comment that points at it.
    const source = readFileSync(CHART_JS, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
    // Inlined into <script>: a "</script" inside would end the element early.
    if (/<\/script|<!--/i.test(source)) throw new Error(`${CHART_JS} contains "</script" or "<!--" and cannot be inlined`);
    cached = source;
  }
  return cached;
}
