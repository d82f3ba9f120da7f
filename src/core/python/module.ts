// Reads the module-level literal assignments and the docstring of a Python file, without running it.
// A single pass over the text: strings, comments, brackets and line continuations are lexed exactly
// enough that text inside strings, comments or indented blocks never counts as an assignment.
import {
  IndentLevels,
  isIdentChar,
  isIdentStart,
  isTypeCheckingTest,
  MAX_NESTING,
  nullByteError,
  OPENERS,
  operatorAt,
  STRING_PREFIX,
  TOO_DEEP,
} from './lexing';
import { decodeEscapes, normalizeNewlines, StringLiteralError } from './literals';
import { readAssignment, splitStatements, type ModuleToken as Token } from './moduleAssignments';

/** A value as far as it can be known statically. */
export type PyValue =
  | { kind: 'none' }
  | { kind: 'str'; value: string }
  | { kind: 'seq'; items: PyValue[] /** Written `{...}`: a set, which Python cannot index. */; set?: boolean }
  | { kind: 'computed'; text: string };

export interface PyAssignment {
  name: string;
  value: PyValue;
  /** 1-based line of the statement. */
  line: number;
  /** False when the assignment sits in an indented block (if/try/with) at module level: it may not run. */
  topLevel: boolean;
}

export interface PySyntaxError {
  message: string;
  line: number;
}

export interface PyModule {
  docstring?: string;
  docstringLine?: number;
  /** Every assignment to one of the watched names, in source order (the last one wins in Python). */
  assignments: PyAssignment[];
  syntaxError?: PySyntaxError;
}

enum Ch {
  Tab = 9,
  LF = 10,
  FF = 12,
  CR = 13,
  Space = 32,
  Hash = 35,
  Quote = 34,
  Apos = 39,
  Backslash = 92,
  LParen = 40,
  RParen = 41,
  LBracket = 91,
  RBracket = 93,
  LBrace = 123,
  RBrace = 125,
}

/** The open brackets of the line being read (0 '(', 1 '[', 2 '{'): one buffer for every call, which never nests. */
const brackets = new Uint8Array(MAX_NESTING);

/**
 * Reads `text` (a Python module) and returns the docstring and the assignments to `watched` names.
 * Lexing stops at the first syntax error the scanner can see (unterminated string, unbalanced
 * bracket); what was read before it is still returned.
 */
export function readPythonModule(text: string, watched: ReadonlySet<string>): PyModule {
  const result: PyModule = { assignments: [] };
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let firstStatement = true;
  // The first token of the last statement at indentation 0: tells whether an indented block is a
  // function/class body (never counts) or an if/try/with block (counts, but conditionally).
  let blockKeyword = '';
  // What the last indentation-0 compound statement's block does when the module runs: `if TYPE_CHECKING:`
  // never runs (typing.TYPE_CHECKING is False at run time), its `else:` always does, other blocks may.
  let blockRuns = 'maybe' as 'never' | 'always' | 'maybe';
  // Indentation as Python's tokenizer checks it: a stack of open block levels, and whether the last
  // logical line opened a block (ended with ':').
  const indents = new IndentLevels();
  let opensBlock = false;
  // A compound statement header without any ':' (`def f()`), remembered to name the real error.
  let headerMissingColon = 0;
  // The open brackets of the current logical line (in `brackets`, to `depth`), and one token list for
  // the kept lines: reused from line to line, as a file has hundreds of lines and only a few are kept.
  let depth = 0;
  const tokens: Token[] = [];
  let tokenCount = 0;
  // The next backslash, line feed and carriage return at or after some point of a string (see below).
  let backslashAt = -1;
  let lineFeedAt = -1;
  let carriageReturnAt = -1;
  // The lengths of the watched names: an indented line's first word is taken out of the text only
  // when its length is one of them (most indented lines are function bodies, never read).
  let watchedLengths = 0;
  for (const name of watched) watchedLengths |= 1 << Math.min(name.length, 31);

  const fail = (message: string, at: number): PyModule => {
    result.syntaxError = { message, line: at };
    return result;
  };
  const nullByte = nullByteError(text);
  if (nullByte) return fail(nullByte.message, nullByte.line);

  while (pos < n) {
    // Start of a physical line: measure indentation, skip blank and comment-only lines.
    // A form feed resets the column, as Python's tokenizer does: what follows it starts at column 0.
    const lineStart = pos;
    let indentStart = pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === Ch.FF) indentStart = pos + 1;
      if (c === Ch.Space || c === Ch.Tab || c === Ch.FF) pos++;
      else break;
    }
    const indent = pos - indentStart;
    if (pos >= n) break;
    const c0 = text.charCodeAt(pos);
    if (c0 === Ch.Hash) {
      while (pos < n && text.charCodeAt(pos) !== Ch.LF) pos++;
    }
    if (pos < n && (text.charCodeAt(pos) === Ch.LF || text.charCodeAt(pos) === Ch.CR)) {
      if (text.charCodeAt(pos) === Ch.CR && text.charCodeAt(pos + 1) === Ch.LF) pos++;
      pos++;
      line++;
      continue;
    }
    if (pos >= n) break;

    const indentError = indents.check(text, lineStart, pos) ?? blockError(indents.indented, opensBlock);
    if (indentError === 'unexpected indent' && headerMissingColon) return fail("expected ':'", headerMissingColon);
    if (indentError) return fail(indentError, line);
    const leadStart = pos;
    const leadLength = identifierEnd(text, pos) - pos;
    let colonAtDepth0 = false;

    // A logical line: tokens until a newline outside brackets and not after a backslash.
    const statementLine = line;
    let lastOp = '';
    // Indented lines are tokenized only when they start with a watched name (not function bodies).
    const keep =
      indent === 0 ||
      ((watchedLengths & (1 << Math.min(leadLength, 31))) !== 0 &&
        watched.has(text.slice(leadStart, leadStart + leadLength)));
    tokenCount = 0;
    depth = 0;
    let splitsAtSemicolon = false;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === Ch.LF || c === Ch.CR) {
        if (c === Ch.CR && text.charCodeAt(pos + 1) === Ch.LF) pos++;
        pos++;
        line++;
        if (depth === 0) break;
        continue;
      }
      if (c === Ch.Space || c === Ch.Tab || c === Ch.FF) {
        pos++;
        continue;
      }
      if (c === Ch.Hash) {
        while (pos < n && text.charCodeAt(pos) !== Ch.LF && text.charCodeAt(pos) !== Ch.CR) pos++;
        continue;
      }
      if (c === Ch.Backslash) {
        const next = text.charCodeAt(pos + 1);
        if (next === Ch.LF || next === Ch.CR) {
          pos += next === Ch.CR && text.charCodeAt(pos + 2) === Ch.LF ? 3 : 2;
          line++;
          continue;
        }
        return fail('unexpected character after line continuation character', line);
      }
      // Strings, with their optional prefix (r, b, u, f, and two-letter combinations).
      if (c === Ch.Quote || c === Ch.Apos || isIdentStart(c)) {
        let p = pos;
        if (c !== Ch.Quote && c !== Ch.Apos) {
          while (p < n && isIdentChar(text.charCodeAt(p))) p++;
          const q = text.charCodeAt(p);
          // The word is sliced only when it is needed: most names sit in bodies that are not kept.
          if ((q === Ch.Quote || q === Ch.Apos) && STRING_PREFIX.test(text.slice(pos, p))) {
            // falls through to string lexing below with the prefix
          } else {
            if (keep) tokens[tokenCount++] = { t: 'name', v: text.slice(pos, p), line };
            lastOp = '';
            pos = p;
            continue;
          }
        }
        const prefix = text.slice(pos, p).toLowerCase();
        const quote = text.charCodeAt(p);
        const triple = text.charCodeAt(p + 1) === quote && text.charCodeAt(p + 2) === quote;
        const bodyStart = p + (triple ? 3 : 1);
        const startLine = line;
        // Scanned here rather than in a helper shared with syntax.ts: a call per string made this reader ~20% slower.
        let q = bodyStart;
        let end = -1;
        let escaped = false;
        while (q < n) {
          const d = text.charCodeAt(q);
          if (d === Ch.Backslash) {
            escaped = true;
            if (text.charCodeAt(q + 1) === Ch.LF) line++;
            else if (text.charCodeAt(q + 1) === Ch.CR) {
              line++;
              if (text.charCodeAt(q + 2) === Ch.LF) q++;
            }
            q += 2;
            continue;
          }
          if (d === Ch.LF || d === Ch.CR) {
            if (!triple) return fail('unterminated string literal', startLine);
            if (d === Ch.CR && text.charCodeAt(q + 1) === Ch.LF) q++;
            line++;
            q++;
            continue;
          }
          if (d === quote && (!triple || (text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote))) {
            end = q;
            break;
          }
          // Plain characters: on to the next quote, backslash or line break, found by indexOf (whose
          // positions for the last three are kept while ahead, so that the scan stays linear).
          if (backslashAt < q) backslashAt = indexOrEnd(text, '\\', q);
          if (lineFeedAt < q) lineFeedAt = indexOrEnd(text, '\n', q);
          if (carriageReturnAt < q) carriageReturnAt = indexOrEnd(text, '\r', q);
          q = Math.min(
            indexOrEnd(text, quote === Ch.Quote ? '"' : "'", q + 1),
            backslashAt,
            lineFeedAt,
            carriageReturnAt,
          );
        }
        if (end < 0) {
          return fail(triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal', startLine);
        }
        pos = end + (triple ? 3 : 1);
        lastOp = '';
        const isRaw = prefix.includes('r');
        // Python refuses a bad escape anywhere in the file, so unkept strings with one are decoded too.
        if (keep || (escaped && !isRaw)) {
          const raw = text.slice(bodyStart, end);
          let value: string;
          try {
            value = isRaw ? normalizeNewlines(raw) : decodeEscapes(raw, prefix.includes('b'));
          } catch (err) {
            if (err instanceof StringLiteralError) return fail(err.message, startLine);
            throw err;
          }
          if (keep) {
            tokens[tokenCount++] = {
              t: 'str',
              v: value,
              line: startLine,
              bytes: prefix.includes('b'),
              fStringPrefix: prefix.includes('f'),
              formatted: prefix.includes('f') && hasReplacementField(raw, isRaw),
            };
          }
        }
        continue;
      }
      if (c >= 48 && c <= 57) {
        let p = pos + 1;
        while (p < n && (isIdentChar(text.charCodeAt(p)) || text.charCodeAt(p) === 46)) p++;
        if (keep) tokens[tokenCount++] = { t: 'num', v: text.slice(pos, p), line };
        lastOp = '';
        pos = p;
        continue;
      }
      const ch = text[pos];
      const opener = c === Ch.LParen ? 0 : c === Ch.LBracket ? 1 : c === Ch.LBrace ? 2 : -1;
      if (opener >= 0) {
        if (depth >= MAX_NESTING) return fail(TOO_DEEP, line);
        brackets[depth++] = opener;
        if (keep) tokens[tokenCount++] = { t: 'op', v: ch, line };
        lastOp = '';
        pos++;
        continue;
      }
      const closer = c === Ch.RParen ? 0 : c === Ch.RBracket ? 1 : c === Ch.RBrace ? 2 : -1;
      if (closer >= 0) {
        if (depth === 0 || brackets[--depth] !== closer) return fail(`unmatched '${ch}'`, line);
        if (keep) tokens[tokenCount++] = { t: 'op', v: ch, line };
        lastOp = '';
        pos++;
        continue;
      }
      const op = operatorAt(text, pos);
      if (keep) tokens[tokenCount++] = { t: 'op', v: op, line };
      lastOp = op;
      if (op === ':' && depth === 0) colonAtDepth0 = true;
      if (op === ';' && depth === 0) splitsAtSemicolon = true;
      pos += op.length;
    }
    if (depth) return fail(`'${OPENERS[brackets[depth - 1]]}' was never closed`, statementLine);
    opensBlock = lastOp === ':';
    headerMissingColon = !colonAtDepth0 && isCompoundKeyword(text, leadStart, leadLength) ? statementLine : 0;
    if (!keep || tokenCount === 0) {
      firstStatement = false;
      continue;
    }

    // The line's tokens, in an array of their own: the statements below may keep them.
    const lineTokens = tokens.slice(0, tokenCount);
    for (const statement of splitsAtSemicolon ? splitStatements(lineTokens) : [lineTokens]) {
      if (statement.length === 0) continue;
      if (firstStatement) {
        firstStatement = false;
        if (statement.every((tk) => tk.t === 'str' && !tk.bytes && !tk.fStringPrefix)) {
          result.docstring = (statement as Array<Token & { t: 'str' }>).map((tk) => tk.v).join('');
          result.docstringLine = statement[0].line;
          continue;
        }
      }
      if (indent === 0) {
        const elseOfTypeChecking = statement[0].v === 'else' && blockRuns === 'never';
        blockRuns = isTypeCheckingIf(statement) ? 'never' : elseOfTypeChecking ? 'always' : 'maybe';
        blockKeyword = statement[0].v;
      }
      const insideDefinition =
        indent > 0 &&
        (blockKeyword === 'def' || blockKeyword === 'class' || blockKeyword === 'async' || blockKeyword === '@');
      if (insideDefinition || (indent > 0 && blockRuns === 'never')) continue;
      readAssignment(statement, watched, indent === 0 || blockRuns === 'always', result.assignments);
    }
    firstStatement = false;
  }
  // Python reports a block missing at the end of the file on the file's last line.
  if (opensBlock) return fail('expected an indented block', /\r?\n$/.test(text) ? line - 1 : line);
  return result;
}

/** `if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:` (a block that never runs). */
function isTypeCheckingIf(statement: Token[]): boolean {
  return statement[0].v === 'if' && statement.at(-1)?.v === ':' && isTypeCheckingTest(statement.slice(1, -1));
}

/** The parser's indentation errors, once the tokenizer accepted the line: a block opens after ':', and only there. */
function blockError(indented: boolean, opensBlock: boolean): string | undefined {
  if (opensBlock && !indented) return 'expected an indented block';
  if (!opensBlock && indented) return 'unexpected indent';
  return undefined;
}

/** An f-string body with a `{field}` (`{{` is a brace; `\N{NAME}` an escape). */
function hasReplacementField(raw: string, isRaw: boolean): boolean {
  const literal = isRaw ? raw : raw.replace(/\\N\{[^}]*\}/g, '');
  return /\{(?!\{)/.test(literal.replace(/\{\{/g, ''));
}

const COMPOUND_KEYWORDS = new Set([
  'def',
  'class',
  'if',
  'elif',
  'else',
  'for',
  'while',
  'try',
  'except',
  'finally',
  'with',
]);

/** Where `search` next occurs in `text` from `from`, or the text's length. */
function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}

function identifierEnd(text: string, pos: number): number {
  let p = pos;
  while (p < text.length && isIdentChar(text.charCodeAt(p))) p++;
  return p;
}

/** The first characters of COMPOUND_KEYWORDS: other words are not taken out of the text to be looked up. */
const COMPOUND_FIRST_CHARS = new Set([...COMPOUND_KEYWORDS].map((keyword) => keyword.charCodeAt(0)));

function isCompoundKeyword(text: string, start: number, length: number): boolean {
  if (!length || !COMPOUND_FIRST_CHARS.has(text.charCodeAt(start))) return false;
  return COMPOUND_KEYWORDS.has(text.slice(start, start + length));
}
