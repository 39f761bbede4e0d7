// Search attributes operators filter the UI's workflow list by, e.g. `DrPair = "local-kafka" AND DrPhase = "blocked"`.
// All are registered as Keyword on the dev server (stack/); other clusters: `temporal operator search-attribute create
// --name DrHealth --type Keyword` (and the same for DrPair, DrPhase) before the first run.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DrPairKey = defineSearchAttributeKey('DrPair', SearchAttributeType.KEYWORD);
export const DrPhaseKey = defineSearchAttributeKey('DrPhase', SearchAttributeType.KEYWORD);
/** drWatch's verdict on the pair's replication: healthy, degraded or broken, e.g. `DrHealth != "healthy"`. */
export const DrHealthKey = defineSearchAttributeKey('DrHealth', SearchAttributeType.KEYWORD);
