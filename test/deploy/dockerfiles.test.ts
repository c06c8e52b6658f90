import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEPLOY, ROOT } from './assets.js';
import { all, parseDockerfile, PINNED_IMAGE } from './dockerfile.js';

/**
 * The images' Dockerfiles, parsed line-wise (there is no Docker engine here
 * to build them): multi-stage, every base pinned to an exact version, a
 * non-root USER before the ENTRYPOINT, a HEALTHCHECK, production-only npm
 * installs with the repository's .npmrc.
 */

const IMAGES = {
  worker: { file: DEPLOY + 'docker/worker.Dockerfile', context: ROOT },
  serving: { file: DEPLOY + 'docker/serving.Dockerfile', context: ROOT },
  trainer: { file: ROOT + 'trainer/Dockerfile', context: ROOT + 'trainer/' },
};

/** The JSON-form CMD of a HEALTHCHECK instruction. */
function healthcheckCommand(args: string): string[] {
  return JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
}

/** .dockerignore semantics enough for our files: last matching pattern wins, "!" re-includes. */
function ignored(path: string, patterns: string[]): boolean {
  let out = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const glob = p.replace(/^!/, '').replace(/\/$/, '');
    const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*') + '(/.*)?$');
    if (re.test(path)) out = !negated;
  }
  return out;
}

describe('Dockerfiles', () => {
  for (const [image, { file, context }] of Object.entries(IMAGES)) {
    describe(image, () => {
      const stages = parseDockerfile(file);
      const final = stages.at(-1)!;

      it('is multi-stage, every FROM pinned to an exact version', () => {
        expect(stages.length).toBeGreaterThanOrEqual(2);
        for (const s of stages) expect(s.from, `FROM ${s.from}`).toMatch(PINNED_IMAGE);
        // The final stage copies built artefacts from the earlier ones.
        expect(all(final, 'COPY').some((c) => c.startsWith('--from='))).toBe(true);
      });

      it('runs as a non-root user created in the final stage, set before the ENTRYPOINT', () => {
        const users = all(final, 'USER');
        expect(users.length).toBe(1);
        const [user] = users[0]!.split(':');
        expect(['root', '0']).not.toContain(user);
        expect(Number(user)).toBeGreaterThan(0);
        expect(all(final, 'RUN').some((r) => r.includes('useradd') && r.includes(`--uid ${user}`))).toBe(true);
        const keywords = final.instructions.map((i) => i.keyword);
        expect(keywords.lastIndexOf('USER')).toBeLessThan(keywords.indexOf('ENTRYPOINT'));
        expect(() => JSON.parse(all(final, 'ENTRYPOINT')[0]!)).not.toThrow(); // exec form: signals reach the process
      });

      it('has a HEALTHCHECK in exec form with an interval and a timeout', () => {
        const [check] = all(final, 'HEALTHCHECK');
        expect(check).toBeTruthy();
        expect(check).toMatch(/--interval=\d+s/);
        expect(check).toMatch(/--timeout=\d+s/);
        expect(healthcheckCommand(check!).length).toBeGreaterThan(1);
      });

      it('copies only files that exist and that its .dockerignore lets into the build context', () => {
        const ignoreFile = image === 'trainer' ? context + '.dockerignore' : `${file}.dockerignore`;
        const patterns = readFileSync(ignoreFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
        for (const stage of stages) {
          for (const copy of all(stage, 'COPY').filter((c) => !c.startsWith('--from='))) {
            const sources = copy.split(/\s+/).slice(0, -1);
            for (const source of sources.filter((s) => s !== '.')) {
              expect(existsSync(context + source), source).toBe(true);
              expect(ignored(source, patterns), `${source} is excluded by ${ignoreFile}`).toBe(false);
            }
          }
        }
      });
    });
  }

  for (const image of ['worker', 'serving'] as const) {
    it(`${image}: production dependencies by npm ci --omit=dev, with the repository's .npmrc (onnxruntime-node-install=skip)`, () => {
      const stages = parseDockerfile(IMAGES[image].file);
      const runs = stages.flatMap((s) => all(s, 'RUN'));
      expect(runs.some((r) => /\bnpm ci --omit=dev\b/.test(r))).toBe(true);
      expect(runs.some((r) => /\bnpm install\b/.test(r))).toBe(false);
      for (const s of stages.filter((s) => all(s, 'RUN').some((r) => r.includes('npm ci')))) {
        expect(all(s, 'COPY').some((c) => c.split(/\s+/).includes('.npmrc')), `stage ${s.name}`).toBe(true);
      }
      expect(readFileSync(ROOT + '.npmrc', 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
      // The runtime stage takes node_modules from the --omit=dev stage, never from the build stage.
      const final = stages.at(-1)!;
      const nodeModules = all(final, 'COPY').find((c) => c.includes('node_modules'))!;
      const from = /--from=(\S+)/.exec(nodeModules)![1];
      const source = stages.find((s) => s.name === from)!;
      expect(all(source, 'RUN').some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
      expect(final.from).toBe(source.from);
    });
  }

  it('serving: the HEALTHCHECK asks /v2/health/live on the port the ENTRYPOINT serves on', () => {
    const final = parseDockerfile(IMAGES.serving.file).at(-1)!;
    const cmd = healthcheckCommand(all(final, 'HEALTHCHECK')[0]!);
    expect(cmd.join(' ')).toContain('http://127.0.0.1:8080/v2/health/live');
    expect(JSON.parse(all(final, 'ENTRYPOINT')[0]!)).toEqual(['node', 'bin/driftloop.js', 'serve', '--host', '0.0.0.0', '--port', '8080']);
    expect(all(final, 'EXPOSE')).toEqual(['8080']);
  });

  it('worker: metrics on by default at 0.0.0.0:9464, and the HEALTHCHECK asks that endpoint', () => {
    const final = parseDockerfile(IMAGES.worker.file).at(-1)!;
    expect(all(final, 'ENV').join(' ')).toMatch(/DRIFTLOOP_WORKER_METRICS_ADDRESS=0\.0\.0\.0:9464\b/);
    expect(healthcheckCommand(all(final, 'HEALTHCHECK')[0]!).join(' ')).toContain('http://127.0.0.1:9464/metrics');
    expect(JSON.parse(all(final, 'ENTRYPOINT')[0]!)).toEqual(['node', 'bin/driftloop.js']);
    expect(JSON.parse(all(final, 'CMD')[0]!)).toEqual(['worker']);
  });

  it('the parser sees what a broken Dockerfile gets wrong', () => {
    expect('node:20').not.toMatch(PINNED_IMAGE);
    expect('node:latest').not.toMatch(PINNED_IMAGE);
    expect('node:20.20.2-bookworm-slim').toMatch(PINNED_IMAGE);
    expect(ignored('trainer/x.py', ['trainer'])).toBe(true);
    expect(ignored('requirements.txt', ['*', '!requirements.txt'])).toBe(false);
  });
});
