// The pair the other way round: the active side (the old secondary) as the replication source, the old primary as
// the replica. Its name ends in ".reverse", which no pair in a pairs file can have (pair names have no dots), so
// its MirrorMaker 2 connectors (kdr-<pair>.reverse-mm2-*) never collide with the forward ones or another pair's.
import type { PairConfig } from '../src/config';

export function reversedPair(pair: PairConfig): PairConfig {
  return { ...pair, name: `${pair.name}.reverse`, primary: pair.secondary, secondary: pair.primary };
}
