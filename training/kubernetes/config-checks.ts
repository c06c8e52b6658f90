import { posix } from 'node:path';
import type { KubernetesRunnerConfig } from '../../config/pipeline.js';
import { ConfigError } from '../../errors/index.js';
import { CONTROL, isStrictlyWithin, TMP_PATH } from './job-paths.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A positive resource quantity: decimal number with an optional binary/decimal suffix or exponent. */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const WHITESPACE_OR_CONTROL = /\s/;

/** Checks trainer.kubernetes before any of it reaches a manifest; what does not fit is a ConfigError naming the field. */
export function checkConfig(config: KubernetesRunnerConfig): void {
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
