// The Unicode name table of Python's `\N{NAME}` escapes, built from the unicode-name package. Bundled
// on its own (dist/unicodeNames.js, see scripts/build.mjs) and loaded by literals.ts only when a
// string has such an escape: the table is large and most projects never need it.
import { unicodeAliases, unicodeBaseName } from 'unicode-name';
import type { UnicodeNameTable } from './literals';

// Ranges whose names are computed (CJK unified ideographs, Hangul syllables) or that Python 3.11 does
// not name (Tangut ideographs, private use): skipped while building, for speed.
const SKIPPED: Array<[number, number]> = [
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
  [0xe000, 0xf8ff],
  [0x17000, 0x187f7],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2ebe0],
  [0x30000, 0x3134a],
];
const SCANNED: Array<[number, number]> = [
  [0, 0x3ffff],
  [0xe0000, 0xe0fff],
];
// Names the package computes from a range that Python 3.11 looks up differently (CJK, case-sensitive)
// or not at all.
const COMPUTED_PREFIXES = ['CJK UNIFIED IDEOGRAPH-', 'TANGUT IDEOGRAPH-', 'EGYPTIAN HIEROGLYPH-'];

export function buildUnicodeNameTable(): UnicodeNameTable {
  const names = new Map<string, number>();
  for (const [low, high] of SCANNED) {
    for (let cp = low; cp <= high; cp++) {
      const skipped = SKIPPED.find(([a, b]) => cp >= a && cp <= b);
      if (skipped) {
        cp = skipped[1];
        continue;
      }
      const name = unicodeBaseName(cp);
      if (name && !COMPUTED_PREFIXES.some((prefix) => name.startsWith(prefix))) names.set(name, cp);
      const aliases = unicodeAliases(cp);
      if (aliases) for (const list of Object.values(aliases)) for (const alias of list) names.set(alias, cp);
    }
  }
  return { names };
}
