import type { PredictionLog, PredictionRecord as RegistryPredictionRecord } from '../registry/types.js';
import type { FeedbackRecord, PredictionRecord, PredictionSink } from './prediction-log.js';

/**
 * Serving's prediction log written to the registry's (registry/types.ts
 * PredictionLog), which monitoring reads.
 *
 * The registry keys predictions by request id (unique per model; a duplicate is
 * ignored, which makes a retried flush harmless), while one request may score
 * many rows. So a one-row request is logged under its X-Request-Id, and row r
 * of a multi-row request under `<X-Request-Id>#<r>`; feedback maps back the
 * same way. Classifiers' class probabilities are stored with each row:
 * monitoring estimates performance from them before labels arrive (CBPE) and
 * computes ROC AUC, log loss and calibration once they do.
 */
export function registryPredictionSink(log: PredictionLog): PredictionSink {
  return {
    async write(records: PredictionRecord[]) {
      const rows: RegistryPredictionRecord[] = [];
      for (const r of records) {
        const version = Number(r.version);
        // A file-served model has no registry version; such rows cannot be logged to the registry.
        if (!Number.isInteger(version) || version < 1) continue;
        rows.push({
          requestId: rowRequestId(r.requestId, r.row, r.rows),
          model: r.model,
          version,
          at: r.at,
          features: r.features,
          prediction: r.prediction,
          probabilities: r.probabilities ?? null,
          latencyMs: r.latencyMs ?? null,
        });
      }
      await log.logPredictions(rows);
    },
    async feedback(fb: FeedbackRecord) {
      const base = { model: fb.model, label: fb.label, at: fb.at };
      if (fb.row === null) return log.recordFeedback({ ...base, requestId: fb.requestId });
      const res = await log.recordFeedback({ ...base, requestId: `${fb.requestId}#${fb.row}` });
      // Row 0 of a one-row request is logged under the bare id.
      if (!res.matched && fb.row === 0) return log.recordFeedback({ ...base, requestId: fb.requestId });
      return res;
    },
  };
}

export function rowRequestId(requestId: string, row: number, rows: number): string {
  return rows === 1 ? requestId : `${requestId}#${row}`;
}
