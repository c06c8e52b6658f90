import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPipelineConfig } from '../../config/load.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { DEPLOY, readDeploy, yamlFile } from './assets.js';
import { PINNED_IMAGE } from './dockerfile.js';

/**
 * deploy/compose.yaml, parsed (there is no Docker engine here to start it):
 * the services, pinned images, health checks and start order, secrets only
 * in env files, and the wiring between the worker, the trainer, the pipeline
 * config and Prometheus.
 */

type Obj = Record<string, any>;
const compose = yamlFile('compose.yaml') as { services: Record<string, Obj>; volumes: Obj };
const services = compose.services;
const env = (service: string): Record<string, string> => services[service]!.environment ?? {};
const SECRET_NAME = /PASSWORD|PWD|SECRET|TOKEN|DATABASE_URL|API_KEY/;
/** One-shot services: they exit when done, so have no health check. */
const ONE_SHOT = new Set(['temporal-search-attributes']);

describe('compose.yaml', () => {
  it('runs Temporal (server + UI on PostgreSQL), PostgreSQL, the worker, the trainer worker, serving, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['grafana', 'postgresql', 'prometheus', 'serving', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'trainer', 'worker'].sort(),
    );
    expect(services.temporal!.image).toMatch(/^temporalio\/(auto-setup|server):/);
    expect(env('temporal')).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services.postgresql!.image).toMatch(/^postgres:/);
  });

  it('pins every image to an exact version and builds ours from the Dockerfiles', () => {
    for (const [name, s] of Object.entries(services)) {
      // PostgreSQL's releases are numbered major.minor: 16.4 is exact.
      expect(s.image, name).toMatch(s.image.startsWith('postgres:') ? /^postgres:\d+\.\d+-[a-z]+$/ : PINNED_IMAGE);
    }
    expect(services.worker!.build).toEqual({ context: '..', dockerfile: 'deploy/docker/worker.Dockerfile' });
    expect(services.serving!.build).toEqual({ context: '..', dockerfile: 'deploy/docker/serving.Dockerfile' });
    expect(services.trainer!.build).toEqual({ context: '../trainer' });
    for (const s of Object.values(services).filter((s) => s.build)) {
      expect(existsSync(DEPLOY + s.build.context + '/' + (s.build.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
  });

  it('gives every long-running service a health check and starts each after what it needs is healthy', () => {
    for (const [name, s] of Object.entries(services)) {
      if (ONE_SHOT.has(name)) {
        expect(s.restart, name).toBe('no');
        continue;
      }
      expect(Array.isArray(s.healthcheck?.test) && ['CMD', 'CMD-SHELL'].includes(s.healthcheck.test[0]), name).toBe(true);
      expect(s.restart, name).toBe('unless-stopped');
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries((s.depends_on ?? {}) as Record<string, Obj>)) {
        expect(services[dep], `${name} → ${dep}`).toBeTruthy();
        const want = ONE_SHOT.has(dep) ? 'service_completed_successfully' : 'service_healthy';
        expect(cond.condition, `${name} → ${dep}`).toBe(want);
      }
    }
    expect(Object.keys(services.worker!.depends_on).sort()).toEqual(['postgresql', 'temporal', 'temporal-search-attributes']);
    expect(Object.keys(services.temporal!.depends_on)).toEqual(['postgresql']);
    expect(services.serving!.healthcheck.test.join(' ')).toContain('/v2/health/ready');
  });

  it('keeps secrets out of the file: only env files (git-ignored, with committed *.example templates) carry them', () => {
    const text = readDeploy('compose.yaml');
    expect(text).not.toMatch(/change-me|REPLACE_ME/);
    for (const [name, s] of Object.entries(services)) {
      for (const key of Object.keys(s.environment ?? {})) expect(SECRET_NAME.test(key), `${name}.environment.${key}`).toBe(false);
      for (const file of s.env_file ?? []) {
        expect(file, name).toMatch(/^env\/[a-z]+\.env$/);
        const example = readDeploy(`${file}.example`);
        expect(example.length, `${file}.example`).toBeGreaterThan(0);
      }
    }
    expect(readDeploy('env/.gitignore')).toMatch(/^\*\.env$/m);
    // Services that need a password get it from their env file.
    const keys = (file: string) => parse(readDeploy(`${file}.example`).replace(/=/g, ': ').replace(/: $/gm, ': ""')) as Obj;
    expect(Object.keys(keys('env/postgres.env'))).toEqual(expect.arrayContaining(['POSTGRES_USER', 'POSTGRES_PASSWORD']));
    expect(Object.keys(keys('env/temporal.env'))).toEqual(expect.arrayContaining(['POSTGRES_USER', 'POSTGRES_PWD']));
    expect(Object.keys(keys('env/driftloop.env'))).toEqual(expect.arrayContaining(['DRIFTLOOP_DATABASE_URL', 'DRIFTLOOP_GITHUB_TOKEN']));
    expect(services.worker!.env_file).toEqual(['env/driftloop.env']);
    expect(services.serving!.env_file).toEqual(['env/driftloop.env']);
  });

  it('runs training on the trainer image as a Temporal worker (trainer.runner "temporal") sharing DRIFTLOOP_HOME with the worker', async () => {
    const config = await loadPipelineConfig(DEPLOY + 'config/churn.yaml');
    expect(config.trainer.runner).toBe('temporal');
    expect(env('trainer').DRIFTLOOP_TRAINER_TASK_QUEUE).toBe(config.trainer.taskQueue);
    expect(services.trainer!.command).toEqual(['worker']);
    const home = env('worker').DRIFTLOOP_HOME;
    for (const name of ['worker', 'trainer', 'serving']) {
      expect(services[name]!.volumes, name).toContain(`driftloop-home:${home}`);
    }
    for (const path of [config.data.reference, config.data.current]) expect(path.startsWith(`${home}/`)).toBe(true);
    // The worker finds the config by model name in DRIFTLOOP_CONFIG_DIR.
    expect(services.worker!.volumes).toContain(`./config:${env('worker').DRIFTLOOP_CONFIG_DIR}:ro`);
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['driftloop-home', 'postgres-data']));
  });

  it('registers every search attribute driftloop sets before the worker starts', () => {
    const script = services['temporal-search-attributes']!.command.join(' ');
    const TYPES: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int' };
    for (const sa of SEARCH_ATTRIBUTES) expect(script).toContain(`${sa.name}:${TYPES[sa.type]}`);
    expect(script.match(/\b\w+:(Keyword|Int)\b/g)!.length).toBe(SEARCH_ATTRIBUTES.length);
  });

  it('Prometheus scrapes the services on the ports they export their metrics on', () => {
    const prom = yamlFile('prometheus/prometheus.yml') as Obj;
    const targets = Object.fromEntries(prom.scrape_configs.map((s: Obj) => [s.job_name, s.static_configs[0].targets[0]]));
    expect(targets).toEqual({ 'driftloop-serving': 'serving:8080', 'driftloop-worker': 'worker:9464', 'driftloop-trainer': 'trainer:9465' });
    expect(env('worker').DRIFTLOOP_WORKER_METRICS_ADDRESS).toBe('0.0.0.0:9464');
    expect(env('trainer').DRIFTLOOP_TRAINER_METRICS_ADDRESS).toBe('0.0.0.0:9465');
    expect(services.serving!.ports).toContain('8080:8080');
    expect(services.prometheus!.volumes).toContain('./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    // Grafana's provisioned data source is the one the dashboard's panels name.
    const ds = (yamlFile('grafana/provisioning/datasources/prometheus.yaml') as Obj).datasources[0];
    expect(ds.url).toBe('http://prometheus:9090');
    const dashboard = JSON.parse(readFileSync(DEPLOY + 'grafana/driftloop-dashboard.json', 'utf8')) as Obj;
    for (const p of dashboard.panels.filter((p: Obj) => p.type !== 'row')) expect(p.datasource.uid, p.title).toBe(ds.uid);
  });
});
