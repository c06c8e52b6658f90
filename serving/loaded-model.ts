import * as ort from 'onnxruntime-node';
import { createSession, runSession } from '../inference/session.js';
import type { ModelCard } from '../training/model-card.js';
import { MicroBatcher, type BatcherOptions, type BatchObserver } from './batcher.js';
import type { Columns } from './columns.js';
import { columnsFromRecords } from './row-formats.js';
import { exampleRows, featureSchema, type ExampleRow, type FeatureSchema } from './features.js';

/** Which model a response came from: sent as X-Model-Version and in every body. */
export interface ModelIdentity {
  name: string;
  /** Registry version number as a string, or for a file the first 12 hex digits of the ONNX sha256. */
  version: string;
  sha256: string;
  /** "registry:<model>@<alias>" or "file:<path>". */
  source: string;
  createdAt: string | null;
}

export type ClassValue = string | number | boolean;

/** One request's share of a run. */
export interface RunOutput {
  rows: number;
  /** Classifiers: the predicted class, as the ONNX label output spells it (String()). */
  labels?: string[];
  /** Classifiers: row-major [rows, classes.length]. */
  probabilities?: Float32Array;
  /** Regressors. */
  values?: Float32Array;
}

export interface Lease {
  readonly model: LoadedModel;
  release(): void;
}

/**
 * A model version ready to serve: its onnxruntime session, card, input schema
 * and micro-batcher. inference/onnx-model.ts's OnnxModel returns labels only;
 * serving also needs the probabilities output and control over the session's
 * lifetime, so it runs the session itself with the same input convention
 * (one [N, 1] tensor per feature, float32 / string with "" for missing).
 *
 * Lifetime: requests hold a lease while they use the model; after a hot swap
 * the old version is retired and its session released only when the last
 * lease is returned, so in-flight requests finish on the version they started on.
 */
export class LoadedModel {
  readonly schema: FeatureSchema;
  readonly examples: ExampleRow[];
  readonly classes: ClassValue[];
  readonly batcher: MicroBatcher<Columns, RunOutput>;
  private readonly classByLabel: Map<string, ClassValue>;
  private leases = 0;
  private retiring: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private released = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly card: ModelCard,
    readonly identity: ModelIdentity,
    /** The ONNX bytes (small; kept so that routes can hand the served model out, e.g. to run it in a browser). */
    readonly onnx: Uint8Array,
    prototype: readonly ExampleRow[] | null,
    batcher: BatcherOptions,
    observe?: BatchObserver,
  ) {
    this.schema = featureSchema(card);
    this.examples = exampleRows(card, prototype);
    this.classes = card.classes ?? [];
    this.classByLabel = new Map(this.classes.map((c) => [String(c), c]));
    this.batcher = new MicroBatcher((inputs) => this.runBatch(inputs), batcher, observe);
  }

  static async load(opts: {
    bytes: Uint8Array;
    card: ModelCard;
    identity: ModelIdentity;
    prototype?: readonly ExampleRow[] | null;
    batcher: BatcherOptions;
    observe?: BatchObserver;
    intraOpNumThreads?: number;
  }): Promise<LoadedModel> {
    const session = await createSession(opts.bytes, {
      threads: opts.intraOpNumThreads,
      label: `${opts.identity.name} version ${opts.identity.version}`,
    });
    return new LoadedModel(session, opts.card, opts.identity, opts.bytes, opts.prototype ?? null, opts.batcher, opts.observe);
  }

  get task(): ModelCard['task'] {
    return this.card.task;
  }

  get isClassifier(): boolean {
    return this.card.task !== 'regression';
  }

  /** The class value as the card records it (0 stays a number, "yes" a string). */
  classValue(label: string): ClassValue {
    return this.classByLabel.get(label) ?? label;
  }

  /** One dummy inference from the prototype, so the first real request does not pay for lazy initialisation. */
  async warm(): Promise<void> {
    const cols = columnsFromRecords(this.examples.slice(0, 1), this.schema, { extraFields: 'ignore', maxRows: 1 });
    await this.runBatch([cols]);
  }

  predict(columns: Columns): Promise<RunOutput> {
    return this.batcher.submit(columns);
  }

  acquire(): Lease {
    if (this.released) throw new Error(`model version ${this.identity.version} has been released`);
    this.leases++;
    let done = false;
    return {
      model: this,
      release: () => {
        if (done) return;
        done = true;
        this.leases--;
        if (this.leases === 0 && this.drained) this.drained();
      },
    };
  }

  get activeLeases(): number {
    return this.leases;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Waits for every lease and queued batch, then releases the session. Idempotent. */
  retire(): Promise<void> {
    this.retiring ??= (async () => {
      if (this.leases > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      await this.batcher.drain();
      this.released = true;
      await this.session.release();
    })();
    return this.retiring;
  }

  /** Concatenates the requests' columns, runs once, and splits the outputs back per request. */
  private async runBatch(inputs: Columns[]): Promise<RunOutput[]> {
    const n = inputs.reduce((s, c) => s + c.rows, 0);
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of this.schema.features) {
      if (f.kind === 'numeric') {
        feeds[f.name] = new ort.Tensor('float32', toFloat32(inputs.map((c) => c.numeric.get(f.name)!), n), [n, 1]);
      } else {
        const col = inputs.length === 1 ? inputs[0]!.categorical.get(f.name)! : inputs.flatMap((c) => c.categorical.get(f.name)!);
        feeds[f.name] = new ort.Tensor('string', col, [n, 1]);
      }
    }
    const out = await runSession(this.session, feeds, this.card.task);
    const results: RunOutput[] = [];
    let at = 0;
    if (out.kind === 'values') {
      for (const c of inputs) {
        results.push({ rows: c.rows, values: out.values.slice(at, at + c.rows) });
        at += c.rows;
      }
      return results;
    }
    const k = out.probabilities.length / Math.max(n, 1);
    for (const c of inputs) {
      results.push({ rows: c.rows, labels: out.labels.slice(at, at + c.rows), probabilities: out.probabilities.slice(at * k, (at + c.rows) * k) });
      at += c.rows;
    }
    return results;
  }
}

/** Concatenates float64 columns into one float32 column (the model's input type; same rounding as OnnxModel). */
function toFloat32(parts: Float64Array[], n: number): Float32Array {
  const out = new Float32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
