import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Lets runs be filtered by model in the Web UI and with `temporal workflow list --query`. */
export const ModelNameKey = defineSearchAttributeKey('ModelName', SearchAttributeType.KEYWORD);

/** Every search attribute driftloop sets; the dev server registers these at start. */
export const SEARCH_ATTRIBUTES = [ModelNameKey];
