export { ksTwoSample, type KsResult } from './ks.js';
