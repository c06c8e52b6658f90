import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors/index.js';

/** Kubernetes client configuration: in-cluster when KUBERNETES_SERVICE_HOST is set, else the default kubeconfig. */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (err) {
    throw new ConfigError(`cannot load the Kubernetes client configuration: ${(err as Error).message}`, {}, { cause: err });
  }
  if (!kc.getCurrentCluster()) {
    throw new ConfigError('no Kubernetes cluster is configured (no in-cluster service account, KUBECONFIG or ~/.kube/config)');
  }
  return kc;
}
