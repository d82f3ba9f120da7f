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

export class PackedTokens {
  private kinds = new Uint8Array(1024);
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private lineNumbers = new Int32Array(1024);
  /** Names, operators and numbers (each once), and the parts of STR literals. */
  private readonly strings: string[] = [];
  private readonly interned = new Map<string, number>();
  count = 0;

  constructor(private readonly text: string) {}

  /** A name, an operator or a number. */
  addWord(kind: 'name' | 'op' | 'num', value: string, line: number): void {
    let index = this.interned.get(value);
    if (index === undefined) {
      index = this.strings.push(value) - 1;
      this.interned.set(value, index);
    }
    this.add(kind === 'name' ? NAME : kind === 'op' ? OP : NUM, index, 0, line);
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
    const kinds = new Uint8Array(size);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(size);
    ends.set(this.ends);
    this.ends = ends;
    const lineNumbers = new Int32Array(size);
    lineNumbers.set(this.lineNumbers);
    this.lineNumbers = lineNumbers;
  }
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
}
