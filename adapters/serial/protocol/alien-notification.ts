import { localDateTimeToEpochUs } from '../../protocol/local-time.js';
import type { ParseOutcome } from '../../protocol/outcome.js';

/**
 * The block an Alien reader wraps around autonomous-mode notifications (Reader Interface Guide,
 * doc 8101938-000 rev 05, "NotifyFormat"; formats.md §2.4):
 *
 *   #Alien RFID Reader Auto Notification Message
 *   #ReaderName: Dock Door 1
 *   #ReaderType: Alien RFID Tag Reader, Model: ALR-9800
 *   #IPAddress: 10.1.1.20
 *   #CommandPort: 23
 *   #Time: 2003/01/21 12:48:59          reader-local time of the notification
 *   #Reason: TIMER
 *   …one line per tag (Text, Terse or Custom format)…
 *   #End of Notification Message
 *
 * Header lines are skipped (never dead-lettered). `#Time` is kept: Terse lines carry no time of
 * their own, so they take the notification's. A polled `Get TagList` answer has no header; "(No Tags)"
 * is what an empty list prints.
 */
export class AlienNotificationBlock {
  /** `#Time` of the open notification, µs since the epoch; undefined outside a notification. */
  timeUs: number | undefined;

  constructor(private readonly timeZone: string) {}

  /** A skip outcome when `text` (trimmed) is a header/footer line, else undefined. */
  consume(text: string): ParseOutcome | undefined {
    if (text.startsWith('#')) {
      const body = text.slice(1).trim();
      const colon = body.indexOf(':');
      const key = (colon < 0 ? body : body.slice(0, colon)).trim().toLowerCase();
      if (key === 'time') this.timeUs = localDateTimeToEpochUs(body.slice(colon + 1), this.timeZone);
      else if (key.startsWith('alien rfid reader auto notification')) this.timeUs = undefined;
      else if (key.startsWith('end of notification')) this.timeUs = undefined;
      return { kind: 'skip', reason: 'notification header' };
    }
    if (/^\(no tags\)$/i.test(text)) return { kind: 'skip', reason: 'empty tag list' };
    return undefined;
  }
}
