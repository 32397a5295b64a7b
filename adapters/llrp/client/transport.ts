import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Opens the byte stream to a reader. The real one is TCP; unit tests hand the client one end of an
 * in-memory pair. Resolves once bytes can flow; rejects when the connection cannot be made.
 */
export type OpenTransport = (host: string, port: number) => Promise<Duplex>;

export const openTcp: OpenTransport = (host, port) =>
  new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    // LLRP requests are small and awaited one by one: Nagle would only add latency.
    socket.setNoDelay(true);
    // Detects a peer that vanished without FIN while no keepalives are configured.
    socket.setKeepAlive(true, 30_000);
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
