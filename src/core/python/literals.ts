// Python's decoding of string literal bodies: every escape the compiler decodes, `\N{NAME}` included
// (its name table loaded only when such an escape appears), and the escapes it refuses.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An escape Python refuses to compile; the message is Python's. */
export class StringLiteralError extends Error {}

/** The one-character escapes of a Python string literal (python-dotenv's double quotes decode the same). */
export const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Python's escape processing for a non-raw literal body (`bytes`: a b'' literal, where \N, \u and \U
 * are not escapes). Throws StringLiteralError where Python refuses the literal.
 */
export function decodeEscapes(raw: string, bytes = false): string {
  const body = normalizeNewlines(raw);
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const start = i;
    const e = body[++i];
    if (e === '\n') continue;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
    } else if (e >= '0' && e <= '7') {
      let digits = e;
      while (digits.length < 3 && body[i + 1] >= '0' && body[i + 1] <= '7') digits += body[++i];
      out += String.fromCodePoint(parseInt(digits, 8));
    } else if (e in HEX_LENGTH && (!bytes || e === 'x')) {
      const length = HEX_LENGTH[e];
      const hex = body.slice(i + 1, i + 1 + length);
      if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) {
        if (bytes) throw new StringLiteralError(`(value error) invalid \\x escape at position ${start}`);
        throw unicodeError(start, i + hex.length, `truncated \\${e}${'X'.repeat(length)} escape`);
      }
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw unicodeError(start, i + length, 'illegal Unicode character');
      out += String.fromCodePoint(code);
      i += length;
    } else if (e === 'N' && !bytes) {
      const close = body[i + 1] === '{' ? body.indexOf('}', i + 2) : -1;
      if (close < 0 || close === i + 2) {
        throw unicodeError(start, close < 0 ? i : close, 'malformed \\N character escape');
      }
      const code = lookupUnicodeName(body.slice(i + 2, close));
      if (code === undefined) throw unicodeError(start, close, 'unknown Unicode character name');
      out += String.fromCodePoint(code);
      i = close;
    } else {
      out += `\\${e}`;
    }
  }
  return out;
}

function unicodeError(from: number, to: number, reason: string): StringLiteralError {
  const where = `position ${from}-${to}`;
  return new StringLiteralError(`(unicode error) 'unicodeescape' codec can't decode bytes in ${where}: ${reason}`);
}

/** What unicodeNames.ts builds. */
export interface UnicodeNameTable {
  /** Names and aliases (upper case) to code points; Python matches these case-insensitively. */
  names: Map<string, number>;
}

let nameTable: UnicodeNameTable | undefined;

/** The code point Python's `\N{name}` stands for, or undefined when Python knows no such name. */
export function lookupUnicodeName(name: string): number | undefined {
  const computed = hangulSyllable(name) ?? unifiedIdeograph(name);
  if (computed !== undefined) return computed;
  nameTable ??= loadNameTable();
  return nameTable.names.get(name.toUpperCase());
}

/** dist/unicodeNames.js, next to the bundle that runs (scripts/build.mjs puts a copy beside each). */
function loadNameTable(): UnicodeNameTable {
  const file = path.join(__dirname, 'unicodeNames.js');
  if (!fs.existsSync(file)) throw new Error(`The Unicode name table is missing: ${file}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { buildUnicodeNameTable(): UnicodeNameTable }).buildUnicodeNameTable();
}

// Python computes these names (case-sensitively) instead of looking them up.
const CJK_PREFIX = 'CJK UNIFIED IDEOGRAPH-';
const CJK_RANGES: Array<[number, number]> = [
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b738],
  [0x2b740, 0x2b81d],
  [0x2b820, 0x2cea1],
  [0x2ceb0, 0x2ebe0],
  [0x30000, 0x3134a],
];

function unifiedIdeograph(name: string): number | undefined {
  if (!name.startsWith(CJK_PREFIX)) return undefined;
  const hex = name.slice(CJK_PREFIX.length);
  if (!/^[0-9A-F]{4,5}$/.test(hex)) return undefined;
  const code = parseInt(hex, 16);
  return CJK_RANGES.some(([low, high]) => code >= low && code <= high) ? code : undefined;
}

const HANGUL_PREFIX = 'HANGUL SYLLABLE ';
const LEADING = ['G', 'GG', 'N', 'D', 'DD', 'R', 'M', 'B', 'BB', 'S', 'SS', '', 'J', 'JJ', 'C', 'K', 'T', 'P', 'H'];
const VOWELS = [
  'A',
  'AE',
  'YA',
  'YAE',
  'EO',
  'E',
  'YEO',
  'YE',
  'O',
  'WA',
  'WAE',
  'OE',
  'YO',
  'U',
  'WEO',
  'WE',
  'WI',
  'YU',
  'EU',
  'YI',
  'I',
];
const TRAILING = [
  '',
  'G',
  'GG',
  'GS',
  'N',
  'NJ',
  'NH',
  'D',
  'L',
  'LG',
  'LM',
  'LB',
  'LS',
  'LT',
  'LP',
  'LH',
  'M',
  'B',
  'BS',
  'S',
  'SS',
  'NG',
  'J',
  'C',
  'K',
  'T',
  'P',
  'H',
];

/** Python's find_syllable: the longest jamo name at each of the three positions. */
function hangulSyllable(name: string): number | undefined {
  if (!name.startsWith(HANGUL_PREFIX)) return undefined;
  let rest = name.slice(HANGUL_PREFIX.length);
  const indices: number[] = [];
  for (const jamo of [LEADING, VOWELS, TRAILING]) {
    let best = -1;
    jamo.forEach((candidate, index) => {
      if (rest.startsWith(candidate) && (best < 0 || candidate.length > jamo[best].length)) best = index;
    });
    if (best < 0) return undefined;
    indices.push(best);
    rest = rest.slice(jamo[best].length);
  }
  if (rest) return undefined;
  return 0xac00 + (indices[0] * VOWELS.length + indices[1]) * TRAILING.length + indices[2];
}

/** Newlines in a literal's body read as \n (\r\n and \r too); most bodies have no \r to replace. */
export function normalizeNewlines(raw: string): string {
  return raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
}
