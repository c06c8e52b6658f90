import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../../errors/index.js';
import { ApprovalAnswer } from '../../workflows/approval.js';
import { formatIssues } from '../../config/format-issues.js';
import { answerApproval } from '../approvals.js';
import { loadSettings } from '../settings.js';
import { connectClient } from '../temporal.js';

interface AnswerOpts {
  by?: string;
  comment?: string;
  version?: string;
  runId?: string;
  json: boolean;
}

/** `driftloop approve|reject PASS`: the answer a pass under promotion policy `manual` waits for. */
export function registerApprovals(program: Command): void {
  for (const kind of ['approve', 'reject'] as const) {
    program
      .command(kind)
      .description(
        kind === 'approve'
          ? 'approve the candidate a pass (policy manual) waits on: champion moves to it'
          : 'reject the candidate a pass (policy manual) waits on: the champion stays',
      )
      .argument('<pass>', 'model name, or the pass\'s workflow id (retrain-NAME)')
      .option('--by <name>', 'who answers, recorded in the pass and the alias audit (env DRIFTLOOP_USER; default: the OS user)')
      .option('--comment <text>', 'why')
      .option('--version <n>', 'only answer if this is the candidate version waiting (guards against answering a newer pass)')
      .option('--run-id <id>', 'a specific run of the pass')
      .option('--json', 'print the recorded approval as JSON', false)
      .action(async (target: string, opts: AnswerOpts, cmd: Command) => {
        const parsed = ApprovalAnswer.safeParse({
          by: opts.by ?? process.env.DRIFTLOOP_USER ?? userInfo().username,
          ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
          ...(opts.version !== undefined ? { version: Number(opts.version) } : {}),
        });
        if (!parsed.success) throw new ConfigError(`${kind}: ${formatIssues(parsed.error).replace(/^by:/, '--by:').replace(/^version:/, '--version:')}`);
        const settings = loadSettings(cmd.optsWithGlobals());
        const client = await connectClient(settings);
        try {
          const state = await answerApproval(client, kind, { target, ...(opts.runId ? { runId: opts.runId } : {}), answer: parsed.data });
          console.log(opts.json ? JSON.stringify(state) : `${state.status} candidate v${state.candidate}${'by' in state ? ` (by ${state.by})` : ''}`);
        } finally {
          await client.connection.close();
        }
      });
  }
}
