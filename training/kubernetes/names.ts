/** Names and labels of the training Job and its pod. */

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

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

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
