import { localDateTimeToEpochUs } from '../../protocol/local-time.js';
import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { SerialErrorCode } from '../errors.js';
import { AlienNotificationBlock } from './alien-notification.js';
import { compactHex, integerField, lineError, numberField, readFromFields } from './read-fields.js';

/**
 * Alien TagListFormat = Text (Reader Interface Guide 8101938-000 rev 05, §TagListFormat), one tag per line:
 *
 *   Tag:1115 F268 81C3 C012, Disc:2003/01/21 09:00:51, Last:2003/01/21 09:00:51, Count:4, Ant:0
 *   Tag:3000 2141 60C0 0400 0000 6013, Disc:…, Last:…, Count:2, Ant:1, Proto:2
 *
 *   Tag    EPC as spaced 16-bit words                        → epc (spaces removed, upper case)
 *   Disc   first read this session, reader-local time        (used when Last is absent)
 *   Last   last read, "YYYY/MM/DD hh:mm:ss" local time        → seenAtUs, via the configured zone
 *   Count  reads this session                                → count
 *   Ant    antenna, 0-based                                  → antenna + 1 (TagRead is 1-based)
 *   Rssi   (Rifidi / newer firmware `Rssi:%m`)               → rssiDbm
 *   Proto, CRC and unknown fields are ignored.
 *
 * Fields are split at ", " (spacing is loose in practice) and each at its first ":", since times contain ":".
 */
export class AlienTextParser {
  private readonly block: AlienNotificationBlock;

  constructor(private readonly timeZone: string) {
    this.block = new AlienNotificationBlock(timeZone);
  }

  parse(line: string): ParseOutcome {
    const text = line.trim();
    if (text === '') return { kind: 'skip', reason: 'blank line' };
    const header = this.block.consume(text);
    if (header !== undefined) return header;

    const fields = new Map<string, string>();
    for (const part of text.split(',')) {
      const colon = part.indexOf(':');
      if (colon < 0) continue;
      fields.set(part.slice(0, colon).trim().toLowerCase(), part.slice(colon + 1).trim());
    }
    const id = fields.get('tag');
    if (id === undefined) {
      return lineError(
        SerialErrorCode.UNRECOGNISED_LINE,
        `not an Alien text tag line (expected "Tag:…, Disc:…, Last:…, Count:…, Ant:…"), got ${previewValue(text)}`,
      );
    }
    const timeText = fields.get('last') ?? fields.get('disc');
    if (timeText === undefined)
      return lineError(SerialErrorCode.BAD_TIME, 'Alien text tag line has no Last or Disc time');
    const seenAtUs = localDateTimeToEpochUs(timeText, this.timeZone);
    if (seenAtUs === undefined) {
      return lineError(
        SerialErrorCode.BAD_TIME,
        `Last/Disc: must be a local date-time "YYYY/MM/DD hh:mm:ss" (got ${previewValue(timeText)})`,
      );
    }
    const ant = integerField(fields.get('ant')?.split(/\s+/)[0]);
    const count = integerField(fields.get('count'));
    const rssiDbm = numberField(fields.get('rssi'));
    return readFromFields({
      epc: compactHex(id),
      antenna: ant === undefined ? undefined : ant + 1,
      seenAtUs,
      count: count ?? 1,
      ...(rssiDbm === undefined ? {} : { rssiDbm }),
    });
  }
}
