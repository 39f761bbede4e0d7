// DNS wire format (RFC 1035), just what an authoritative A/CNAME server needs. Names are written uncompressed
// (valid, and simpler); compressed names are read.
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

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next = -1;
  for (let jumps = 0; ;) {
    if (offset >= buf.length) throw new DnsFormatError('name runs past the end of the message');
    const len = buf[offset];
    if (len === 0) {
      offset += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      if (next < 0) next = offset + 2;
      offset = ((len & 0x3f) << 8) | buf[offset + 1];
      if (++jumps > 64) throw new DnsFormatError('compression loop');
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`unsupported label type 0x${len.toString(16)}`);
    if (offset + 1 + len > buf.length) throw new DnsFormatError('label runs past the end of the message');
    labels.push(buf.toString('latin1', offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
  return { name: labels.join('.'), next: next < 0 ? offset : next };
}

function writeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '');
  const parts: Buffer[] = [];
  if (trimmed !== '') {
    for (const label of trimmed.split('.')) {
      const bytes = Buffer.from(label, 'latin1');
      if (bytes.length === 0 || bytes.length > 63) throw new DnsFormatError(`label "${label}" must be 1..63 bytes`);
      parts.push(Buffer.from([bytes.length]), bytes);
    }
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function readRecord(buf: Buffer, offset: number): { rr: DnsResourceRecord; next: number } {
  const { name, next } = readName(buf, offset);
  if (next + 10 > buf.length) throw new DnsFormatError('record header runs past the end');
  const type = buf.readUInt16BE(next);
  const klass = buf.readUInt16BE(next + 2);
  const ttl = buf.readUInt32BE(next + 4);
  const rdlen = buf.readUInt16BE(next + 8);
  const rdStart = next + 10;
  if (rdStart + rdlen > buf.length) throw new DnsFormatError('rdata runs past the end');
  let data: DnsResourceRecord['data'];
  if (type === RRType.A && rdlen === 4) data = Array.from(buf.subarray(rdStart, rdStart + 4)).join('.');
  else if (type === RRType.CNAME || type === RRType.NS) data = readName(buf, rdStart).name;
  else if (type === RRType.SOA) {
    const m = readName(buf, rdStart);
    const r = readName(buf, m.next);
    const o = r.next;
    data = {
      mname: m.name,
      rname: r.name,
      serial: buf.readUInt32BE(o),
      refresh: buf.readUInt32BE(o + 4),
      retry: buf.readUInt32BE(o + 8),
      expire: buf.readUInt32BE(o + 12),
      minimum: buf.readUInt32BE(o + 16),
    };
  } else data = Buffer.from(buf.subarray(rdStart, rdStart + rdlen));
  return { rr: { name, type, class: klass, ttl, data }, next: rdStart + rdlen };
}

function encodeRdata(rr: DnsResourceRecord): Buffer {
  if (Buffer.isBuffer(rr.data)) return rr.data;
  if (rr.type === RRType.A) {
    const parts = String(rr.data).split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
      throw new DnsFormatError(`"${String(rr.data)}" is not an IPv4 address`);
    return Buffer.from(parts);
  }
  if (rr.type === RRType.CNAME || rr.type === RRType.NS) return writeName(String(rr.data));
  if (rr.type === RRType.SOA && typeof rr.data === 'object') {
    const soa = rr.data as SoaData;
    const tail = Buffer.alloc(20);
    [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].forEach((v, i) => tail.writeUInt32BE(v >>> 0, i * 4));
    return Buffer.concat([writeName(soa.mname), writeName(soa.rname), tail]);
  }
  throw new DnsFormatError(`cannot encode rdata of type ${rr.type}`);
}

function encodeRecord(rr: DnsResourceRecord): Buffer {
  const rdata = encodeRdata(rr);
  const head = Buffer.alloc(10);
  head.writeUInt16BE(rr.type, 0);
  head.writeUInt16BE(rr.class, 2);
  head.writeUInt32BE(rr.ttl >>> 0, 4);
  head.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([writeName(rr.name), head, rdata]);
}

export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsFormatError('message shorter than the 12-byte header');
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let offset = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const { name, next } = readName(buf, offset);
    if (next + 4 > buf.length) throw new DnsFormatError('question runs past the end');
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    offset = next + 4;
  }
  const sections: DnsResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const { rr, next } = readRecord(buf, offset);
      sections[s].push(rr);
      offset = next;
    }
  }
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0],
    authorities: sections[1],
    additionals: sections[2],
  };
}

export function encodeMessage(msg: DnsMessage): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(msg.id & 0xffff, 0);
  const flags =
    (msg.response ? 0x8000 : 0) |
    ((msg.opcode & 0xf) << 11) |
    (msg.authoritative ? 0x0400 : 0) |
    (msg.truncated ? 0x0200 : 0) |
    (msg.recursionDesired ? 0x0100 : 0) |
    (msg.recursionAvailable ? 0x0080 : 0) |
    (msg.rcode & 0xf);
  head.writeUInt16BE(flags, 2);
  head.writeUInt16BE(msg.questions.length, 4);
  head.writeUInt16BE(msg.answers.length, 6);
  head.writeUInt16BE(msg.authorities.length, 8);
  head.writeUInt16BE(msg.additionals.length, 10);
  const parts: Buffer[] = [head];
  for (const q of msg.questions) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.class, 2);
    parts.push(writeName(q.name), tail);
  }
  for (const rr of [...msg.answers, ...msg.authorities, ...msg.additionals]) parts.push(encodeRecord(rr));
  return Buffer.concat(parts);
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
