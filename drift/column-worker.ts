import { parentPort } from 'node:worker_threads';
import { columnDrift } from './column-drift.js';
import { prepareColumn } from './prepared-column.js';
import { SortWorkspace } from './sort-workspace.js';
import { serializeError, type ColumnReply, type ColumnRequest } from './worker-messages.js';

/**
 * A worker thread of computeDriftReport(s)Parallel: receives one column at a
 * time and answers with its ColumnDrift for every requested report, computed
 * by the same code as the serial engine. The arrays arrive either copied into
 * shared buffers lent to this worker until it replies (then they are
 * compacted and sorted in place) or as the caller's own shared arrays, which
 * are only read (copied into this worker's reusable workspace to be sorted).
 */
const port = parentPort;
if (!port) throw new Error('drift/column-worker must run in a worker thread');

const workspace = new SortWorkspace();

port.on('message', (request: ColumnRequest) => {
  let reply: ColumnReply;
  try {
    const prepared = prepareColumn({ name: request.name, reference: request.reference, current: request.current }, { ownsInput: request.owned, workspace });
    reply = { ok: true, columns: request.checks.map((check) => columnDrift(prepared, check.rule, check.config, check.withDistribution)) };
  } catch (err) {
    reply = { ok: false, error: serializeError(err) };
  }
  port.postMessage(reply);
});
