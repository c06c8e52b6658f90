import type { ModelCard } from '../training/model-card.js';

/**
 * What a request row must look like, derived from the model card: the card is
 * the trainer's own record of the ONNX inputs, so validating against it means
 * a request that passes validation cannot fail inside onnxruntime.
 */
export type FeatureSpec =
  | { name: string; kind: 'numeric'; range: { min: number | null; max: number | null } }
  | { name: string; kind: 'categorical'; categories: ReadonlySet<string> };

export interface FeatureSchema {
  features: readonly FeatureSpec[];
  byName: ReadonlyMap<string, FeatureSpec>;
}

/** One input row as JSON: null is a missing value (imputed by the model, as at training time). */
export type ExampleRow = Record<string, number | string | null>;

export function featureSchema(card: ModelCard): FeatureSchema {
  const features: FeatureSpec[] = card.features.map((f) =>
    f.kind === 'numeric'
      ? { name: f.name, kind: 'numeric', range: f.range }
      : { name: f.name, kind: 'categorical', categories: new Set(f.categories) },
  );
  return { features, byName: new Map(features.map((f) => [f.name, f])) };
}

/**
 * Example rows: the trainer's prototype.json when the model came with one (a
 * file beside model.onnx); otherwise synthesised from the card (the registry
 * keeps only the ONNX bytes and the card): the middle of each numeric range and
 * the first category, which is a row the model is guaranteed to accept.
 */
export function exampleRows(card: ModelCard, prototype?: readonly ExampleRow[] | null): ExampleRow[] {
  const names = card.features.map((f) => f.name);
  const usable = (prototype ?? []).filter((row) => names.every((n) => n in row));
  if (usable.length > 0) return usable.map((row) => Object.fromEntries(names.map((n) => [n, row[n] ?? null])));
  const row: ExampleRow = {};
  for (const f of card.features) {
    if (f.kind === 'numeric') {
      const { min, max } = f.range;
      row[f.name] = min !== null && max !== null ? Math.round(((min + max) / 2) * 100) / 100 : (min ?? max ?? 0);
    } else {
      row[f.name] = f.categories[0] ?? null;
    }
  }
  return [row];
}

/**
 * JSON Schema (draft 2020-12 / OpenAPI 3.1 compatible) of one input row, as
 * vetiver's GET /prototype returns it, and as the OpenAPI document shows the
 * row of every record-based endpoint. Training ranges are informative, not
 * constraints: a value outside them is still a valid input.
 */
export function rowJsonSchema(
  card: ModelCard,
  examples: readonly ExampleRow[],
  extraFields: 'reject' | 'ignore',
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of card.features) {
    const values = examples.map((e) => e[f.name]).filter((v) => v !== null && v !== undefined);
    if (f.kind === 'numeric') {
      const { min, max } = f.range;
      properties[f.name] = {
        type: ['number', 'null'],
        description: `numeric feature; null = missing. Seen in training: ${min ?? '?'} … ${max ?? '?'}`,
        ...(values.length ? { default: values[0], examples: values.slice(0, 5) } : {}),
      };
    } else {
      const shown = f.categories.slice(0, 50);
      properties[f.name] = {
        type: ['string', 'null'],
        description:
          `categorical feature; null or "" = missing. Categories seen in training: ${shown.map((c) => JSON.stringify(c)).join(', ')}` +
          `${f.categories.length > shown.length ? ', …' : ''}. Other values are accepted and ignored by the model (counted in X-Unknown-Categories).`,
        ...(values.length ? { default: values[0], examples: values.slice(0, 5) } : {}),
      };
    }
  }
  return {
    title: `${card.modelName} prototype`,
    type: 'object',
    properties,
    required: card.features.map((f) => f.name),
    additionalProperties: extraFields === 'ignore',
    examples: examples.slice(0, 3),
  };
}
