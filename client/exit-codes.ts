import type { Command, CommanderError } from 'commander';

/** driftloop's exit statuses (docs/cli.md); scripts may rely on them. */
export const EXIT_OK = 0;
/** Any error a command reports: bad config, unreachable Temporal, missing model, failed pass… */
export const EXIT_ERROR = 1;
/** The command line itself is wrong: unknown command or option, missing argument or option value. */
export const EXIT_USAGE = 2;
/** `driftloop drift --fail-on-drift` found drift. */
export const EXIT_DRIFT = 3;

export const EXIT_CODES_HELP =
  `Exit status: ${EXIT_OK} success, ${EXIT_ERROR} error (one line on stderr; stack trace with --debug), ` +
  `${EXIT_USAGE} bad command line, ${EXIT_DRIFT} drift found with "drift --fail-on-drift".`;

/**
 * Commander's own errors (unknown option, missing argument…) as one line,
 * prefixed like every driftloop error, with exit status 2 instead of
 * commander's 1 followed by the whole help. Subcommands created after this
 * call inherit it.
 */
export function configureUsageErrors(program: Command): void {
  program
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`driftloop: ${text.trim().replace(/\s*\n\s*/g, " ")}\n`) })
    .exitOverride((err: CommanderError) => {
      // Help and version requests are "errors" to commander too, with status 0.
      process.exit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
    });
}
