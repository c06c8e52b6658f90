import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, NotFoundError } from '../errors/index.js';
import { aliasChangeMatches, type Registry } from '../registry/types.js';
import { ModelCard } from '../training/model-card.js';
import type { ExampleRow } from './features.js';
import type { ModelIdentity } from './loaded-model.js';

/** Everything needed to load one model version. */
export interface ModelArtifact {
  identity: ModelIdentity;
  card: ModelCard;
  bytes: Uint8Array;
  prototype: ExampleRow[] | null;
}

/**
 * Where the served model comes from. `head()` is the cheap question asked on
 * every poll ("which version is current?"); `load()` fetches the bytes only
 * when the answer changed.
 */
export interface ModelSource {
  readonly name: string;
  readonly description: string;
  /** Whether the source can change while serving (a registry alias can; a file is served as loaded). */
  readonly followable: boolean;
  head(): Promise<{ version: string }>;
  load(version: string): Promise<ModelArtifact>;
  /**
   * Optional: calls `onChange` whenever the source may have moved (a
   * notification, not a promise of a change: the follower re-reads `head()`).
   * Resolves once watching; the function it resolves to stops it. Sources
   * without it are polled only.
   */
  watch?(onChange: () => void, onError?: (err: unknown, context: string) => void): Promise<() => Promise<void>>;
}

/**
 * A registry alias (default `champion`): the version it points at, re-checked
 * by the follower; watched too when the registry can (PostgreSQL
 * LISTEN/NOTIFY), so a move is followed at once rather than at the next poll.
 */
export function registrySource(
  registry: Registry,
  model: string,
  alias = 'champion',
  /** How to watch the registry's alias moves (default: its own watchAliases; a server shares one, see shared-watch.ts). */
  watchAliases: Registry['watchAliases'] = registry.watchAliases?.bind(registry),
): ModelSource {
  const description = `registry:${model}@${alias}`;
  return {
    name: model,
    description,
    followable: true,
    async head() {
      const v = await registry.resolveAlias(model, alias);
      if (!v) throw new NotFoundError(`model "${model}" has no alias "${alias}" in the registry (nothing to serve yet)`, { model, alias });
      return { version: String(v.version) };
    },
    async load(version) {
      const v = await registry.getVersion(model, Number(version));
      const bytes = await registry.readModel(v);
      return {
        identity: { name: model, version: String(v.version), sha256: v.sha256, source: description, createdAt: v.createdAt },
        card: v.card,
        bytes,
        prototype: null,
      };
    },
    ...(watchAliases
      ? {
          watch: (onChange: () => void, onError?: (err: unknown, context: string) => void) =>
            watchAliases((e) => {
              if (aliasChangeMatches(e, model, alias)) onChange();
            }, { onError }),
        }
      : {}),
  };
}

/**
 * An ONNX file written by the trainer, with metadata.json (the card) and,
 * when present, prototype.json beside it. It has no registry version, so its
 * version is the first 12 hex digits of the ONNX bytes' sha256.
 */
export async function fileSource(onnxPath: string, name?: string): Promise<ModelSource> {
  const file = resolve(onnxPath);
  const artifact = await readFileArtifact(file, name);
  return {
    name: artifact.identity.name,
    description: artifact.identity.source,
    followable: false,
    async head() {
      return { version: artifact.identity.version };
    },
    async load() {
      return artifact;
    },
  };
}

async function readFileArtifact(file: string, name?: string): Promise<ModelArtifact> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read the ONNX model ${file}: ${(err as Error).message}`, { file });
  }
  const metadataPath = join(dirname(file), 'metadata.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(metadataPath, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the model card ${metadataPath} (the trainer writes it beside model.onnx): ${(err as Error).message}`, {
      file: metadataPath,
    });
  }
  const parsed = ModelCard.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${metadataPath} is not a driftloop model card: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { file: metadataPath });
  }
  let prototype: ExampleRow[] | null = null;
  try {
    const p = JSON.parse(await readFile(join(dirname(file), 'prototype.json'), 'utf8'));
    if (Array.isArray(p)) prototype = p as ExampleRow[];
  } catch {
    // prototype.json is optional: examples are then synthesised from the card.
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    identity: { name: name ?? parsed.data.modelName, version: sha256.slice(0, 12), sha256, source: `file:${file}`, createdAt: null },
    card: parsed.data,
    bytes,
    prototype,
  };
}
