import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { temporalCli } from '../../config/paths.js';
import { freePort, startDevServer } from '../../devserver/dev-server.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

async function customAttributes(address: string): Promise<string[]> {
  const conn = await Connection.connect({ address });
  try {
    const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.keys(customAttributes ?? {});
  } finally {
    await conn.close();
  }
}

describe('the dev server on a database from an older driftloop', () => {
  it('adds the search attributes the database lacks (start-dev registers them only when it creates the database)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'driftloop-devdb-'));
    try {
      // An "old" database: created by start-dev knowing only ModelName.
      const port = await freePort();
      const old = spawn(temporalCli(), [
        'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless',
        '--db-filename', join(home, 'temporal.sqlite'), '--log-level', 'error', '--search-attribute', 'ModelName=Keyword',
      ], { stdio: 'ignore' });
      const exited = new Promise((r) => old.once('exit', r));
      try {
        for (let i = 0; ; i++) {
          try {
            expect(await customAttributes(`127.0.0.1:${port}`)).toContain('ModelName');
            break;
          } catch (err) {
            if (i > 120) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
        expect(await customAttributes(`127.0.0.1:${port}`)).not.toContain('Stage');
      } finally {
        old.kill('SIGTERM');
        await exited;
      }

      const server = await startDevServer({ home });
      try {
        const names = await customAttributes(server.address);
        for (const sa of SEARCH_ATTRIBUTES) expect(names).toContain(sa.name);
      } finally {
        await server.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
