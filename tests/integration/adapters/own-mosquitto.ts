import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * A Mosquitto broker this test owns, on a free port, so it can be stopped and restarted mid-flood
 * without touching the shared one. Persistence is on, so a subscriber's persistent session (and
 * the QoS 1 messages queued for it) survive the restart, as on a production broker.
 */
export interface OwnMosquitto {
  readonly url: string;
  /** Where the broker keeps mosquitto.db. */
  readonly dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startOwnMosquitto(): Promise<OwnMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-mosquitto-'));
  // Started as root, mosquitto drops to its own user: without this it cannot save its database on
  // SIGTERM, the subscriber's session is gone after the restart, and messages published before
  // it resubscribes are lost — by the broker, not the adapter (seen as a 1-in-4 flake).
  await chmod(dir, 0o777);
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'max_queued_messages 100000',
      'log_type error',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    const proc = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited ${proc.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`mosquitto not listening on ${port}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // poll interval, not a wait for a condition
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM'); // mosquitto saves its persistence database on SIGTERM
    await exited;
  };

  await start();
  onTestFinished(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { url: `mqtt://127.0.0.1:${port}`, dataDir: dir, stop, start };
}
