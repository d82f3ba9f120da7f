// The statement walk shared by the readers built on syntax.ts (model discovery, env.py's URL):
// logical lines grouped into blocks by indentation, decorators, `def` / `async def` / `class`
// headers, compound statements and their inline bodies (`if x: y`). What a block means, and what
// to record of each statement, is the caller's.
import { type PyExpr, parseExpression } from './expressions';
import { findAtDepth0, type PyLine, type PyToken } from './syntax';

export interface BlockVisitor<B extends { indent: number }> {
  /**
   * Every statement, after the blocks it ends are closed; an inline body comes one indent deeper. `whole`: the
   * logical line whose tokens these are, all of them (not for an inline body).
   */
  statementStart?(tokens: PyToken[], indent: number, line: number, whole?: PyLine): void;
  /** `@expr` */
  decorator(expr: PyExpr): void;
  /** `def` / `async def`, its name at `tokens[nameAt]`: returns the block of its body. */
  def(tokens: PyToken[], nameAt: number, indent: number, line: number): B;
  /** `class`: returns the block of its body. */
  class(tokens: PyToken[], indent: number, line: number): B;
  /** `if`, `for`, `try`, `with`, `match`...; `colon` ends the header (-1: missing). Returns the block of its body. */
  compound(keyword: string, tokens: PyToken[], colon: number, indent: number, line: number): B;
  /** Any other statement (a whole logical line, `;` included). */
  simple(tokens: PyToken[], line: number): void;
}

// Python allows no compound statement in an inline body (`if a: if b: c`); the walk follows a few
// levels of such invalid code, and never without bound.
const MAX_INLINE_BODIES = 20;

const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'with', 'match', 'case']);

/**
 * Walks `lines`, keeping `stack` to the blocks that enclose each statement (innermost last) when
 * the visitor is called; the visitor's blocks are pushed after its call returns.
 */
export function walkStatements<B extends { indent: number }>(
  lines: readonly PyLine[],
  stack: B[],
  visitor: BlockVisitor<B>,
): void {
  const handle = (tokens: PyToken[], indent: number, line: number, inline = 0, whole?: PyLine): void => {
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    visitor.statementStart?.(tokens, indent, line, whole);
    const first = tokens[0];
    const colonAfter = (from: number): number => findAtDepth0(tokens, from, tokens.length, ':');
    const body = (colon: number, block: B): void => {
      stack.push(block);
      if (colon >= 0 && colon + 1 < tokens.length && inline < MAX_INLINE_BODIES) {
        handle(tokens.slice(colon + 1), indent + 1, tokens[colon + 1].line, inline + 1);
      }
    };

    if (first.t === 'op' && first.v === '@') {
      visitor.decorator(parseExpression(tokens, 1));
      return;
    }
    const isAsync = first.t === 'name' && first.v === 'async';
    const head = isAsync ? tokens[1] : first;
    const keyword = head?.t === 'name' ? head.v : '';
    if (keyword === 'def') {
      const nameAt = isAsync ? 2 : 1;
      body(colonAfter(nameAt + 1), visitor.def(tokens, nameAt, indent, line));
    } else if (keyword === 'class' && !isAsync) {
      body(colonAfter(2), visitor.class(tokens, indent, line));
    } else if (COMPOUND.has(keyword) && !((keyword === 'match' || keyword === 'case') && isSoftKeywordUse(tokens))) {
      const colon = colonAfter(isAsync ? 2 : 1);
      body(colon, visitor.compound(keyword, tokens, colon, indent, line));
    } else {
      visitor.simple(tokens, line);
    }
  };

  for (const line of lines) handle(line.tokens, line.indent, line.line, 0, line);
}

/** `match` and `case` are soft keywords: `match = x` is an assignment. */
function isSoftKeywordUse(tokens: PyToken[]): boolean {
  const second = tokens[1];
  return !!second && second.t === 'op' && second.v !== '(' && second.v !== '[' && second.v !== '{' && second.v !== '-';
}
