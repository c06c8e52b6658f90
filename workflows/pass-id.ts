/**
 * One pass of a model at a time: every trigger (CLI, schedule, GitHub) starts
 * the pass under this id, and Temporal refuses a second running workflow
 * with the same id.
 */
export function passWorkflowId(model: string): string {
  return `retrain-${model}`;
}
