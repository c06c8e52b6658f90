import { exitWithParent } from './parent-watch.js';
import { EXIT_ERROR } from './exit-codes.js';
import { buildProgram } from './program.js';

/** Runs the CLI: one-line errors and exit code 1, stack traces only with --debug. */
export async function main(argv: string[] = process.argv): Promise<void> {
  exitWithParent();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const debug = program.opts<{ debug?: boolean }>().debug;
    // One line, whatever the error's own message looks like (SDK and gRPC messages can span several).
    const message = (err instanceof Error ? err.message : String(err)).trim().replace(/\s*\n\s*/g, ' ');
    console.error(debug && err instanceof Error ? err.stack : `driftloop: error: ${message}`);
    process.exitCode = EXIT_ERROR;
  }
}
