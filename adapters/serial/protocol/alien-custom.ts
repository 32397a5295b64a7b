import { ConfigError } from '../../../runtime/errors.js';
import { localDateTimeToEpochUs } from '../../protocol/local-time.js';
import { previewValue, type ParseOutcome } from '../../protocol/outcome.js';
import { SerialErrorCode } from '../errors.js';
import { AlienNotificationBlock } from './alien-notification.js';
import { compactHex, integerField, lineError, numberField, readFromFields } from './read-fields.js';

/**
 * Alien TagListFormat = Custom: each line is the reader's TagListCustomFormat with its tokens filled
 * in (Reader Interface Guide 8101938-000 rev 05, §TagListCustomFormat; formats.md §2.4). We are given
 * the same format string and turn it into a matcher:
 *
 *   %i  ID, spaced words "8000 00FE 8010 2AB7"   %k  ID, unspaced "800000FE80102AB7"      → epc
 *   %d  discovery date  %t  discovery time       %D  last-seen date  %T  last-seen time  → seenAtUs
 *   %r  read count → count     %a  (tx) antenna, 0-based → antenna + 1     %A  rx antenna (used if no %a)
 *   %p  protocol number, %P protocol name: matched and ignored     %m  RSSI (Rifidi) → rssiDbm
 *   ${NAME}  Rifidi extension (${SPEED}, ${DIR}): matched and ignored            %%  a literal %
 *
 * Dates are local time (YYYY/MM/DD or YY/MM/DD) in the configured zone. Last-seen wins over
 * discovery. Without date tokens a read takes the notification's `#Time`, else the reception time.
 * White space in the format matches any run of white space, and space around "," is optional,
 * because readers pad fields.
 */
const TOKENS: Record<string, { pattern: string; field: string }> = {
  i: { pattern: '([0-9A-Fa-f]{1,4}(?:[ \\t]+[0-9A-Fa-f]{1,4})*)', field: 'id' },
  k: { pattern: '([0-9A-Fa-f]+)', field: 'id' },
  d: { pattern: '(\\d{2,4}/\\d{1,2}/\\d{1,2})', field: 'discDate' },
  t: { pattern: '(\\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?)', field: 'discTime' },
  D: { pattern: '(\\d{2,4}/\\d{1,2}/\\d{1,2})', field: 'lastDate' },
  T: { pattern: '(\\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?)', field: 'lastTime' },
  r: { pattern: '(\\d+)', field: 'count' },
  a: { pattern: '(\\d+)', field: 'antenna' },
  A: { pattern: '(\\d+)', field: 'rxAntenna' },
  p: { pattern: '(\\d+)', field: 'ignored' },
  P: { pattern: '(.+?)', field: 'ignored' },
  m: { pattern: '([+-]?\\d+(?:\\.\\d+)?)', field: 'rssi' },
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compile a TagListCustomFormat; a bad format is a ConfigError naming the token. */
export function compileAlienCustomFormat(format: string): { regex: RegExp; fields: string[] } {
  const fields: string[] = [];
  let pattern = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i] ?? '';
    if (c === '%') {
      const token = format[++i];
      if (token === '%') {
        pattern += '%';
        continue;
      }
      const spec = token === undefined ? undefined : TOKENS[token];
      if (spec === undefined) {
        throw new ConfigError(
          `alien custom format: unknown token %${token ?? ''} in ${JSON.stringify(format)}`,
        );
      }
      pattern += spec.pattern;
      fields.push(spec.field);
    } else if (c === '$' && format[i + 1] === '{') {
      const end = format.indexOf('}', i);
      if (end < 0) throw new ConfigError(`alien custom format: unclosed \${ in ${JSON.stringify(format)}`);
      pattern += '(.*?)';
      fields.push('ignored');
      i = end;
    } else if (/\s/.test(c)) {
      while (/\s/.test(format[i + 1] ?? '')) i++;
      pattern += '\\s+';
    } else if (c === ',') {
      pattern += '\\s*,\\s*';
    } else {
      pattern += escapeRegExp(c);
    }
  }
  if (!fields.includes('id')) throw new ConfigError('alien custom format: needs %i or %k (the tag ID)');
  if (!fields.includes('antenna') && !fields.includes('rxAntenna')) {
    throw new ConfigError('alien custom format: needs %a or %A (the antenna)');
  }
  return { regex: new RegExp(`^${pattern.replace(/^(\\s\+)+|(\\s\+)+$/g, '')}$`), fields };
}

export class AlienCustomParser {
  private readonly block: AlienNotificationBlock;
  private readonly regex: RegExp;
  private readonly fields: string[];

  constructor(
    readonly format: string,
    private readonly timeZone: string,
  ) {
    ({ regex: this.regex, fields: this.fields } = compileAlienCustomFormat(format));
    this.block = new AlienNotificationBlock(timeZone);
  }

  parse(line: string, receivedAtUs?: number): ParseOutcome {
    const text = line.trim();
    if (text === '') return { kind: 'skip', reason: 'blank line' };
    const header = this.block.consume(text);
    if (header !== undefined) return header;

    const m = this.regex.exec(text);
    if (m === null) {
      return lineError(
        SerialErrorCode.UNRECOGNISED_LINE,
        `does not match the custom format ${JSON.stringify(this.format)}: ${previewValue(text)}`,
      );
    }
    const value = new Map<string, string>();
    this.fields.forEach((field, i) => value.set(field, m[i + 1] ?? ''));

    const date = value.get('lastDate') ?? value.get('discDate');
    const time = value.has('lastDate') ? value.get('lastTime') : value.get('discTime');
    let seenAtUs: number | undefined;
    if (date !== undefined) {
      seenAtUs = time === undefined ? undefined : localDateTimeToEpochUs(`${date} ${time}`, this.timeZone);
      if (seenAtUs === undefined) {
        return lineError(
          SerialErrorCode.BAD_TIME,
          `not a valid local date-time: ${previewValue(`${date} ${time ?? ''}`)}`,
        );
      }
    } else {
      seenAtUs = this.block.timeUs ?? receivedAtUs;
      if (seenAtUs === undefined) {
        return lineError(
          SerialErrorCode.BAD_TIME,
          'custom format has no date token and no reception time was given',
        );
      }
    }
    const ant = integerField(value.get('antenna') ?? value.get('rxAntenna'));
    const rssiDbm = numberField(value.get('rssi'));
    return readFromFields({
      epc: compactHex(value.get('id') ?? ''),
      antenna: ant === undefined ? undefined : ant + 1,
      count: integerField(value.get('count')) ?? 1,
      seenAtUs,
      ...(rssiDbm === undefined ? {} : { rssiDbm }),
    });
  }
}
