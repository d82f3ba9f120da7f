// Python expressions parsed into a small tree, for the readers that evaluate what they can (env.py's
// URL, model classes, migration operations). What the parser does not understand becomes an
// `unknown` node, never an exception, and no expression is followed deeper than a fixed bound.
import { CLOSERS, OPENERS } from './lexing';
import { decodeEscapes } from './literals';
import { findAtDepth0, matchBrackets, type PyToken, splitAtDepth0, tokenizePython } from './syntax';

export type PyExpr =
  | { k: 'str'; value: string; line: number }
  | { k: 'fstr'; parts: Array<string | PyExpr>; line: number }
  | { k: 'num'; value: string; line: number }
  | { k: 'const'; value: 'None' | 'True' | 'False' | 'Ellipsis'; line: number }
  | { k: 'name'; id: string; line: number }
  | { k: 'attr'; obj: PyExpr; name: string; line: number }
  | { k: 'call'; func: PyExpr; args: PyExpr[]; kwargs: Array<{ name: string; value: PyExpr }>; line: number }
  | { k: 'sub'; obj: PyExpr; index: PyExpr; line: number }
  | { k: 'bin'; op: string; left: PyExpr; right: PyExpr; line: number }
  | { k: 'bool'; op: 'or' | 'and'; left: PyExpr; right: PyExpr; line: number }
  | { k: 'unary'; op: string; operand: PyExpr; line: number }
  | { k: 'cond'; body: PyExpr; test: PyExpr; orelse: PyExpr; line: number }
  | { k: 'seq'; kind: 'tuple' | 'list' | 'set'; items: PyExpr[]; line: number }
  | { k: 'dict'; entries: Array<{ key: PyExpr | undefined; value: PyExpr }>; line: number }
  | { k: 'unknown'; text: string; line: number };

class ParseFailure extends Error {}

/** Deeper expressions are read as unknown (CPython itself stops compiling at about 3,000 levels). */
const MAX_EXPRESSION_DEPTH = 500;

const COMPARISON = new Set(['==', '!=', '<', '>', '<=', '>=']);
const BINARY_PRECEDENCE: Record<string, number> = {
  '|': 6,
  '^': 7,
  '&': 8,
  '<<': 9,
  '>>': 9,
  '+': 10,
  '-': 10,
  '*': 11,
  '/': 11,
  '//': 11,
  '%': 11,
  '@': 11,
};
const KEYWORDS = new Set([
  'and',
  'as',
  'assert',
  'async',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** Parses tokens[start, end) as one expression (a bare tuple when it has depth-0 commas). Never throws. */
export function parseExpression(
  tokens: readonly PyToken[],
  start = 0,
  end = tokens.length,
  brackets?: Map<number, number>,
): PyExpr {
  return new ExpressionParser(tokens, brackets ?? matchBrackets(tokens)).parseRange(start, end);
}

/**
 * Parses the call whose callee ends with the name token at `nameIndex` (`a.b.name(...)`): walks back
 * over the dotted chain, then reads the call. Undefined when tokens[nameIndex + 1] is not `(`.
 */
export function parseCallAt(
  tokens: readonly PyToken[],
  nameIndex: number,
  brackets: Map<number, number>,
): PyExpr | undefined {
  const open = tokens[nameIndex + 1];
  if (open?.t !== 'op' || open.v !== '(') return undefined;
  const close = brackets.get(nameIndex + 1);
  if (close === undefined) return undefined;
  let start = nameIndex;
  while (start >= 2 && tokens[start - 1].t === 'op' && tokens[start - 1].v === '.' && tokens[start - 2].t === 'name')
    start -= 2;
  return new ExpressionParser(tokens, brackets).parseRange(start, close + 1);
}

class ExpressionParser {
  private pos = 0;
  private end = 0;
  /** How deep the tree being built is here: bounded, so neither this parser nor a walk of its tree overflows the stack. */
  private depth = 0;

  constructor(
    private readonly tokens: readonly PyToken[],
    private readonly brackets: Map<number, number>,
  ) {}

  parseRange(start: number, end: number): PyExpr {
    const saved = [this.pos, this.end];
    this.pos = start;
    this.end = end;
    try {
      if (start >= end) throw new ParseFailure('empty');
      const parts = splitAtDepth0(this.tokens, start, end, ',');
      if (parts.length > 1) {
        const items = parts.filter(([a, b]) => a < b).map(([a, b]) => this.parseRange(a, b));
        return { k: 'seq', kind: 'tuple', items, line: this.tokens[start].line };
      }
      const expr = this.expression(0);
      if (this.pos !== end) throw new ParseFailure('trailing tokens');
      return expr;
    } catch (err) {
      if (!(err instanceof ParseFailure)) throw err;
      return this.unknown(start, end);
    } finally {
      [this.pos, this.end] = saved;
    }
  }

  private unknown(start: number, end: number): PyExpr {
    const text = this.tokens
      .slice(start, end)
      .map((tk) => (tk.t === 'str' ? JSON.stringify(tk.v) : tk.v))
      .join(' ');
    return {
      k: 'unknown',
      text: text.length > 80 ? `${text.slice(0, 77)}...` : text,
      line: this.tokens[start]?.line ?? 0,
    };
  }

  private peek(): PyToken | undefined {
    return this.pos < this.end ? this.tokens[this.pos] : undefined;
  }

  private isName(v: string): boolean {
    const tk = this.peek();
    return !!tk && tk.t === 'name' && tk.v === v;
  }

  /** Precedence climbing: 1 conditional, 2 or, 3 and, 4 not, 5 comparisons, 6-11 binary operators, 12 unary, 13 power. */
  private expression(min: number): PyExpr {
    const depth = this.depth;
    try {
      this.deeper();
      return this.operators(min);
    } finally {
      this.depth = depth;
    }
  }

  private operators(min: number): PyExpr {
    if (this.isName('lambda') || this.isName('yield')) throw new ParseFailure('lambda');
    let left = this.prefix(min);
    for (;;) {
      const tk = this.peek();
      if (!tk) return left;
      const line = tk.line;
      if (tk.t === 'name' && tk.v === 'if') {
        if (min > 1) return left;
        this.pos++;
        const test = this.expression(2);
        if (!this.isName('else')) throw new ParseFailure('if without else');
        this.pos++;
        const orelse = this.expression(1);
        this.deeper();
        left = { k: 'cond', body: left, test, orelse, line };
        continue;
      }
      if (tk.t === 'name' && (tk.v === 'or' || tk.v === 'and')) {
        const prec = tk.v === 'or' ? 2 : 3;
        if (prec < min) return left;
        this.pos++;
        const right = this.expression(prec + 1);
        this.deeper();
        left = { k: 'bool', op: tk.v, left, right, line };
        continue;
      }
      const comparison =
        (tk.t === 'op' && COMPARISON.has(tk.v)) ||
        (tk.t === 'name' &&
          (tk.v === 'in' || tk.v === 'is' || (tk.v === 'not' && this.tokens[this.pos + 1]?.v === 'in')));
      if (comparison) {
        if (5 < min) return left;
        let op = tk.v;
        this.pos++;
        if (op === 'not' || (op === 'is' && this.isName('not'))) {
          op += ` ${this.peek()!.v}`;
          this.pos++;
        }
        const right = this.expression(6);
        this.deeper();
        left = { k: 'bin', op, left, right, line };
        continue;
      }
      if (tk.t === 'op' && tk.v in BINARY_PRECEDENCE) {
        const prec = BINARY_PRECEDENCE[tk.v];
        if (prec < min) return left;
        this.pos++;
        const right = this.expression(prec + 1);
        this.deeper();
        left = { k: 'bin', op: tk.v, left, right, line };
        continue;
      }
      if (tk.t === 'op' && tk.v === '**') {
        if (13 < min) return left;
        this.pos++;
        const right = this.expression(12); // right-associative
        this.deeper();
        left = { k: 'bin', op: '**', left, right, line };
        continue;
      }
      return left;
    }
  }

  private prefix(min: number): PyExpr {
    const tk = this.peek();
    if (!tk) throw new ParseFailure('expression expected');
    if (tk.t === 'name' && tk.v === 'not') {
      this.pos++;
      return { k: 'unary', op: 'not', operand: this.expression(Math.max(min, 4)), line: tk.line };
    }
    if (tk.t === 'op' && (tk.v === '-' || tk.v === '+' || tk.v === '~')) {
      this.pos++;
      return { k: 'unary', op: tk.v, operand: this.expression(12), line: tk.line };
    }
    if (tk.t === 'name' && tk.v === 'await') this.pos++;
    return this.postfix();
  }

  private postfix(): PyExpr {
    let expr = this.atom();
    for (;;) {
      const tk = this.peek();
      if (tk?.t !== 'op') return expr;
      if (tk.v === '.' || tk.v === '(' || tk.v === '[') this.deeper();
      if (tk.v === '.') {
        this.pos++;
        const name = this.peek();
        if (name?.t !== 'name') throw new ParseFailure('name expected after .');
        this.pos++;
        expr = { k: 'attr', obj: expr, name: name.v, line: name.line };
      } else if (tk.v === '(') {
        const close = this.closer();
        expr = this.call(expr, this.pos, close);
        this.pos = close + 1;
      } else if (tk.v === '[') {
        const close = this.closer();
        const inner = this.pos + 1;
        const index =
          findAtDepth0(this.tokens, inner, close, ':') >= 0
            ? this.unknown(inner, close)
            : this.parseRange(inner, close);
        expr = { k: 'sub', obj: expr, index, line: tk.line };
        this.pos = close + 1;
      } else return expr;
    }
  }

  private deeper(): void {
    if (++this.depth > MAX_EXPRESSION_DEPTH) throw new ParseFailure('nested too deeply');
  }

  private closer(): number {
    const close = this.brackets.get(this.pos);
    if (close === undefined || close >= this.end) throw new ParseFailure('unbalanced');
    return close;
  }

  private call(func: PyExpr, open: number, close: number): PyExpr {
    const args: PyExpr[] = [];
    const kwargs: Array<{ name: string; value: PyExpr }> = [];
    const line = this.tokens[open].line;
    if (this.hasComprehension(open + 1, close))
      return { k: 'call', func, args: [this.unknown(open + 1, close)], kwargs, line };
    for (const [a, b] of splitAtDepth0(this.tokens, open + 1, close, ',')) {
      if (a >= b) continue;
      const first = this.tokens[a];
      const second = this.tokens[a + 1];
      if (first.t === 'name' && second && second.t === 'op' && second.v === '=') {
        kwargs.push({ name: first.v, value: this.parseRange(a + 2, b) });
      } else if (first.t === 'op' && first.v === '**') {
        kwargs.push({ name: '**', value: this.parseRange(a + 1, b) });
      } else if (first.t === 'op' && first.v === '*') {
        args.push(this.unknown(a, b));
      } else {
        args.push(this.parseRange(a, b));
      }
    }
    return { k: 'call', func, args, kwargs, line };
  }

  private hasComprehension(start: number, end: number): boolean {
    let depth = 0;
    for (let i = start; i < end; i++) {
      const tk = this.tokens[i];
      if (tk.t === 'op' && OPENERS.includes(tk.v)) depth++;
      else if (tk.t === 'op' && CLOSERS.includes(tk.v)) depth--;
      else if (depth === 0 && tk.t === 'name' && tk.v === 'for') return true;
    }
    return false;
  }

  private atom(): PyExpr {
    const tk = this.peek();
    if (!tk) throw new ParseFailure('atom expected');
    if (tk.t === 'name') {
      this.pos++;
      if (tk.v === 'None' || tk.v === 'True' || tk.v === 'False') return { k: 'const', value: tk.v, line: tk.line };
      if (KEYWORDS.has(tk.v)) throw new ParseFailure(`keyword ${tk.v}`);
      return { k: 'name', id: tk.v, line: tk.line };
    }
    if (tk.t === 'num') {
      this.pos++;
      return { k: 'num', value: tk.v, line: tk.line };
    }
    if (tk.t === 'str') return this.strings();
    if (tk.v === '...') {
      this.pos++;
      return { k: 'const', value: 'Ellipsis', line: tk.line };
    }
    if (tk.v === '(' || tk.v === '[' || tk.v === '{') {
      const open = this.pos;
      const close = this.closer();
      this.pos = close + 1;
      const line = tk.line;
      if (this.hasComprehension(open + 1, close)) return this.unknown(open, close + 1);
      const parts = splitAtDepth0(this.tokens, open + 1, close, ',');
      const nonEmpty = parts.filter(([a, b]) => a < b);
      if (tk.v === '(') {
        if (parts.length === 1 && nonEmpty.length === 1) return this.parseRange(open + 1, close);
        return { k: 'seq', kind: 'tuple', items: nonEmpty.map(([a, b]) => this.parseRange(a, b)), line };
      }
      if (tk.v === '[') return { k: 'seq', kind: 'list', items: nonEmpty.map(([a, b]) => this.parseRange(a, b)), line };
      if (nonEmpty.length === 0) return { k: 'dict', entries: [], line };
      const isDict = nonEmpty.some(([a, b]) => findAtDepth0(this.tokens, a, b, ':') >= 0 || this.tokens[a].v === '**');
      if (!isDict) return { k: 'seq', kind: 'set', items: nonEmpty.map(([a, b]) => this.parseRange(a, b)), line };
      const entries = nonEmpty.map(([a, b]) => {
        if (this.tokens[a].t === 'op' && this.tokens[a].v === '**')
          return { key: undefined, value: this.parseRange(a + 1, b) };
        const colon = findAtDepth0(this.tokens, a, b, ':');
        if (colon < 0) return { key: undefined, value: this.unknown(a, b) };
        return { key: this.parseRange(a, colon), value: this.parseRange(colon + 1, b) };
      });
      return { k: 'dict', entries, line };
    }
    throw new ParseFailure(`unexpected '${tk.v}'`);
  }

  /** Adjacent string literals concatenate; f-strings become parts. */
  private strings(): PyExpr {
    const line = this.peek()!.line;
    const parts: Array<string | PyExpr> = [];
    let formatted = false;
    while (this.peek()?.t === 'str') {
      const tk = this.peek() as PyToken & { t: 'str' };
      this.pos++;
      if (tk.prefix.includes('b')) throw new ParseFailure('bytes');
      if (tk.prefix.includes('f')) {
        formatted = true;
        parts.push(...fStringParts(tk.raw, tk.prefix.includes('r'), tk.line));
      } else parts.push(tk.v);
    }
    if (!formatted) return { k: 'str', value: parts.join(''), line };
    const merged: Array<string | PyExpr> = [];
    for (const part of parts) {
      if (typeof part === 'string' && typeof merged[merged.length - 1] === 'string') merged[merged.length - 1] += part;
      else merged.push(part);
    }
    return { k: 'fstr', parts: merged, line };
  }
}

/** The literal text and `{expression}` parts of an f-string body (format specs and conversions dropped). */
function fStringParts(raw: string, isRaw: boolean, line: number): Array<string | PyExpr> {
  const parts: Array<string | PyExpr> = [];
  let literal = '';
  const flush = (): void => {
    if (literal) parts.push(isRaw ? literal : decodeEscapes(literal));
    literal = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if ((ch === '{' || ch === '}') && raw[i + 1] === ch) {
      literal += ch;
      i++;
      continue;
    }
    const namedEscape = !isRaw && ch === '\\' && raw[i + 1] === 'N' && raw[i + 2] === '{' ? raw.indexOf('}', i) : -1;
    if (namedEscape >= 0) {
      literal += raw.slice(i, namedEscape + 1);
      i = namedEscape;
      continue;
    }
    if (ch !== '{') {
      literal += ch;
      continue;
    }
    // The closing brace of the replacement field, past nested brackets and strings.
    let depth = 0;
    let j = i + 1;
    let quote = '';
    let exprEnd = -1;
    for (; j < raw.length; j++) {
      const c = raw[j];
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '(' || c === '[' || c === '{') depth++;
      else if ((c === ')' || c === ']') && depth > 0) depth--;
      else if (c === '}') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && exprEnd < 0 && (c === ':' || (c === '!' && raw[j + 1] !== '='))) exprEnd = j;
    }
    flush();
    const body = raw.slice(i + 1, exprEnd < 0 ? j : exprEnd).replace(/=\s*$/, '');
    const source = tokenizePython(body);
    const tokens = source.lines.flatMap((l) => l.tokens).map((tk) => ({ ...tk, line }));
    parts.push(source.error || !tokens.length ? { k: 'unknown', text: body, line } : parseExpression(tokens));
    i = j;
  }
  flush();
  return parts;
}
