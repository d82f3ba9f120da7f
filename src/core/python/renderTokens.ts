// Python source text rendered back from tokens, spacing normalized: how a call's arguments appear in
// messages (`op.add_column('t', sa.Column('c', sa.String()))`).
import type { PyToken } from './syntax';

/** Source text of tokens[start, end), with normalized spacing. */
export function renderTokens(tokens: readonly PyToken[], start: number, end: number): string {
  let out = '';
  let prev: PyToken | undefined;
  for (let i = start; i < end; i++) {
    const tk = tokens[i];
    const text = tk.t === 'str' ? quote(tk.prefix, tk.raw) : tk.v;
    if (prev && needsSpace(prev, tk)) out += ' ';
    out += text;
    prev = tk;
  }
  return out;
}

function quote(prefix: string, raw: string): string {
  if (raw.includes('\n')) return `${prefix}"""${raw}"""`;
  const unescapedSingle = /(^|[^\\])(\\\\)*'/.test(raw);
  return unescapedSingle ? `${prefix}"${raw}"` : `${prefix}'${raw}'`;
}

function needsSpace(prev: PyToken, next: PyToken): boolean {
  const p = prev.t === 'op' ? prev.v : '';
  const n = next.t === 'op' ? next.v : '';
  if (p === '(' || p === '[' || p === '{' || p === '.' || p === '=') return false;
  if (n === ')' || n === ']' || n === '}' || n === ',' || n === '.' || n === ':' || n === '=') return false;
  if ((n === '(' || n === '[') && (prev.t === 'name' || prev.t === 'str' || p === ')' || p === ']')) return false;
  if (p === '-' || p === '~') return false;
  return true;
}
