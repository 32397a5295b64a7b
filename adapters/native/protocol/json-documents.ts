/**
 * Splits a byte stream of JSON documents — NDJSON (Impinj's HTTP stream), pretty-printed bodies,
 * or documents simply concatenated — into one text per top-level object or array, however the
 * stream was cut into chunks. It tracks only bracket depth and strings; JSON.parse judges the rest.
 *
 * Anything outside a document other than white space (a stray word, a scalar) is reported as
 * garbage up to the end of its line, so one bad line costs one dead letter, not the stream.
 * A document over `maxDocumentChars` is reported as too large and skipped to its end.
 *
 * A truncated NDJSON line must not swallow the lines after it, so a document is also cut off (as
 * garbage) where it can no longer be valid JSON: at a raw newline inside a string (JSON strings
 * cannot hold one, RFC 8259 §7), or at a "{" or "[" that follows a complete value without a ","
 * or ":" between them — that bracket starts the next document. Neither rule can split valid JSON.
 * Pure: strings in, items out, no timers.
 */
export type JsonStreamItem =
  | { kind: 'document'; text: string }
  | { kind: 'garbage'; text: string }
  | { kind: 'truncated'; text: string }
  | { kind: 'too-large'; chars: number; head: string };

export class JsonDocumentSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Start of the current document or garbage run in `buffer`; -1 between items. */
  private start = -1;
  private garbage = false;
  /** Characters of an oversized document already dropped. */
  private dropped = 0;
  private droppedHead = '';
  /** Last character outside strings and white space inside the current document. */
  private lastSignificant = '';

  constructor(private readonly maxDocumentChars = 1_048_576) {}

  push(chunk: string): JsonStreamItem[] {
    const items: JsonStreamItem[] = [];
    let i = this.buffer.length;
    this.buffer += chunk;
    for (; i < this.buffer.length; i++) {
      const c = this.buffer.charAt(i);
      if (this.garbage) {
        if (c === '\n') {
          items.push({ kind: 'garbage', text: this.buffer.slice(this.start, i).trim() });
          this.garbage = false;
          this.start = -1;
        }
        continue;
      }
      if (this.depth === 0) {
        if (c === '{' || c === '[') {
          this.start = i;
          this.depth = 1;
          this.lastSignificant = c;
        } else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n' && c !== '\uFEFF') {
          this.start = i;
          this.garbage = true;
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        else if (c === '\n') {
          items.push(this.cutGarbage(i));
          this.start = -1;
          this.depth = 0;
          this.inString = false;
        }
        continue;
      }
      const previous = this.lastSignificant;
      if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') this.lastSignificant = c;
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') {
        if (previous !== ',' && previous !== ':' && previous !== '[' && previous !== '{') {
          items.push(this.cutGarbage(i));
          this.start = i;
          this.depth = 1;
          this.lastSignificant = c;
        } else this.depth++;
      } else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          if (this.dropped > 0) {
            items.push({ kind: 'too-large', chars: this.dropped + i + 1, head: this.droppedHead });
            this.dropped = 0;
          } else items.push({ kind: 'document', text: this.buffer.slice(this.start, i + 1) });
          this.start = -1;
        }
      }
    }
    this.compact();
    return items;
  }

  /** End of stream: a document cut off, or trailing garbage, is reported as garbage. */
  end(): JsonStreamItem[] {
    const rest = this.start >= 0 ? this.buffer.slice(this.start).trim() : '';
    const items: JsonStreamItem[] = [];
    if (this.dropped > 0)
      items.push({ kind: 'too-large', chars: this.dropped + this.buffer.length, head: this.droppedHead });
    else if (rest !== '') items.push({ kind: this.depth > 0 ? 'truncated' : 'garbage', text: rest });
    this.buffer = '';
    this.start = -1;
    this.depth = 0;
    this.inString = this.escaped = this.garbage = false;
    this.dropped = 0;
    return items;
  }

  /** The current (broken) document up to `end`, as garbage. */
  private cutGarbage(end: number): JsonStreamItem {
    if (this.dropped > 0) {
      const item: JsonStreamItem = { kind: 'too-large', chars: this.dropped + end, head: this.droppedHead };
      this.dropped = 0;
      return item;
    }
    return { kind: 'truncated', text: this.buffer.slice(this.start, end).trim() };
  }

  /** Drop consumed text; keep at most `maxDocumentChars` of an unfinished item. */
  private compact(): void {
    if (this.start < 0) {
      this.buffer = '';
      return;
    }
    // Only when something was consumed: re-slicing a long unfinished document on every chunk is quadratic.
    if (this.start > 0) {
      this.buffer = this.buffer.slice(this.start);
      this.start = 0;
    }
    if (this.buffer.length > this.maxDocumentChars) {
      if (this.dropped === 0) this.droppedHead = this.buffer.slice(0, 200);
      this.dropped += this.buffer.length;
      // Keep scanning state (depth, strings) but not the text: the document is refused anyway.
      this.buffer = '';
    }
  }
}
