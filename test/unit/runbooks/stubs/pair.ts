// Pairs for the runbook tests. Every endpoint names port 9 (discard) on loopback, where nothing listens: a stub that
// leaked through to a real client would fail the test instead of touching the shared stack's Kafka or emulator.
import { randomUUID } from 'node:crypto';
import { PairConfigSchema, validate, type PairConfig, type PairConfigInput } from '../../../../src/config';

export const NOWHERE = '127.0.0.1:9';

export function stubPair(prefix: string, overrides: Partial<PairConfigInput> = {}): PairConfig {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const checked = validate(PairConfigSchema, {
    name,
    primary: { provider: 'kafka', bootstrapServers: [NOWHERE], endpointHost: 'primary.kdr.test' },
    secondary: { provider: 'kafka', bootstrapServers: [NOWHERE], endpointHost: 'secondary.kdr.test' },
    replication: {
      provider: 'kafka-connect',
      connectUrl: `http://${NOWHERE}`,
      topics: ['orders'],
      canaryTopic: `${name}-canary`,
      thresholds: { canaryTimeoutMs: 1_000, connectorReadyTimeoutMs: 60_000 },
    },
    dns: { provider: 'alidns', domain: 'kdr.test', rr: name, ttl: 1, resolvers: [NOWHERE] },
    ...overrides,
  });
  if (!checked.ok) throw new Error(`stub pair: ${checked.message}`);
  return checked.value;
}
