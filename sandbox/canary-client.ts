import type { ExampleRow } from '../serving/features.js';
import type { ModelCard } from '../training/model-card.js';

/** The two protocols canary requests take turns on: what vetiver's clients and what KServe/Triton clients send. */
export type CanaryProtocol = 'vetiver' | 'v2';

/** One row's answer, in the card's class order. */
export interface ServedAnswer {
  label?: string;
  probabilities?: number[];
  value?: number;
}

export type CanaryOutcome = { ms: number } & ({ ok: true; answer: ServedAnswer } | { ok: false; error: string });

/**
 * Sends one row over HTTP as a client would and reads the answer back into
 * the card's class order. Any non-200 answer or an answer of the wrong shape
 * is an error of the served candidate; `ms` is the client-side latency
 * (request written → body read).
 */
export async function sendCanary(url: string, card: ModelCard, protocol: CanaryProtocol, row: ExampleRow, timeoutMs: number): Promise<CanaryOutcome> {
  const started = performance.now();
  let status: number;
  let text: string;
  try {
    const res =
      protocol === 'vetiver'
        ? await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([row]), signal: AbortSignal.timeout(timeoutMs) })
        : await fetch(`${url}/v2/models/${encodeURIComponent(card.modelName)}/infer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(v2Request(card, row)),
            signal: AbortSignal.timeout(timeoutMs),
          });
    status = res.status;
    text = await res.text();
  } catch (err) {
    return { ms: performance.now() - started, ok: false, error: `no answer: ${(err as Error).message}` };
  }
  const ms = performance.now() - started;
  if (status !== 200) return { ms, ok: false, error: `HTTP ${status}: ${text.slice(0, 300)}` };
  try {
    const body = JSON.parse(text) as unknown;
    return { ms, ok: true, answer: protocol === 'vetiver' ? vetiverAnswer(card, body) : v2Answer(card, body) };
  } catch (err) {
    return { ms, ok: false, error: `malformed answer: ${(err as Error).message}` };
  }
}

function v2Request(card: ModelCard, row: ExampleRow) {
  return {
    inputs: card.features.map((f) => ({
      name: f.name,
      shape: [1, 1],
      datatype: f.kind === 'numeric' ? 'FP64' : 'BYTES',
      data: [row[f.name] ?? null],
    })),
  };
}

function vetiverAnswer(card: ModelCard, body: unknown): ServedAnswer {
  const b = body as { predict?: unknown[]; probabilities?: Record<string, unknown>[] };
  if (!Array.isArray(b.predict) || b.predict.length !== 1) throw new Error('"predict" is not a list of one prediction');
  if (card.task === 'regression') return { value: number(b.predict[0], 'predict[0]') };
  const probs = b.probabilities?.[0];
  if (!probs) throw new Error('a classifier answered without "probabilities"');
  return {
    label: String(b.predict[0]),
    probabilities: (card.classes ?? []).map((c) => number(probs[String(c)], `probabilities[0]["${String(c)}"]`)),
  };
}

function v2Answer(card: ModelCard, body: unknown): ServedAnswer {
  const outputs = (body as { outputs?: { name: string; data?: unknown[] }[] }).outputs;
  if (!Array.isArray(outputs)) throw new Error('no "outputs"');
  const output = (name: string) => {
    const o = outputs.find((x) => x.name === name);
    if (!o || !Array.isArray(o.data)) throw new Error(`no "${name}" output with data`);
    return o.data;
  };
  if (card.task === 'regression') return { value: number(output('variable')[0], 'variable[0]') };
  const k = (card.classes ?? []).length;
  const probabilities = output('probabilities');
  if (probabilities.length !== k) throw new Error(`"probabilities" has ${probabilities.length} values for ${k} classes`);
  return { label: String(output('label')[0]), probabilities: probabilities.map((p, i) => number(p, `probabilities[${i}]`)) };
}

function number(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new Error(`${what} is ${JSON.stringify(v)}, not a number`);
  return v;
}
