// The full Python tokenizer, behind the env.py, settings and model readers and the migration bodies:
// logical lines with their indentation, strings decoded, comments dropped, so text inside strings
// or comments never counts as code; Python's tokenizer refusals (lexing.ts) stop it with a line.
import {
  CLOSERS,
  IndentLevels,
  isIdentChar,
  isIdentStart,
  MAX_NESTING,
  nullByteError,
  OPENERS,
  operatorAt,
  STRING_PREFIX,
  TOO_DEEP,
} from './lexing';
import { decodeEscapes, normalizeNewlines, StringLiteralError } from './literals';
import { PackedLine, PackedTokens } from './packedTokens';

export type PyToken =
  | { t: 'name'; v: string; line: number }
  | { t: 'str'; v: string; line: number; prefix: string; raw: string }
  | { t: 'num'; v: string; line: number }
  | { t: 'op'; v: string; line: number };

export interface PyLine {
  /** Columns of indentation (a tab counts to the next multiple of 8, as in Python's tokenizer). */
  indent: number;
  /** 1-based line of the first token. */
  line: number;
  tokens: PyToken[];
}

export interface PySource {
  lines: PyLine[];
  /** The first lexing error; the lines before it are still returned. */
  error?: { message: string; line: number };
}

const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const DOT = 46;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits Python source into logical lines of tokens (comments dropped, strings decoded). */
export function tokenizePython(text: string): PySource {
  const lines: PyLine[] = [];
  const nullByte = nullByteError(text);
  if (nullByte) return { lines, error: nullByte };
  const store = new PackedTokens(text);
  const scan = new StringScan(text);
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const indents = new IndentLevels();
  // Empty at each logical line's start: a line ends only outside brackets, or the tokenizer stops.
  const brackets: string[] = [];
  while (pos < n) {
    const lineStart = pos;
    let indent = 0;
    while (pos < n) {
      const c = text[pos];
      if (c === ' ') indent++;
      else if (c === '\t') indent = (Math.floor(indent / 8) + 1) * 8;
      else if (c === '\f') indent = 0;
      else break;
      pos++;
    }
    if (pos >= n) break;
    if (text[pos] === '#') while (pos < n && text[pos] !== '\n' && text[pos] !== '\r') pos++;
    if (pos < n && (text[pos] === '\n' || text[pos] === '\r')) {
      if (text[pos] === '\r' && text[pos + 1] === '\n') pos++;
      pos++;
      line++;
      continue;
    }
    if (pos >= n) break;
    const indentError = indents.check(text, lineStart, pos);
    if (indentError) return { lines, error: { message: indentError, line } };

    const first = store.count;
    let firstLine = 0;
    const startLine = line;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === LF || c === CR) {
        if (c === CR && text.charCodeAt(pos + 1) === LF) pos++;
        pos++;
        line++;
        if (brackets.length === 0) break;
        continue;
      }
      if (c === 32 || c === 9 || c === 12) {
        pos++;
        continue;
      }
      if (c === 35) {
        while (pos < n && text[pos] !== '\n' && text[pos] !== '\r') pos++;
        continue;
      }
      if (c === BACKSLASH) {
        const next = text[pos + 1];
        if (next === '\n' || next === '\r') {
          pos += next === '\r' && text[pos + 2] === '\n' ? 3 : 2;
          line++;
          continue;
        }
        return { lines, error: { message: 'unexpected character after line continuation character', line } };
      }
      if (store.count === first) firstLine = line;
      const ch = text[pos];
      if (ch === '"' || ch === "'" || isIdentStart(c)) {
        let p = pos;
        if (ch !== '"' && ch !== "'") {
          while (p < n && isIdentChar(text.charCodeAt(p))) p++;
          if (!((text[p] === '"' || text[p] === "'") && STRING_PREFIX.test(text.slice(pos, p)))) {
            store.addName(pos, p, line);
            pos = p;
            continue;
          }
        }
        const prefix = p === pos ? '' : text.slice(pos, p).toLowerCase();
        const quote = text.charCodeAt(p);
        const triple = text.charCodeAt(p + 1) === quote && text.charCodeAt(p + 2) === quote;
        const bodyStart = p + (triple ? 3 : 1);
        const strLine = line;
        // Most literals are one line without escapes: found with indexOf, not character by character.
        let end = triple ? -1 : scan.plainEnd(bodyStart, quote);
        if (end < 0) {
          let q = bodyStart;
          while (q < n) {
            const d = text.charCodeAt(q);
            if (d === BACKSLASH) {
              if (text.charCodeAt(q + 1) === LF) line++;
              else if (text.charCodeAt(q + 1) === CR) {
                line++;
                if (text.charCodeAt(q + 2) === LF) q++;
              }
              q += 2;
              continue;
            }
            if (d === LF || d === CR) {
              if (!triple) return { lines, error: { message: 'unterminated string literal', line: strLine } };
              if (d === CR && text.charCodeAt(q + 1) === LF) q++;
              line++;
              q++;
              continue;
            }
            if (d === quote && (!triple || (text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote))) {
              end = q;
              break;
            }
            q++;
          }
        }
        if (end < 0) {
          const message = triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
          return { lines, error: { message, line: strLine } };
        }
        const raw = normalizeNewlines(text.slice(bodyStart, end));
        let value: string;
        try {
          value = prefix.includes('r') ? raw : decodeEscapes(raw, prefix.includes('b'));
        } catch (err) {
          if (err instanceof StringLiteralError) return { lines, error: { message: err.message, line: strLine } };
          throw err;
        }
        store.addString(value, raw, prefix, strLine, bodyStart, end);
        pos = end + (triple ? 3 : 1);
        continue;
      }
      if (isDigit(c) || (c === DOT && isDigit(text.charCodeAt(pos + 1)))) {
        let p = pos + 1;
        while (p < n && (isIdentChar(text.charCodeAt(p)) || text[p] === '.')) p++;
        store.addWord('num', text.slice(pos, p), line);
        pos = p;
        continue;
      }
      if (c === 40 || c === 91 || c === 123) {
        if (brackets.length >= MAX_NESTING) return { lines, error: { message: TOO_DEEP, line } };
        brackets.push(ch);
        store.addWord('op', ch, line);
        pos++;
        continue;
      }
      if (c === 41 || c === 93 || c === 125) {
        if (OPENERS[CLOSERS.indexOf(ch)] !== brackets.pop())
          return { lines, error: { message: `unmatched '${ch}'`, line } };
        store.addWord('op', ch, line);
        pos++;
        continue;
      }
      const op = operatorAt(text, pos);
      store.addWord('op', op, line);
      pos += op.length;
    }
    if (brackets.length)
      return { lines, error: { message: `'${brackets[brackets.length - 1]}' was never closed`, line: startLine } };
    if (store.count > first) lines.push(new PackedLine(indent, firstLine, store, first, store.count));
  }
  return { lines };
}

/**
 * Where the next backslash and line breaks are, each searched again only once passed: finding the end of
 * every one-line literal of a text costs one pass over it.
 */
class StringScan {
  private backslash = -1;
  private lf = -1;
  private cr = -1;

  constructor(private readonly text: string) {}

  /** The offset of the closing `quote` of a one-line literal without backslashes from `from`, else -1. */
  plainEnd(from: number, quote: number): number {
    const end = this.text.indexOf(quote === 34 ? '"' : "'", from);
    if (end < 0) return -1;
    if (this.backslash < from) this.backslash = this.next('\\', from);
    if (this.lf < from) this.lf = this.next('\n', from);
    if (this.cr < from) this.cr = this.next('\r', from);
    return end < this.backslash && end < this.lf && end < this.cr ? end : -1;
  }

  private next(what: string, from: number): number {
    const at = this.text.indexOf(what, from);
    return at < 0 ? this.text.length : at;
  }
}

/** For every bracket in `tokens`, the index of its partner. */
export function matchBrackets(tokens: readonly PyToken[]): Map<number, number> {
  const match = new Map<number, number>();
  const stack: number[] = [];
  tokens.forEach((tk, i) => {
    if (tk.t !== 'op') return;
    if (OPENERS.includes(tk.v)) stack.push(i);
    else if (CLOSERS.includes(tk.v)) {
      const open = stack.pop();
      if (open !== undefined) {
        match.set(open, i);
        match.set(i, open);
      }
    }
  });
  return match;
}

/** Splits tokens[start, end) at the depth-0 occurrences of the operator `sep` (or the keyword, `kind` 'name'). */
export function splitAtDepth0(
  tokens: readonly PyToken[],
  start: number,
  end: number,
  sep: string,
  kind: 'op' | 'name' = 'op',
): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < end; i++) {
    const tk = tokens[i];
    if (tk.t === 'op' && OPENERS.includes(tk.v)) depth++;
    else if (tk.t === 'op' && CLOSERS.includes(tk.v)) depth--;
    else if (depth === 0 && tk.t === kind && tk.v === sep) {
      parts.push([from, i]);
      from = i + 1;
    }
  }
  parts.push([from, end]);
  return parts;
}

/** Index of the first depth-0 operator `op` (or keyword, `kind` 'name') in tokens[start, end), or -1. */
export function findAtDepth0(
  tokens: readonly PyToken[],
  start: number,
  end: number,
  op: string,
  kind: 'op' | 'name' = 'op',
): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const tk = tokens[i];
    if (tk.t === 'op' && OPENERS.includes(tk.v)) depth++;
    else if (tk.t === 'op' && CLOSERS.includes(tk.v)) depth--;
    else if (depth === 0 && tk.t === kind && tk.v === op) return i;
  }
  return -1;
}

/**
 * The value of a call's one argument when it is a single string literal, neither bytes nor an f-string
 * (`op.execute("...")`, the statement data migrations repeat): what parsing the call would give, without it.
 */
export function singleStringArgument(tokens: readonly PyToken[], open: number): string | undefined {
  const argument = tokens[open + 1];
  const close = tokens[open + 2];
  if (tokens[open].t !== 'op' || argument?.t !== 'str' || close?.t !== 'op' || close.v !== ')') return undefined;
  if (argument.prefix.includes('b') || argument.prefix.includes('f')) return undefined;
  return argument.v;
}
