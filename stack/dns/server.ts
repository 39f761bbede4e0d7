// A loopback authoritative DNS server (UDP + TCP). It knows nothing about storage: `answer` is asked on every
// query, so a record change is visible at once.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import {
  DnsFormatError,
  RCode,
  decodeMessage,
  emptyMessage,
  encodeMessage,
  type DnsMessage,
  type DnsQuestion,
  type DnsResourceRecord,
} from './codec';

export interface DnsAnswer {
  rcode: number;
  answers: DnsResourceRecord[];
  authorities?: DnsResourceRecord[];
}
export type DnsAnswerFn = (question: DnsQuestion) => DnsAnswer;

export interface DnsServer {
  port: number;
  close(): Promise<void>;
}

const UDP_LIMIT = 512;

export function respond(query: Buffer, answer: DnsAnswerFn, udp: boolean): Buffer | undefined {
  let msg: DnsMessage;
  try {
    msg = decodeMessage(query);
  } catch (err) {
    if (!(err instanceof DnsFormatError) || query.length < 2) return undefined;
    return encodeMessage(emptyMessage({ id: query.readUInt16BE(0), response: true, rcode: RCode.FORMERR }));
  }
  if (msg.response) return undefined;
  const reply = emptyMessage({
    id: msg.id,
    response: true,
    opcode: msg.opcode,
    recursionDesired: msg.recursionDesired,
    questions: msg.questions.slice(0, 1),
  });
  if (msg.opcode !== 0) reply.rcode = RCode.NOTIMP;
  else if (msg.questions.length !== 1) reply.rcode = RCode.FORMERR;
  else {
    const a = answer(msg.questions[0]);
    reply.authoritative = a.rcode === RCode.NOERROR || a.rcode === RCode.NXDOMAIN;
    reply.rcode = a.rcode;
    reply.answers = a.answers;
    reply.authorities = a.authorities ?? [];
  }
  let out = encodeMessage(reply);
  if (udp && out.length > UDP_LIMIT) {
    out = encodeMessage({ ...reply, truncated: true, answers: [], authorities: [] });
  }
  return out;
}

type DnsServerOptions = { host: string; port: number; answer: DnsAnswerFn; onError?: (err: Error) => void };

/**
 * Port 0 picks a free UDP port and then listens on TCP at the same number, which another process may hold (test
 * files run concurrently, each with an emulator of its own): then it tries again with another free UDP port.
 */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDnsServerOnce(opts);
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (opts.port !== 0 || !inUse || attempt >= 20) throw err;
    }
  }
}

async function startDnsServerOnce(opts: DnsServerOptions): Promise<DnsServer> {
  const onError = opts.onError ?? (() => undefined);
  const udp = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  udp.on('message', (query, rinfo) => {
    try {
      const out = respond(query, opts.answer, true);
      if (out) udp.send(out, rinfo.port, rinfo.address);
    } catch (err) {
      onError(err as Error);
    }
  });
  udp.on('error', onError);
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(opts.port, opts.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const query = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        try {
          const out = respond(query, opts.answer, false);
          if (out) {
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(out.length);
            socket.write(Buffer.concat([prefix, out]));
          }
        } catch (err) {
          onError(err as Error);
          socket.destroy();
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.setTimeout(30_000, () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, opts.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  }).catch(async (err) => {
    udp.close();
    throw err;
  });

  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}
