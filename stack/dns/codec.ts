// DNS wire format (RFC 1035) for the loopback authoritative server: the npm package dns-packet reads and writes
// the messages; this module keeps the server's numeric view of them (types, classes, rcodes as numbers; A, CNAME,
// NS and SOA data decoded, any other record's data as its raw bytes) and turns every malformed message into a
// DnsFormatError, which the server answers with FORMERR. Names are written uncompressed; compressed ones are read.
import * as dnsPacket from 'dns-packet';
export const RRType = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const RCode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const CLASS_IN = 1;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}
export interface DnsResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** A: dotted quad; CNAME/NS: a name; SOA: {mname,rname,serial,refresh,retry,expire,minimum}; other: raw bytes. */
  data: string | SoaData | Buffer;
}
export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}
export interface DnsMessage {
  id: number;
  /** QR bit. */ response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsResourceRecord[];
  authorities: DnsResourceRecord[];
  additionals: DnsResourceRecord[];
}

export class DnsFormatError extends Error {
  override name = 'DnsFormatError';
}

// dns-packet names record types and classes; these tables (shipped in the package, untyped) give their numbers.
const types = require('dns-packet/types') as { toString(n: number): string; toType(name: string): number };
const classes = require('dns-packet/classes') as { toString(n: number): string; toClass(name: string): number };

/** The loose shape of dns-packet's records: its typings list only the record types it knows by name. */
interface WireRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data?: unknown;
  udpPayloadSize?: number;
  extendedRcode?: number;
  ednsVersion?: number;
  flags?: number;
  options?: unknown;
}
interface RdataCodec {
  encode(data: unknown): Buffer;
}
const rdataCodec = (type: string): RdataCodec =>
  (dnsPacket as unknown as { record(t: string): RdataCodec }).record(type);

/** The rdata bytes without the 2-byte length dns-packet writes in front of them. */
const rawRdata = (type: string, data: unknown): Buffer => Buffer.from(rdataCodec(type).encode(data).subarray(2));

const decodedName = (name: string): string => (name === '.' ? '' : name);

function checkName(name: string): string {
  const trimmed = name.replace(/\.$/, '');
  for (const label of trimmed === '' ? [] : trimmed.split('.')) {
    const bytes = Buffer.byteLength(label, 'utf8');
    if (bytes === 0 || bytes > 63) throw new DnsFormatError(`label "${label}" must be 1..63 bytes`);
  }
  return trimmed;
}

function fromWire(rr: WireRecord): DnsResourceRecord {
  const type = types.toType(rr.type);
  if (rr.type === 'OPT') {
    // EDNS: the class carries the UDP payload size and the TTL the extended rcode, version and flags (RFC 6891).
    const ttl = (((rr.extendedRcode ?? 0) << 24) | ((rr.ednsVersion ?? 0) << 16) | (rr.flags ?? 0)) >>> 0;
    return {
      name: decodedName(rr.name),
      type,
      class: rr.udpPayloadSize ?? 0,
      ttl,
      data: rawRdata('OPT', rr.options ?? []),
    };
  }
  const base = { name: decodedName(rr.name), type, class: classes.toClass(rr.class ?? 'IN'), ttl: rr.ttl ?? 0 };
  if (type === RRType.A || type === RRType.CNAME || type === RRType.NS) return { ...base, data: String(rr.data) };
  if (type === RRType.SOA) {
    const soa = rr.data as SoaData;
    return { ...base, data: { ...soa, mname: decodedName(soa.mname), rname: decodedName(soa.rname) } };
  }
  return { ...base, data: rawRdata(rr.type, rr.data) };
}

function toWire(rr: DnsResourceRecord): WireRecord {
  const base = { name: checkName(rr.name), class: classes.toString(rr.class), ttl: rr.ttl >>> 0 };
  // Raw bytes go out as they are, under the record's number (dns-packet writes an UNKNOWN_<n> type's data verbatim).
  if (Buffer.isBuffer(rr.data)) return { ...base, type: `UNKNOWN_${rr.type}`, data: rr.data };
  if (rr.type === RRType.A) {
    const parts = String(rr.data).split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
      throw new DnsFormatError(`"${String(rr.data)}" is not an IPv4 address`);
    return { ...base, type: 'A', data: parts.join('.') };
  }
  if (rr.type === RRType.CNAME || rr.type === RRType.NS)
    return { ...base, type: types.toString(rr.type), data: checkName(String(rr.data)) };
  if (rr.type === RRType.SOA && typeof rr.data === 'object') {
    const soa = rr.data as SoaData;
    return { ...base, type: 'SOA', data: { ...soa, mname: checkName(soa.mname), rname: checkName(soa.rname) } };
  }
  throw new DnsFormatError(`cannot encode rdata of type ${rr.type}`);
}

export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsFormatError('message shorter than the 12-byte header');
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(buf);
  } catch (err) {
    // dns-packet throws plain Errors and RangeErrors (a read past the end) on a malformed message.
    throw new DnsFormatError(err instanceof Error ? err.message : String(err));
  }
  const flags = buf.readUInt16BE(2);
  const records = (list: unknown[] | undefined) => (list ?? []).map((rr) => fromWire(rr as WireRecord));
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions: (packet.questions ?? []).map((q) => ({
      name: decodedName(q.name),
      type: types.toType(q.type),
      class: classes.toClass(q.class ?? 'IN'),
    })),
    answers: records(packet.answers),
    authorities: records(packet.authorities),
    additionals: records(packet.additionals),
  };
}

export function encodeMessage(msg: DnsMessage): Buffer {
  // dns-packet takes the QR bit from `type` and every other header bit from `flags`.
  const flags =
    ((msg.opcode & 0xf) << 11) |
    (msg.authoritative ? 0x0400 : 0) |
    (msg.truncated ? 0x0200 : 0) |
    (msg.recursionDesired ? 0x0100 : 0) |
    (msg.recursionAvailable ? 0x0080 : 0) |
    (msg.rcode & 0xf);
  const packet = {
    id: msg.id & 0xffff,
    type: msg.response ? 'response' : 'query',
    flags,
    questions: msg.questions.map((q) => ({
      name: checkName(q.name),
      type: types.toString(q.type),
      class: classes.toString(q.class),
    })),
    answers: msg.answers.map(toWire),
    authorities: msg.authorities.map(toWire),
    additionals: msg.additionals.map(toWire),
  };
  return dnsPacket.encode(packet as unknown as dnsPacket.Packet);
}

export function emptyMessage(partial: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id: 0,
    response: false,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    recursionAvailable: false,
    rcode: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    ...partial,
  };
}
