// The lexing tables and the refusals that both Python tokenizers (module.ts, the fast revision-file
// reader, and syntax.ts, the full one) share: operators, string prefixes, and the limits and
// indentation rules of CPython's tokenizer (null bytes, nesting, TabError), with its messages.
export const OPENERS = '([{';
export const CLOSERS = ')]}';
// Longest first, so that `**=` is not read as `*` `*=`.
const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '->',
  ':=',
  '==',
  '!=',
  '<=',
  '>=',
  '**',
  '//',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
];
/** What may stand right before a quote: r, b, u, f, and the two-letter combinations. */
export const STRING_PREFIX = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/;

/** The augmented assignment operators (`x += ...`): they rebind the name to a new value. */
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '|=', '&=', '^=', '<<=', '>>=', '@=']);

export function isAugmentedAssignment(op: string): boolean {
  return AUGMENTED.has(op);
}

/** CPython's tokenizer stops at this many open brackets (MAXLEVEL). */
export const MAX_NESTING = 200;
export const TOO_DEEP = 'too many nested parentheses';
/** CPython's tokenizer stops at this many indentation levels (MAXINDENT). */
const MAX_INDENT_LEVELS = 100;
const TAB_ERROR = 'inconsistent use of tabs and spaces in indentation';

export function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** OPERATORS by their first character (longest first): most characters start none, `.` only `...`. */
const OPERATORS_BY_FIRST = new Map<number, string[]>();
for (const operator of OPERATORS) {
  const first = operator.charCodeAt(0);
  OPERATORS_BY_FIRST.set(first, [...(OPERATORS_BY_FIRST.get(first) ?? []), operator]);
}

/** The operator at `pos` (not a bracket): the longest of OPERATORS, else the one character. */
export function operatorAt(text: string, pos: number): string {
  const candidates = OPERATORS_BY_FIRST.get(text.charCodeAt(pos));
  if (candidates) {
    for (const candidate of candidates) if (text.startsWith(candidate, pos)) return candidate;
  }
  return text[pos];
}

/** Python refuses source with a NUL character anywhere: the error, at the NUL's line. */
export function nullByteError(text: string): { message: string; line: number } | undefined {
  const at = text.indexOf('\0');
  if (at < 0) return undefined;
  return { message: 'source code cannot contain null bytes', line: lineAt(text, at) };
}

/** The 1-based line of offset `at` (\n, \r\n and \r end lines). */
export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
  }
  return line;
}

/**
 * The open indentation levels of a module, as CPython's tokenizer keeps them: each level's column
 * with a tab advancing to the next multiple of 8, and again with a tab counting 1. Where the two
 * measures disagree about the order of two lines, the meaning depends on the tab size: TabError.
 */
export class IndentLevels {
  // Each level's two measures, up to `depth`: arrays made with room for a few levels (most modules
  // have fewer) and never shrunk, as pushing to a one-item array reallocates it for 17.
  private readonly columns = [0, 0, 0, 0, 0, 0, 0, 0];
  private readonly alternates = [0, 0, 0, 0, 0, 0, 0, 0];
  private depth = 1;
  /** Whether the last line checked opened a new level (an INDENT token). */
  indented = false;

  /** The tokenizer's error for a logical line indented by text[from, to), else undefined. Pushes or pops levels. */
  check(text: string, from: number, to: number): string | undefined {
    let column = 0;
    let alternate = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 9) {
        column = (Math.floor(column / 8) + 1) * 8;
        alternate++;
      } else if (c === 12) {
        column = 0;
        alternate = 0;
      } else {
        column++;
        alternate++;
      }
    }
    const top = this.depth - 1;
    this.indented = false;
    if (column === this.columns[top]) return alternate !== this.alternates[top] ? TAB_ERROR : undefined;
    if (column > this.columns[top]) {
      if (this.depth >= MAX_INDENT_LEVELS) return 'too many levels of indentation';
      if (alternate <= this.alternates[top]) return TAB_ERROR;
      this.columns[this.depth] = column;
      this.alternates[this.depth] = alternate;
      this.depth++;
      this.indented = true;
      return undefined;
    }
    while (this.depth > 1 && column < this.columns[this.depth - 1]) this.depth--;
    if (column !== this.columns[this.depth - 1]) return 'unindent does not match any outer indentation level';
    if (alternate !== this.alternates[this.depth - 1]) return TAB_ERROR;
    return undefined;
  }
}

/**
 * The test of an `if` whose block never runs when the program does (typing.TYPE_CHECKING is False then):
 * `TYPE_CHECKING` or `typing.TYPE_CHECKING`, alone or `and`-ed with more; not negated, not `or`-ed.
 */
export function isTypeCheckingTest(test: readonly { t: string; v: string }[]): boolean {
  const and = test.findIndex((tk) => tk.t === 'name' && tk.v === 'and');
  const first = and < 0 ? test : test.slice(0, and);
  if (!/^(?:\w+ \. )?TYPE_CHECKING$/.test(first.map((tk) => tk.v).join(' '))) return false;
  return and < 0 || !test.slice(and).some((tk) => tk.t === 'name' && tk.v === 'or');
}
