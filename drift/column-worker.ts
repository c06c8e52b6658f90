import { parentPort } from 'node:worker_threads';
import { columnDrift } from './column-drift.js';
import { prepareColumn } from './prepared-column.js';
import { serializeError, type ColumnReply, type ColumnRequest } from './worker-messages.js';

/**
 * A worker thread of computeDriftReport(s)Parallel: receives one column at a
 * time and answers with its ColumnDrift for every requested report, computed
 * by the same code as the serial engine. The arrays arrive either copied into
 * shared buffers lent to this worker until it replies (then they are
 * compacted and sorted in place) or as the caller's own shared arrays, which
 * are only read. One sort scratch buffer serves every column.
 */
const port = parentPort;
if (!port) throw new Error('drift/column-worker must run in a worker thread');

let sortScratch = new Float64Array(0);

port.on('message', (request: ColumnRequest) => {
  let reply: ColumnReply;
  try {
    const longest = Math.max(numericLength(request.reference), numericLength(request.current));
    if (sortScratch.length < longest) sortScratch = new Float64Array(longest);
    const prepared = prepareColumn({ name: request.name, reference: request.reference, current: request.current }, { ownsInput: request.owned, sortScratch });
    reply = { ok: true, columns: request.checks.map((check) => columnDrift(prepared, check.rule, check.config, check.withDistribution)) };
  } catch (err) {
    reply = { ok: false, error: serializeError(err) };
  }
  port.postMessage(reply);
});

function numericLength(column: ColumnRequest['reference']): number {
  return column.kind === 'numeric' ? column.values.length : 0; // categorical columns are counted, not sorted
}
