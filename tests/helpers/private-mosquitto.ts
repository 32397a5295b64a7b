import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './ports.js';

/**
 * A Mosquitto broker a test owns, on a free port with its own temp dir, so it can be stopped and
 * restarted mid-flood without touching the shared one on 1883. Persistence is on: persistent
 * sessions and their queued QoS 1 messages survive a restart, as on a production broker.
 */
export interface PrivateMosquitto {
  readonly url: string;
  /** Where the broker keeps mosquitto.db. */
  readonly dataDir: string;
  /** Stop (SIGTERM: mosquitto saves its database) and start again on the same port and dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateMosquitto(): Promise<PrivateMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-mosquitto-'));
  // Started as root, mosquitto drops to its own user: without this it cannot save its database on
  // SIGTERM, the subscriber's session is gone after the restart, and messages published before
  // it resubscribes are lost — by the broker, not the code under test (seen as a 1-in-4 flake).
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
      // The flood queues this many per persistent session while a consumer is away.
      'max_queued_messages 1000000',
      'max_inflight_messages 100',
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
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited ${proc.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`mosquitto not listening on ${port}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // poll interval
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    dataDir: dir,
    async restart() {
      await stop();
      await start();
    },
    stop,
    start,
    async close() {
      await stop();
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
