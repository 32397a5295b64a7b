import type { TagRead } from '../../schemas/index.js';

/**
 * The JSON a reader that pushes its own payloads sends for simulated reads (the inverse of
 * adapters/native/protocol/*; shapes from formats.md §2.2-2.3).
 */

/** µs since the epoch → ISO-8601 UTC with µs digits. */
export function isoMicros(epochUs: number): string {
  const ms = Math.floor(epochUs / 1000);
  const micros = epochUs % 1000;
  return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

/** One Impinj IoT Device Interface tagInventory envelope (MQTT message / NDJSON line); base64 epc on odd calls. */
export function emitImpinjIotEvent(read: TagRead, hostname: string, base64Epc = false): string {
  const event: Record<string, unknown> = base64Epc
    ? { epc: Buffer.from(read.epc, 'hex').toString('base64') }
    : { epcHex: read.epc };
  event['antennaPort'] = read.antenna;
  if (read.rssiDbm !== undefined) event['peakRssiCdbm'] = Math.round(read.rssiDbm * 100);
  if (read.frequencyKhz !== undefined) event['frequency'] = read.frequencyKhz;
  if (read.phaseDeg !== undefined) event['phaseAngle'] = read.phaseDeg;
  event['lastSeenTime'] = isoMicros(read.seenAtUs);
  return JSON.stringify({
    timestamp: isoMicros(read.seenAtUs),
    hostname,
    eventType: 'tagInventory',
    tagInventoryEvent: event,
  });
}

/** A Speedway Connect HTTP POST body with `reads`. */
export function emitSpeedwayConnectPost(reads: TagRead[], readerName: string): string {
  return JSON.stringify({
    reader_name: readerName,
    mac_address: '00:16:25:10:00:01',
    tag_reads: reads.map((read) => ({
      antennaPort: read.antenna,
      epc: read.epc,
      firstSeenTimestamp: isoMicros(read.seenAtUs),
      ...(read.rssiDbm === undefined ? {} : { peakRssi: read.rssiDbm }),
      isHeartBeat: false,
    })),
  });
}

/** One Zebra IoT Connector SIMPLE tag event; `eventNum` is the reader's own sequence. */
export function emitZebraIotcEvent(read: TagRead, eventNum: number): string {
  return JSON.stringify({
    data: {
      eventNum,
      format: 'epc',
      idHex: read.epc.toLowerCase(),
      antenna: read.antenna,
      ...(read.rssiDbm === undefined ? {} : { peakRssi: read.rssiDbm }),
      reads: read.count,
    },
    timestamp: isoMicros(read.seenAtUs),
    type: 'SIMPLE',
  });
}
