import { isAbsolute, posix } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { ModelName } from '../config/model-name.js';
import type { KubernetesRunnerConfig } from '../config/pipeline.js';
import { ConfigError } from '../errors/index.js';
import type { TrainRequest } from './request.js';

/**
 * The Kubernetes Job that runs one training request (runner `kubernetes`).
 *
 * A pure function of its input: the same request on the same config gives the
 * same manifest, in particular the same Job name, so that a retried activity
 * finds the Job its previous attempt created instead of starting a second
 * training. Everything taken from the request or the config is checked before
 * it reaches the manifest; what does not fit is a ConfigError naming it.
 */

export interface TrainingJobInput {
  request: TrainRequest;
  /** sha256 (hex) of the request and its training bytes: the run's identity. */
  requestHash: string;
  /** Absolute paths as the worker sees them, all under `home`. */
  paths: { request: string; data: string; out: string };
  /** The worker's DRIFTLOOP_HOME: the shared volume's mount point on the worker. */
  home: string;
  config: KubernetesRunnerConfig;
  /** The Job's activeDeadlineSeconds: the longest one training attempt may take. */
  timeoutSeconds: number;
}

/** Name of the trainer container in the Job's pod (the runner reads its logs and exit code). */
export const TRAINER_CONTAINER = 'trainer';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  model: 'driftloop.dev/model',
  requestHash: 'driftloop.dev/request-hash',
} as const;

const JOB_NAME_PREFIX = 'dl-train-';
/** Characters of the request hash in the Job name (48 bits). */
const NAME_HASH_CHARS = 12;
const MAX_NAME = 63;

const HOME_VOLUME = 'driftloop-home';
const TMP_VOLUME = 'tmp';
const TMP_PATH = '/tmp';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const REQUEST_HASH = /^[0-9a-f]{12,128}$/;
/** A positive resource quantity: decimal number with an optional binary/decimal suffix or exponent. */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const WHITESPACE_OR_CONTROL = /\s/;

export function trainingJobManifest(input: TrainingJobInput): V1Job {
  const { request, requestHash, config } = input;

  const model = ModelName.safeParse(request.modelName);
  if (!model.success) throw new ConfigError(`invalid model name ${JSON.stringify(request.modelName)} in the training request`, { field: 'modelName' });
  if (!REQUEST_HASH.test(requestHash)) {
    throw new ConfigError(`invalid request hash ${JSON.stringify(requestHash)}: expected 12-128 lowercase hex digits`, { field: 'requestHash' });
  }
  const timeout = Math.ceil(input.timeoutSeconds);
  if (!Number.isFinite(input.timeoutSeconds) || timeout < 1) {
    throw new ConfigError(`invalid training timeout ${input.timeoutSeconds}s: must be a positive number of seconds`, { field: 'timeoutSeconds' });
  }
  checkConfig(config);

  const mountPath = posix.normalize(config.mountPath).replace(/(.)\/+$/, '$1');
  const request_ = jobPath(input.paths.request, input.home, mountPath, 'request');
  const data = jobPath(input.paths.data, input.home, mountPath, 'data');
  const out = jobPath(input.paths.out, input.home, mountPath, 'out');

  const name = trainingJobName(request.modelName, requestHash);
  const labels = trainingJobLabels(request.modelName, requestHash);
  const resources = { cpu: config.resources.cpu, memory: config.resources.memory };

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: config.namespace, labels: { ...labels } },
    spec: {
      // Temporal owns retries: a failed pod fails the Job, and the activity's
      // retry policy decides whether to try again.
      backoffLimit: 0,
      activeDeadlineSeconds: timeout,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: 'Never',
          ...(config.serviceAccount ? { serviceAccountName: config.serviceAccount } : {}),
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: TRAINER_CONTAINER,
              image: config.image,
              // The image's ENTRYPOINT is ["python", "-m", "driftloop_trainer"].
              args: ['train', '--request', request_, '--data', data, '--out', out],
              env: [{ name: 'PYTHONUNBUFFERED', value: '1' }],
              resources: { requests: { ...resources }, limits: { ...resources } },
              // The trainer's last stderr line is its {"error": …} object: keep
              // it in the pod status even when the logs are gone.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: HOME_VOLUME, mountPath },
                { name: TMP_VOLUME, mountPath: TMP_PATH },
              ],
            },
          ],
          volumes: [
            { name: HOME_VOLUME, persistentVolumeClaim: { claimName: config.volumeClaim } },
            { name: TMP_VOLUME, emptyDir: {} },
          ],
        },
      },
    },
  };
}

/**
 * `dl-train-<model>-<first 12 hex of the request hash>`: a DNS-1123 label of at
 * most 63 characters. The model part is the model name with `.`/`_` turned
 * into `-`, truncated; the hash keeps names distinct where that loses detail.
 */
export function trainingJobName(modelName: string, requestHash: string): string {
  const hash = requestHash.slice(0, NAME_HASH_CHARS);
  const room = MAX_NAME - JOB_NAME_PREFIX.length - 1 - hash.length;
  const model = modelName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return model ? `${JOB_NAME_PREFIX}${model}-${hash}` : `${JOB_NAME_PREFIX}${hash}`;
}

/** The labels of the Job and its pod. */
export function trainingJobLabels(modelName: string, requestHash: string): Record<string, string> {
  return {
    [LABELS.name]: 'driftloop-trainer',
    [LABELS.managedBy]: 'driftloop',
    [LABELS.model]: labelValue(modelName),
    [LABELS.requestHash]: labelValue(requestHash),
  };
}

/** A label value (≤ 63 characters, alphanumeric at both ends) made from `s`. */
function labelValue(s: string): string {
  const v = s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return LABEL_VALUE.test(v) ? v : '';
}

/** `path` (on the worker, under `home`) as the Job's container sees it (under `mountPath`). */
function jobPath(path: string, home: string, mountPath: string, what: string): string {
  if (typeof path !== 'string' || !isAbsolute(path) || CONTROL.test(path)) {
    throw new ConfigError(`the training ${what} path ${JSON.stringify(path)} is not an absolute path without control characters`, { field: `paths.${what}`, path });
  }
  if (typeof home !== 'string' || !isAbsolute(home)) {
    throw new ConfigError(`DRIFTLOOP_HOME ${JSON.stringify(home)} is not an absolute path`, { field: 'home', path: home });
  }
  const rel = posix.relative(posix.normalize(home), posix.normalize(path));
  if (!isStrictlyWithin(rel)) {
    throw new ConfigError(
      `the training ${what} path ${path} is outside DRIFTLOOP_HOME (${home}), so the Kubernetes trainer cannot see it on the shared volume`,
      { field: `paths.${what}`, path, home },
    );
  }
  return posix.join(mountPath, rel);
}

/** A relative path (from posix.relative) that names something strictly below its base. */
function isStrictlyWithin(rel: string): boolean {
  return rel !== '' && rel !== '..' && !rel.startsWith('../') && !posix.isAbsolute(rel);
}

function checkConfig(config: KubernetesRunnerConfig): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`trainer.kubernetes.${field}: ${message}`, { field: `trainer.kubernetes.${field}` });
  };
  if (!DNS1123_LABEL.test(config.namespace) || config.namespace.length > 63) fail('namespace', `${JSON.stringify(config.namespace)} is not a DNS-1123 label`);
  if (!config.image || WHITESPACE_OR_CONTROL.test(config.image) || CONTROL.test(config.image)) fail('image', `${JSON.stringify(config.image)} is not an image reference`);
  if (config.serviceAccount !== undefined && (!DNS1123_SUBDOMAIN.test(config.serviceAccount) || config.serviceAccount.length > 253)) {
    fail('serviceAccount', `${JSON.stringify(config.serviceAccount)} is not a DNS-1123 subdomain`);
  }
  if (!DNS1123_SUBDOMAIN.test(config.volumeClaim) || config.volumeClaim.length > 253) {
    fail('volumeClaim', `${JSON.stringify(config.volumeClaim)} is not a DNS-1123 subdomain`);
  }
  if (!config.mountPath.startsWith('/') || WHITESPACE_OR_CONTROL.test(config.mountPath) || CONTROL.test(config.mountPath) || config.mountPath.includes(':')) {
    fail('mountPath', `${JSON.stringify(config.mountPath)} is not an absolute path`);
  }
  const mount = posix.normalize(config.mountPath);
  if (mount === '/' || mount === '//') fail('mountPath', 'the shared volume cannot be mounted over the root directory');
  const tmpRel = posix.relative(TMP_PATH, mount);
  if (tmpRel === '' || isStrictlyWithin(tmpRel) || isStrictlyWithin(posix.relative(mount, TMP_PATH))) {
    fail('mountPath', `${JSON.stringify(config.mountPath)} overlaps the container's ${TMP_PATH} scratch volume`);
  }
  for (const key of ['cpu', 'memory'] as const) {
    const q = config.resources[key];
    if (!QUANTITY.test(q) || !/[1-9]/.test(q.replace(/[eE][+-]?\d+$/, ''))) {
      fail(`resources.${key}`, `${JSON.stringify(q)} is not a positive Kubernetes quantity`);
    }
  }
  if (!Number.isInteger(config.ttlSecondsAfterFinished) || config.ttlSecondsAfterFinished < 0) {
    fail('ttlSecondsAfterFinished', 'must be a non-negative integer');
  }
}
