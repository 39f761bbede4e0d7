// The size limits of the name matcher (./name-matcher.ts).
/** NFA states a pattern may compile to (x{n,m} copies x): beyond it the pattern is refused as too large. */
export const MAX_NFA_STATES = 4_000;
/** Cached DFA states per pattern; past it the cache starts again (still linear, just slower for a while). */
export const MAX_DFA_STATES = 2_000;
