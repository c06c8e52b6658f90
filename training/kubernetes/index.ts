/**
 * The `kubernetes` trainer runner: the Job manifest for a training request
 * (manifest.ts, names.ts) and the run that takes that Job to its end
 * (runner.ts and the modules it uses).
 */
export { trainingJobManifest, type TrainingJobInput } from './manifest.js';
export { LABELS, TRAINER_CONTAINER, trainingJobLabels, trainingJobName } from './names.js';
export { runKubernetesTrainer, type KubernetesTrainJob } from './runner.js';
export { loadKubeConfig } from './kube-config.js';
export { DEFAULT_TIMING, type KubernetesRunnerTiming } from './timing.js';
export { describeFailure } from './failure.js';
