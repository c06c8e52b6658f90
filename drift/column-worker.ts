import { parentPort } from 'node:worker_threads';
import { columnDrift } from './column-drift.js';
import { prepareColumn } from './prepared-column.js';
import { serializeError, type ColumnReply, type ColumnRequest } from './worker-messages.js';

/**
 * A worker thread of computeDriftReportParallel: receives one column at a
 * time — both windows' arrays copied into shared buffers that are this
 * worker's alone until it replies, so it compacts and sorts them in place —
 * and answers with that column's ColumnDrift, computed by the same code as the
 * serial engine. One sort scratch buffer serves every column.
 */
const port = parentPort;
if (!port) throw new Error('drift/column-worker must run in a worker thread');

let sortScratch = new Float64Array(0);

port.on('message', (request: ColumnRequest) => {
  let reply: ColumnReply;
  try {
    const longest = Math.max(length(request.reference), length(request.current));
    if (sortScratch.length < longest) sortScratch = new Float64Array(longest);
    const prepared = prepareColumn({ name: request.name, reference: request.reference, current: request.current }, { ownsInput: true, sortScratch });
    reply = { ok: true, column: columnDrift(prepared, request.rule, request.config, request.withDistribution) };
  } catch (err) {
    reply = { ok: false, error: serializeError(err) };
  }
  port.postMessage(reply);
});

function length(column: ColumnRequest['reference']): number {
  return column.kind === 'numeric' ? column.values.length : 0; // categorical columns are counted, not sorted
}
