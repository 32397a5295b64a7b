import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Keys remembered: far more than a broker keeps in flight to one client (Mosquitto: 20). */
const REMEMBERED = 4_096;
const FILE = 'native-source-keys';

/**
 * The reader MQTT messages whose reads this adapter made durable (on the publisher's on-disk
 * queue), kept next to that queue so a restarted process knows them. A SIGKILL can land after a
 * message's reads reached the disk but before the broker took in its PUBACK (Mosquitto drops what
 * it has not read of a reset connection), and the broker then redelivers the message with the DUP
 * flag: batched again it would reach the pipeline twice under two batchIds. Such a redelivery is
 * acknowledged without handing its reads over again.
 *
 * Only DUP messages are looked up (MQTT 3.1.1 §3.3.1.1: DUP is set on a redelivery), so a reader
 * that legitimately sends the same payload twice is not filtered. The key is a hash of topic and
 * payload; the file holds one key per line and is compacted past twice REMEMBERED lines.
 */
export class RedeliveryFilter {
  private readonly path: string;
  private readonly keys = new Set<string>();
  private order: string[] = [];
  private lines = 0;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, FILE);
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      // First start with this queue dir.
    }
    // A torn last line (crash mid-append) is shorter than a key: ignore it.
    for (const key of text.split('\n').filter((line) => line.length === 40)) this.remember(key);
    this.lines = this.order.length;
  }

  static keyOf(topic: string, payload: Buffer): string {
    return createHash('sha1').update(topic).update('\0').update(payload).digest('hex');
  }

  /** Whether a DUP-flagged message with this key was already made durable. */
  seen(key: string): boolean {
    return this.keys.has(key);
  }

  /** The message's reads are durable: remember it before its PUBACK goes out. */
  record(key: string): void {
    if (this.keys.has(key)) return;
    this.remember(key);
    if (++this.lines > REMEMBERED * 2) {
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, `${this.order.join('\n')}\n`);
      renameSync(tmp, this.path);
      this.lines = this.order.length;
    } else appendFileSync(this.path, `${key}\n`);
  }

  private remember(key: string): void {
    this.keys.add(key);
    this.order.push(key);
    if (this.order.length > REMEMBERED * 1.5) {
      const dropped = this.order.slice(0, this.order.length - REMEMBERED);
      this.order = this.order.slice(-REMEMBERED);
      for (const old of dropped) this.keys.delete(old);
    }
  }
}
