// What a condition says about offline mode (`alembic upgrade --sql`), read from its tokens: which mode
// holds when it is true, which when it is false. A test of offline mode is `context.is_offline_mode()`,
// `<context>.as_sql` (`op.get_context().as_sql`), a name assigned one (`offline = context.is_offline_mode()`)
// or a call of a function of the file that returns one (`def is_online(): return not context.is_offline_mode()`);
// `not`, `and`, `or`, parentheses and comparisons with True/False combine them. Anything else says nothing,
// so that code is only taken to run online on evidence.
import {
  CLOSERS,
  findAtDepth0,
  leadingTokens,
  matchBrackets,
  OPENERS,
  type PySource,
  type PyToken,
  splitAtDepth0,
} from '../../python';

export type Mode = 'online' | 'offline';

/** The mode a condition implies when true (`t`) and when false (`f`); either may be unknown. */
export interface Truth {
  t?: Mode;
  f?: Mode;
}

/** Names and argument-less functions of a file that stand for a test of offline mode. */
export type OfflineTests = ReadonlyMap<string, Truth>;

const KEYWORDS = new Set(['not', 'and', 'or', 'is', 'in', 'if', 'else', 'lambda', 'await', 'for']);

/**
 * The file's names assigned a test (`offline = context.is_offline_mode()`, at any level) and its
 * argument-less functions whose body is one `return <test>`. A name bound twice to different things
 * stands for nothing: the two uses cannot be told apart without scopes.
 */
export function offlineTests(source: PySource): OfflineTests {
  const names = new Map<string, Truth>();
  const conflicting = new Set<string>();
  const bind = (name: string, truth: Truth | undefined): void => {
    if (conflicting.has(name)) return;
    const known = names.get(name);
    if (!truth?.t && !truth?.f) {
      if (known) names.delete(name);
      conflicting.add(name);
    } else if (known && (known.t !== truth.t || known.f !== truth.f)) {
      names.delete(name);
      conflicting.add(name);
    } else names.set(name, truth);
  };
  const lines = source.lines;
  for (let i = 0; i < lines.length; i++) {
    // Only a def or an assignment binds a test: the first two tokens tell (a data migration has 100,000s of lines).
    const [a, b] = leadingTokens(lines[i], 2);
    const named = a?.t === 'name';
    const mayBind =
      a?.v === 'async' ||
      (named && a.v === 'def') ||
      (named && !KEYWORDS.has(a.v) && b?.t === 'op' && (b.v === '=' || b.v === ':'));
    if (!mayBind) continue;
    const tokens = lines[i].tokens;
    const head = tokens[0]?.v === 'async' ? 1 : 0;
    if (tokens[head]?.t === 'name' && tokens[head].v === 'def') {
      const name = tokens[head + 1];
      if (name?.t !== 'name') continue;
      // Only `def f():` / `def f() -> bool:`: a parameter could shadow a name of the file.
      const noParams = tokens[head + 2]?.v === '(' && tokens[head + 3]?.v === ')';
      const colon = noParams ? tokens.findIndex((tk, j) => j > head + 3 && tk.t === 'op' && tk.v === ':') : -1;
      let body: PyToken[][] = [];
      if (colon >= 0 && colon + 1 < tokens.length) body = [tokens.slice(colon + 1)];
      else if (colon >= 0)
        // Three lines are enough to know it is not a one-liner.
        for (let j = i + 1; j < lines.length && lines[j].indent > lines[i].indent && body.length < 3; j++)
          body.push(lines[j].tokens);
      // A docstring first is allowed; then exactly one `return <expr>`.
      if (body.length === 2 && body[0].every((tk) => tk.t === 'str')) body = body.slice(1);
      const ret = body.length === 1 ? body[0] : undefined;
      const truth =
        ret?.[0]?.t === 'name' && ret[0].v === 'return' && ret.length > 1
          ? truthOf(ret, 1, ret.length, names)
          : undefined;
      bind(`${name.v}()`, truth);
      continue;
    }
    // `name = <expr>` / `name: bool = <expr>`
    if (tokens[0]?.t !== 'name' || KEYWORDS.has(tokens[0].v)) continue;
    let eq = -1;
    if (tokens[1]?.t === 'op' && tokens[1].v === '=') eq = 1;
    else if (tokens[1]?.t === 'op' && tokens[1].v === ':') eq = findAtDepth0(tokens, 2, tokens.length, '=');
    if (eq < 0) continue;
    // Chained `a = b = <expr>`: only the simple form.
    if (findAtDepth0(tokens, eq + 1, tokens.length, '=') >= 0) {
      bind(tokens[0].v, undefined);
      continue;
    }
    bind(tokens[0].v, truthOf(tokens, eq + 1, tokens.length, names));
  }
  return names;
}

/** What the expression tokens[a, b) says about offline mode. */
export function truthOf(tokens: readonly PyToken[], a: number, b: number, tests: OfflineTests): Truth {
  if (a >= b || hasDepth0Name(tokens, a, b, ['if', 'lambda'])) return {};
  const ors = splitAtDepth0(tokens, a, b, 'or', 'name');
  if (ors.length > 1) {
    const parts = ors.map(([x, y]) => truthOf(tokens, x, y, tests));
    // True: one of them is, so only what all of them imply; false: all of them are.
    return { t: agreed(parts.map((p) => p.t)), f: parts.find((p) => p.f)?.f };
  }
  const ands = splitAtDepth0(tokens, a, b, 'and', 'name');
  if (ands.length > 1) {
    const parts = ands.map(([x, y]) => truthOf(tokens, x, y, tests));
    return { t: parts.find((p) => p.t)?.t, f: agreed(parts.map((p) => p.f)) };
  }
  const first = tokens[a];
  if (first.t === 'name' && first.v === 'not') {
    const inner = truthOf(tokens, a + 1, b, tests);
    return { t: inner.f, f: inner.t };
  }
  const compared = comparison(tokens, a, b, tests);
  if (compared) return compared;
  if (first.t === 'op' && first.v === '(' && matchBrackets(tokens).get(a) === b - 1)
    return truthOf(tokens, a + 1, b - 1, tests);
  const test = atom(tokens, a, b, tests);
  return test ?? {};
}

/**
 * Whether the token at `index` is evaluated only online because of the expression around it:
 * `not offline and <it>`, `offline or <it>`, `<it> if not offline else ...`, at any bracket depth.
 */
export function evaluatedOnlyOnline(tokens: readonly PyToken[], index: number, tests: OfflineTests): boolean {
  const brackets = matchBrackets(tokens);
  // The regions around `index`, outermost first: the statement, then each bracket's inside.
  const regions: Array<[number, number]> = [[0, tokens.length]];
  for (let i = 0; i < index; i++) {
    const close = brackets.get(i);
    if (OPENERS.includes(tokens[i].v) && tokens[i].t === 'op' && close !== undefined && close > index) {
      regions.push([i + 1, close]);
    }
  }
  for (const [a, b] of regions) {
    // The piece between depth-0 commas and `=` (arguments, keyword values, tuple items, assignments).
    let from = a;
    let to = b;
    let depth = 0;
    for (let i = a; i < b; i++) {
      const tk = tokens[i];
      if (tk.t !== 'op') continue;
      if (OPENERS.includes(tk.v)) depth++;
      else if (CLOSERS.includes(tk.v)) depth--;
      else if (depth === 0 && (tk.v === ',' || tk.v === '=' || tk.v === ':=' || tk.v === ':')) {
        if (i < index) from = i + 1;
        else {
          to = i;
          break;
        }
      }
    }
    if (guardsAt(tokens, from, to, index, tests)) return true;
  }
  return false;
}

/** In tokens[a, b) without brackets around `index`: a short-circuit or conditional that runs it only online. */
function guardsAt(tokens: readonly PyToken[], a: number, b: number, index: number, tests: OfflineTests): boolean {
  // Skip a statement keyword: `if`, `elif`, `while`, `return`, `assert`.
  if (tokens[a]?.t === 'name' && /^(if|elif|while|return|assert|yield)$/.test(tokens[a].v)) a++;
  const ternary = findAtDepth0(tokens, a, b, 'if', 'name');
  if (ternary >= 0) {
    const otherwise = findAtDepth0(tokens, ternary + 1, b, 'else', 'name');
    if (otherwise < 0) return false;
    const test = truthOf(tokens, ternary + 1, otherwise, tests);
    if (index < ternary) return test.t === 'online' || guardsAt(tokens, a, ternary, index, tests);
    if (index > otherwise) return test.f === 'online' || guardsAt(tokens, otherwise + 1, b, index, tests);
    return false;
  }
  const ors = splitAtDepth0(tokens, a, b, 'or', 'name');
  const inOr = ors.findIndex(([x, y]) => x <= index && index < y);
  if (inOr < 0) return false;
  // Reached only when every disjunct before is false.
  if (ors.slice(0, inOr).some(([x, y]) => truthOf(tokens, x, y, tests).f === 'online')) return true;
  const [oa, ob] = ors[inOr];
  const ands = splitAtDepth0(tokens, oa, ob, 'and', 'name');
  const inAnd = ands.findIndex(([x, y]) => x <= index && index < y);
  // Reached only when every conjunct before is true.
  return ands.slice(0, inAnd).some(([x, y]) => truthOf(tokens, x, y, tests).t === 'online');
}

/** `X == True`, `X is False`, `X != False`, `X is not True`. */
function comparison(tokens: readonly PyToken[], a: number, b: number, tests: OfflineTests): Truth | undefined {
  let depth = 0;
  for (let i = a; i < b; i++) {
    const tk = tokens[i];
    if (tk.t === 'op' && OPENERS.includes(tk.v)) depth++;
    else if (tk.t === 'op' && CLOSERS.includes(tk.v)) depth--;
    if (depth !== 0) continue;
    let width = 0;
    let negate = false;
    if (tk.t === 'op' && (tk.v === '==' || tk.v === '!=')) {
      width = 1;
      negate = tk.v === '!=';
    } else if (tk.t === 'name' && tk.v === 'is') {
      negate = tokens[i + 1]?.t === 'name' && tokens[i + 1].v === 'not';
      width = negate ? 2 : 1;
    } else continue;
    const left: [number, number] = [a, i];
    const right: [number, number] = [i + width, b];
    const constant = (x: number, y: number): boolean | undefined =>
      y - x === 1 && tokens[x].t === 'name' && (tokens[x].v === 'True' || tokens[x].v === 'False')
        ? tokens[x].v === 'True'
        : undefined;
    const onRight = constant(...right);
    const onLeft = constant(...left);
    const value = onRight ?? onLeft;
    if (value === undefined) return {};
    const [x, y] = onRight !== undefined ? left : right;
    const inner = truthOf(tokens, x, y, tests);
    return value !== negate ? inner : { t: inner.f, f: inner.t };
  }
  return undefined;
}

/** A test of offline mode itself: true exactly when offline (or a name or function of the file). */
function atom(tokens: readonly PyToken[], a: number, b: number, tests: OfflineTests): Truth | undefined {
  const last = tokens[b - 1];
  if (b - a === 1 && tokens[a].t === 'name') return tests.get(tokens[a].v);
  const helper =
    b - a === 3 && tokens[a].t === 'name' && tokens[a + 1].v === '(' && tokens[a + 2].v === ')'
      ? tests.get(`${tokens[a].v}()`)
      : undefined;
  if (helper) return helper;
  let chainEnd = -1;
  // `context.is_offline_mode()`, `is_offline_mode()`
  if (
    last.v === ')' &&
    tokens[b - 2]?.v === '(' &&
    tokens[b - 3]?.t === 'name' &&
    tokens[b - 3].v === 'is_offline_mode'
  )
    chainEnd = b - 3;
  // `context.as_sql`, `op.get_context().as_sql`
  else if (last.t === 'name' && last.v === 'as_sql' && tokens[b - 2]?.v === '.') chainEnd = b - 1;
  if (chainEnd < 0) return undefined;
  if (chainEnd > a && tokens[chainEnd - 1].v !== '.') return undefined;
  // What comes before is a plain chain of names and calls, not an expression that changes the value.
  for (let i = a; i < chainEnd; i++) {
    const tk = tokens[i];
    if (tk.t === 'name' ? KEYWORDS.has(tk.v) : tk.t !== 'op' || !['.', '(', ')'].includes(tk.v)) return undefined;
  }
  return { t: 'offline', f: 'online' };
}

function agreed(modes: Array<Mode | undefined>): Mode | undefined {
  return modes.every((m) => m && m === modes[0]) ? modes[0] : undefined;
}

function hasDepth0Name(tokens: readonly PyToken[], a: number, b: number, words: string[]): boolean {
  return words.some((w) => findAtDepth0(tokens, a, b, w, 'name') >= 0);
}
