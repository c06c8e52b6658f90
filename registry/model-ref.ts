import { ModelName } from '../config/model-name.js';
import { ConfigError, NotFoundError } from '../errors/index.js';
import { ALIAS } from './sql-registry.js';
import { CHAMPION, type ModelVersion, type Registry } from './types.js';

/** A model version named on the command line: `NAME` (its champion), `NAME@alias` or `NAME:version`. */
export type ModelRef = { model: string; alias: string } | { model: string; version: number };

export const REF_HELP = 'NAME (its champion), NAME@alias or NAME:version';

/** Parses `NAME`, `NAME@alias` or `NAME:version` (model names contain neither "@" nor ":"). */
export function parseModelRef(text: string): ModelRef {
  const bad = (why: string) => new ConfigError(`invalid model reference ${JSON.stringify(text)}: ${why}; use ${REF_HELP}`, { field: 'model' });
  const m = /^([^@:]*)(?:@([^@:]*)|:([^@:]*))?$/.exec(text);
  if (!m) throw bad('use at most one "@alias" or ":version"');
  const [, name = '', alias, version] = m;
  const model = ModelName.safeParse(name);
  if (!model.success) throw bad(`the model name ${model.error.issues[0]?.message}`);
  if (alias !== undefined) {
    if (!ALIAS.test(alias)) throw bad('an alias is 1-32 of a-z, 0-9, "_", "-", starting with a letter');
    return { model: model.data, alias };
  }
  if (version !== undefined) return { model: model.data, version: parseVersion(version, bad) };
  return { model: model.data, alias: CHAMPION };
}

/** A bare model name (promote, rollback). */
export function parseModelName(text: string): string {
  const model = ModelName.safeParse(text);
  if (!model.success) throw new ConfigError(`invalid model name ${JSON.stringify(text)}: ${model.error.issues[0]?.message}`, { field: 'model' });
  return model.data;
}

export function parseVersion(text: string, bad: (why: string) => Error): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw bad(`the version must be a positive integer, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** The version a reference names; NotFoundError saying what is missing. */
export async function resolveModelRef(registry: Registry, ref: ModelRef): Promise<ModelVersion> {
  if ('version' in ref) {
    await requireModel(registry, ref.model);
    return registry.getVersion(ref.model, ref.version);
  }
  const version = await registry.resolveAlias(ref.model, ref.alias);
  if (version) return version;
  await requireModel(registry, ref.model);
  throw new NotFoundError(`model "${ref.model}" has no "${ref.alias}" alias`, { model: ref.model, alias: ref.alias });
}

export async function requireModel(registry: Registry, model: string): Promise<void> {
  if ((await registry.listVersions(model)).length === 0) throw new NotFoundError(`there is no model "${model}" in the registry`, { model });
}

export function formatModelRef(ref: ModelRef): string {
  return 'version' in ref ? `${ref.model}:${ref.version}` : `${ref.model}@${ref.alias}`;
}
