// The custom domain clients bootstrap from: a CNAME in Alibaba Cloud DNS, read first and changed only when
// it points elsewhere, then verified through real DNS queries to the pair's resolvers.
import { promises as dns } from 'node:dns';
import { CloudApiError, type DnsRecord } from '../src/cloud';
import { customDomain, sameHost, type PairConfig } from '../src/config';
import type { ActivityDeps } from './deps';
import { permanent } from './failures';

export interface CnameChange {
  domain: string;
  recordId: string;
  before: string | null;
  after: string;
  ttl: number;
  action: 'added' | 'updated' | 'unchanged';
  /** Every CNAME record of the name (one per resolution line: default, telecom, overseas...), each as it was handled. */
  records: { recordId: string; line: string; before: string | null; action: 'added' | 'updated' | 'unchanged' }[];
}

export interface ResolverAnswer {
  resolver: string;
  /** The CNAME target the resolver answered, or null. */
  target: string | null;
  error?: string;
}

function resolverFor(address: string): dns.Resolver {
  const r = new dns.Resolver({ timeout: 2000, tries: 2 });
  r.setServers([address]);
  return r;
}

function conflictOr(err: unknown, domain: string): unknown {
  if (err instanceof CloudApiError && err.code === 'DomainRecordConflict') {
    return permanent(
      'DomainRecordConflict',
      `${domain}: Alibaba Cloud DNS refused the CNAME (${err.message}); another record holds the name`,
    );
  }
  return err;
}

export function dnsActivities(deps: ActivityDeps) {
  return {
    /** Points the pair's custom domain at `target` (read first; add, update, or nothing when already right). */
    async ensureCname(pair: PairConfig, target: string): Promise<CnameChange> {
      const domain = customDomain(pair);
      const alidns = deps.cloud().alidns();
      const records: DnsRecord[] = await alidns.listSubDomainRecords({
        subDomain: domain,
        domainName: pair.dns.domain,
      });
      const others = records.filter((r) => r.Type !== 'CNAME');
      const cname = records.find((r) => r.Type === 'CNAME');
      if (!cname && others.length > 0) {
        const list = others.map((r) => `${r.Type} ${r.Value} (RecordId ${r.RecordId})`).join(', ');
        throw permanent(
          'DomainRecordConflict',
          `${domain} already has ${list}: a CNAME cannot share its name with other records. ` +
            `Delete those records in Alibaba Cloud DNS, or choose another dns.rr for pair ${pair.name}`,
        );
      }
      const cnames = records.filter((r) => r.Type === 'CNAME');
      if (cnames.length === 0) {
        const record = { rr: pair.dns.rr, type: 'CNAME' as const, value: target, ttl: pair.dns.ttl };
        try {
          const recordId = await alidns.addDomainRecord(pair.dns.domain, record);
          return {
            domain,
            recordId,
            before: null,
            after: target,
            ttl: pair.dns.ttl,
            action: 'added',
            records: [{ recordId, line: 'default', before: null, action: 'added' }],
          };
        } catch (err) {
          // A retry after a timeout may find its own earlier write applied: that is success, not a conflict.
          if (err instanceof CloudApiError && err.code === 'DomainRecordDuplicate') {
            const again = (await alidns.listSubDomainRecords({ subDomain: domain, domainName: pair.dns.domain })).find(
              (r) => r.Type === 'CNAME',
            );
            if (again && sameHost(again.Value, target)) {
              return {
                domain,
                recordId: again.RecordId,
                before: null,
                after: target,
                ttl: again.TTL,
                action: 'added',
                records: [{ recordId: again.RecordId, line: again.Line ?? 'default', before: null, action: 'added' }],
              };
            }
          }
          throw conflictOr(err, domain);
        }
      }
      // Every line's record moves: a resolver on the telecom line must not keep sending clients to the old side.
      const handled: CnameChange['records'] = [];
      for (const c of cnames) {
        if (sameHost(c.Value, target) && c.TTL === pair.dns.ttl) {
          handled.push({ recordId: c.RecordId, line: c.Line ?? 'default', before: c.Value, action: 'unchanged' });
          continue;
        }
        const record = {
          rr: pair.dns.rr,
          type: 'CNAME' as const,
          value: target,
          ttl: pair.dns.ttl,
          ...(c.Line ? { line: c.Line } : {}),
        };
        try {
          await alidns.updateDomainRecord(c.RecordId, record);
        } catch (err) {
          if (!(err instanceof CloudApiError && err.code === 'DomainRecordDuplicate')) throw conflictOr(err, domain);
        }
        handled.push({ recordId: c.RecordId, line: c.Line ?? 'default', before: c.Value, action: 'updated' });
      }
      const main = cnames.find((c) => (c.Line ?? 'default') === 'default') ?? cnames[0];
      const changed = handled.some((h) => h.action === 'updated');
      return {
        domain,
        recordId: main.RecordId,
        before: main.Value,
        after: target,
        ttl: pair.dns.ttl,
        action: changed ? 'updated' : 'unchanged',
        records: handled,
      };
    },

    /** What the CNAME is in Alibaba Cloud DNS right now (null when there is none). */
    async readCname(pair: PairConfig): Promise<{ domain: string; target: string | null; ttl: number | null }> {
      const domain = customDomain(pair);
      const cname = (
        await deps.cloud().alidns().listSubDomainRecords({ subDomain: domain, domainName: pair.dns.domain })
      ).find((r) => r.Type === 'CNAME');
      return { domain, target: cname?.Value ?? null, ttl: cname?.TTL ?? null };
    },

    /** Asks every configured resolver for the custom domain's CNAME. */
    async queryResolvers(pair: PairConfig): Promise<ResolverAnswer[]> {
      const domain = customDomain(pair);
      return Promise.all(
        pair.dns.resolvers.map(async (resolver): Promise<ResolverAnswer> => {
          try {
            const [target] = await resolverFor(resolver).resolveCname(domain);
            return { resolver, target: target ?? null };
          } catch (err) {
            return { resolver, target: null, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
          }
        }),
      );
    },
  };
}
