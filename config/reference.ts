import { z } from 'zod';
import { BatchConfig } from './batch.js';
import { PipelineConfig } from './pipeline.js';

/**
 * docs/configuration.md, rendered from the zod schemas themselves (their
 * JSON Schema: types, bounds, defaults and the `.describe()` texts), so the
 * reference cannot drift from what `driftloop validate` accepts.
 */

type Json = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  properties?: Record<string, Json>;
  required?: string[];
  additionalProperties?: Json | boolean;
  items?: Json;
  oneOf?: Json[];
  anyOf?: Json[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
};

export interface ReferenceRow {
  path: string;
  type: string;
  default: string;
  description: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function typeOf(s: Json): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const variants = s.oneOf ?? s.anyOf;
  if (variants) {
    const kinds = discriminants(variants);
    return kinds ? `one of kind ${kinds.map((k) => JSON.stringify(k)).join(', ')}` : variants.map(typeOf).join(' or ');
  }
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}${s.minItems ? ` (at least ${s.minItems})` : ''}`;
  if (s.type === 'object') return typeof s.additionalProperties === 'object' ? `map of name → ${typeOf(s.additionalProperties)}` : 'object';
  if (s.type === 'number' || s.type === 'integer') {
    const bounds = [
      s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined && s.minimum > -MAX_SAFE ? `≥ ${s.minimum}` : null,
      s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined && s.maximum < MAX_SAFE ? `≤ ${s.maximum}` : null,
    ].filter(Boolean);
    return bounds.length ? `${s.type} ${bounds.join(', ')}` : s.type;
  }
  return s.type ?? 'any';
}

/** The `kind` values of a discriminated union of objects, or null for another union. */
function discriminants(variants: Json[]): string[] | null {
  const kinds = variants.map((v) => v.properties?.kind?.const);
  return kinds.every((k): k is string => typeof k === 'string') ? kinds : null;
}

function defaultOf(s: Json, required: boolean): string {
  if (s.default !== undefined) {
    const text = JSON.stringify(s.default);
    // An object default is the sum of its fields' defaults, listed in their own rows.
    return typeof s.default === 'object' && s.default !== null && text.length > 40 ? 'its fields\' defaults' : `\`${text}\``;
  }
  return required ? '**required**' : '—';
}

function rows(s: Json, path: string, required: boolean, out: ReferenceRow[]): void {
  out.push({ path: `\`${path}\``, type: typeOf(s), default: defaultOf(s, required), description: oneLine(s.description ?? '') });
  children(s, path, out);
}

function children(s: Json, path: string, out: ReferenceRow[]): void {
  if (s.properties) {
    for (const [name, child] of Object.entries(s.properties)) rows(child, `${path}.${name}`, s.required?.includes(name) ?? false, out);
  } else if (s.type === 'array' && s.items?.properties) {
    children(s.items, `${path}[]`, out);
  } else if (s.type === 'object' && typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    children(s.additionalProperties, `${path}.<name>`, out);
  }
  const variants = s.oneOf ?? s.anyOf;
  const kinds = variants && discriminants(variants);
  if (variants && kinds) {
    variants.forEach((v, i) => {
      for (const [name, child] of Object.entries(v.properties ?? {})) {
        if (name === 'kind') continue;
        const at = out.length;
        rows(child, `${path}.${name}`, v.required?.includes(name) ?? false, out);
        // The same field name can mean different things per kind: say which kind each row belongs to.
        out[at]!.description = `(kind ${JSON.stringify(kinds[i])}) ${out[at]!.description}`.trim();
      }
    });
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

/** Rows of a schema, grouped: top-level scalars first, then one group per top-level object or list. */
export function referenceSections(schema: z.ZodType): { title: string; description: string; rows: ReferenceRow[] }[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const top: ReferenceRow[] = [];
  const sections: { title: string; description: string; rows: ReferenceRow[] }[] = [];
  for (const [name, child] of Object.entries(json.properties ?? {})) {
    const required = json.required?.includes(name) ?? false;
    const nested = child.properties || child.oneOf || child.anyOf || child.items?.properties;
    if (!nested) {
      rows(child, name, required, top);
      continue;
    }
    const section: ReferenceRow[] = [];
    rows(child, name, required, section);
    sections.push({ title: name, description: oneLine(child.description ?? ''), rows: section });
  }
  return [{ title: 'top level', description: '', rows: top }, ...sections];
}

function table(rs: ReferenceRow[]): string {
  return ['| field | type | default | description |', '| --- | --- | --- | --- |', ...rs.map((r) => `| ${r.path} | ${r.type} | ${r.default} | ${r.description} |`)].join('\n');
}

function renderSchema(title: string, intro: string, schema: z.ZodType): string {
  const parts = [`## ${title}`, '', intro];
  for (const s of referenceSections(schema)) {
    if (s.rows.length === 0) continue;
    parts.push('', `### ${s.title}`, '');
    if (s.description) parts.push(s.description, '');
    parts.push(table(s.rows));
  }
  return parts.join('\n');
}

/** The whole of docs/configuration.md. */
export function renderConfigReference(): string {
  return [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs:config` (config/write-reference.ts) from the zod schemas in config/. Do not edit by hand: change the schema\'s `.describe()` text and regenerate; test/config/reference.test.ts fails when this file is stale. -->',
    '',
    'Every field of the two config files driftloop reads, with its type, default and meaning. `driftloop validate FILE` checks a pipeline config against exactly these rules (plus the cross-field checks named in the descriptions). Paths in a config are relative to the config file. The CLI\'s own connection settings (Temporal address, TLS, task queue) are not part of these files: see [cli.md](cli.md).',
    '',
    renderSchema('Pipeline config', 'One YAML file per model: `driftloop run FILE`, `driftloop schedule create NAME --retrain FILE`, `driftloop validate FILE`. Cross-field rules: feature names are unique and differ from `target`; `monitor.metric` and `trainer.estimator` must fit `task`; `drift.features` keys must be features (and `ks`/`wasserstein` need numeric ones); `trainer.timeColumn` is not a feature.', PipelineConfig),
    '',
    renderSchema('Batch config', 'One YAML file per batch-scoring job: `driftloop batch FILE`, `driftloop schedule create NAME --batch FILE` (docs/batch.md). Give `alias` or `version`, not both.', BatchConfig),
    '',
  ].join('\n');
}
