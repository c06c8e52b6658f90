import { createHash } from 'node:crypto';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { KubernetesRunnerConfig } from '../../config/pipeline.js';
import { ConfigError } from '../../errors/index.js';
import { trainingJobManifest, trainingJobName, type TrainingJobInput } from '../../training/kubernetes/index.js';
import type { TrainRequest } from '../../training/request.js';
import { mulberry32 } from '../../dataset/synthetic.js';
import { unknownFields } from '../deploy/kubernetes-schema.js';

const HASH = createHash('sha256').update('churn request').digest('hex');
const DATA_HASH = createHash('sha256').update('churn rows').digest('hex');
const HOME = '/srv/driftloop';

const request: TrainRequest = {
  schemaVersion: 1,
  modelName: 'churn',
  task: 'binary',
  target: 'churned',
  features: [
    { name: 'tenure_months', kind: 'numeric' },
    { name: 'plan', kind: 'categorical' },
  ],
  timeColumn: null,
  estimator: { name: 'gradient_boosting', params: { n_estimators: 100 } },
  search: null,
  validation: { policy: 'random', fraction: 0.2 },
  seed: 42,
};

/** Through the config schema, so the defaults are the ones a real config gets. */
const config = KubernetesRunnerConfig.parse({
  namespace: 'ml',
  image: 'registry.example.com/driftloop/trainer:0.1.0',
  serviceAccount: 'driftloop-trainer',
  volumeClaim: 'driftloop-home',
});

function input(overrides: Partial<TrainingJobInput> = {}): TrainingJobInput {
  return {
    request,
    requestHash: HASH,
    paths: {
      request: `${HOME}/runs/${HASH}/request.json`,
      data: `${HOME}/datasets/${DATA_HASH}.csv`,
      out: `${HOME}/runs/${HASH}/out`,
    },
    home: HOME,
    config,
    timeoutSeconds: 3600,
    ...overrides,
  };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('trainingJobManifest', () => {
  it('builds the exact Job for a request', () => {
    const labels = {
      'app.kubernetes.io/name': 'driftloop-trainer',
      'app.kubernetes.io/managed-by': 'driftloop',
      'driftloop.dev/model': 'churn',
      'driftloop.dev/request-hash': HASH.slice(0, 63),
    };
    const resources = { cpu: '1', memory: '2Gi' };
    const expected = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `dl-train-churn-${HASH.slice(0, 12)}`, namespace: 'ml', labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 3600,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: 'driftloop-trainer',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'trainer',
                image: 'registry.example.com/driftloop/trainer:0.1.0',
                args: [
                  'train',
                  '--request',
                  `/var/lib/driftloop/runs/${HASH}/request.json`,
                  '--data',
                  `/var/lib/driftloop/datasets/${DATA_HASH}.csv`,
                  '--out',
                  `/var/lib/driftloop/runs/${HASH}/out`,
                ],
                env: [{ name: 'PYTHONUNBUFFERED', value: '1' }],
                resources: { requests: resources, limits: resources },
                terminationMessagePolicy: 'FallbackToLogsOnError',
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'driftloop-home', mountPath: '/var/lib/driftloop' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'driftloop-home', persistentVolumeClaim: { claimName: 'driftloop-home' } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    };
    const manifest = trainingJobManifest(input());
    expect(manifest).toStrictEqual(expected);
    // No command: the image's ENTRYPOINT (python -m driftloop_trainer) runs with these args.
    expect(manifest.spec?.template.spec?.containers[0]).not.toHaveProperty('command');
    // Nothing on the pod may write outside the shared volume and /tmp.
    expect(manifest.spec?.template.spec?.volumes?.map((v) => v.name).sort()).toEqual(
      manifest.spec?.template.spec?.containers[0]?.volumeMounts?.map((m) => m.name).sort(),
    );
  });

  it('takes resources, deadline, TTL and mount path from its input', () => {
    const custom = KubernetesRunnerConfig.parse({
      image: 'trainer@sha256:' + 'ab'.repeat(32),
      volumeClaim: 'shared.state',
      mountPath: '/data/driftloop/',
      resources: { cpu: '500m', memory: '1.5Gi' },
      ttlSecondsAfterFinished: 0,
    });
    const m = trainingJobManifest(input({ config: custom, timeoutSeconds: 90.2 }));
    expect(m.metadata?.namespace).toBe('default');
    expect(m.spec?.activeDeadlineSeconds).toBe(91);
    expect(m.spec?.ttlSecondsAfterFinished).toBe(0);
    const pod = m.spec?.template.spec;
    expect(pod).not.toHaveProperty('serviceAccountName');
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.volumes?.[0]).toEqual({ name: 'driftloop-home', persistentVolumeClaim: { claimName: 'shared.state' } });
    const c = pod?.containers[0];
    expect(c?.image).toBe(custom.image);
    expect(c?.resources).toEqual({ requests: { cpu: '500m', memory: '1.5Gi' }, limits: { cpu: '500m', memory: '1.5Gi' } });
    expect(c?.volumeMounts?.[0]).toEqual({ name: 'driftloop-home', mountPath: '/data/driftloop' });
    expect(c?.args?.slice(1)).toEqual([
      '--request',
      `/data/driftloop/runs/${HASH}/request.json`,
      '--data',
      `/data/driftloop/datasets/${DATA_HASH}.csv`,
      '--out',
      `/data/driftloop/runs/${HASH}/out`,
    ]);
  });

  it('passes the Kubernetes schema (kubernetes-models) and has no field the API does not know', () => {
    for (const m of [trainingJobManifest(input()), trainingJobManifest(input({ config: { ...config, serviceAccount: undefined } }))]) {
      expect(() => new Job(m as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
      expect(unknownFields(m, 'V1Job')).toEqual([]);
    }
  });

  it('has validators that do catch a broken manifest', () => {
    const m = structuredClone(trainingJobManifest(input())) as Record<string, any>;
    m.spec.backoffLimit = 'none';
    m.spec.template.spec.containers[0].resources.limits.memory = 'two gigs';
    expect(() => new Job(m as ConstructorParameters<typeof Job>[0]).validate()).toThrow(/backoffLimit|memory/);
    const typo = structuredClone(trainingJobManifest(input())) as Record<string, any>;
    typo.spec.template.spec.automountServiceAcountToken = false;
    typo.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    expect(unknownFields(typo, 'V1Job').sort()).toEqual([
      'spec.template.spec.automountServiceAcountToken',
      'spec.template.spec.containers.0.securityContext.readOnlyRootFileSystem',
    ]);
  });

  it('translates a config data file that lives on the shared volume', () => {
    const m = trainingJobManifest(input({ paths: { ...input().paths, data: `${HOME}/projects/churn/data/reference.csv` }, home: `${HOME}/` }));
    expect(m.spec?.template.spec?.containers[0]?.args?.[4]).toBe('/var/lib/driftloop/projects/churn/data/reference.csv');
  });

  it.each([
    ['data', '/data/churn/reference.csv'],
    ['data', `${HOME}-other/datasets/x.csv`],
    ['data', `${HOME}/runs/../../../etc/passwd`],
    ['request', HOME],
    ['request', `${HOME}/..`],
    ['out', `runs/${HASH}/out`],
    ['out', `${HOME}/runs/${HASH}/out\nevil`],
  ] as const)('refuses a %s path outside the home: %j', (which, path) => {
    const paths = { ...input().paths, [which]: path };
    let error: unknown;
    try {
      trainingJobManifest(input({ paths }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(JSON.stringify(path).slice(1, -1).split('\\n')[0]);
    expect((error as ConfigError).details).toMatchObject({ field: `paths.${which}` });
  });

  it('refuses a relative home', () => {
    expect(() => trainingJobManifest(input({ home: '.driftloop' }))).toThrow(ConfigError);
  });

  it('checks what it takes from the request and the config', () => {
    const bad: Array<[Partial<TrainingJobInput>, RegExp]> = [
      [{ request: { ...request, modelName: 'Churn/../../x' } }, /model name/],
      [{ requestHash: 'not-a-hash' }, /request hash/],
      [{ requestHash: HASH.slice(0, 8) }, /request hash/],
      [{ timeoutSeconds: 0 }, /timeout/],
      [{ timeoutSeconds: Number.NaN }, /timeout/],
      [{ config: { ...config, namespace: 'ML' } }, /namespace/],
      [{ config: { ...config, image: 'trainer:1 --privileged' } }, /image/],
      [{ config: { ...config, serviceAccount: 'Trainer_SA' } }, /serviceAccount/],
      [{ config: { ...config, volumeClaim: 'claim/../x' } }, /volumeClaim/],
      [{ config: { ...config, mountPath: '/' } }, /mountPath/],
      [{ config: { ...config, mountPath: '/tmp' } }, /mountPath/],
      [{ config: { ...config, mountPath: '/tmp/state' } }, /mountPath/],
      [{ config: { ...config, mountPath: 'var/lib' } }, /mountPath/],
      [{ config: { ...config, resources: { cpu: 'lots', memory: '2Gi' } } }, /resources\.cpu/],
      [{ config: { ...config, resources: { cpu: '1', memory: '0' } } }, /resources\.memory/],
      [{ config: { ...config, resources: { cpu: '1', memory: '-2Gi' } } }, /resources\.memory/],
      [{ config: { ...config, ttlSecondsAfterFinished: -1 } }, /ttlSecondsAfterFinished/],
    ];
    for (const [overrides, message] of bad) {
      expect(() => trainingJobManifest(input(overrides)), JSON.stringify(overrides)).toThrow(ConfigError);
      expect(() => trainingJobManifest(input(overrides)), JSON.stringify(overrides)).toThrow(message);
    }
  });

  it('accepts the usual resource quantities', () => {
    for (const [cpu, memory] of [
      ['250m', '512Mi'],
      ['2', '4G'],
      ['0.5', '1e9'],
      ['1.5', '3Gi'],
    ] as const) {
      const m = trainingJobManifest(input({ config: { ...config, resources: { cpu, memory } } }));
      expect(m.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ cpu, memory });
      expect(() => new Job(m as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
    }
  });
});

describe('training Job names', () => {
  it('are deterministic: the same input gives the same manifest and name', () => {
    expect(trainingJobManifest(input())).toStrictEqual(trainingJobManifest(input()));
    expect(trainingJobManifest(structuredClone(input())).metadata?.name).toBe(`dl-train-churn-${HASH.slice(0, 12)}`);
    expect(trainingJobName('churn', HASH)).toBe(trainingJobName('churn', HASH));
  });

  it('differ by request and by model', () => {
    const other = createHash('sha256').update('another request').digest('hex');
    expect(trainingJobName('churn', HASH)).not.toBe(trainingJobName('churn', other));
    expect(trainingJobName('churn', HASH)).not.toBe(trainingJobName('churn2', HASH));
  });

  it.each([
    ['a'.repeat(63), `dl-train-${'a'.repeat(41)}-${HASH.slice(0, 12)}`],
    ['churn.v2_final', `dl-train-churn-v2-final-${HASH.slice(0, 12)}`],
    ['0-', `dl-train-0-${HASH.slice(0, 12)}`],
    ['x..y__z', `dl-train-x-y-z-${HASH.slice(0, 12)}`],
    ['_.-', `dl-train-${HASH.slice(0, 12)}`],
    [`${'b'.repeat(40)}.-_c`, `dl-train-${'b'.repeat(40)}-${HASH.slice(0, 12)}`],
  ])('make a valid DNS label of model %j', (model, name) => {
    expect(trainingJobName(model, HASH)).toBe(name);
  });

  it('are valid DNS-1123 labels of at most 63 characters for any model name', () => {
    // Model names as config/model-name.ts allows them: [a-z0-9][a-z0-9._-]{0,62}.
    const random = mulberry32(7);
    const first = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const rest = `${first}._-._-._-`;
    const names = ['a', '9', 'a-', 'a.', 'a_', `a${'-'.repeat(62)}`, `a${'.'.repeat(62)}`, 'z'.repeat(63)];
    for (let i = 0; i < 500; i++) {
      const len = 1 + Math.floor(random() * 63);
      let s = first[Math.floor(random() * first.length)]!;
      while (s.length < len) s += rest[Math.floor(random() * rest.length)]!;
      names.push(s);
    }
    for (const model of names) {
      const hash = createHash('sha256').update(model).digest('hex');
      const m = trainingJobManifest(input({ request: { ...request, modelName: model }, requestHash: hash }));
      const name = m.metadata?.name ?? '';
      expect(name.length, model).toBeLessThanOrEqual(63);
      expect(name, model).toMatch(DNS1123_LABEL);
      expect(name.startsWith('dl-train-') && name.endsWith(`-${hash.slice(0, 12)}`), model).toBe(true);
      for (const [key, value] of Object.entries(m.metadata?.labels ?? {})) {
        expect(value.length, `${model}: ${key}`).toBeLessThanOrEqual(63);
        expect(value, `${model}: ${key}`).toMatch(LABEL_VALUE);
      }
      expect(m.spec?.template.metadata?.labels).toEqual(m.metadata?.labels);
      expect(() => new Job(m as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
    }
  });
});
