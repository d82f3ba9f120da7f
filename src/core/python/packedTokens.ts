// The tokens of one tokenized source, packed in typed arrays: a data migration has millions of them,
// and as objects kept alive together they cost more in garbage collection than the tokenizing itself.
// A line's tokens become objects only when read (PackedLine.tokens), each read a fresh array that
// dies young: no reader keeps them, so the collector never copies them.
import type { PyLine, PyToken } from './syntax';

const NAME = 0;
const OP = 1;
const NUM = 2;
/** A string literal without prefix whose value is its text as written: the value is text[a, b). */
const PLAIN_STR = 3;
/** Any other string literal: its value, raw text and prefix are strings[a], [a + 1] and [a + 2]. */
const STR = 4;
const RECENT_NAMES = 256;

export class PackedTokens {
  private kinds: Uint8Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private lineNumbers: Int32Array;
  /** Names, operators and numbers (each once), and the parts of STR literals. */
  private readonly strings: string[] = [];
  private readonly interned = new Map<string, number>();
  /** The index in `strings` of a name recently read, by a hash of its length and its first and last characters. */
  private readonly recentNames = new Int32Array(RECENT_NAMES).fill(-1);
  count = 0;

  constructor(private readonly text: string) {
    // Room for a token every 8 characters: the pages never written are never allocated.
    const size = Math.max(1024, text.length >> 3);
    this.kinds = new Uint8Array(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
    this.lineNumbers = new Int32Array(size);
  }

  /** An operator or a number. */
  addWord(kind: 'op' | 'num', value: string, line: number): void {
    this.add(kind === 'op' ? OP : NUM, this.intern(value), 0, line);
  }

  /** The name text[start, end): one read recently is found again without being cut out of the text. */
  addName(start: number, end: number, line: number): void {
    const text = this.text;
    const length = end - start;
    const slot = (length * 31 + text.charCodeAt(start) * 7 + text.charCodeAt(end - 1)) & (RECENT_NAMES - 1);
    let index = this.recentNames[slot];
    if (index < 0 || this.strings[index].length !== length || !text.startsWith(this.strings[index], start)) {
      index = this.intern(text.slice(start, end));
      this.recentNames[slot] = index;
    }
    this.add(NAME, index, 0, line);
  }

  /** A string literal whose body is text[bodyStart, bodyEnd): `value` and `raw` as the tokenizer read them. */
  addString(value: string, raw: string, prefix: string, line: number, bodyStart: number, bodyEnd: number): void {
    if (prefix === '' && value === raw && raw.length === bodyEnd - bodyStart) {
      this.add(PLAIN_STR, bodyStart, bodyEnd, line);
      return;
    }
    const index = this.strings.push(value, raw, prefix) - 3;
    this.add(STR, index, 0, line);
  }

  /** Tokens [from, to) as objects. */
  tokens(from: number, to: number): PyToken[] {
    const out: PyToken[] = new Array(to - from);
    const strings = this.strings;
    for (let i = from; i < to; i++) {
      const a = this.starts[i];
      const line = this.lineNumbers[i];
      let token: PyToken;
      switch (this.kinds[i]) {
        case NAME:
          token = { t: 'name', v: strings[a], line };
          break;
        case OP:
          token = { t: 'op', v: strings[a], line };
          break;
        case NUM:
          token = { t: 'num', v: strings[a], line };
          break;
        case PLAIN_STR: {
          const raw = this.text.slice(a, this.ends[i]);
          token = { t: 'str', v: raw, line, prefix: '', raw };
          break;
        }
        default:
          token = { t: 'str', v: strings[a], line, prefix: strings[a + 2], raw: strings[a + 1] };
      }
      out[i - from] = token;
    }
    return out;
  }

  /** The values of the string literals among tokens [from, to), without making the other tokens. */
  stringValues(from: number, to: number): string[] {
    const out: string[] = [];
    for (let i = from; i < to; i++) {
      const kind = this.kinds[i];
      if (kind === PLAIN_STR) out.push(this.text.slice(this.starts[i], this.ends[i]));
      else if (kind === STR) out.push(this.strings[this.starts[i]]);
    }
    return out;
  }

  private intern(value: string): number {
    let index = this.interned.get(value);
    if (index === undefined) {
      index = this.strings.push(value) - 1;
      this.interned.set(value, index);
    }
    return index;
  }

  private add(kind: number, start: number, end: number, line: number): void {
    if (this.count === this.kinds.length) this.grow();
    this.kinds[this.count] = kind;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.lineNumbers[this.count] = line;
    this.count++;
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    this.kinds = resized(this.kinds, new Uint8Array(size));
    this.starts = resized(this.starts, new Int32Array(size));
    this.ends = resized(this.ends, new Int32Array(size));
    this.lineNumbers = resized(this.lineNumbers, new Int32Array(size));
  }
}

/** `larger` holding `values` at its start. */
function resized<T extends Uint8Array | Int32Array>(values: T, larger: T): T {
  larger.set(values);
  return larger;
}

/** A logical line whose tokens are read from its PackedTokens on each use (a new array each time). */
export class PackedLine implements PyLine {
  constructor(
    readonly indent: number,
    readonly line: number,
    private readonly store: PackedTokens,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get tokens(): PyToken[] {
    return this.store.tokens(this.from, this.to);
  }

  strings(): string[] {
    return this.store.stringValues(this.from, this.to);
  }

  /** The first `count` tokens (fewer when the line is shorter), without making the others. */
  head(count: number): PyToken[] {
    return this.store.tokens(this.from, Math.min(this.to, this.from + count));
  }
}

/** A line's first `count` tokens: for a line the tokenizer made, only those become objects. */
export function leadingTokens(line: PyLine, count: number): PyToken[] {
  return line instanceof PackedLine ? line.head(count) : line.tokens.slice(0, count);
}

/** The values of a line's string literals, in order: for a line the tokenizer made, no other token becomes an object. */
export function stringValues(line: PyLine): string[] {
  if (line instanceof PackedLine) return line.strings();
  const out: string[] = [];
  for (const tk of line.tokens) if (tk.t === 'str') out.push(tk.v);
  return out;
}
