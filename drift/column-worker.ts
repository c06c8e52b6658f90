import { parentPort } from 'node:worker_threads';
import { columnDrift } from './column-drift.js';
import { prepareColumn } from './prepared-column.js';
import { serializeError, type ColumnReply, type ColumnRequest } from './worker-messages.js';

/**
 * A worker thread of computeDriftReportParallel: receives one column at a
 * time (private copies of both windows' arrays, so it may compact them in
 * place) and answers with that column's ColumnDrift — the same code the serial
 * engine runs.
 */
const port = parentPort;
if (!port) throw new Error('drift/column-worker must run in a worker thread');

port.on('message', (request: ColumnRequest) => {
  let reply: ColumnReply;
  try {
    const prepared = prepareColumn({ name: request.name, reference: request.reference, current: request.current }, { ownsInput: true });
    reply = { ok: true, column: columnDrift(prepared, request.rule, request.config, request.withDistribution) };
  } catch (err) {
    reply = { ok: false, error: serializeError(err) };
  }
  port.postMessage(reply);
});
