import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { driftloopHome } from '../config/paths.js';
import { ModelName } from '../config/model-name.js';
import { ConfigError, NotFoundError } from '../errors/index.js';
import { ReportKind, type ReportLink } from './dashboard-data.js';
import { parseReportInput } from './validate.js';

/**
 * Reports kept as files, for a registry without a report store (and for
 * anyone who wants the HTML on disk):
 *
 *   $DRIFTLOOP_HOME/reports/<model>/<name>.html   the self-contained report
 *   $DRIFTLOOP_HOME/reports/<model>/<name>.json   optional: {kind, at, drifted?, title?}
 *
 * A report's id is `<model>/<name>`. Without its .json a report is listed
 * with the kind its name starts with ("run-…" → run, otherwise drift) and
 * its file's modification time.
 */

/** A report file's name (without .html): path-safe, no leading dot. */
const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const ReportFileMeta = z.strictObject({
  kind: ReportKind,
  at: z.iso.datetime({ offset: true }),
  drifted: z.boolean().optional(),
  title: z.string().optional(),
});
export type ReportFileMeta = z.infer<typeof ReportFileMeta>;

export interface SaveReportInput {
  model: string;
  kind: ReportKind;
  html: string;
  /** Default: now. */
  at?: string;
  drifted?: boolean;
  title?: string;
  /** Default: `<kind>-<at as 20250101T120000Z>` (with -2, -3… when taken). */
  name?: string;
}

export class ReportFiles {
  constructor(readonly dir: string) {}

  /** The reports folder of DRIFTLOOP_HOME. */
  static inHome(env: NodeJS.ProcessEnv = process.env): ReportFiles {
    return new ReportFiles(join(driftloopHome(env), 'reports'));
  }

  /** Writes the report (atomically: a reader never sees half a file) and returns its id. */
  async save(input: SaveReportInput): Promise<{ id: string; path: string }> {
    const model = checkModel(input.model);
    const meta = parseReportInput(
      ReportFileMeta,
      { kind: input.kind, at: input.at ?? new Date().toISOString(), drifted: input.drifted, title: input.title },
      `report of model "${model}"`,
    );
    meta.at = new Date(meta.at).toISOString(); // stored as UTC, like the registry's times
    const folder = join(this.dir, model);
    await mkdir(folder, { recursive: true });
    let name: string;
    if (input.name !== undefined) {
      name = checkName(input.name);
    } else {
      const stamp = new Date(meta.at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      name = `${meta.kind}-${stamp}`;
      for (let n = 2; existsSync(join(folder, `${name}.html`)); n++) name = `${meta.kind}-${stamp}-${n}`;
    }
    const path = join(folder, `${name}.html`);
    await writeAtomically(join(folder, `${name}.json`), JSON.stringify(meta, null, 2) + '\n');
    await writeAtomically(path, input.html);
    return { id: `${model}/${name}`, path };
  }

  /** Every report, by model (models in name order, reports newest first). */
  async list(): Promise<Map<string, ReportLink[]>> {
    const out = new Map<string, ReportLink[]>();
    for (const model of (await entries(this.dir)).filter((m) => ModelName.safeParse(m).success).sort()) {
      const folder = join(this.dir, model);
      if (!(await stat(folder)).isDirectory()) continue;
      const links: ReportLink[] = [];
      for (const file of await entries(folder)) {
        if (!file.endsWith('.html')) continue;
        const name = file.slice(0, -'.html'.length);
        if (!REPORT_NAME.test(name)) continue;
        const meta = await this.meta(folder, name);
        links.push({ id: `${model}/${name}`, ...meta });
      }
      links.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
      out.set(model, links);
    }
    return out;
  }

  /** The HTML of report `<model>/<name>`; NotFoundError when there is none (or the id is not a report id). */
  async read(id: string): Promise<string> {
    const { model, name } = parseReportId(id);
    try {
      return await readFile(join(this.dir, model, `${name}.html`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`there is no report ${JSON.stringify(id)}`, { id });
      throw err;
    }
  }

  private async meta(folder: string, name: string): Promise<ReportFileMeta> {
    try {
      const parsed = ReportFileMeta.safeParse(JSON.parse(await readFile(join(folder, `${name}.json`), 'utf8')));
      if (parsed.success) return parsed.data;
    } catch {
      // No (readable) sidecar: fall back to what the file itself says.
    }
    const { mtime } = await stat(join(folder, `${name}.html`));
    return { kind: name.startsWith('run-') ? 'run' : 'drift', at: mtime.toISOString() };
  }
}

/**
 * `<model>/<name>`, each part checked against its alphabet, so that an id
 * from a URL can never leave the reports folder.
 */
export function parseReportId(id: string): { model: string; name: string } {
  const parts = id.split('/');
  const [model, name] = parts;
  if (parts.length !== 2 || !ModelName.safeParse(model).success || !REPORT_NAME.test(name ?? '')) {
    throw new NotFoundError(`there is no report ${JSON.stringify(id)} (report ids are <model>/<name>)`, { id });
  }
  return { model: model!, name: name! };
}

function checkModel(model: string): string {
  const parsed = ModelName.safeParse(model);
  if (!parsed.success) throw new ConfigError(`invalid model name ${JSON.stringify(model)}: ${parsed.error.issues[0]?.message}`, { field: 'model' });
  return parsed.data;
}

function checkName(name: string): string {
  if (!REPORT_NAME.test(name) || name.endsWith('.html')) {
    throw new ConfigError(`invalid report name ${JSON.stringify(name)}: 1-128 of A-Z, a-z, 0-9, ".", "_", "-", starting with a letter or digit, without .html`, { field: 'name' });
  }
  return name;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}
