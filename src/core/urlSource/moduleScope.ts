// One module as the env.py analyzer sees it: its scopes (module, functions, classes), what each name is
// bound to and where (assignments, imports, defs, parameters), and the return statements of its functions.
import * as path from 'node:path';
import {
  findAtDepth0,
  matchBrackets,
  type PyExpr,
  type PyLine,
  type PyToken,
  parseExpression,
  readImport as readImportStmts,
  splitAtDepth0,
  tokenizePython,
  walkStatements,
} from '../python';

export interface Binding {
  kind: 'assign' | 'import' | 'def' | 'class' | 'param' | 'other';
  line: number;
  expr?: PyExpr;
  /** `x: int` with no value */
  annotationOnly?: boolean;
  /** inside if/for/while/with/try: may not run */
  conditional: boolean;
  /** inside an `except` block: a fallback, ignored when another binding exists */
  inExcept: boolean;
  /** set by the lookup: the name is bound in several branches */
  branchy?: boolean;
  importRef?: ImportRef;
  fn?: FunctionDef;
  cls?: ClassDef;
}

export interface ImportRef {
  module: string;
  level: number;
  /** `from module import name`; absent for `import module [as x]`. */
  name?: string;
}

export interface SubscriptAssign {
  target: string;
  key: PyExpr;
  value: PyExpr;
  line: number;
}

export interface Scope {
  kind: 'module' | 'function' | 'class';
  parent?: Scope;
  bindings: Map<string, Binding[]>;
  subscripts: SubscriptAssign[];
}

export interface FunctionDef {
  name: string;
  line: number;
  scope: Scope;
  returns: Array<{ expr: PyExpr; line: number }>;
  decorators: PyExpr[];
}

export interface ClassDef {
  name: string;
  line: number;
  scope: Scope;
  bases: PyExpr[];
  keywords: Array<{ name: string; value: PyExpr }>;
  decorators: PyExpr[];
}

export interface ModuleIndex {
  file: string;
  /** Where Python would stop with a SyntaxError: the code after it is not read. */
  syntaxError?: { message: string; line: number };
  /** Dotted package of the module, for relative imports ('' for env.py). */
  packageDir: string;
  depth: number;
  scope: Scope;
  /** `from x import *` at module level, in order: the names they bring in are looked up there. */
  starImports: ImportRef[];
  lines: Array<{ line: PyLine; scope: Scope }>;
}

interface Block {
  indent: number;
  scope: Scope;
  conditional: boolean;
  inExcept: boolean;
}

export function indexModule(text: string, file: string, depth: number): ModuleIndex {
  const source = tokenizePython(text);
  const moduleScope: Scope = { kind: 'module', bindings: new Map(), subscripts: [] };
  const mod: ModuleIndex = {
    file,
    packageDir: path.dirname(file),
    depth,
    scope: moduleScope,
    starImports: [],
    lines: [],
    syntaxError: source.error,
  };
  // The module's block never closes: statements are at indent 0 or deeper.
  const stack: Block[] = [{ indent: -1, scope: moduleScope, conditional: false, inExcept: false }];
  const functions = new Map<Scope, FunctionDef>();
  let decorators: PyExpr[] = [];

  const bind = (name: string, binding: Omit<Binding, 'conditional' | 'inExcept'>): void => {
    const block = stack[stack.length - 1];
    const list = block.scope.bindings.get(name) ?? [];
    list.push({ ...binding, conditional: block.conditional, inExcept: block.inExcept });
    block.scope.bindings.set(name, list);
  };
  const scope = (): Scope => stack[stack.length - 1].scope;

  walkStatements<Block>(source.lines, stack, {
    statementStart(tokens, indent, line) {
      mod.lines.push({ line: { indent, line, tokens }, scope: scope() });
    },
    decorator(expr) {
      decorators.push(expr);
    },
    def(tokens, nameAt, indent, lineNo) {
      const outer = scope();
      const fnScope: Scope = {
        kind: 'function',
        parent: outer.kind === 'class' ? nearestNonClass(outer) : outer,
        bindings: new Map(),
        subscripts: [],
      };
      const fn: FunctionDef = { name: tokens[nameAt]?.v ?? '?', line: lineNo, scope: fnScope, returns: [], decorators };
      decorators = [];
      bind(fn.name, { kind: 'def', line: lineNo, fn });
      functions.set(fnScope, fn);
      // Parameters are local names whose values are unknown.
      const open = nameAt + 1;
      if (tokens[open]?.v === '(') {
        const brackets = matchBrackets(tokens);
        const close = brackets.get(open) ?? tokens.length;
        for (const [a] of splitAtDepth0(tokens, open + 1, close, ',')) {
          const p = tokens[a]?.t === 'op' && (tokens[a].v === '*' || tokens[a].v === '**') ? tokens[a + 1] : tokens[a];
          if (p?.t === 'name')
            fnScope.bindings.set(p.v, [{ kind: 'param', line: lineNo, conditional: false, inExcept: false }]);
        }
      }
      return { indent, scope: fnScope, conditional: false, inExcept: false };
    },
    class(tokens, indent, lineNo) {
      const clsScope: Scope = { kind: 'class', parent: scope(), bindings: new Map(), subscripts: [] };
      const cls: ClassDef = {
        name: tokens[1]?.v ?? '?',
        line: lineNo,
        scope: clsScope,
        bases: [],
        keywords: [],
        decorators,
      };
      decorators = [];
      if (tokens[2]?.v === '(') {
        const brackets = matchBrackets(tokens);
        const close = brackets.get(2);
        if (close !== undefined) {
          const call = parseExpression([{ t: 'name', v: cls.name, line: lineNo }, ...tokens.slice(2, close + 1)]);
          if (call.k === 'call') {
            cls.bases = call.args;
            cls.keywords = call.kwargs;
          }
        }
      }
      bind(cls.name, { kind: 'class', line: lineNo, cls });
      return { indent, scope: clsScope, conditional: false, inExcept: false };
    },
    compound(keyword, _tokens, _colon, indent) {
      const block = stack[stack.length - 1];
      return { indent, scope: block.scope, conditional: true, inExcept: block.inExcept || keyword === 'except' };
    },
    simple(tokens, lineNo) {
      const first = tokens[0];
      if (first.t === 'name' && (first.v === 'import' || first.v === 'from')) {
        const { names, stars } = readImport(tokens);
        for (const [name, ref] of names) bind(name, { kind: 'import', line: lineNo, importRef: ref });
        // Python allows `import *` only at module level.
        if (scope() === moduleScope) mod.starImports.push(...stars);
        return;
      }
      if (first.t === 'name' && first.v === 'return') {
        const fn = functions.get(scope());
        if (fn && tokens.length > 1) fn.returns.push({ expr: parseExpression(tokens, 1), line: lineNo });
        return;
      }
      for (const [a, b] of splitAtDepth0(tokens, 0, tokens.length, ';')) {
        if (a < b) readStatement(tokens.slice(a, b), scope(), bind, lineNo);
      }
    },
  });
  return mod;
}

function nearestNonClass(scope: Scope): Scope {
  let s: Scope | undefined = scope;
  while (s && s.kind === 'class') s = s.parent;
  return s ?? scope;
}

function readStatement(
  tokens: PyToken[],
  scope: Scope,
  bind: (name: string, binding: Omit<Binding, 'conditional' | 'inExcept'>) => void,
  lineNo: number,
): void {
  const eqs = splitAtDepth0(tokens, 0, tokens.length, '=');
  const first = tokens[0];
  if (eqs.length === 1) {
    // `name: T` declares a field (pydantic) without a value; `x += 1` rebinds to something computed.
    if (first.t === 'name' && tokens[1]?.t === 'op' && tokens[1].v === ':')
      bind(first.v, { kind: 'assign', line: lineNo, annotationOnly: true });
    else if (first.t === 'name' && tokens[1]?.t === 'op' && /^[-+*/%&|^@]=|^(\/\/|\*\*|<<|>>)=$/.test(tokens[1].v))
      bind(first.v, { kind: 'other', line: lineNo });
    return;
  }
  const [va, vb] = eqs[eqs.length - 1];
  const value = parseExpression(tokens, va, vb);
  for (const [a, b] of eqs.slice(0, -1)) {
    if (a >= b) continue;
    const target = tokens.slice(a, b);
    const colon = findAtDepth0(target, 0, target.length, ':');
    const t = colon >= 0 ? target.slice(0, colon) : target;
    if (t.length === 1 && t[0].t === 'name') {
      bind(t[0].v, { kind: 'assign', line: lineNo, expr: value });
    } else if (t.length >= 4 && t[0].t === 'name' && t[1].v === '[' && t[t.length - 1].v === ']') {
      scope.subscripts.push({ target: t[0].v, key: parseExpression(t, 2, t.length - 1), value, line: lineNo });
    } else {
      // Tuple targets and the like: the names are rebound to something this reader does not follow.
      for (const tk of t)
        if (tk.t === 'name' && !(t[0].t === 'name' && t[1]?.v === '.')) bind(tk.v, { kind: 'other', line: lineNo });
    }
  }
}

/** The names an import binds and what each refers to, and the modules it imports `*` from. */
function readImport(tokens: PyToken[]): { names: Array<[string, ImportRef]>; stars: ImportRef[] } {
  const names: Array<[string, ImportRef]> = [];
  const stars: ImportRef[] = [];
  for (const stmt of readImportStmts(tokens, 0, false, false)) {
    if (stmt.kind === 'import') {
      const top = stmt.module.split('.')[0];
      names.push(stmt.alias ? [stmt.alias, { module: stmt.module, level: 0 }] : [top, { module: top, level: 0 }]);
    } else {
      for (const { name, alias } of stmt.names)
        if (name === '*') stars.push({ module: stmt.module, level: stmt.level });
        else names.push([alias ?? name, { module: stmt.module, level: stmt.level, name }]);
    }
  }
  return { names, stars };
}
