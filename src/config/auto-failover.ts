// A pair's `autoFailover` policy: when drWatch may start a failover without a person (src/auto-failover/decide.ts
// decides, drFailover waits out the veto window). It lives only in the pairs file: a run's input can never enable or
// loosen it. Off by default. Pure (zod only): workflows import it.
import { z } from 'zod';
import { crossCheck, duration, flag, hostPort, integer, listOf, matching } from './fields';
import { SecuritySchema } from './security';
import { formatDuration } from './duration';

export const AUTO_PROBES = ['kafka', 'cloud', 'remote'] as const;
export type AutoProbe = (typeof AUTO_PROBES)[number];

const MaxAtRiskObject = z.strictObject({
  /** Most seconds of the primary's traffic that may be lost (time since the last snapshot + replication lag). */
  seconds: integer(0, 86_400).optional(),
  /** Most records that may be lost (the unreplicated tail estimated when the primary went silent). */
  records: integer(0, 1_000_000_000).optional(),
});

export const MaxAtRiskSchema = MaxAtRiskObject.check(
  crossCheck<z.input<typeof MaxAtRiskObject>>((m, report) => {
    if (m.seconds === undefined && m.records === undefined)
      report(
        [],
        'give "seconds", "records" or both: the most data an automatic failover may lose, e.g. { "seconds": 30 }',
      );
  }),
);

export const ProbesSchema = z.strictObject({
  /** The worker's own Kafka probe of the primary (metadata + canary produce/fetch): always on. */
  kafka: z
    .literal(true, { error: "the worker's Kafka probe cannot be turned off: set true or remove the field" })
    .default(true),
  /** GetInstanceList status of the primary instance (ApsaraMQ only); no answer counts as unknown, never as down. */
  cloud: flag().default(false),
  /** A second worker on another task queue (another network location) running the same Kafka probe. */
  remote: z
    .strictObject({
      taskQueue: matching(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/,
        'expected a Temporal task queue name, e.g. "kdr-probe-b"',
      ),
      /**
       * How the remote vantage point reaches the primary when not by primary.bootstrapServers: an ApsaraMQ instance
       * has a VPC endpoint and an Internet (SASL_SSL) one. Omitted: the primary's own servers and security.
       */
      bootstrapServers: listOf(
        hostPort(),
        'host:port bootstrap servers of the primary, as the remote probe reaches it',
      ).optional(),
      /** The security of those servers (secrets by variable NAME, set on the probe worker); omitted: the primary's. */
      security: SecuritySchema.optional(),
    })
    .optional(),
});

const AutoFailoverObject = z.strictObject({
  enabled: flag().default(false),
  /** How long a quorum of probes must see the primary down, without a break, before a failover starts. */
  after: duration(10_000, 3_600_000).default(300_000),
  /** How long the started failover waits for a veto before the policy counts as its approval. */
  vetoWindow: duration(10_000, 3_600_000).default(180_000),
  /** Above this estimate no automatic failover: a page with the estimate, and a person decides. */
  maxAtRisk: MaxAtRiskSchema.optional(),
  probes: ProbesSchema.default(ProbesSchema.parse({})),
  /** Probes that must all see the primary down; omitted = every enabled probe. */
  quorum: integer(1, AUTO_PROBES.length).optional(),
});

type AutoFailoverDraft = z.input<typeof AutoFailoverObject>;

export function enabledProbes(probes: z.output<typeof ProbesSchema>): AutoProbe[] {
  return AUTO_PROBES.filter((p) => (p === 'kafka' ? true : p === 'cloud' ? probes.cloud : probes.remote !== undefined));
}

export const AutoFailoverSchema = AutoFailoverObject.check(
  crossCheck<AutoFailoverDraft>((a, report) => {
    if (a.enabled === true && a.maxAtRisk === undefined)
      report(
        ['maxAtRisk'],
        'required with "enabled": true: the most data an automatic failover may lose, e.g. { "seconds": 30 } ' +
          '(above it the watch pages and a person decides)',
      );
    if (typeof a.quorum === 'number' && a.probes && typeof a.probes === 'object') {
      const n = 1 + (a.probes.cloud === true ? 1 : 0) + (a.probes.remote !== undefined ? 1 : 0);
      if (a.quorum > n)
        report(
          ['quorum'],
          `is ${a.quorum} but only ${n} probe(s) are enabled: lower quorum or enable probes.cloud / probes.remote`,
        );
    }
  }),
).transform((a) => ({ ...a, quorum: a.quorum ?? enabledProbes(a.probes).length }));

export type AutoFailoverConfig = z.output<typeof AutoFailoverSchema>;
export const DEFAULT_AUTO_FAILOVER: AutoFailoverConfig = AutoFailoverSchema.parse({});

/** One line for `kdr pairs` and the plan: what the policy would do, or that it is off. */
export function describeAutoFailover(a: AutoFailoverConfig | undefined): string {
  // A pair read before the policy existed (a recorded history) carries none: off.
  if (!a?.enabled) return 'off (every failover waits for a person)';
  const risk = [
    a.maxAtRisk?.seconds !== undefined ? `${a.maxAtRisk.seconds} s` : '',
    a.maxAtRisk?.records !== undefined ? `${a.maxAtRisk.records} records` : '',
  ].filter(Boolean);
  const remote = a.probes.remote;
  const via = remote?.bootstrapServers ? ` via ${remote.bootstrapServers.join(',')}` : '';
  const probes = enabledProbes(a.probes).map((p) => (p === 'remote' ? `remote (${remote?.taskQueue}${via})` : p));
  return (
    `on: after ${formatDuration(a.after)} down (${a.quorum} of ${probes.join(', ')}), ` +
    `veto window ${formatDuration(a.vetoWindow)}, at most ${risk.join(' / ')} at risk`
  );
}
