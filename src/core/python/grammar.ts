// A full-grammar syntax check of Python source (Lezer's Python grammar), for the errors the fast
// module reader does not look for, such as `x = = 1` or a missing colon inside a function body.
import { lineAt } from './lexing';

type LRParser = typeof import('@lezer/python')['parser'];

// Loaded on first use: command-line runs that never check grammar should not pay for the parser.
let parser: LRParser | undefined;
function pythonParser(): LRParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser ??= (require('@lezer/python') as typeof import('@lezer/python')).parser;
  return parser;
}

export interface GrammarError {
  line: number;
  message: string;
}

export function findGrammarError(text: string): GrammarError | undefined {
  const lexical = lexicalError(text);
  if (lexical) return lexical;
  let errorAt = firstErrorOffset(text);
  // Lezer's grammar lags CPython's: on an error, read again with the newer forms rewritten into
  // ones it knows, of the same length so that the offset of a real error stays where it was.
  if (errorAt >= 0) errorAt = firstErrorOffset(rewriteNewerSyntax(text));
  if (errorAt < 0) return undefined;
  return { line: lineAt(text, Math.min(errorAt, text.length)), message: 'invalid syntax' };
}

function firstErrorOffset(text: string): number {
  let errorAt = -1;
  pythonParser()
    .parse(text)
    .iterate({
      enter(node) {
        if (errorAt >= 0) return false;
        if (node.type.isError) {
          errorAt = node.from;
          return false;
        }
        return undefined;
      },
    });
  return errorAt;
}

/**
 * The forms CPython accepts and Lezer's grammar refuses, rewritten in place (same length, same lines):
 * - parenthesized context managers, `with (a as b, c as d):` (3.9+): each `as` of the group becomes
 *   `or`, an expression Lezer reads;
 * - any expression as a decorator, `@buttons[0].clicked.connect` (3.9+): the expression is blanked;
 * - a starred item in a subscript, `Generic[*Ts]` (3.11+): the `*` is blanked;
 * - and forms the grammar never took: a float ending in its point (`5.`, `precision=10.`), whose point
 *   becomes a `0`; a bare `yield` used as a value (`x = yield`, `f((yield))`), which becomes `None `;
 *   a `with ... as` target other than a name (`as (a, b)`, `as self.x`), whose `as` becomes `or`;
 *   `match x:` / `case pattern:`, read as `with` statements; and the inside of f-strings, blanked.
 */
export function rewriteNewerSyntax(text: string): string {
  const code = codeMask(text);
  const out = text.split('');
  const isOpen = (i: number) => code[i] && OPEN.includes(text[i]);
  const isClose = (i: number) => code[i] && CLOSE.includes(text[i]);
  const wordAt = (i: number, word: string) =>
    text.startsWith(word, i) && !isWordChar(text.charCodeAt(i - 1)) && !isWordChar(text.charCodeAt(i + word.length));
  const nextCode = (i: number) => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || !code[i])) i++;
    return i;
  };
  const closingOf = (open: number): number => {
    for (let i = open, depth = 0; i < text.length; i++) {
      if (isOpen(i)) depth++;
      else if (isClose(i) && --depth === 0) return i;
    }
    return text.length;
  };
  /** Calls `visit` on each code character at depth 1 inside the bracket at `open`. */
  const insideOnce = (open: number, visit: (i: number) => void) => {
    for (let j = open + 1, depth = 1; j < text.length && depth > 0; j++) {
      if (isOpen(j)) depth++;
      else if (isClose(j)) depth--;
      else if (depth === 1 && code[j]) visit(j);
    }
  };
  /** A logical line ends at `j`: a line break outside brackets, not after a backslash. */
  const endsLine = (j: number, inner: number): boolean =>
    text[j] === '\n' && inner === 0 && text[previousCode(text, code, j + 1)] !== '\\';
  /**
   * In a `with` header (to its `:`), an `as` before a target the grammar does not take becomes `or`: an
   * expression it reads, on one line or several.
   */
  const rewriteParenthesizedTargets = (from: number): void => {
    for (let j = from, inner = 0; j < text.length; j++) {
      if (endsLine(j, inner)) return;
      if (!code[j]) continue;
      if (isOpen(j)) inner++;
      else if (isClose(j)) inner--;
      else if (inner === 0 && text[j] === ':') return;
      if (inner === 0 && wordAt(j, 'as') && isComplexTarget(nextCode(j + 2))) out.splice(j, 2, 'o', 'r');
    }
  };
  /** A target the grammar takes only as a plain name: `(a, b)`, `self.x`, `items[0]`. */
  const isComplexTarget = (at: number): boolean => {
    if (text[at] === '(') return true;
    let end = at;
    while (isWordChar(text.charCodeAt(end))) end++;
    return end > at && (text[end] === '.' || text[end] === '[');
  };
  /** The next character that is not a space or tab (a string's quote included). */
  const nextChar = (i: number): string => {
    while (text[i] === ' ' || text[i] === '\t') i++;
    return text[i] ?? '\n';
  };
  /** Whether the logical line from `from` is a block header: its last code character is a `:` outside brackets. */
  const endsWithColon = (from: number): boolean => {
    let last = '';
    for (let j = from, inner = 0; j < text.length; j++) {
      if (endsLine(j, inner)) break;
      if (!code[j] || /\s/.test(text[j])) continue;
      if (isOpen(j)) inner++;
      else if (isClose(j)) inner--;
      last = inner === 0 ? text[j] : '';
    }
    return last === ':';
  };
  /** `match x:` and `case pattern:` read as `with` statements. */
  const rewriteMatch = (i: number, keyword: 'match' | 'case'): void => {
    out.splice(i, keyword.length, ...(keyword === 'match' ? 'with ' : 'with'));
    // A pattern's capture (`as name`) and its guard (`if ...`) become `or` too.
    for (let j = i + keyword.length, inner = 0; keyword === 'case' && j < text.length && !endsLine(j, inner); j++) {
      if (!code[j]) continue;
      if (isOpen(j)) inner++;
      else if (isClose(j)) inner--;
      else if (wordAt(j, 'as') || (inner === 0 && wordAt(j, 'if'))) out.splice(j, 2, 'o', 'r');
    }
  };
  blankFormattedStrings(text, code, out);
  let depth = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') lineStart = i + 1;
    if (!code[i]) continue;
    const statementStart = () => depth === 0 && /^[ \t]*(?:async[ \t]+)?$/.test(text.slice(lineStart, i));
    if (text[i] === 'w' && wordAt(i, 'with') && statementStart()) {
      rewriteParenthesizedTargets(i + 4);
      const open = nextCode(i + 4);
      if (text[open] !== '(') continue;
      if (text[nextCode(closingOf(open) + 1)] !== ':') continue;
      insideOnce(open, (j) => {
        if (wordAt(j, 'as')) out.splice(j, 2, 'o', 'r');
      });
    } else if (isNumberStart(text, i)) {
      // `5.`: a point with no digit, exponent or `j` after it (`1.e5` and `5.j` the grammar reads).
      const [whole, integer = '', fraction, exponent, imaginary] = numberAt(text, i);
      const next = text.charCodeAt(i + whole.length);
      if (fraction === '.' && !exponent && !imaginary && !isWordChar(next) && next !== 46)
        out[i + integer.length] = '0';
      i += whole.length - 1;
    } else if (text[i] === 'y' && wordAt(i, 'yield') && ')]},;#\r\n'.includes(nextChar(i + 5))) {
      out.splice(i, 5, 'N', 'o', 'n', 'e', ' ');
    } else if ((wordAt(i, 'match') || wordAt(i, 'case')) && statementStart()) {
      const keyword = wordAt(i, 'match') ? 'match' : 'case';
      if (' ([{'.includes(text[i + keyword.length]) && endsWithColon(i)) rewriteMatch(i, keyword);
    } else if (text[i] === '@' && statementStart()) {
      // To the end of the logical line; a line break inside brackets stays a line break.
      for (let j = i + 1, inner = 0; j < text.length && (inner > 0 || text[j] !== '\n'); j++) {
        if (isOpen(j)) inner++;
        else if (isClose(j)) inner--;
        if (text[j] !== '\n' && text[j] !== '\r') out[j] = j === i + 1 ? 'x' : ' ';
      }
    } else if (text[i] === '[' && /[\w)\]]/.test(text[previousCode(text, code, i)] ?? '')) {
      insideOnce(i, (j) => {
        // The character before, a string's closing quote included (previousCode skips strings).
        let k = j - 1;
        while (k >= 0 && /\s/.test(text[k])) k--;
        const before = text[k];
        if (text[j] === '*' && !'*='.includes(text[j + 1]) && (before === '[' || before === ',')) out[j] = ' ';
      });
    }
    if (isOpen(i)) depth++;
    else if (isClose(i)) depth = Math.max(0, depth - 1);
  }
  return out.join('');
}

/**
 * What CPython's tokenizer refuses and the grammar's parser takes: a character no name may hold outside a
 * string or comment (`x = ∂`, a no-break space), and a malformed decimal number (`0777`, `1_000_`, `1__0`).
 */
function lexicalError(text: string): GrammarError | undefined {
  // Most files are ASCII names and plain numbers: one quick test before the scan.
  if (!/[^\x00-\x7f]|(?<![\w.])0[0-9_]*[1-9]|[0-9]_(?![0-9])/.test(text)) return undefined;
  const code = codeMask(text);
  for (let i = 0; i < text.length; i++) {
    if (!code[i]) continue;
    const c = text.charCodeAt(i);
    if (c > 127) {
      const char = String.fromCodePoint(text.codePointAt(i)!);
      if (!ID_CONTINUE.test(char)) {
        const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        const message = /\p{C}|\p{Z}/u.test(char)
          ? `invalid non-printable character U+${hex}`
          : `invalid character '${char}' (U+${hex})`;
        return { line: lineAt(text, i), message };
      }
      if (char.length === 2) i++;
    } else if (isNumberStart(text, i)) {
      const [whole, integer, fraction, exponent, imaginary] = numberAt(text, i);
      if (text[i + whole.length] === '_') return { line: lineAt(text, i), message: 'invalid decimal literal' };
      if (integer?.startsWith('0') && /[1-9]/.test(integer) && !fraction && !exponent && !imaginary) {
        return {
          line: lineAt(text, i),
          message: 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
        };
      }
      i += whole.length - 1;
    }
  }
  return undefined;
}

const ID_CONTINUE = /^\p{ID_Continue}$/u;
/**
 * A number as Python's tokenizer reads it: a prefixed one whole (0x, 0o, 0b), else its integer part,
 * fraction, exponent and `j`, each digit run with single underscores between digits.
 */
const NUMBER =
  /(?:0[xXoObB](?:_?[0-9a-fA-F])+|([0-9](?:_?[0-9])*)?(\.(?:[0-9](?:_?[0-9])*)?)?([eE][+-]?[0-9](?:_?[0-9])*)?([jJ])?)/y;

/** A digit, or a point before one, that no name or number precedes: where a number starts. */
function isNumberStart(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  const digit = c >= 48 && c <= 57;
  if (!digit && !(c === 46 && /[0-9]/.test(text[i + 1] ?? ''))) return false;
  const before = text.charCodeAt(i - 1);
  return !isWordChar(before) && before !== 46;
}

/** The number at `i` (isNumberStart): its text, integer part, fraction, exponent and `j`. */
function numberAt(text: string, i: number): RegExpExecArray {
  NUMBER.lastIndex = i;
  return NUMBER.exec(text)!;
}

/**
 * The inside of every f-string blanked (line breaks kept): the grammar's reading of replacement fields
 * lags CPython's (`rf"\\{{"`, nested quotes), and a fallback read need not look inside them.
 */
function blankFormattedStrings(text: string, code: boolean[], out: string[]): void {
  for (let i = 0; i < text.length; i++) {
    if (code[i] || (i > 0 && !code[i - 1]) || (text[i] !== '"' && text[i] !== "'")) continue;
    const prefix = /[A-Za-z]{1,2}$/.exec(text.slice(Math.max(0, i - 2), i))?.[0] ?? '';
    if (!/[fF]/.test(prefix) || isWordChar(text.charCodeAt(i - prefix.length - 1))) continue;
    const quote = text.startsWith(text[i].repeat(3), i) ? 3 : 1;
    let end = i;
    while (end < text.length && !code[end]) end++;
    for (let j = i + quote; j < end - quote; j++) if (text[j] !== '\n' && text[j] !== '\r') out[j] = 'x';
  }
}

const OPEN = '([{';
const CLOSE = ')]}';

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function previousCode(text: string, code: boolean[], i: number): number {
  let j = i - 1;
  while (j >= 0 && (!code[j] || /\s/.test(text[j]))) j--;
  return j;
}

/**
 * For each character: true when it is code, false inside a string literal or a comment. A string's
 * prefix (r, b, f…) does not change where it ends: even in a raw string a backslash keeps the next
 * character from closing it.
 */
function codeMask(text: string): boolean[] {
  const code = new Array<boolean>(text.length).fill(true);
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const start = i;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length;
      while (i < text.length && !text.startsWith(quote, i) && !(quote.length === 1 && text[i] === '\n'))
        i += text[i] === '\\' ? 2 : 1;
      i = Math.min(text.length, i + (text.startsWith(quote, i) ? quote.length : 0));
    } else {
      i++;
      continue;
    }
    code.fill(false, start, i);
  }
  return code;
}
