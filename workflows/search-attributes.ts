import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes: runs can be filtered by them in the Web UI and with
 * `temporal workflow list --query "ModelName = 'churn' AND Decision = 'promoted'"`.
 */

/** The model a pass is for (set when the pass starts). */
export const ModelNameKey = defineSearchAttributeKey('ModelName', SearchAttributeType.KEYWORD);
/** The stage running now (monitor, drift, retrain, evaluate, promote, report), `done` when the pass has finished. */
export const StageKey = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
/** The pass's decision (bootstrapped, no-retrain, promoted, kept-champion), set when it is made. */
export const DecisionKey = defineSearchAttributeKey('Decision', SearchAttributeType.KEYWORD);
/** The registry version of the candidate the pass trained, once registered. */
export const CandidateVersionKey = defineSearchAttributeKey('CandidateVersion', SearchAttributeType.INT);

/** Every search attribute driftloop sets; the dev server (and the test server) register these at start. */
export const SEARCH_ATTRIBUTES = [ModelNameKey, StageKey, DecisionKey, CandidateVersionKey];
