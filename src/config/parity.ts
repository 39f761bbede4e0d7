// A pair's `parity` section: whether drSetup only checks that the secondary will serve the primary's clients
// (SASL users, ACLs, topic configs: src/parity/model.ts) or also makes it so, which users it may create and from
// which secret variables, and whether a failover with gaps needs one approval more. Passwords are never in the
// pairs file, an input or a history: only the NAME of the worker's variable holding each one.
// Pure (zod only): workflows import it.
import { z } from 'zod';
import { crossCheck, envName, listOf, matching, oneOf, text } from './fields';

export const PARITY_MODES = ['check', 'sync'] as const;
export const PARITY_FAILOVER_POLICIES = ['warn', 'approve'] as const;
export const PARITY_USER_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
/** Users a pair may declare: each is one secret variable on the worker. */
export const MAX_PARITY_USERS = 500;
/** Accepted differences a pair may list. */
export const MAX_ACCEPTED = 1000;

/** Kafka and ApsaraMQ user names: letters, digits and . _ - @ (what both accept as a SASL user). */
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export const ParityUserSchema = z.strictObject({
  name: matching(USER_NAME, 'expected a SASL user name (letters, digits, . _ - @; at most 64), e.g. "orders-app"'),
  mechanism: oneOf(PARITY_USER_MECHANISMS),
  /** The worker's variable holding the user's password: read by the sync activity only, never stored. */
  passwordEnv: envName(),
});

const ParityObject = z.strictObject({
  /** check: report and block on gaps; sync: create missing users and ACLs, align topic configs on the secondary. */
  mode: oneOf(PARITY_MODES).default('check'),
  /** Users sync may create on the secondary (only these: a password cannot be read from the primary). */
  users: listOf(ParityUserSchema, 'users { "name", "mechanism", "passwordEnv" }', 0, MAX_PARITY_USERS).default([]),
  /** warn: a failover shows the gaps to the approver; approve: a failover with gaps needs one more approval. */
  failover: oneOf(PARITY_FAILOVER_POLICIES).default('warn'),
  /**
   * Differences the pair's owner accepts (a secondary kept smaller on purpose), named as kdr lists them: no step
   * blocks on them, the watch is not degraded by them, no plan counts them.
   */
  accept: listOf(
    text('a gap as kdr names it, e.g. "orders/retention.ms" or "User:billing ALLOW READ TOPIC:orders from *"', 512),
    'accepted gaps',
    0,
    MAX_ACCEPTED,
  ).default([]),
});

type ParityDraft = z.input<typeof ParityObject>;

const CheckedParity = ParityObject.check(
  crossCheck<ParityDraft>((p, report) => {
    const users = Array.isArray(p.users) ? p.users : [];
    if (users.length > 0 && p.mode !== 'sync') {
      report(
        ['users'],
        'only used with mode "sync" (drSetup creates these users on the secondary): set "mode": "sync" or remove users',
      );
    }
    const seen = new Map<string, number>();
    users.forEach((u, i) => {
      if (!u || typeof u !== 'object' || typeof u.name !== 'string') return;
      const first = seen.get(u.name);
      if (first !== undefined)
        report(['users', i, 'name'], `"${u.name}" is listed twice (first at users[${first}]): keep one entry per user`);
      else seen.set(u.name, i);
    });
  }),
);

/** `"check"` or `"sync"` alone is short for `{ "mode": ... }` with the defaults. */
export const ParitySchema = z.preprocess((raw) => (typeof raw === 'string' ? { mode: raw } : raw), CheckedParity);

export type ParityConfig = z.output<typeof CheckedParity>;
export type ParityUser = ParityConfig['users'][number];
export const DEFAULT_PARITY: ParityConfig = { mode: 'check', users: [], failover: 'warn', accept: [] };
