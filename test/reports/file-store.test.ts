import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerDashboard } from '../../client/commands/dashboard.js';
import { ConfigError, NotFoundError } from '../../errors/index.js';
import { parseReportId, ReportFiles } from '../../reports/file-store.js';
import { reportSource } from '../../reports/source.js';

let dir: string;
let files: ReportFiles;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-report-files-'));
  files = new ReportFiles(join(dir, 'reports'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('report files under DRIFTLOOP_HOME/reports', () => {
  it('saves <model>/<kind>-<time>.html with its .json, never overwriting a report of the same second', async () => {
    const a = await files.save({ model: 'churn', kind: 'drift', at: '2025-03-01T12:30:05.123Z', drifted: true, html: '<p>a</p>' });
    const b = await files.save({ model: 'churn', kind: 'drift', at: '2025-03-01T12:30:05.900Z', drifted: false, html: '<p>b</p>' });
    expect(a.id).toBe('churn/drift-20250301T123005Z');
    expect(b.id).toBe('churn/drift-20250301T123005Z-2');
    expect((await readdir(join(dir, 'reports', 'churn'))).sort()).toEqual([
      'drift-20250301T123005Z-2.html', 'drift-20250301T123005Z-2.json', 'drift-20250301T123005Z.html', 'drift-20250301T123005Z.json',
    ]);
    expect(await files.read(a.id)).toBe('<p>a</p>');
    expect((await files.list()).get('churn')).toEqual([
      { id: b.id, kind: 'drift', at: '2025-03-01T12:30:05.900Z', drifted: false },
      { id: a.id, kind: 'drift', at: '2025-03-01T12:30:05.123Z', drifted: true },
    ]);
  });

  it('lists an HTML file dropped in without a .json by its name and modification time, and ignores what is not a report', async () => {
    const folder = join(dir, 'reports', 'fraud');
    await files.save({ model: 'fraud', kind: 'drift', at: '2025-01-01T00:00:00Z', html: 'x' });
    await writeFile(join(folder, 'run-manual.html'), '<p>by hand</p>');
    await utimes(join(folder, 'run-manual.html'), new Date('2025-02-02T00:00:00Z'), new Date('2025-02-02T00:00:00Z'));
    await writeFile(join(folder, 'notes.txt'), 'not a report');
    await writeFile(join(folder, '.hidden.html'), 'not listed');
    await writeFile(join(dir, 'reports', 'README'), 'a file where a model folder would be');
    const listed = (await files.list()).get('fraud')!;
    expect(listed.map((r) => [r.id, r.kind, r.at])).toEqual([
      ['fraud/run-manual', 'run', '2025-02-02T00:00:00.000Z'],
      ['fraud/drift-20250101T000000Z', 'drift', '2025-01-01T00:00:00.000Z'],
    ]);
    expect([...(await files.list()).keys()]).toEqual(['fraud']);
  });

  it('refuses ids that could leave the folder, and bad names, with typed errors', async () => {
    for (const id of ['../etc/passwd', 'churn/../../x', 'churn/.hidden', 'churn', 'churn/a/b', '/churn/a', 'Churn/a']) {
      expect(() => parseReportId(id), id).toThrow(NotFoundError);
    }
    await expect(files.read('churn/nothing')).rejects.toThrow(NotFoundError);
    await expect(files.save({ model: '../x', kind: 'drift', html: '' })).rejects.toThrow(ConfigError);
    await expect(files.save({ model: 'churn', kind: 'drift', name: 'a/b', html: '' })).rejects.toThrow(/invalid report name/);
    await expect(files.save({ model: 'churn', kind: 'drift', at: 'noon', html: '' })).rejects.toThrow(/at: /);
  });

  it('makes a model known only by its report files a dashboard entry with 0 versions', async () => {
    await files.save({ model: 'churn', kind: 'run', at: '2025-03-01T00:00:00Z', html: 'x' });
    expect(await reportSource({ files }).dashboard()).toEqual([
      { name: 'churn', champion: null, versions: 0, reports: [{ id: 'churn/run-20250301T000000Z', kind: 'run', at: '2025-03-01T00:00:00.000Z' }] },
    ]);
    await expect(reportSource({ files }).reportHtml('7')).rejects.toThrow(NotFoundError);
  });
});

describe('driftloop dashboard', () => {
  it('rejects a port that is not one', async () => {
    const program = new Command('driftloop').exitOverride();
    registerDashboard(program, { print: () => undefined });
    await expect(program.parseAsync(['node', 'driftloop', 'dashboard', '--port', '80a'])).rejects.toThrow(/--port must be an integer/);
  });
});
