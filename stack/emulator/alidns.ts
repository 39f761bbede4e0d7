// Emulated alidns 2015-01-09 (docs/alicloud-emulator.md, Sources §2): zones and records in the persistent state, the same state the
// loopback DNS server answers from.
import { PopError, intParam, need } from './pop';
import { TTL_FLOOR, TTL_MAX, type DnsRecordState, type DnsZone, type StateStore } from './state';
import { CLASS_IN, RCode, RRType, type DnsQuestion, type DnsResourceRecord } from '../dns/codec';
import type { DnsAnswer } from '../dns/server';
import { brokerHost, type EmulatedInstance } from './instances';

const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA', 'REDIRECT_URL', 'FORWARD_URL']);
const LINES = new Set(['default', 'telecom', 'unicom', 'mobile', 'oversea', 'edu', 'drpeng', 'btvn']);

const lower = (s: string) => s.toLowerCase().replace(/\.$/, '');

function zoneFor(state: StateStore, fqdn: string): DnsZone | undefined {
  const name = lower(fqdn);
  return state.state.dns.zones
    .filter((z) => name === z.DomainName || name.endsWith(`.${z.DomainName}`))
    .sort((a, b) => b.DomainName.length - a.DomainName.length)[0];
}

function rrOf(zone: DnsZone, fqdn: string): string {
  const name = lower(fqdn);
  return name === zone.DomainName ? '@' : name.slice(0, -(zone.DomainName.length + 1));
}

/** A record as DescribeDomainRecordInfo answers it (its official model has no Weight). */
function recordView(r: DnsRecordState): Record<string, unknown> {
  return {
    RecordId: r.RecordId,
    DomainName: r.DomainName,
    RR: r.RR,
    Type: r.Type,
    Value: r.Value,
    TTL: r.TTL,
    Line: r.Line,
    Status: r.Status,
    Locked: r.Locked,
    ...(r.Priority !== undefined ? { Priority: r.Priority } : {}),
    ...(r.Remark !== undefined ? { Remark: r.Remark } : {}),
  };
}

/** A record as DescribeSubDomainRecords lists it: its model (DomainRecordsRecord) adds the weight of weighted round-robin. */
const listedRecordView = (r: DnsRecordState): Record<string, unknown> => ({ ...recordView(r), Weight: 1 });

interface RecordInput {
  RR: string;
  Type: string;
  Value: string;
  TTL: number;
  Line: string;
  Priority?: number;
}

function readInput(zone: DnsZone, p: Record<string, string>): RecordInput {
  const RR = lower(need(p, 'RR'));
  if (!/^(@|\*|[a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(RR) && RR !== '@') {
    throw new PopError(
      'InvalidParameter',
      `RR "${p.RR}" is not a valid host record; use letters, digits, -, _ and dots, or @ for the apex.`,
    );
  }
  const Type = need(p, 'Type').toUpperCase();
  if (!TYPES.has(Type))
    throw new PopError('InvalidParameter', `Type "${p.Type}" is not supported; use one of ${[...TYPES].join(', ')}.`);
  let Value = need(p, 'Value');
  if (Type === 'A' && !/^(\d{1,3})(\.\d{1,3}){3}$/.test(Value))
    throw new PopError('InvalidParameter', `Value "${Value}" is not an IPv4 address (Type A).`);
  if (Type === 'CNAME') {
    Value = lower(Value);
    if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)+$/.test(Value))
      throw new PopError('InvalidParameter', `Value "${p.Value}" is not a domain name (Type CNAME).`);
  }
  const floor = TTL_FLOOR[zone.Edition];
  const TTL = intParam(p, 'TTL', 600, 1, Number.MAX_SAFE_INTEGER);
  if (TTL < floor || TTL > TTL_MAX) {
    throw new PopError(
      'QuotaExceeded.TTL',
      `TTL ${TTL} is outside [${floor}, ${TTL_MAX}] allowed by the ${zone.Edition} edition of ${zone.DomainName}.`,
    );
  }
  const Line = p.Line || 'default';
  if (!LINES.has(Line))
    throw new PopError('InvalidParameter', `Line "${Line}" is not a known resolution line; use default.`);
  const Priority = Type === 'MX' ? intParam(p, 'Priority', 5, 1, 50) : undefined;
  return { RR, Type, Value, TTL, Line, Priority };
}

/** Duplicate and CNAME-exclusivity rules of alidns, checked against every record except `selfId`. */
function checkConflicts(records: DnsRecordState[], domain: string, input: RecordInput, selfId?: string): void {
  const same = records.filter(
    (r) => r.DomainName === domain && r.RR === input.RR && r.Line === input.Line && r.RecordId !== selfId,
  );
  if (same.some((r) => r.Type === input.Type && lower(r.Value) === lower(input.Value))) {
    throw new PopError('DomainRecordDuplicate', 'The DNS record already exists.');
  }
  if (input.Type === 'CNAME' ? same.length > 0 : same.some((r) => r.Type === 'CNAME')) {
    throw new PopError(
      'DomainRecordConflict',
      `The DNS record conflicts with other records: a CNAME on "${input.RR}" cannot coexist with any other record on the same line.`,
    );
  }
}

export class AlidnsEmulator {
  constructor(
    private readonly store: StateStore,
    private readonly instances: EmulatedInstance[],
  ) {}

  handle(action: string, p: Record<string, string>): Record<string, unknown> {
    switch (action) {
      case 'DescribeSubDomainRecords':
        return this.describeSubDomainRecords(p);
      case 'DescribeDomainRecordInfo':
        return this.describeDomainRecordInfo(p);
      case 'AddDomainRecord':
        return this.addDomainRecord(p);
      case 'UpdateDomainRecord':
        return this.updateDomainRecord(p);
      case 'DeleteDomainRecord':
        return this.deleteDomainRecord(p);
      default:
        throw new PopError(
          'InvalidAction.NotFound',
          `Specified api "${action}" is not found (the emulator implements DescribeSubDomainRecords, DescribeDomainRecordInfo, AddDomainRecord, UpdateDomainRecord, DeleteDomainRecord).`,
          404,
        );
    }
  }

  private zone(name: string): DnsZone {
    const zone = this.store.state.dns.zones.find((z) => z.DomainName === lower(name));
    if (!zone)
      throw new PopError('InvalidDomainName.NoExist', `The domain name "${name}" does not exist in this account.`);
    return zone;
  }

  private describeSubDomainRecords(p: Record<string, string>): Record<string, unknown> {
    const sub = lower(need(p, 'SubDomain'));
    const zone = p.DomainName ? this.zone(p.DomainName) : zoneFor(this.store, sub);
    if (!zone || !(sub === zone.DomainName || sub.endsWith(`.${zone.DomainName}`))) {
      throw new PopError('InvalidDomainName.NoExist', `No domain of this account contains "${sub}".`);
    }
    const rr = rrOf(zone, sub);
    const pageNumber = intParam(p, 'PageNumber', 1, 1, 1_000_000);
    const pageSize = intParam(p, 'PageSize', 20, 1, 100);
    const matches = this.store.state.dns.records.filter(
      (r) =>
        r.DomainName === zone.DomainName &&
        r.RR === rr &&
        (!p.Type || r.Type === p.Type.toUpperCase()) &&
        (!p.Line || r.Line === p.Line),
    );
    const items = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(listedRecordView);
    return { TotalCount: matches.length, PageNumber: pageNumber, PageSize: pageSize, DomainRecords: { Record: items } };
  }

  private find(recordId: string): DnsRecordState {
    const r = this.store.state.dns.records.find((x) => x.RecordId === recordId);
    if (!r)
      throw new PopError(
        'DomainRecordNotBelongToUser',
        `The DNS record ${recordId} does not exist or does not belong to this account.`,
      );
    return r;
  }

  private describeDomainRecordInfo(p: Record<string, string>): Record<string, unknown> {
    const r = this.find(need(p, 'RecordId'));
    const zone = this.zone(r.DomainName);
    return { ...recordView(r), DomainId: zone.DomainId, PunyCode: zone.DomainName, GroupId: '', GroupName: '' };
  }

  private addDomainRecord(p: Record<string, string>): Record<string, unknown> {
    const zone = this.zone(need(p, 'DomainName'));
    const input = readInput(zone, p);
    return this.store.mutate((s) => {
      checkConflicts(s.dns.records, zone.DomainName, input);
      const now = Date.now();
      const RecordId = this.store.nextRecordId();
      s.dns.records.push({
        RecordId,
        DomainName: zone.DomainName,
        ...input,
        Status: 'Enable',
        Locked: false,
        CreateTimestamp: now,
        UpdateTimestamp: now,
      });
      return { RecordId };
    });
  }

  private updateDomainRecord(p: Record<string, string>): Record<string, unknown> {
    const r = this.find(need(p, 'RecordId'));
    if (r.Locked) throw new PopError('RecordForbidden.Locked', `The DNS record ${r.RecordId} is locked.`);
    const zone = this.zone(r.DomainName);
    const input = readInput(zone, p);
    if (
      r.RR === input.RR &&
      r.Type === input.Type &&
      lower(r.Value) === lower(input.Value) &&
      r.TTL === input.TTL &&
      r.Line === input.Line &&
      r.Priority === input.Priority
    ) {
      throw new PopError('DomainRecordDuplicate', 'The DNS record already exists (the update changes nothing).');
    }
    return this.store.mutate((s) => {
      checkConflicts(s.dns.records, r.DomainName, input, r.RecordId);
      Object.assign(r, input, { UpdateTimestamp: Date.now() });
      return { RecordId: r.RecordId };
    });
  }

  private deleteDomainRecord(p: Record<string, string>): Record<string, unknown> {
    const r = this.find(need(p, 'RecordId'));
    if (r.Locked) throw new PopError('RecordForbidden.Locked', `The DNS record ${r.RecordId} is locked.`);
    return this.store.mutate((s) => {
      s.dns.records = s.dns.records.filter((x) => x.RecordId !== r.RecordId);
      return { RecordId: r.RecordId };
    });
  }

  /** Authoritative answers from the current state (A and CNAME, following CNAME chains inside known names). */
  answer(q: DnsQuestion): DnsAnswer {
    const answers: DnsResourceRecord[] = [];
    let name = lower(q.name);
    const seen = new Set<string>();
    for (let depth = 0; depth < 16; depth++) {
      if (seen.has(name)) break;
      seen.add(name);
      const node = this.lookup(name);
      if (!node) return { rcode: depth === 0 ? RCode.NXDOMAIN : RCode.NOERROR, answers };
      const cname = node.find((r) => r.type === 'CNAME');
      if (cname && q.type !== RRType.CNAME) {
        answers.push({ name, type: RRType.CNAME, class: CLASS_IN, ttl: cname.ttl, data: cname.value });
        name = lower(cname.value);
        continue;
      }
      const wanted =
        q.type === RRType.ANY ? node : node.filter((r) => RRType[r.type as keyof typeof RRType] === q.type);
      for (const r of wanted) {
        if (r.type === 'A' || r.type === 'CNAME')
          answers.push({ name, type: RRType[r.type], class: CLASS_IN, ttl: r.ttl, data: r.value });
      }
      return { rcode: RCode.NOERROR, answers };
    }
    return { rcode: RCode.SERVFAIL, answers: [] };
  }

  /** Records at one name, or undefined when the name does not exist. */
  private lookup(name: string): { type: string; value: string; ttl: number }[] | undefined {
    for (const inst of this.instances) {
      if (name === brokerHost(inst.instanceId, 1) || name === brokerHost(inst.instanceId, 1, '')) {
        return [{ type: 'A', value: inst.drIp, ttl: 60 }];
      }
    }
    const zone = zoneFor(this.store, name);
    if (!zone) return undefined;
    const rr = rrOf(zone, name);
    const recs = this.store.state.dns.records.filter(
      (r) => r.DomainName === zone.DomainName && r.RR === rr && r.Status === 'Enable' && r.Line === 'default',
    );
    if (recs.length === 0) {
      // An empty non-terminal (a name with records below it) exists; anything else is NXDOMAIN.
      const below = this.store.state.dns.records.some(
        (r) => r.DomainName === zone.DomainName && (rr === '@' ? true : r.RR.endsWith(`.${rr}`)),
      );
      return below || rr === '@' ? [] : undefined;
    }
    return recs.map((r) => ({ type: r.Type, value: r.Value, ttl: r.TTL }));
  }
}
