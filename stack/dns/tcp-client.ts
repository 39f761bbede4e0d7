// A one-shot DNS-over-TCP query (for checks and tests; Node's resolver only falls back to TCP on truncation).
import * as net from 'node:net';
import { CLASS_IN, RRType, decodeMessage, emptyMessage, encodeMessage, type DnsResourceRecord } from './codec';

export function query(host: string, port: number, name: string, type: number = RRType.A): Promise<DnsResourceRecord[]> {
  return new Promise((resolve, reject) => {
    const msg = encodeMessage(
      emptyMessage({
        id: Math.floor(Math.random() * 65535),
        recursionDesired: true,
        questions: [{ name, type, class: CLASS_IN }],
      }),
    );
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(msg.length);
    const socket = net.connect(port, host, () => socket.write(Buffer.concat([prefix, msg])));
    let buf = Buffer.alloc(0);
    socket.setTimeout(3000, () => {
      socket.destroy();
      reject(new Error(`DNS over TCP to ${host}:${port} timed out`));
    });
    socket.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.end();
        resolve(decodeMessage(buf.subarray(2, 2 + buf.readUInt16BE(0))).answers);
      }
    });
    socket.on('error', reject);
  });
}
