/**
 * Writes the training request's JSON Schema where the Python trainer reads it
 * (`npm run schemas`). Run after changing training/request.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/paths.js';
import { trainRequestJsonSchema } from './request.js';

export const TRAIN_REQUEST_SCHEMA_FILE = join(projectRoot, 'trainer', 'driftloop_trainer', 'train_request.schema.json');

export function renderTrainRequestSchema(): string {
  return `${JSON.stringify(trainRequestJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(TRAIN_REQUEST_SCHEMA_FILE, renderTrainRequestSchema());
  console.log(`wrote ${TRAIN_REQUEST_SCHEMA_FILE}`);
}
