import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepts, freePort } from '../../runtime/local-ports.js';

/** Bondtrack's production Mosquitto configuration: the bench takes its queue limits from it. */
export const DEPLOY_MOSQUITTO_CONF = fileURLToPath(
  new URL('../../deploy/mosquitto/mosquitto.conf', import.meta.url),
);

/**
 * Settings of the deploy configuration a bench broker copies: how much it queues and keeps in flight
 * per session. Listeners, passwords, ACLs, TLS and persistence are left out: the bench broker listens
 * on loopback only, for one run.
 */
const COPIED_SETTINGS = [
  'max_queued_messages',
  'max_queued_bytes',
  'max_inflight_messages',
  'max_inflight_bytes',
  'max_packet_size',
];

/**
 * The bench broker's configuration: a loopback listener on `port`, anonymous access, and the queue
 * limits of `deployConf` (the text of deploy/mosquitto/mosquitto.conf). Mosquitto's default
 * `max_queued_messages 1000` per session drops what a bridge that falls behind cannot take (see
 * docs/benchmark.md); production raises it, and a benchmark must measure that configuration.
 */
export function benchMosquittoConfig(deployConf: string, port: number): string {
  const copied = deployConf
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => COPIED_SETTINGS.includes(line.split(/\s+/)[0]!));
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    ...copied,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n');
}

export interface PrivateBroker {
  url: string;
  /** The copied settings, as `name value` lines. */
  settings: string[];
  close(): Promise<void>;
}

/**
 * Start a Mosquitto of the bench's own (`mosquitto` on PATH) on a free loopback port with the queue
 * limits of deploy/mosquitto/mosquitto.conf; `close` stops it (SIGTERM) and removes its directory.
 */
export async function startPrivateBroker(
  deployConfPath = DEPLOY_MOSQUITTO_CONF,
  timeoutMs = 15_000,
): Promise<PrivateBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'bondtrack-bench-mosquitto-'));
  const port = await freePort();
  const config = benchMosquittoConfig(await readFile(deployConfPath, 'utf8'), port);
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, config);
  let stderr = '';
  const child: ChildProcess = spawn('mosquitto', ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A bench that dies must not leave its broker behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const close = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  let failed: Error | undefined;
  void spawnError.then((err) => (failed = err));
  while (!(await accepts(port))) {
    if (failed || child.exitCode !== null || Date.now() > deadline) {
      await close();
      const why = failed
        ? `could not run mosquitto (${failed.message}); install it, or use --external-mqtt`
        : child.exitCode !== null
          ? `mosquitto exited ${child.exitCode}: ${stderr}`
          : `mosquitto not listening on ${port} after ${timeoutMs} ms: ${stderr}`;
      throw new Error(`bench broker: ${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20)); // poll until the listener is up
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    settings: config.split('\n').filter((l) => COPIED_SETTINGS.includes(l.split(' ')[0]!)),
    close,
  };
}
