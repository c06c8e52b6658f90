import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { GithubReporting } from '../activities/shared.js';
import type { Registry } from '../registry/types.js';
import { activityOutcomeLog } from './activity-log.js';
import { bundleWorkflows } from './bundle.js';

export interface DriftloopWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  registry: Registry;
  home: string;
  /** A prebuilt bundle (tests build one per run); bundled at start otherwise. */
  workflowBundle?: WorkflowBundleOption;
  /** Reporting back to GitHub (built from the environment by startWorker). */
  github?: GithubReporting;
  /** One info line per completed activity (worker/activity-log.ts). */
  activityLog?: boolean;
}

/** A worker serving driftloop's workflows and the activities of every stage. */
export async function createDriftloopWorker(opts: DriftloopWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? (await bundleWorkflows()),
    activities: createActivities({ registry: opts.registry, home: opts.home, ...(opts.github ? { github: opts.github } : {}) }),
    // The trainer runs in its own process; the worker's own work is light.
    maxConcurrentActivityTaskExecutions: 8,
    // The processes' logs (startWorker) want each completed activity at info; in-process test workers stay quiet.
    ...(opts.activityLog ? { interceptors: { activity: [activityOutcomeLog] } } : {}),
  });
}
