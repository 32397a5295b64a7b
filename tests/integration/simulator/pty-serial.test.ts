import { lstat } from 'node:fs/promises';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TagRead } from '../../../schemas/index.js';
import {
  formatJsonlRead,
  openPtyPair,
  SimulatedSerialReader,
  type PtyPair,
} from '../../../simulators/index.js';

async function pair(): Promise<PtyPair> {
  const p = await openPtyPair();
  onTestFinished(() => p.close());
  return p;
}

async function writer(path: string): Promise<SimulatedSerialReader> {
  const w = await SimulatedSerialReader.open({ path });
  onTestFinished(() => w.close());
  return w;
}

/** The adapter's side, opened the way an adapter would: serialport + a readline parser. */
async function listen(path: string): Promise<string[]> {
  const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  onTestFinished(
    () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  );
  const lines: string[] = [];
  port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (line: string) => lines.push(line));
  return lines;
}

function tagRead(i: number): TagRead {
  return {
    epc: `31D5A537C8B2D7${(0x91fc0000 + i).toString(16).toUpperCase()}0000`.slice(0, 24),
    antenna: (i % 4) + 1,
    rssiDbm: -50 - (i % 20) / 2,
    seenAtUs: 1_775_001_600_000_000 + i * 1000,
    count: 1,
  };
}

describe('simulated serial reader over a socat pty pair', () => {
  it('delivers jsonl reads, a garbage line and a line split across writes, in order', async () => {
    const p = await pair();
    const lines = await listen(p.adapterPath);
    const w = await writer(p.readerPath);
    const reads = [tagRead(1), tagRead(2)];
    await w.writeReads(reads);
    await w.writeLine('GARBAGE \u0001 not json');
    await w.writeRaw('{"epc":"3178E61C883950F59A000000","antenna":3,');
    await w.writeRaw('"seenAtUs":1775001600000000,"count":2}\n');

    await expect.poll(() => lines.length).toBe(4);
    expect(lines[0]).toBe(
      '{"epc":"31D5A537C8B2D791FC000100","antenna":2,"rssiDbm":-50.5,"seenAtUs":1775001600001000,"count":1}',
    );
    expect(lines.slice(0, 2).map((l) => JSON.parse(l) as unknown)).toEqual(reads);
    expect(lines[2]).toBe('GARBAGE \u0001 not json');
    expect(JSON.parse(lines[3]!)).toEqual({
      epc: '3178E61C883950F59A000000',
      antenna: 3,
      seenAtUs: 1775001600000000,
      count: 2,
    });
    expect(w.linesWritten).toBe(4);
  });

  it('holds the writer while the adapter does not read, and loses nothing', async () => {
    const p = await pair();
    const port = new SerialPort({ path: p.adapterPath, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    onTestFinished(
      () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
    );
    // Not flowing: nothing reads the adapter's end, so the pty, socat and then the writer fill up.
    const w = await writer(p.readerPath);
    // ~1.3 MB: far more than the adapter's stream, both ptys and socat can buffer together.
    const reads = Array.from({ length: 12_000 }, (_, i) => tagRead(i));
    let done = false;
    const written = (async () => {
      for (let i = 0; i < reads.length; i += 20) await w.writeReads(reads.slice(i, i + 20));
      done = true;
    })();
    // If the test fails before awaiting `written`, closing the writer rejects it: not unhandled.
    void written.catch(() => undefined);
    await expect.poll(() => w.bytesWritten, { timeout: 10_000 }).toBeGreaterThan(0);
    // Only what the buffers hold got through: the rest waits for the adapter.
    expect(done).toBe(false);
    expect(w.bytesWritten).toBeLessThan(600_000);

    const lines: string[] = [];
    port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (line: string) => lines.push(line));
    await written;
    await expect.poll(() => lines.length, { timeout: 20_000 }).toBe(reads.length);
    expect(lines.map((l) => `${l}\n`)).toEqual(reads.map(formatJsonlRead));
    expect(w.bytesWritten).toBe(reads.map(formatJsonlRead).join('').length);
  });

  it('close() stops socat and removes both links', async () => {
    const p = await openPtyPair();
    await expect(lstat(p.adapterPath)).resolves.toBeDefined();
    await p.close();
    await p.close(); // twice is fine
    await expect(lstat(p.adapterPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(p.readerPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => process.kill(p.pid, 0)).toThrow(/ESRCH/);
  });

  it('a write after close is refused with a clear error', async () => {
    const p = await pair();
    const w = await SimulatedSerialReader.open({ path: p.readerPath });
    await w.close();
    await expect(w.writeLine('late')).rejects.toThrow(/write after close/);
  });

  it('opening a path that is not there names it', async () => {
    await expect(SimulatedSerialReader.open({ path: '/dev/does-not-exist-bt' })).rejects.toThrow(
      /does-not-exist-bt: cannot open/,
    );
  });
});
