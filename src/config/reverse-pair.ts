// The pair the other way round: the active side (the old secondary) as the replication source, the old primary as
// the replica. Its name ends in "_reverse", which no pair in a pairs file can have (pair names have no "_"), and
// which connector and event stream names accept: its MirrorMaker 2 connectors (kdr-<pair>_reverse-mm2-*) and
// streams never collide with the forward ones or another pair's.
import type { PairConfig } from '.';

export function reversedPair(pair: PairConfig): PairConfig {
  return { ...pair, name: `${pair.name}_reverse`, primary: pair.secondary, secondary: pair.primary };
}
