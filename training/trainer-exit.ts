import { TrainerError, type TrainerErrorClass } from '../errors/index.js';

/**
 * How a finished `python -m driftloop_trainer` is judged, whatever ran it (a
 * local child process, a Kubernetes Job): its exit code gives the failure
 * class, its last `{"error": …}` line the message and details.
 */

/** Exit codes of `python -m driftloop_trainer`, one per failure class. */
export const TRAINER_EXIT_CLASSES: Readonly<Record<number, TrainerErrorClass>> = {
  1: 'internal_error',
  2: 'invalid_request',
  3: 'data_error',
  4: 'conversion_error',
  5: 'parity_error',
};

/** The failure class of a non-zero exit code (an unknown code is an internal error). */
export function trainerExitClass(code: number): TrainerErrorClass {
  return TRAINER_EXIT_CLASSES[code] ?? 'internal_error';
}

/**
 * The TrainerError for a trainer that exited with `code`. `output` is what it
 * printed on stderr (or its merged log): the last line starting with
 * `{"error"` supplies message and details; without one, the last lines of the
 * output go into the message. `context` (e.g. the Job's name) is added to the
 * details without overriding the trainer's own fields.
 */
export function trainerFailure(code: number, output: string, context: Record<string, unknown> = {}): TrainerError {
  const errorClass = trainerExitClass(code);
  const lines = output.trim().split('\n');
  const last = lines
    .slice()
    .reverse()
    .find((l) => l.trimStart().startsWith('{"error"'));
  if (last) {
    try {
      const { error } = JSON.parse(last) as { error: Record<string, unknown> & { message?: unknown } };
      if (error && typeof error === 'object') {
        return new TrainerError(errorClass, String(error.message ?? 'trainer failed'), { ...context, ...error });
      }
    } catch {
      // fall through to the raw text
    }
  }
  const text = lines.slice(-5).join('\n').trim();
  return new TrainerError(errorClass, `trainer exited with code ${code}: ${text || '(no output)'}`, context);
}
