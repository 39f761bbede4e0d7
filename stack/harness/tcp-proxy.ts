// A TCP proxy on a loopback port that a test can cut and restore: the network path from one vantage point to a
// broker (the worker's) fails while the broker itself, and every other path to it, stays up. Cut = connections
// reset and new ones refused, what a client sees when a route or a security group drops it.
import * as net from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Whether it forwards now. */
  readonly open: boolean;
  /** Resets every connection through it and refuses new ones. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, host = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      for (const x of [client, upstream]) {
        sockets.add(x);
        x.once('close', () => sockets.delete(x));
        x.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });
    port = (s.address() as net.AddressInfo).port;
    server = s;
  };
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const x of sockets) x.resetAndDestroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  return {
    host,
    get port() {
      return port;
    },
    get open() {
      return server !== undefined;
    },
    cut,
    restore: async () => {
      if (!server) await listen();
    },
    close: cut,
  };
}
