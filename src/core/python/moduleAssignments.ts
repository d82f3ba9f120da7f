// The module reader's statements (module.ts): a logical line split at `;`, and the assignments to the
// watched names with their values, as far as literals go (strings, None, tuples, lists, sets).
import { CLOSERS, isAugmentedAssignment, OPENERS } from './lexing';
import type { PyAssignment, PyValue } from './module';

export type ModuleToken =
  | { t: 'name'; v: string; line: number }
  | { t: 'str'; v: string; line: number; bytes: boolean; formatted: boolean; fStringPrefix: boolean }
  | { t: 'num'; v: string; line: number }
  | { t: 'op'; v: string; line: number };
type Token = ModuleToken;

export function splitStatements(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const tk of tokens) {
    if (tk.t === 'op') {
      if (OPENERS.includes(tk.v)) depth++;
      else if (CLOSERS.includes(tk.v)) depth--;
      else if (tk.v === ';' && depth === 0) {
        out.push([]);
        continue;
      }
    }
    out[out.length - 1].push(tk);
  }
  return out;
}

/**
 * Handles `a = v`, `a = b = v`, `a: T = v`, `a, b = v, w` and `(a := v)`; records the watched targets.
 */
export function readAssignment(
  statement: Token[],
  watched: ReadonlySet<string>,
  topLevel: boolean,
  into: PyAssignment[],
): void {
  const first = statement[0];
  if (first.t === 'op' && first.v === '(') {
    readNamedExpression(statement, watched, topLevel, into);
    return;
  }
  if (first.t === 'name' && statement[1]?.v === ',') {
    readUnpacking(statement, watched, topLevel, into);
    return;
  }
  if (first.t !== 'name' || !watched.has(first.v)) return;
  const second = statement[1];
  if (second?.t !== 'op') return;
  const line = first.line;
  if (second.v === ':') {
    const eq = indexAtDepth0(statement, '=', 2);
    if (eq < 0) return; // a bare annotation declares, it does not assign
    into.push({ name: first.v, value: evaluate(statement.slice(eq + 1)), line, topLevel });
    return;
  }
  if (second.v !== '=') {
    if (isAugmentedAssignment(second.v)) {
      into.push({
        name: first.v,
        value: computed(statement.slice(2), `augmented assignment '${second.v}'`),
        line,
        topLevel,
      });
    } else if (mayBeChanged(first.v, into)) {
      // `depends_on.append(...)`, `depends_on[0] = ...`: the list Alembic reads is no longer the one assigned.
      if (second.v === '.' && statement[2]?.t === 'name' && statement[3]?.v === '(')
        into.push({ name: first.v, value: computed([], `changed by .${statement[2].v}()`), line, topLevel });
      else if (second.v === '[' && indexAtDepth0(statement, '=', 1) > 0)
        into.push({ name: first.v, value: computed([], 'an item assigned'), line, topLevel });
    }
    return;
  }
  // Chained assignment: every part but the last is a target.
  let last = 1;
  for (let eq = 1; eq >= 0; eq = indexAtDepth0(statement, '=', eq + 1)) last = eq;
  const value = evaluate(statement.slice(last + 1));
  for (let start = 0, eq = 1; eq >= 0; start = eq + 1, eq = indexAtDepth0(statement, '=', eq + 1)) {
    const target = statement[start];
    if (eq - start === 1 && target.t === 'name' && watched.has(target.v)) {
      into.push({ name: target.v, value, line, topLevel });
    }
  }
}

/** `revision, down_revision = 'b1', 'a0'`: each watched name its item, or computed when the value is no literal of that length. */
function readUnpacking(
  statement: Token[],
  watched: ReadonlySet<string>,
  topLevel: boolean,
  into: PyAssignment[],
): void {
  const eq = indexAtDepth0(statement, '=', 1);
  if (eq < 0) return;
  const targets: Token[][] = [[]];
  for (const tk of statement.slice(0, eq)) {
    if (tk.t === 'op' && tk.v === ',') targets.push([]);
    else targets[targets.length - 1].push(tk);
  }
  if (targets[targets.length - 1].length === 0) targets.pop();
  const value = evaluate(statement.slice(eq + 1));
  const items = value.kind === 'seq' && !value.set && value.items.length === targets.length ? value.items : undefined;
  targets.forEach((target, i) => {
    const [name] = target;
    if (target.length !== 1 || name.t !== 'name' || !watched.has(name.v)) return;
    into.push({ name: name.v, value: items?.[i] ?? computed(statement.slice(eq + 1)), line: name.line, topLevel });
  });
}

/** `(revision := 'b1')` at module level binds the name too. */
function readNamedExpression(
  statement: Token[],
  watched: ReadonlySet<string>,
  topLevel: boolean,
  into: PyAssignment[],
): void {
  const [, name, walrus] = statement;
  if (name?.t !== 'name' || !watched.has(name.v) || walrus?.v !== ':=') return;
  // The whole statement is the parenthesized expression, or its value is what else the line computes.
  const whole = statement[statement.length - 1].v === ')' && indexAtDepth0(statement, ',', 3) < 0;
  const value = whole ? evaluate(statement.slice(3, -1)) : computed(statement.slice(3));
  into.push({ name: name.v, value, line: name.line, topLevel });
}

/** The value last assigned to `name` is a list or set (a string or None cannot change in place). */
function mayBeChanged(name: string, assignments: readonly PyAssignment[]): boolean {
  for (let i = assignments.length - 1; i >= 0; i--)
    if (assignments[i].name === name) return assignments[i].value.kind === 'seq';
  return false;
}

function indexAtDepth0(tokens: Token[], op: string, from: number): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const tk = tokens[i];
    if (tk.t !== 'op') continue;
    if (OPENERS.includes(tk.v)) depth++;
    else if (CLOSERS.includes(tk.v)) depth--;
    else if (tk.v === op && depth === 0) return i;
  }
  return -1;
}

function computed(tokens: Token[], why?: string): PyValue {
  const text =
    why ??
    tokens
      .map((tk) => (tk.t === 'str' ? JSON.stringify(tk.v) : tk.v))
      .join(' ')
      .slice(0, 80);
  return { kind: 'computed', text };
}

/** Evaluates a literal expression: None, strings (implicit concatenation), tuples, lists, sets. */
function evaluate(tokens: Token[]): PyValue {
  const state = { i: 0 };
  const value = parseExpression(tokens, state, true);
  if (!value || state.i !== tokens.length) return computed(tokens);
  return value;
}

function parseExpression(tokens: Token[], state: { i: number }, allowBareTuple: boolean): PyValue | undefined {
  // Most values are one atom: the list of items is made only at the first comma.
  let items: PyValue[] | undefined;
  let first: PyValue | undefined;
  for (;;) {
    const atom = parseAtom(tokens, state);
    if (!atom) return undefined;
    if (items) items.push(atom);
    else first = atom;
    const next = tokens[state.i];
    if (allowBareTuple && next && next.t === 'op' && next.v === ',') {
      items ??= [atom];
      state.i++;
      if (state.i >= tokens.length) break;
      continue;
    }
    break;
  }
  return items ? { kind: 'seq', items } : first;
}

function parseAtom(tokens: Token[], state: { i: number }): PyValue | undefined {
  const tk = tokens[state.i];
  if (!tk) return undefined;
  if (tk.t === 'name' && tk.v === 'None') {
    state.i++;
    return { kind: 'none' };
  }
  if (tk.t === 'str') {
    let value = '';
    while (tokens[state.i] && tokens[state.i].t === 'str') {
      const s = tokens[state.i] as Token & { t: 'str' };
      if (s.bytes || s.formatted) return undefined;
      value += s.v;
      state.i++;
    }
    return { kind: 'str', value };
  }
  if (tk.t === 'op' && (tk.v === '(' || tk.v === '[' || tk.v === '{')) {
    const close = tk.v === '(' ? ')' : tk.v === '[' ? ']' : '}';
    state.i++;
    const items: PyValue[] = [];
    let sawComma = false;
    while (tokens[state.i] && !(tokens[state.i].t === 'op' && tokens[state.i].v === close)) {
      const item = parseAtom(tokens, state);
      if (!item) return undefined;
      items.push(item);
      const sep = tokens[state.i];
      if (sep && sep.t === 'op' && sep.v === ',') {
        sawComma = true;
        state.i++;
      } else break;
    }
    const end = tokens[state.i];
    if (end?.t !== 'op' || end.v !== close) return undefined;
    state.i++;
    // `(x)` is just x; `(x,)` and `[x]` are sequences; `{}` would be a dict, not a sequence.
    if (tk.v === '(' && !sawComma && items.length === 1) return items[0];
    if (tk.v === '{' && items.length === 0) return undefined;
    return tk.v === '{' ? { kind: 'seq', items, set: true } : { kind: 'seq', items };
  }
  return undefined;
}
