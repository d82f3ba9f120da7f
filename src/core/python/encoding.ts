// Decodes a Python source file as Python does (PEP 263): UTF-8 unless a coding declaration in the
// first two lines names another codec; undecodable bytes are a syntax error, not replacement
// characters. Codecs are Python's, byte for byte: cp1252 leaves five bytes undefined, latin-1 maps
// every byte to the same code point (WHATWG's `latin1` label is cp1252, so TextDecoder is not used
// for it), ascii refuses bytes over 127. A codec Python has but alembic-lens does not is a problem.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { readFileBytes } from '../fileBytes';

export type DecodedSource = { text: string } | { error: string; line: number };

const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
/** The bytes a comment or blank line can start with: space, tab, form feed, #, CR, LF. */
const LINE_LEAD = new Set([0x20, 0x09, 0x0c, 0x23, 0x0d, 0x0a]);

type Codec = (bytes: Uint8Array) => string | { error: string; at: number };

// Python's codec aliases (encodings/aliases.py), normalized as encodings.normalize_encoding does.
const CODEC_ALIASES: Record<string, string> = {
  utf_8: 'utf_8',
  u8: 'utf_8',
  utf: 'utf_8',
  utf8: 'utf_8',
  utf8_ucs2: 'utf_8',
  utf8_ucs4: 'utf_8',
  cp65001: 'utf_8',
  ascii: 'ascii',
  '646': 'ascii',
  'ansi_x3.4_1968': 'ascii',
  ansi_x3_4_1968: 'ascii',
  'ansi_x3.4_1986': 'ascii',
  cp367: 'ascii',
  csascii: 'ascii',
  ibm367: 'ascii',
  iso646_us: 'ascii',
  'iso_646.irv_1991': 'ascii',
  iso_ir_6: 'ascii',
  us: 'ascii',
  us_ascii: 'ascii',
  latin_1: 'latin_1',
  iso8859_1: 'latin_1',
  '8859': 'latin_1',
  cp819: 'latin_1',
  csisolatin1: 'latin_1',
  ibm819: 'latin_1',
  iso_8859_1: 'latin_1',
  iso_8859_1_1987: 'latin_1',
  iso_ir_100: 'latin_1',
  l1: 'latin_1',
  latin: 'latin_1',
  latin1: 'latin_1',
  cp1252: 'cp1252',
  windows_1252: 'cp1252',
  '1252': 'cp1252',
  iso8859_15: 'iso8859_15',
  iso_8859_15: 'iso8859_15',
  l9: 'iso8859_15',
  latin9: 'iso8859_15',
};

// Codecs Python knows that alembic-lens has no exact table for: a clear problem, not a guess.
const UNSUPPORTED = new RegExp(
  '^(cp\\w+|windows_\\d+|iso_?8859_\\d+|latin\\d+|l\\d+|koi8_\\w+|mac_\\w+|shift_jis\\w*|sjis|euc_\\w+|gb\\w+|big5\\w*' +
    '|utf_(16|32)\\w*|utf_7|hz|johab|ptcp154|tis_620|iso2022_\\w+)$',
);

const READABLE = 'utf-8, ascii, latin-1, cp1252 and iso8859-15';

// cp1252's 0x80-0x9F (Python's encodings/cp1252.py): 0 where Python's table says <undefined>.
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];
// Where iso8859-15 differs from latin-1.
const LATIN9_CHANGES: Record<number, number> = {
  164: 0x20ac,
  166: 0x0160,
  168: 0x0161,
  180: 0x017d,
  184: 0x017e,
  188: 0x0152,
  189: 0x0153,
  190: 0x0178,
};

const CODECS: Record<string, Codec> = {
  // Validated first (Node's isUtf8 refuses what Python's decoder refuses: overlong forms, surrogates),
  // then decoded without a check: twice as fast as a fatal TextDecoder on a 50 MB file.
  utf_8: (bytes) =>
    isUtf8(bytes)
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
      : { error: `(unicode error) the file is not valid utf-8`, at: firstBadUtf8(bytes) },
  ascii: (bytes) => singleByte(bytes, 'ascii', (b) => (b < 0x80 ? b : -1), 'ordinal not in range(128)'),
  latin_1: (bytes) => singleByte(bytes, 'latin-1', (b) => b, ''),
  cp1252: (bytes) =>
    singleByte(
      bytes,
      'charmap',
      (b) => (b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] || -1 : b),
      'character maps to <undefined>',
    ),
  iso8859_15: (bytes) => singleByte(bytes, 'charmap', (b) => LATIN9_CHANGES[b] ?? b, ''),
};

export function decodePythonSource(bytes: Uint8Array): DecodedSource {
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  const declared = codingDeclaration(body);
  let codec: Codec = CODECS.utf_8;
  if (declared) {
    const tokenizerName = normalTokenizerName(declared.name);
    const name = CODEC_ALIASES[normalizeEncoding(tokenizerName)];
    if (hasBom && tokenizerName !== 'utf-8') {
      return { error: `encoding problem: ${tokenizerName} with BOM`, line: declared.line };
    }
    if (!name) {
      const known = UNSUPPORTED.test(normalizeEncoding(declared.name));
      if (!known) return { error: `unknown encoding: ${declared.name}`, line: declared.line };
      const error = `encoding ${declared.name} is not one alembic-lens reads (it reads ${READABLE})`;
      return { error, line: declared.line };
    }
    codec = CODECS[name];
  }
  const decoded = codec(body);
  if (typeof decoded === 'string') return { text: decoded };
  return { error: decoded.error, line: lineOfByte(body, decoded.at) };
}

/** The coding declaration of the first line, or of the second after a comment or blank first line. */
function codingDeclaration(bytes: Uint8Array): { name: string; line: number } | undefined {
  // A first line that starts with code (a docstring, an import) is neither a comment nor blank: no
  // declaration can follow. Most files start so; this skips decoding and splitting their head.
  if (bytes.length && !LINE_LEAD.has(bytes[0])) return undefined;
  const start = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 512));
  const head = start.toString('latin1').split(/\r\n|\r|\n/, 2);
  for (let i = 0; i < head.length; i++) {
    const match = CODING.exec(head[i]);
    if (match) return { name: match[1], line: i + 1 };
    if (!/^[ \t\f]*(#.*)?$/.test(head[i])) break;
  }
  return undefined;
}

/** CPython tokenizer's get_normal_name: the spellings of utf-8 and latin-1 it recognizes itself. */
function normalTokenizerName(name: string): string {
  const lower = name.slice(0, 12).toLowerCase().replace(/_/g, '-');
  if (lower === 'utf-8' || lower.startsWith('utf-8-')) return 'utf-8';
  if (/^(latin-1|iso-8859-1|iso-latin-1)(-|$)/.test(lower)) return 'iso-8859-1';
  return name;
}

/** encodings.normalize_encoding, lowercased as codecs.lookup does. */
function normalizeEncoding(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '_')
    .replace(/^_|_$/g, '');
}

function singleByte(
  bytes: Uint8Array,
  codecName: string,
  map: (byte: number) => number,
  reason: string,
): string | { error: string; at: number } {
  let out = '';
  const chunk: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const code = map(bytes[i]);
    if (code < 0) {
      const hex = bytes[i].toString(16).padStart(2, '0');
      return { error: `'${codecName}' codec can't decode byte 0x${hex} in position ${i}: ${reason}`, at: i };
    }
    chunk.push(code);
    if (chunk.length === 8192) out += String.fromCharCode(...chunk.splice(0));
  }
  return out + String.fromCharCode(...chunk);
}

function lineOfByte(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 10 || (bytes[i] === 13 && bytes[i + 1] !== 10)) line++;
  return line;
}

/** The offset of the first line that is not valid UTF-8. */
function firstBadUtf8(bytes: Uint8Array): number {
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      if (!isUtf8(bytes.subarray(start, i))) return start;
      start = i + 1;
    }
  }
  return 0;
}

/**
 * A Python file's text, decoded as Python decodes it; undefined when it cannot be read. A file
 * Python would refuse to decode is still returned (undecodable bytes replaced), for readers that
 * only look into it: the refusal itself is reported where the file is checked (revision files).
 */
export function readPythonFile(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileBytes(file);
  } catch {
    return undefined;
  }
  const decoded = decodePythonSource(bytes);
  return 'text' in decoded ? decoded.text : bytes.toString('utf8');
}

/** True when `dir` is a folder on disk. */
export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
