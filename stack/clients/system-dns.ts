// Real applications resolve names through the system resolver (/etc/resolv.conf), not through a library hook.
// The matrix gives them exactly that: each application runs in a mount namespace of its own (`unshare -m`, the
// machine's network unchanged) whose /etc/resolv.conf names a forwarder on a loopback address's port 53, which
// relays every query to the stack's DNS server. So the JVM's, glibc's and Go's own resolvers and caches are the
// ones measured. Needs root (the matrix runs where the stack does) and util-linux's unshare.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { local, stackDir } from '../local-stack';

export interface SystemDns {
  /** Prefix for a command: runs it with its own /etc/resolv.conf pointing at the forwarder. */
  wrap(argv: string[]): string[];
  close(): Promise<void>;
}

export async function startSystemDns(address: string): Promise<SystemDns> {
  const [upHost, upPort] = local.dnsServer.split(':');
  const server = dgram.createSocket('udp4');
  server.on('message', (query, from) => {
    const upstream = dgram.createSocket('udp4');
    const timer = setTimeout(() => upstream.close(), 3000);
    upstream.on('message', (answer) => {
      clearTimeout(timer);
      server.send(answer, from.port, from.address);
      upstream.close();
    });
    upstream.on('error', () => {
      clearTimeout(timer);
      upstream.close();
    });
    upstream.send(query, Number(upPort), upHost);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`cannot listen for DNS on ${address}:53 (${err.message}): the matrix needs root`)),
    );
    server.bind(53, address, () => resolve());
  });
  const resolvConf = path.join(stackDir, 'clients', `resolv-${address}.conf`);
  fs.mkdirSync(path.dirname(resolvConf), { recursive: true });
  fs.writeFileSync(resolvConf, `nameserver ${address}\noptions timeout:1 attempts:2\n`);
  return {
    wrap: (argv) => [
      'unshare',
      '--mount',
      '--',
      'sh',
      '-c',
      'mount --bind "$0" /etc/resolv.conf && exec "$@"',
      resolvConf,
      ...argv,
    ],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
