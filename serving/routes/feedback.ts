import type { FastifyInstance } from 'fastify';
import { parseJsonBody } from '../body.js';
import { rawBody, type ServingContext } from '../context.js';
import { describeIssues, InputError, ResourceNotFoundError, NotImplementedError } from '../errors.js';
import type { FeedbackRecord } from '../prediction-log.js';
import { ErrorBody, FeedbackRequest, jsonSchema } from '../schemas.js';

/**
 * POST /feedback: the true label of an earlier prediction, referred to by the
 * X-Request-Id its response carried, so that the prediction log can be joined
 * with outcomes (the monitor's metric on live traffic). The label is checked
 * against the served model's classes (a regressor's must be a number). The
 * prediction log is flushed first, so a label may follow its prediction
 * immediately; a request id the sink has never seen is a 404.
 */
export function registerFeedback(app: FastifyInstance, ctx: ServingContext): void {
  app.post(
    '/feedback',
    {
      config: { protocol: 'driftloop' },
      schema: {
        tags: ['driftloop'],
        summary: 'Report the true label of a prediction',
        body: jsonSchema(FeedbackRequest),
        response: {
          200: { type: 'object', properties: { matched: { type: 'integer', description: 'labels attached to logged predictions' } } },
          400: jsonSchema(ErrorBody),
          404: jsonSchema(ErrorBody),
        },
      },
    },
    async (request) => {
      const sink = ctx.sink;
      if (!sink?.feedback) throw new NotImplementedError('this server has no feedback store (start it with a prediction sink that records feedback)');
      const parsed = FeedbackRequest.safeParse(parseJsonBody(rawBody(request, ctx.bodyLimit)));
      if (!parsed.success) throw new InputError(`invalid feedback: ${describeIssues(parsed.error.issues)}`);
      const fb = parsed.data;
      const many = Array.isArray(fb.label);
      if (many && fb.row !== undefined) throw new InputError('give either one label (with "row" for a multi-row request) or an array of labels, one per row', { field: 'row' });
      const labels = Array.isArray(fb.label) ? fb.label : [fb.label];
      if (labels.length === 0) throw new InputError('"label" is an empty array', { field: 'label' });
      const model = ctx.service.current;
      labels.forEach((label, i) => {
        const field = many ? `label[${i}]` : 'label';
        if (model.isClassifier) {
          const classes = model.classes.map(String);
          if (!classes.includes(String(label))) {
            throw new InputError(`${field}: ${JSON.stringify(label)} is not a class of model "${model.identity.name}" (classes: ${classes.join(', ')})`, { field });
          }
        } else if (typeof label !== 'number' || !Number.isFinite(label)) {
          throw new InputError(`${field}: a regression label must be a finite number, got ${JSON.stringify(label)}`, { field });
        }
      });
      // Predictions are logged asynchronously; make sure the one this label is for has reached the sink.
      await ctx.service.flushLog();
      const at = new Date().toISOString();
      let matched = 0;
      for (let i = 0; i < labels.length; i++) {
        const record: FeedbackRecord = {
          model: model.identity.name,
          requestId: fb.requestId,
          row: many ? i : (fb.row ?? null),
          label: labels[i]!,
          at,
        };
        if ((await sink.feedback(record)).matched) matched++;
      }
      if (matched === 0) throw new ResourceNotFoundError(`no logged prediction of model "${model.identity.name}" has request id ${JSON.stringify(fb.requestId)}`);
      return { matched };
    },
  );
}
