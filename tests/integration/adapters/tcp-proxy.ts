import { createServer, connect, type Server, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

/**
 * A real TCP forwarder in front of a real broker, so a test can take "the network" away from one
 * client without touching the shared Mosquitto: `cut()` drops every connection abruptly (as a
 * crash or a pulled cable would) and refuses new ones until `restore()`.
 */
export interface TcpProxy {
  readonly port: number;
  readonly connections: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const next = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {}); // a reset is what cut() is for
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as { port: number }).port;
    server = next;
  };
  const cut = async (): Promise<void> => {
    const current = server;
    server = undefined;
    for (const s of sockets) s.resetAndDestroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  onTestFinished(cut);
  return {
    get port() {
      return port;
    },
    get connections() {
      return sockets.size / 2;
    },
    cut,
    restore: listen,
  };
}
