import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainerPython } from '../../config/paths.js';
import { TrainRequest } from '../../training/request.js';
import { renderTrainRequestSchema, TRAIN_REQUEST_SCHEMA_FILE } from '../../training/write-schema.js';

const valid = {
  schemaVersion: 1,
  modelName: 'churn',
  task: 'binary',
  target: 'y',
  features: [{ name: 'a', kind: 'numeric' }],
  timeColumn: null,
  estimator: { name: 'logistic_regression', params: { C: 0.5 } },
  search: null,
  validation: { policy: 'random', fraction: 0.2 },
  seed: 1,
};

/** Requests each side must judge the same way. */
const cases: [string, unknown, boolean][] = [
  ['valid builtin', valid, true],
  ['valid user code with search', { ...valid, estimator: { code: 'pkg.mod:build', params: {} }, search: { space: { C: [0.1, 1], alpha: { distribution: 'loguniform', low: 1e-3, high: 1 } }, iterations: 5, folds: 3, timeBudgetSeconds: 60 } }, true],
  ['unknown key', { ...valid, extra: 1 }, false],
  ['bad model name', { ...valid, modelName: '../x' }, false],
  ['bad estimator', { ...valid, estimator: { name: 'svm', params: {} } }, false],
  ['both name and code', { ...valid, estimator: { name: 'ridge', code: 'a:b', params: {} } }, false],
  ['bad code ref', { ...valid, estimator: { code: 'os.system', params: {} } }, false],
  ['fraction out of range', { ...valid, validation: { policy: 'random', fraction: 0.95 } }, false],
  ['missing timeColumn key', Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'timeColumn')), false],
  ['object param value', { ...valid, estimator: { name: 'ridge', params: { a: { b: 1 } } } }, false],
];

describe('training request contract', () => {
  it('the committed JSON Schema is exactly what the zod schema generates (run `npm run schemas` after changing it)', () => {
    expect(readFileSync(TRAIN_REQUEST_SCHEMA_FILE, 'utf8')).toBe(renderTrainRequestSchema());
  });

  it('zod and the Python trainer (jsonschema on the committed file) accept and reject the same requests', () => {
    const script = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
print(json.dumps([validator.is_valid(r) for r in json.load(sys.stdin)]))
`;
    const python = JSON.parse(
      execFileSync(trainerPython(), ['-c', script, TRAIN_REQUEST_SCHEMA_FILE], {
        input: JSON.stringify(cases.map((c) => c[1])),
        encoding: 'utf8',
      }),
    ) as boolean[];
    cases.forEach(([name, request, expected], i) => {
      expect([name, TrainRequest.safeParse(request).success]).toEqual([name, expected]);
      expect([name, python[i]]).toEqual([name, expected]);
    });
  });
});
