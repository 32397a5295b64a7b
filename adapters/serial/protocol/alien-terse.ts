import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { SerialErrorCode } from '../errors.js';
import { AlienNotificationBlock } from './alien-notification.js';
import { compactHex, integerField, lineError, readFromFields } from './read-fields.js';

/**
 * Alien TagListFormat = Terse (Reader Interface Guide 8101938-000 rev 05, §TagListFormat):
 * "TagID, Reads, Antenna" with no labels, one tag per line:
 *
 *   1115 F268 81C3 C012,4,0
 *
 * Antennas are 0-based (→ +1). Terse carries no time: a read takes the `#Time` of the notification
 * block around it (alien-notification.ts) or, outside one (a polled tag list), `receivedAtUs` — the
 * adapter's clock when the line arrived, which is the best there is.
 */
export class AlienTerseParser {
  private readonly block: AlienNotificationBlock;

  constructor(timeZone: string) {
    this.block = new AlienNotificationBlock(timeZone);
  }

  parse(line: string, receivedAtUs?: number): ParseOutcome {
    const text = line.trim();
    if (text === '') return { kind: 'skip', reason: 'blank line' };
    const header = this.block.consume(text);
    if (header !== undefined) return header;

    const parts = text.split(',').map((part) => part.trim());
    if (parts.length < 3 || !/^[0-9A-Fa-f]+(\s+[0-9A-Fa-f]+)*$/.test(parts[0] ?? '')) {
      return lineError(
        SerialErrorCode.UNRECOGNISED_LINE,
        `not an Alien terse tag line (expected "TagID,Reads,Antenna"), got ${previewValue(text)}`,
      );
    }
    const seenAtUs = this.block.timeUs ?? receivedAtUs;
    if (seenAtUs === undefined) {
      return lineError(
        SerialErrorCode.BAD_TIME,
        'Alien terse line outside a notification with a #Time header, and no reception time given',
      );
    }
    const ant = integerField(parts[2]);
    return readFromFields({
      epc: compactHex(parts[0] ?? ''),
      count: integerField(parts[1]),
      antenna: ant === undefined ? undefined : ant + 1,
      seenAtUs,
    });
  }
}
