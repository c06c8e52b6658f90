export { createDriftloopWorker, type DriftloopWorkerOptions } from './create-worker.js';
export { bundleWorkflows, workflowsPath } from './bundle.js';
