import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from './paths.js';
import { renderConfigReference } from './reference.js';

/** `npm run docs:config`: regenerates docs/configuration.md from the zod schemas. */
export const REFERENCE_FILE = join(projectRoot, 'docs', 'configuration.md');

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(REFERENCE_FILE, renderConfigReference());
  console.log(`wrote ${REFERENCE_FILE}`);
}
