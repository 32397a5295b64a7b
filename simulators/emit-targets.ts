import { connectAsync, type MqttClient } from 'mqtt';
import type { TagRead } from '../schemas/index.js';
import { BondtrackError } from '../runtime/errors.js';
import { formatReadsAs, type SimulatedFormat } from './formats/index.js';
import { SimulatedSerialReader } from './serial-reader.js';

/** Emulated LLRP readers as a target (`--emit-llrp`): simulators/llrp/emit-target.ts. */
export { openLlrpTarget, type LlrpTargetOptions } from './llrp/emit-target.js';
import { mqttClientOptions } from '../runtime/mqtt-client-options.js';

/**
 * Where `bondtrack simulate --format F` sends each reader's reads (issue 4): the reader end of a
 * serial pty (line formats), an MQTT topic (native payloads, one message per document, QoS 1) or
 * an HTTP POST to the native adapter. Every target takes one step of one reader at a time and
 * resolves once the transport has taken it, so a slow consumer holds the run (lossless).
 */
export interface EmitTarget {
  send(readerId: string, reads: TagRead[]): Promise<void>;
  close(): Promise<void>;
}

/** Formats whose text is one JSON document per line (NDJSON); Speedway Connect is one POST body. */
const NDJSON_FORMATS: ReadonlySet<SimulatedFormat> = new Set(['impinj-iot', 'zebra-iotc']);
export const LINE_FORMATS = ['jsonl', 'alien-text', 'alien-terse', 'alien-custom', 'csv'] as const;
export const PAYLOAD_FORMATS = ['impinj-iot', 'speedway-connect', 'zebra-iotc'] as const;

export class EmitTargetError extends BondtrackError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BT_SIM_EMIT', message, options);
  }
}

/**
 * Turns a step of one reader's reads into the text its format sends, keeping per-reader state
 * across steps (Zebra's eventNum counts on from step to step).
 */
export class ReaderTextFormatter {
  private readonly nextEventNum = new Map<string, number>();

  constructor(
    readonly format: SimulatedFormat,
    private readonly timeZone: string,
  ) {}

  text(readerId: string, reads: TagRead[]): string {
    const first = this.nextEventNum.get(readerId) ?? 1;
    this.nextEventNum.set(readerId, first + reads.length);
    return formatReadsAs(this.format, reads, {
      readerName: readerId,
      timeZone: this.timeZone,
      firstEventNum: first,
    });
  }

  /** The messages one step makes: one per NDJSON line, else the whole text. */
  documents(readerId: string, reads: TagRead[]): string[] {
    const text = this.text(readerId, reads);
    if (text === '') return [];
    return NDJSON_FORMATS.has(this.format) ? text.split('\n').filter((l) => l !== '') : [text];
  }
}

/** Each reader writes its format to a serial device (the reader end of its pty). */
export async function openSerialTarget(
  paths: ReadonlyMap<string, string>,
  formatter: ReaderTextFormatter,
): Promise<EmitTarget> {
  const ports = new Map<string, SimulatedSerialReader>();
  try {
    for (const [readerId, path] of paths) ports.set(readerId, await SimulatedSerialReader.open({ path }));
  } catch (err) {
    await Promise.all([...ports.values()].map((p) => p.close()));
    throw err;
  }
  return {
    async send(readerId, reads) {
      const port = ports.get(readerId);
      if (port === undefined || reads.length === 0) return;
      await port.writeRaw(formatter.text(readerId, reads));
    },
    async close() {
      await Promise.all([...ports.values()].map((p) => p.close()));
    },
  };
}

/** `{readerId}` in a topic or URL template → the reader's id. */
export function expandTemplate(template: string, readerId: string, encode = false): string {
  return template.replaceAll('{readerId}', encode ? encodeURIComponent(readerId) : readerId);
}

/** Each document a QoS 1 message on the reader's topic (`{readerId}` in `topicTemplate`). */
export async function openMqttTarget(
  mqttUrl: string,
  topicTemplate: string,
  formatter: ReaderTextFormatter,
): Promise<EmitTarget> {
  let client: MqttClient;
  try {
    client = await connectAsync(
      mqttUrl,
      mqttClientOptions({ reconnectPeriod: 1_000, connectTimeout: 10_000 }),
    );
  } catch (err) {
    throw new EmitTargetError(`cannot connect to ${mqttUrl}`, { cause: err });
  }
  client.on('error', () => {}); // reconnects; a publish that cannot complete fails the run below
  return {
    async send(readerId, reads) {
      const topic = expandTemplate(topicTemplate, readerId);
      for (const doc of formatter.documents(readerId, reads))
        await client.publishAsync(topic, doc, { qos: 1 });
    },
    async close() {
      await client.endAsync();
    },
  };
}

/** One POST per step and reader to `urlTemplate` (`{readerId}` expanded); non-2xx fails the run. */
export function openHttpTarget(urlTemplate: string, formatter: ReaderTextFormatter): EmitTarget {
  const contentType = NDJSON_FORMATS.has(formatter.format) ? 'application/x-ndjson' : 'application/json';
  return {
    async send(readerId, reads) {
      const body = formatter.text(readerId, reads);
      if (body === '') return;
      const url = expandTemplate(urlTemplate, readerId, true);
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
      } catch (err) {
        throw new EmitTargetError(`POST ${url} failed`, { cause: err });
      }
      const text = await response.text();
      if (!response.ok)
        throw new EmitTargetError(`POST ${url}: HTTP ${response.status} ${text.slice(0, 200)}`);
    },
    close: () => Promise.resolve(),
  };
}
