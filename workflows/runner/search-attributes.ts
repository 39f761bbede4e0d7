// Search attributes operators filter the UI's workflow list by, e.g. `DrPair = "local-kafka" AND DrPhase = "blocked"`.
// Both are registered as Keyword on the dev server (stack/); other clusters: `temporal operator search-attribute create`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DrPairKey = defineSearchAttributeKey('DrPair', SearchAttributeType.KEYWORD);
export const DrPhaseKey = defineSearchAttributeKey('DrPhase', SearchAttributeType.KEYWORD);
