export * from './pipeline.js';
export { ModelName } from './model-name.js';
export { formatIssues } from './format-issues.js';
