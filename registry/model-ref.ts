import { ModelName } from '../config/model-name.js';
import { ConfigError } from '../errors/index.js';
import type { ModelVersion, Registry } from './types.js';

/** `NAME`, `NAME@alias` or `NAME:version`, as the CLI takes them. */
export type ModelRef = { model: string } & ({ alias: string } | { version: number });

export function parseModelRef(text: string, defaultAlias = 'champion'): ModelRef {
  const m = /^([^@:]+)(?:@([^@:]+)|:(\d+))?$/.exec(text);
  if (!m) throw new ConfigError(`${JSON.stringify(text)} is not a model reference; use NAME, NAME@alias or NAME:version`);
  const name = ModelName.safeParse(m[1]);
  if (!name.success) throw new ConfigError(`invalid model name ${JSON.stringify(m[1])}: ${name.error.issues[0]?.message}`);
  if (m[3] !== undefined) return { model: name.data, version: Number(m[3]) };
  return { model: name.data, alias: m[2] ?? defaultAlias };
}

export function formatModelRef(ref: ModelRef): string {
  return 'version' in ref ? `${ref.model}:${ref.version}` : `${ref.model}@${ref.alias}`;
}

/** The version a reference points at now. */
export async function resolveModelRef(registry: Registry, ref: ModelRef): Promise<ModelVersion> {
  if ('version' in ref) return registry.getVersion(ref.model, ref.version);
  const v = await registry.resolveAlias(ref.model, ref.alias);
  if (!v) throw new ConfigError(`model "${ref.model}" has no alias "${ref.alias}"`, { model: ref.model, alias: ref.alias });
  return v;
}
