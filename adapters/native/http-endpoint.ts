import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { describeError } from '../../runtime/errors.js';
import { requireToken } from '../../runtime/http-token.js';
import type { Logger } from '../../runtime/logger.js';
import type { NativeReaderClient } from './client.js';

/**
 * The HTTP ingest endpoint (node:http): `POST /readers/{readerId}` with a JSON body (Speedway
 * Connect's HTTP POST, Zebra's batched HTTP POST, Impinj webhooks) or an NDJSON body, streamed or
 * not (Impinj's HTTP stream pointed at us). The body is parsed as it arrives, so a stream that
 * never ends is fine; the reply (202, with counts) comes when the request ends and its reads are
 * durable (on the on-disk queue, else acknowledged by the broker): a reader may discard what a 2xx
 * answered. When the publisher cannot make them durable the reply is 503, so the reader resends.
 *
 * Backpressure: when the publisher is over its high-water mark the request is no longer read
 * until it drains, which makes TCP push back on the reader.
 */
export class HttpEndpoint {
  private readonly server: Server;

  constructor(
    private readonly clients: Map<string, NativeReaderClient>,
    private readonly whenWritable: () => Promise<void>,
    private readonly whenDurable: (readerId: string) => Promise<void>,
    private readonly onDocument: (readerId: string) => void,
    private readonly logger: Logger,
    /** Bearer token every request must carry; undefined: none. */
    private readonly token?: string,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.error({ err: describeError(err) }, 'http ingest failed');
        if (!res.headersSent) reply(res, 500, { error: describeError(err) });
        else res.destroy();
      });
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  port(): number | undefined {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!requireToken(req, res, this.token)) {
      req.resume();
      return;
    }
    const match = /^\/readers\/([^/?]+)\/?(?:\?.*)?$/.exec(req.url ?? '');
    const client = match === null ? undefined : this.clients.get(decodeURIComponent(match[1] ?? ''));
    if (client === undefined) {
      reply(res, 404, { error: 'POST to /readers/{readerId}, for a reader this adapter is configured with' });
      req.resume();
      return;
    }
    if (req.method !== 'POST' && req.method !== 'PUT') {
      res.setHeader('Allow', 'POST, PUT');
      reply(res, 405, { error: 'use POST' });
      req.resume();
      return;
    }
    const before = client.stats();
    const parser = client.newStream();
    const decoder = new StringDecoder('utf8');
    this.onDocument(client.readerId);
    for await (const chunk of req) {
      if (!client.handle(parser.push(decoder.write(chunk as Buffer)))) {
        this.logger.info({ readerId: client.readerId }, 'publisher full: HTTP input paused (body not read)');
        await this.whenWritable();
      }
    }
    client.handle([...parser.push(decoder.end()), ...parser.end()]);
    const after = client.stats();
    try {
      await this.whenDurable(client.readerId);
    } catch (err) {
      this.logger.warn({ readerId: client.readerId, err: describeError(err) }, 'reads not durable: 503');
      reply(res, 503, { error: describeError(err) });
      return;
    }
    reply(res, 202, {
      reads: after.reads - before.reads,
      rejected: after.deadLetters - before.deadLetters,
      skipped: after.skipped - before.skipped,
    });
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}
