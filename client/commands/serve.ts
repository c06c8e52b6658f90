import type { Command } from 'commander';
import { ConfigError } from '../../errors/index.js';
import { createLogger } from '../../logging/logger.js';
import { openRegistry } from '../../registry/index.js';
import type { Registry } from '../../registry/types.js';
import { DEFAULT_BODY_LIMITS, DEFAULT_HTTP_TIMEOUTS } from '../../serving/http-limits.js';
import { registryPredictionSink } from '../../serving/prediction-sinks.js';
import { createServingServer, type ServingSource } from '../../serving/server.js';
import { untilInterrupted, type SignalSource } from '../interrupt.js';

interface ServeOptions {
  model?: string;
  alias: string;
  onnx?: string;
  name?: string;
  port: string;
  host: string;
  pollMs: string;
  maxBatch: string;
  maxWaitMs: string;
  maxRows: string;
  bodyLimit: string;
  requestTimeoutMs: string;
  ignoreExtraFields: boolean;
}

export interface ServeDeps {
  /** Where SIGINT/SIGTERM come from (the process; tests pass their own emitter). */
  signals?: SignalSource;
  /** Where the URL and events are printed. */
  print?: (line: string) => void;
}

/**
 * `driftloop serve`: the real-time serving process (serving/server.ts) for a
 * registry alias (followed: promotions swap in without a restart) or an ONNX
 * file. Runs until SIGINT/SIGTERM, then drains in-flight requests, flushes
 * the prediction log and exits 0.
 */
export function registerServe(program: Command, deps: ServeDeps = {}): void {
  program
    .command('serve')
    .description('serve a model over HTTP (vetiver, Open Inference Protocol V2, MLflow scoring) until Ctrl-C; a registry alias is followed and promotions swap in live')
    .option('--model <name>', 'serve this registry model (its --alias, followed)')
    .option('--alias <alias>', 'registry alias to serve and follow', 'champion')
    .option('--onnx <file>', 'serve a trainer-made model.onnx (metadata.json beside it) instead of a registry model')
    .option('--name <name>', "model name for --onnx (default: the card's modelName)")
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--poll-ms <n>', 'how often the alias is re-read', '1000')
    .option('--max-batch <n>', 'micro-batching: at most this many rows per model run', '256')
    .option('--max-wait-ms <n>', 'micro-batching: a request waits at most this long for others', '2')
    .option('--max-rows <n>', 'rows per request (413 beyond)', '10000')
    .option('--body-limit <bytes>', 'largest request body, after gzip/deflate decoding (413 beyond)', String(DEFAULT_BODY_LIMITS.serving))
    .option('--request-timeout-ms <ms>', 'a request (headers and body) must arrive within this time (408 beyond)', String(DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs))
    .option('--ignore-extra-fields', 'drop request fields that are not features instead of rejecting the request', false)
    .action(async (opts: ServeOptions) => {
      const print = deps.print ?? ((line: string) => console.log(line));
      if ((opts.model === undefined) === (opts.onnx === undefined)) throw new ConfigError('give exactly one of --model NAME or --onnx FILE');
      const num = (value: string, flag: string, min: number) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < min) throw new ConfigError(`${flag} must be an integer ≥ ${min}, not ${JSON.stringify(value)}`);
        return n;
      };
      const port = num(opts.port, '--port', 0);
      const pollMs = num(opts.pollMs, '--poll-ms', 0);
      const maxBatchRows = num(opts.maxBatch, '--max-batch', 1);
      const maxWaitMs = num(opts.maxWaitMs, '--max-wait-ms', 0);
      const maxRows = num(opts.maxRows, '--max-rows', 1);
      const bodyLimit = num(opts.bodyLimit, '--body-limit', 1);
      const requestTimeoutMs = num(opts.requestTimeoutMs, '--request-timeout-ms', 1);

      let registry: Registry | undefined;
      let source: ServingSource;
      if (opts.model !== undefined) {
        // The registry the rest of driftloop uses: PostgreSQL when DRIFTLOOP_DATABASE_URL is set, else SQLite under DRIFTLOOP_HOME.
        registry = await openRegistry(process.env);
        source = { registry, model: opts.model, alias: opts.alias };
      } else {
        source = { onnx: opts.onnx!, name: opts.name };
      }
      try {
        const server = await createServingServer({
          source,
          host: opts.host,
          port,
          pollMs,
          maxBatchRows,
          maxWaitMs,
          maxRows,
          bodyLimit,
          timeouts: { requestTimeoutMs },
          extraFields: opts.ignoreExtraFields ? 'ignore' : 'reject',
          sink: registry ? registryPredictionSink(registry) : null,
          // Its records (a line per request with its id, swaps, failures) are JSON on stderr; stdout keeps the lines below for people.
          logger: createLogger({ name: 'serve' }),
          events: {
            swap: (from, to) => print(`promoted: ${to.name} version ${from.version} → ${to.version}`),
          },
        });
        const m = server.follower.current.identity;
        print(`serving ${m.name} version ${m.version} (${m.source}) at ${server.url}`);
        print(`  docs ${server.url}/docs · metrics ${server.url}/metrics · Ctrl-C to stop`);
        await untilInterrupted(undefined, deps.signals);
        print('draining in-flight requests…');
        await server.close();
        process.exitCode = 0;
      } finally {
        await registry?.close();
      }
    });
}
