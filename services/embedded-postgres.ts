import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { BondtrackError, describeError } from '../runtime/errors.js';
import { createLogger, type Logger } from '../runtime/logger.js';

/**
 * The embedded default database: PGlite (PostgreSQL 17 in WASM) with TimescaleDB, served over the
 * PostgreSQL wire protocol on 127.0.0.1 so that `pg` and every other client connect as to a server.
 *
 * Why not pglite-socket's PGLiteSocketServer: in 0.0.21 the bytes PGlite returns are a view of a
 * buffer that the next query overwrites, and its queue hands the backend to another connection
 * between the Parse, Bind and Execute messages of one query. With two connections we saw a COMMIT
 * answered with another connection's "BEGIN" and clients hang. The server below copies every reply
 * and lets one connection own the session until the backend reports ReadyForQuery "idle".
 *
 * PGlite is one session, so: statements run one at a time (keep pools at 1-2); a transaction holds
 * every other connection until it ends (keep them short); session state is shared except
 * search_path, which is kept per connection (from the startup `-c search_path=…` option, or the
 * connection's own SET); named prepared statements, LISTEN and temporary tables are shared too.
 */
export interface EmbeddedPostgresOptions {
  /** Directory of the database files, created on first start; `memory://` for a throwaway one. Default `.data/pglite`. */
  dataDir?: string;
  /** Port on 127.0.0.1; 0 picks a free one. Default 0. */
  port?: number;
  /** Most client connections at once. Default 32. */
  maxConnections?: number;
  /** Default a `bondtrack.embedded-postgres` logger. */
  logger?: Logger;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:{port}/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Disconnect every client, stop listening and close the database (flushes it to disk). */
  close(): Promise<void>;
}

// Startup-phase request codes (PostgreSQL protocol, §55.7 "Message Formats").
const PROTOCOL_3_0 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I': ReadyForQuery status outside a transaction block
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]); // 'S'

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const log = options.logger ?? createLogger('bondtrack.embedded-postgres');
  const inMemory = options.dataDir?.startsWith('memory://') ?? false;
  const dataDir = inMemory ? options.dataDir! : resolve(options.dataDir ?? '.data/pglite');
  const lockFile = inMemory ? undefined : `${dataDir}.lock`;
  if (lockFile) await takeLock(lockFile);
  let db: PGlite | undefined;
  let defaultSearchPath: string;
  try {
    if (!inMemory) await mkdir(dirname(dataDir), { recursive: true });
    db = await PGlite.create(dataDir, { extensions: { timescaledb } });
    const { rows } = await db.query<{ search_path: string }>('SHOW search_path');
    defaultSearchPath = rows[0]?.search_path ?? 'public';
  } catch (err) {
    await db?.close().catch(() => undefined);
    if (lockFile) await rm(lockFile, { force: true });
    throw new BondtrackError(
      'BT_DB_EMBEDDED_START',
      `cannot open the embedded database in ${dataDir}: ${describeError(err)}`,
      { cause: err },
    );
  }
  const backend = new Backend(db, defaultSearchPath);
  const connections = new Set<Connection>();
  const maxConnections = options.maxConnections ?? 32;
  const server = createServer((socket) => {
    if (connections.size >= maxConnections) {
      socket.end(
        errorResponse('53300', `too many connections to the embedded database (max ${maxConnections})`),
      );
      return;
    }
    const conn = new Connection(socket, backend, log);
    connections.add(conn);
    socket.once('close', () => connections.delete(conn));
  });
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(options.port ?? 0, '127.0.0.1', () => res());
    });
  } catch (err) {
    await db.close();
    if (lockFile) await rm(lockFile, { force: true });
    throw new BondtrackError(
      'BT_DB_EMBEDDED_START',
      `cannot listen on 127.0.0.1:${options.port ?? 0}: ${describeError(err)}`,
      { cause: err },
    );
  }
  // After listen, an accept error (EMFILE, …) must be logged rather than crash the process.
  server.on('error', (err) => log.warn({ err: describeError(err) }, 'embedded PostgreSQL server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ port, dataDir }, 'embedded PostgreSQL (PGlite + TimescaleDB) listening');
  let closing: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((res) => server.close(() => res()));
        await Promise.all([...connections].map((c) => c.destroy()));
        await stopped;
        await db.close();
        if (lockFile) await rm(lockFile, { force: true });
      })()),
  };
}

/**
 * The one PGlite session, shared by all connections. A connection owns it from its first message
 * until a reply ends in ReadyForQuery "idle"; others queue in arrival order.
 */
class Backend {
  private owner: Connection | undefined;
  private readonly waiting: Array<{ conn: Connection; wake: (granted: boolean) => void }> = [];
  /** The connection whose search_path the session holds now. */
  private pathHolder: Connection | undefined;

  constructor(
    private readonly db: PGlite,
    readonly defaultSearchPath: string,
  ) {}

  /** Run one protocol message for `conn`; undefined when the connection went away while queued. */
  async exec(conn: Connection, message: Uint8Array, startup: boolean): Promise<Uint8Array | undefined> {
    if (!(await this.acquire(conn))) return undefined;
    try {
      if (this.pathHolder !== conn) await this.switchSearchPath(conn);
      const reply = await this.raw(message);
      // A startup message may reset session settings: put the connection's search_path back on.
      if (startup) await this.setSearchPath(conn);
      if (readyStatus(reply) === IDLE) this.release(conn);
      return reply;
    } catch (err) {
      await this.abandon(conn);
      throw err;
    }
  }

  /** Drop a connection from the queue; its pending `exec` resolves undefined. */
  cancelWait(conn: Connection): void {
    const queued = this.waiting.findIndex((w) => w.conn === conn);
    if (queued >= 0) this.waiting.splice(queued, 1)[0]!.wake(false);
  }

  /** A connection is gone: end whatever it left open in the session, and let the next one in. */
  async abandon(conn: Connection): Promise<void> {
    this.cancelWait(conn);
    if (this.pathHolder === conn) this.pathHolder = undefined;
    if (this.owner !== conn) return;
    try {
      // Sync ends a half-sent extended query; ROLLBACK then ends an open or failed transaction.
      if (readyStatus(await this.raw(SYNC)) !== IDLE) await this.raw(simpleQuery('ROLLBACK'));
    } finally {
      this.release(conn);
    }
  }

  private acquire(conn: Connection): Promise<boolean> {
    if (this.owner === conn) return Promise.resolve(true);
    if (this.owner === undefined && this.waiting.length === 0) {
      this.owner = conn;
      return Promise.resolve(true);
    }
    return new Promise((wake) => this.waiting.push({ conn, wake }));
  }

  private release(conn: Connection): void {
    if (this.owner !== conn) return;
    const next = this.waiting.shift();
    this.owner = next?.conn;
    next?.wake(true);
  }

  /** Save the previous holder's search_path (it may have SET its own) and apply this connection's. */
  private async switchSearchPath(conn: Connection): Promise<void> {
    const previous = this.pathHolder;
    const before = await this.setSearchPath(conn);
    if (previous !== undefined) previous.searchPath = before;
  }

  /** Apply `conn`'s search_path to the session; returns the one it replaced. */
  private async setSearchPath(conn: Connection): Promise<string | undefined> {
    const { rows } = await this.db.query<{ previous: string }>(
      `SELECT current_setting('search_path') AS previous, set_config('search_path', $1, false)`,
      [conn.searchPath ?? this.defaultSearchPath],
    );
    this.pathHolder = conn;
    return rows[0]?.previous;
  }

  /** PGlite's reply is a view of memory the next call reuses: copy it before anything else runs. */
  private raw(message: Uint8Array): Promise<Uint8Array> {
    return this.db.runExclusive(async () => (await this.db.execProtocolRaw(message)).slice());
  }
}

/** One client socket: frames its messages and runs them one after another through the Backend. */
class Connection {
  searchPath: string | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly queue: Array<{ message: Buffer; startup: boolean }> = [];
  private pumping: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly backend: Backend,
    private readonly log: Logger,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data) => this.onData(data));
    socket.on('error', (err) => log.debug({ err: describeError(err) }, 'client socket error'));
    socket.on('close', () => void this.destroy());
  }

  async destroy(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.queue.length = 0;
      this.socket.destroy();
    }
    this.backend.cancelWait(this);
    await this.pumping;
    // Called from socket events without a caller to report to: a failed cleanup is logged, never thrown.
    await this.backend
      .abandon(this)
      .catch((err: unknown) =>
        this.log.warn(
          { err: describeError(err) },
          'could not end the session state a closed connection left',
        ),
      );
  }

  /** Cut complete messages off the buffer; keep the rest for the next chunk. */
  private onData(data: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    let offset = 0;
    for (;;) {
      const available = this.buffer.length - offset;
      if (!this.started) {
        // Startup-phase messages have no type byte: Int32 length, Int32 code, body.
        if (available < 8) break;
        const length = this.buffer.readInt32BE(offset);
        const code = this.buffer.readInt32BE(offset + 4);
        if (length < 8 || length > 10_000) return this.fail('bad startup message length');
        if (available < length) break;
        const message = Buffer.from(this.buffer.subarray(offset, offset + length));
        offset += length;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N'); // no TLS on a loopback-only server; the client goes on in clear text
        } else if (code === CANCEL_REQUEST) {
          return this.fail(); // PGlite cannot interrupt a running statement
        } else if (code >>> 16 !== PROTOCOL_3_0 >>> 16) {
          return this.fail('unsupported protocol version', '0A000');
        } else {
          this.searchPath = startupSearchPath(message);
          this.started = true;
          this.queue.push({ message, startup: true });
        }
      } else {
        // Regular messages: Byte1 type, Int32 length (including itself), body.
        if (available < 5) break;
        const length = this.buffer.readInt32BE(offset + 1);
        if (length < 4) return this.fail('bad message length');
        if (available < length + 1) break;
        const message = Buffer.from(this.buffer.subarray(offset, offset + length + 1));
        offset += length + 1;
        if (message[0] === TERMINATE) {
          this.socket.end();
          break;
        }
        this.queue.push({ message, startup: false });
      }
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  private async pump(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.closed; next = this.queue.shift()) {
      let reply: Uint8Array | undefined;
      try {
        reply = await this.backend.exec(this, next.message, next.startup);
      } catch (err) {
        this.log.warn(
          { err: describeError(err) },
          'embedded database failed a message; closing the connection',
        );
        this.fail(describeError(err), 'XX000');
        return;
      }
      if (reply === undefined || reply.length === 0 || this.closed) continue;
      await new Promise<void>((res) => this.socket.write(reply, () => res()));
    }
  }

  private fail(message?: string, sqlState = '08P01'): void {
    if (message !== undefined && this.socket.writable) this.socket.write(errorResponse(sqlState, message));
    void this.destroy();
  }
}

/** Status byte of the ReadyForQuery that ends a reply, or undefined when the reply has none. */
function readyStatus(reply: Uint8Array): number | undefined {
  const view = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  let offset = 0;
  let status: number | undefined;
  while (offset + 5 <= view.length) {
    const length = view.readInt32BE(offset + 1);
    status = view[offset] === READY_FOR_QUERY && length === 5 ? view[offset + 5] : undefined;
    offset += 1 + length;
  }
  return status;
}

/** `search_path` from a StartupMessage's `options` (`-c search_path=…` / `--search_path=…`), if any. */
export function startupSearchPath(startup: Buffer): string | undefined {
  // The body is name\0value\0 pairs ending in an extra \0.
  const fields = startup.subarray(8).toString('utf8').split('\0');
  let options: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'options') options = fields[i + 1];
  if (options === undefined) return undefined;
  // libpq's rule: white space separates arguments, a backslash makes the next character literal.
  const args = [...options.matchAll(/(?:\\.|[^\s\\])+/g)].map((m) => m[0].replace(/\\(.)/g, '$1'));
  let value: string | undefined;
  args.forEach((arg, i) => {
    const setting =
      arg === '-c'
        ? args[i + 1]
        : arg.startsWith('-c')
          ? arg.slice(2)
          : arg.startsWith('--')
            ? arg.slice(2)
            : undefined;
    const match = setting === undefined ? null : /^search_path=(.*)$/s.exec(setting);
    if (match) value = match[1];
  });
  return value;
}

function simpleQuery(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q', 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A FATAL ErrorResponse: severity, SQLSTATE, message. */
function errorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlState}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/**
 * PGlite does not lock its directory; two processes opening one would corrupt it. A pid file beside
 * it refuses a second `demo` while the first runs, and is taken over when its process is gone.
 */
async function takeLock(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new BondtrackError(
        'BT_DB_EMBEDDED_LOCKED',
        `the embedded database is in use by process ${holder} (lock file ${path})`,
      );
    }
    await rm(path, { force: true });
  }
  throw new BondtrackError('BT_DB_EMBEDDED_LOCKED', `cannot take the lock file ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
