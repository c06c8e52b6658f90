import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** Readers of the files under deploy/, shared by the deploy tests. */

export const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readDeploy(path: string): string {
  return readFileSync(DEPLOY + path, 'utf8');
}

export function yamlFile(path: string): unknown {
  return parse(readDeploy(path));
}

/** Every document of every deploy/kubernetes/*.yaml except kustomization.yaml, with the file it came from. */
export function kubernetesObjects(): { file: string; object: Record<string, unknown> }[] {
  const out: { file: string; object: Record<string, unknown> }[] = [];
  for (const file of readdirSync(DEPLOY + 'kubernetes').filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(readDeploy(`kubernetes/${file}`))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const object = doc.toJS() as Record<string, unknown> | null;
      if (object) out.push({ file, object });
    }
  }
  return out;
}

/** The PromQL expressions of every panel target in the Grafana dashboard. */
export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readDeploy('grafana/driftloop-dashboard.json')) as { panels: { targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/**
 * The metric families the dashboard queries: identifiers in its PromQL that
 * start with driftloop_ or temporal_, with the histogram/summary series
 * suffixes folded back into their family.
 */
export function dashboardMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const expr of dashboardExpressions()) {
    for (const m of expr.matchAll(/\b((?:driftloop|temporal)_[a-zA-Z0-9_]+)\b/g)) names.add(familyOf(m[1]!));
  }
  return names;
}

export function familyOf(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}

/** job_name → the port of its (first) static target, from deploy/prometheus/prometheus.yml. */
export function prometheusScrapeTargets(): Map<string, string> {
  const config = yamlFile('prometheus/prometheus.yml') as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] };
  return new Map(config.scrape_configs.map((s) => [s.job_name, s.static_configs?.[0]?.targets[0]?.split(':')[1] ?? '']));
}
