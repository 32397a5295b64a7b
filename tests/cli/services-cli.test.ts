import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { ServicesStatusResult } from '../../services/services.js';
import { testServices } from '../helpers/services.js';

const BIN = fileURLToPath(new URL('../../bin/bondtrack.js', import.meta.url));

interface Run {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a separate process, the way people and CI scripts call it. */
function bondtrack(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** An environment in which the CLI runs its own broker (no KAFKA_BROKERS). */
function envWithoutKafkaBrokers(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['KAFKA_BROKERS'];
  return env;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('bondtrack services', () => {
  test('status --json reports every service up at the addresses the tests use', async () => {
    const run = await bondtrack(['services', 'status', '--json']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const status = JSON.parse(run.stdout) as ServicesStatusResult;
    const provided = testServices();
    expect(status.ok).toBe(true);
    expect(status.services.kafka).toMatchObject({ state: 'up', address: provided.kafkaBrokers.join(',') });
    expect(status.services.postgres.state).toBe('up');
    expect(status.services.mosquitto).toMatchObject({
      state: 'up',
      address: new URL(provided.mqttUrl).toString(),
    });
    expect(status.services.socat.address).toMatch(/\/socat$/);
  });

  test('status exits 3 and says why when Kafka is down', async () => {
    const port = await freePort();
    const run = await bondtrack(
      ['services', 'status', '--kafka-port', String(port)],
      envWithoutKafkaBrokers(),
    );
    expect(run.exitCode).toBe(3);
    expect(run.stdout).toMatch(
      new RegExp(`^kafka +down +127\\.0\\.0\\.1:${port} +nothing listens there`, 'm'),
    );
    // Bondtrack's broker on the default port is not the one asked about: no pid is claimed for it.
    expect(run.stdout).not.toMatch(/^kafka .* pid \d+ .*not healthy/m);
    expect(run.stdout).toMatch(/^postgres +up /m);
  });

  test('--help lists up, status and down with what each does', async () => {
    const run = await bondtrack(['services', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^ +up \[options\] +start what is missing and wait until every service is/m);
    expect(run.stdout).toMatch(/^ +status \[options\] +show whether each service is up/m);
    expect(run.stdout).toMatch(/^ +down \[options\] +stop the Kafka broker Bondtrack started/m);
  });

  test('up --help documents the broker flags and KAFKA_BROKERS', async () => {
    const run = await bondtrack(['services', 'up', '--help']);
    expect(run.exitCode).toBe(0);
    for (const flag of [
      '--kafka-port',
      '--kafka-controller-port',
      '--kafka-heap',
      '--kafka-data-dir',
      '--timeout',
      '--json',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('KAFKA_BROKERS');
  });

  test('up rejects a port out of range before doing anything', async () => {
    const run = await bondtrack(['services', 'up', '--kafka-port', '70000']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      "option '--kafka-port <port>' argument '70000' is invalid. must be a port, 1-65535",
    );
  });

  test('up exits 2 naming the service and the code when the broker cannot start', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const controllerPort = (taken.address() as AddressInfo).port;
    const cacheDir = await mkdtemp(join(tmpdir(), 'bondtrack-cli-kafka-'));
    onTestFinished(() => rm(cacheDir, { recursive: true, force: true }));
    const args = [
      'services',
      'up',
      '--kafka-cache-dir',
      cacheDir,
      '--kafka-port',
      String(await freePort()),
      '--kafka-controller-port',
      String(controllerPort),
    ];

    const run = await bondtrack(args, envWithoutKafkaBrokers());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      `- [BT_SERVICES_PORT_IN_USE] kafka: controller port 127.0.0.1:${controllerPort} is taken`,
    );
    expect(run.stderr).toContain('[BT_SERVICES_UNHEALTHY]');
    expect(run.stdout).toBe('');
  });
});
