import { posix } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { ModelName } from '../../config/model-name.js';
import type { KubernetesRunnerConfig } from '../../config/pipeline.js';
import { ConfigError } from '../../errors/index.js';
import type { TrainRequest } from '../request.js';
import { checkConfig } from './config-checks.js';
import { jobPath, TMP_PATH } from './job-paths.js';
import { TRAINER_CONTAINER, trainingJobLabels, trainingJobName } from './names.js';

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

const HOME_VOLUME = 'driftloop-home';
const TMP_VOLUME = 'tmp';

const REQUEST_HASH = /^[0-9a-f]{12,128}$/;

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
