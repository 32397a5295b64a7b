import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';
import { isPortOpen } from '../../../services/port-check.js';
import { freePort } from '../../helpers/ports.js';

const run = promisify(execFile);
const DEPLOY = fileURLToPath(new URL('../../../deploy/mosquitto/', import.meta.url));
const INSTALL_DIR = '/etc/mosquitto/bondtrack/';

/** A private Mosquitto running the shipped deploy/mosquitto configuration on free loopback ports. */
export interface SecureMosquitto {
  /** mqtt://127.0.0.1:port (the shipped plain listener). */
  url: string;
  /** mqtts://localhost:port (the shipped TLS listener; the certificate names localhost). */
  tlsUrl: string;
  /** The CA that signed the broker's certificate. */
  caFile: string;
  dir: string;
  /** Each user's password, and a file holding it (for *_PASSWORD_FILE). */
  password(user: string): string;
  passwordFile(user: string): string;
  /** Everything mosquitto logged so far. */
  log(): string;
}

/** Replace `from` in the shipped config; fails when the shipped file no longer has it. */
function rewrite(config: string, from: string | RegExp, to: string): string {
  const next = config.replace(from, to);
  if (next === config) throw new Error(`deploy/mosquitto/mosquitto.conf no longer contains ${String(from)}`);
  return next;
}

export async function startSecureMosquitto(users: string[]): Promise<SecureMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-secure-mosquitto-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  // Started as root, mosquitto drops to the `mosquitto` user, which must still read these files.
  await chmod(dir, 0o755);

  const passwords = new Map(users.map((u) => [u, randomBytes(12).toString('base64url')]));
  const passwd = join(dir, 'passwd');
  let first = true;
  for (const [user, password] of passwords) {
    await run('mosquitto_passwd', [...(first ? ['-c'] : []), '-b', passwd, user, password]);
    await writeFile(join(dir, `${user}.password`), `${password}\n`, { mode: 0o600 });
    first = false;
  }
  await copyFile(join(DEPLOY, 'acl'), join(dir, 'acl'));

  const o = (...args: string[]) => run('openssl', args, { cwd: dir });
  await o(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=bondtrack-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  await o(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await o(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  for (const file of await readdir(dir)) if (!file.endsWith('.password')) await chmod(join(dir, file), 0o644);

  const port = await freePort();
  const tlsPort = await freePort();
  let config = await readFile(join(DEPLOY, 'mosquitto.conf'), 'utf8');
  config = rewrite(config, /^listener 1883 127\.0\.0\.1$/m, `listener ${port} 127.0.0.1`);
  config = rewrite(config, /^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`);
  config = rewrite(config, /^persistence true$/m, 'persistence false');
  config = config.replaceAll(INSTALL_DIR, `${dir}/`);
  config = rewrite(config, '/var/lib/mosquitto/', `${dir}/`);
  config += '\nlog_dest stderr\nlog_type all\n';
  const confFile = join(dir, 'mosquitto.conf');
  await writeFile(confFile, config);

  let log = '';
  const child = spawn('mosquitto', ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const deadline = Date.now() + 30_000;
  while (!((await isPortOpen('127.0.0.1', port)) && (await isPortOpen('127.0.0.1', tlsPort)))) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`mosquitto not listening on ${port}/${tlsPort}:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // poll interval while it starts
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: `mqtts://localhost:${tlsPort}`,
    caFile: join(dir, 'ca.crt'),
    dir,
    password: (user) => {
      const password = passwords.get(user);
      if (password === undefined) throw new Error(`no user ${user}`);
      return password;
    },
    passwordFile: (user) => join(dir, `${user}.password`),
    log: () => log,
  };
}
