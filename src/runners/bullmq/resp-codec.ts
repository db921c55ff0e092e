/**
 * The Redis wire protocol (RESP2), both ways: commands out as arrays of bulk
 * strings, replies in as JavaScript values. Bulk strings come back as UTF-8
 * text, as from ioredis' default commands: BullMQ and Ferry only store text.
 */

/** What a reply decodes to. An error nested in an array (EXEC) stays an Error value. */
export type RespValue = string | number | null | Error | RespValue[];

/** A reply the server sent as an error (`-ERR ...`). */
export class RespError extends Error {
  override readonly name = 'RespError';
}

const CRLF = Buffer.from('\r\n');

/** `*N $len arg ...`: one command, ready to write. */
export function encodeCommand(command: string, args: readonly unknown[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n`)];
  for (const arg of [command, ...args]) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(arg === undefined || arg === null ? '' : String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** Marks "not enough bytes yet" while parsing. */
const INCOMPLETE = Symbol('incomplete');
type Parsed = { value: RespValue; end: number } | typeof INCOMPLETE;

/**
 * Turns a byte stream into replies. Feed it what the socket reads; it
 * returns every reply completed so far, in order.
 */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RespValue[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: RespValue[] = [];
    let offset = 0;
    for (;;) {
      const parsed = parseAt(this.buf, offset);
      if (parsed === INCOMPLETE) break;
      out.push(parsed.value);
      offset = parsed.end;
    }
    this.buf = offset === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(offset);
    return out;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}

function parseAt(buf: Buffer, start: number): Parsed {
  if (start >= buf.length) return INCOMPLETE;
  const eol = buf.indexOf(CRLF, start);
  if (eol < 0) return INCOMPLETE;
  const type = String.fromCharCode(buf[start]!);
  const line = buf.toString('utf8', start + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return INCOMPLETE;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseAt(buf, at);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new RespError(`unexpected reply type ${JSON.stringify(type)} from Redis`);
  }
}
