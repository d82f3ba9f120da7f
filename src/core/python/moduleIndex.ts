// The shape of a Python module as model discovery needs it: imports (and whether they run at import
// time), module-level classes with their bases, keywords, decorators and body statements, and
// module-level assignments. Built on syntax.ts's tokenizer, so text inside strings and comments
// never counts, and the bodies of functions are never read as module code.
import { type PyExpr, parseExpression } from './expressions';
import { isAugmentedAssignment, isTypeCheckingTest } from './lexing';
import { walkStatements } from './statements';
import { matchBrackets, type PyToken, splitAtDepth0, tokenizePython } from './syntax';

export interface ImportStmt {
  line: number;
  kind: 'import' | 'from';
  /** Dotted module, without the leading dots of a relative import. */
  module: string;
  /** Leading dots of `from ..x import y`. */
  level: number;
  /** `from m import a as b, *`: the imported names; `import a.b as c`: none. */
  names: Array<{ name: string; alias?: string }>;
  /** `import a.b as c`: c. */
  alias?: string;
  /** In a function body: runs only when the function is called. */
  inFunction: boolean;
  /** Under `if TYPE_CHECKING:`: never runs. */
  typeChecking: boolean;
}

export interface Statement {
  line: number;
  tokens: PyToken[];
}

export interface MethodDef {
  name: string;
  line: number;
  decorators: PyExpr[];
  /** The expressions of its `return` statements. */
  returns: PyExpr[];
}

export interface ClassDef {
  name: string;
  line: number;
  bases: PyExpr[];
  keywords: Array<{ name: string; value: PyExpr }>;
  decorators: PyExpr[];
  /**
   * Statements directly in the class body (also inside if/try blocks there, but not under `if TYPE_CHECKING:`),
   * not in methods or nested classes.
   */
  body: Statement[];
  methods: MethodDef[];
}

export interface Assignment {
  target: string;
  annotation?: PyExpr;
  /** Undefined for a bare annotation (`x: int`). */
  value?: PyExpr;
  line: number;
}

export type ModuleBinding =
  | { kind: 'import'; line: number; stmt: ImportStmt; name?: string }
  | { kind: 'class'; line: number; cls: ClassDef }
  | { kind: 'assign'; line: number; value: PyExpr }
  | { kind: 'def'; line: number }
  | { kind: 'other'; line: number };

export interface ModuleIndex {
  imports: ImportStmt[];
  /** Classes defined at module level (possibly inside if/try blocks), in source order. */
  classes: ClassDef[];
  /** Module-level assignments, in source order. */
  assignments: Assignment[];
  /** The last module-level binding of each name. */
  bindings: Map<string, ModuleBinding>;
  /**
   * Names a module-level statement changes after their assignment: `rebound` (`x += ...`: whatever the value)
   * or `in place` (`x.append(...)`, `x[0] = ...`, `del x[0]`: a list or set). Their value is no longer the one assigned.
   */
  mutations: Map<string, 'rebound' | 'in place'>;
  /** `importlib.import_module`, `__import__` or `pkgutil` package walks: imports nobody can list statically. */
  dynamicImports: boolean;
  /** The tokenizer's first error; what comes before it is indexed. */
  error?: { message: string; line: number };
}

interface Block {
  indent: number;
  kind: 'def' | 'class' | 'block';
  cls?: ClassDef;
  method?: MethodDef;
  typeChecking?: boolean;
  /** A class nested in another class or in a function: its body belongs to nobody we track. */
  ignored?: boolean;
}

const DYNAMIC_IMPORT = new Set([
  'import_module',
  '__import__',
  'walk_packages',
  'iter_modules',
  'load_module',
  'exec_module',
]);

/** Indexes `text`; never throws. */
export function indexPythonModule(text: string): ModuleIndex {
  const source = tokenizePython(text);
  const index: ModuleIndex = {
    imports: [],
    classes: [],
    assignments: [],
    bindings: new Map(),
    mutations: new Map(),
    dynamicImports: false,
    error: source.error,
  };
  const stack: Block[] = [];
  let decorators: PyExpr[] = [];

  const owner = (): Block | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].kind !== 'block') return stack[i];
    return undefined;
  };
  const inFunction = (): boolean => stack.some((b) => b.kind === 'def');
  const inIgnoredClass = (): boolean => stack.some((b) => b.ignored);
  const typeChecking = (): boolean => stack.some((b) => b.typeChecking);
  const bind = (name: string, binding: ModuleBinding): void => {
    if (!owner()) index.bindings.set(name, binding);
  };

  walkStatements<Block>(source.lines, stack, {
    statementStart(tokens) {
      if (!index.dynamicImports && tokens.some((tk) => tk.t === 'name' && DYNAMIC_IMPORT.has(tk.v)))
        index.dynamicImports = true;
    },
    decorator(expr) {
      decorators.push(expr);
    },
    def(tokens, nameAt, indent, line) {
      const nameTk = tokens[nameAt];
      const parent = owner();
      const block: Block = { indent, kind: 'def' };
      if (parent?.kind === 'class' && parent.cls && !parent.ignored) {
        block.method = { name: nameTk?.v ?? '?', line, decorators, returns: [] };
        parent.cls.methods.push(block.method);
      } else if (!parent && nameTk) {
        bind(nameTk.v, { kind: 'def', line });
      }
      decorators = [];
      return block;
    },
    class(tokens, indent, line) {
      const cls = readClassHeader(tokens, line, decorators);
      decorators = [];
      const ignored = !!owner() || inIgnoredClass();
      if (!ignored) {
        index.classes.push(cls);
        bind(cls.name, { kind: 'class', line, cls });
      }
      return { indent, kind: 'class', cls, ignored };
    },
    compound(keyword, tokens, colon, indent) {
      decorators = [];
      const header = tokens.slice(1, colon < 0 ? tokens.length : colon);
      const isTypeChecking = keyword === 'if' && isTypeCheckingTest(header);
      return { indent, kind: 'block', typeChecking: isTypeChecking };
    },
    simple(tokens, line) {
      decorators = [];
      const first = tokens[0];
      if (first.t === 'name' && (first.v === 'import' || first.v === 'from')) {
        for (const stmt of readImport(tokens, line, inFunction(), typeChecking())) {
          index.imports.push(stmt);
          if (stmt.typeChecking) continue;
          if (stmt.kind === 'import') {
            bind(stmt.alias ?? stmt.module.split('.')[0], { kind: 'import', line, stmt });
          } else {
            for (const { name, alias } of stmt.names)
              if (name !== '*') bind(alias ?? name, { kind: 'import', line, stmt, name });
          }
        }
        return;
      }
      const parent = owner();
      if (first.t === 'name' && first.v === 'return') {
        if (parent?.method && tokens.length > 1) parent.method.returns.push(parseExpression(tokens, 1));
        return;
      }
      for (const [a, b] of splitAtDepth0(tokens, 0, tokens.length, ';')) {
        if (a >= b) continue;
        const part = tokens.slice(a, b);
        if (parent?.kind === 'class' && parent.cls && !parent.ignored) {
          // Under `if TYPE_CHECKING:` a class attribute is for the type checker only: it never maps a column.
          if (!typeChecking()) parent.cls.body.push({ line: part[0].line, tokens: part });
        } else if (!parent) {
          const mutated = mutation(part);
          if (mutated && index.mutations.get(mutated.name) !== 'rebound')
            index.mutations.set(mutated.name, mutated.kind);
          for (const assignment of readAssignments(part)) {
            index.assignments.push(assignment);
            bind(
              assignment.target,
              assignment.value
                ? { kind: 'assign', line: assignment.line, value: assignment.value }
                : { kind: 'other', line: assignment.line },
            );
          }
        }
      }
    },
  });
  return index;
}

function readClassHeader(tokens: PyToken[], line: number, decorators: PyExpr[]): ClassDef {
  const name = tokens[1]?.t === 'name' ? tokens[1].v : '?';
  const cls: ClassDef = { name, line, bases: [], keywords: [], decorators, body: [], methods: [] };
  if (tokens[2]?.t === 'op' && tokens[2].v === '(') {
    const close = matchBrackets(tokens).get(2);
    if (close !== undefined) {
      // Read `Name(bases, kw=...)` as a call to reuse the call parser.
      const call = parseExpression([{ t: 'name', v: name, line }, ...tokens.slice(2, close + 1)]);
      if (call.k === 'call') {
        cls.bases = call.args;
        cls.keywords = call.kwargs;
      }
    }
  }
  return cls;
}

/** `import a.b as c, d` / `from ..m import (x as y, z)`. */
export function readImport(tokens: PyToken[], line: number, inFunction: boolean, typeChecking: boolean): ImportStmt[] {
  const names = (from: number): Array<{ dotted: string; alias?: string }> => {
    const toks = tokens.slice(from).filter((tk) => !(tk.t === 'op' && (tk.v === '(' || tk.v === ')')));
    const out: Array<{ dotted: string; alias?: string }> = [];
    for (const [a, b] of splitAtDepth0(toks, 0, toks.length, ',')) {
      const part = toks.slice(a, b).map((tk) => tk.v);
      const as = part.indexOf('as');
      const dotted = (as < 0 ? part : part.slice(0, as)).join('');
      if (dotted) out.push({ dotted, alias: as < 0 ? undefined : part[as + 1] });
    }
    return out;
  };
  if (tokens[0].v === 'import') {
    return names(1).map(({ dotted, alias }) => ({
      line,
      kind: 'import',
      module: dotted,
      level: 0,
      names: [],
      alias,
      inFunction,
      typeChecking,
    }));
  }
  let i = 1;
  let level = 0;
  while (tokens[i]?.t === 'op' && (tokens[i].v === '.' || tokens[i].v === '...')) {
    level += tokens[i].v.length;
    i++;
  }
  let module = '';
  while (i < tokens.length && !(tokens[i].t === 'name' && tokens[i].v === 'import')) module += tokens[i++].v;
  const imported = names(i + 1).map(({ dotted, alias }) => ({ name: dotted, alias }));
  return [{ line, kind: 'from', module, level, names: imported, inFunction, typeChecking }];
}

/** `a = b = v`, `a: T = v`, `a: T`; only simple names as targets. */
export function readAssignments(tokens: PyToken[]): Assignment[] {
  const parts = splitAtDepth0(tokens, 0, tokens.length, '=');
  const first = tokens[0];
  if (parts.length === 1) {
    if (first?.t === 'name' && tokens[1]?.t === 'op' && tokens[1].v === ':') {
      return [{ target: first.v, annotation: parseExpression(tokens, 2), line: first.line }];
    }
    return [];
  }
  const [va, vb] = parts[parts.length - 1];
  if (va >= vb) return [];
  const value = parseExpression(tokens, va, vb);
  const out: Assignment[] = [];
  for (const [a, b] of parts.slice(0, -1)) {
    if (a >= b || tokens[a].t !== 'name') continue;
    if (b - a === 1) out.push({ target: tokens[a].v, value, line: tokens[a].line });
    else if (tokens[a + 1].t === 'op' && tokens[a + 1].v === ':') {
      out.push({ target: tokens[a].v, annotation: parseExpression(tokens, a + 2, b), value, line: tokens[a].line });
    }
  }
  return out;
}

/**
 * The name a statement changes: rebound by `x += ...`, or changed in place by `x[...] = ...`, `del x[...]` or a
 * method called on it (`x.append(...)`, `x.update(...)`: any method may mutate).
 */
function mutation(tokens: PyToken[]): { name: string; kind: 'rebound' | 'in place' } | undefined {
  const [first, second] = tokens;
  if (first?.t === 'name' && first.v === 'del' && second?.t === 'name' && tokens[2]?.v === '[')
    return { name: second.v, kind: 'in place' };
  if (first?.t !== 'name' || second?.t !== 'op') return undefined;
  if (isAugmentedAssignment(second.v)) return { name: first.v, kind: 'rebound' };
  if (second.v === '.' && tokens[3]?.v === '(') return { name: first.v, kind: 'in place' };
  if (second.v === '[' && splitAtDepth0(tokens, 0, tokens.length, '=').length > 1)
    return { name: first.v, kind: 'in place' };
  return undefined;
}

/** `a.b.c` for a name/attribute chain, else undefined. */
export function dottedName(expr: PyExpr): string | undefined {
  if (expr.k === 'name') return expr.id;
  if (expr.k === 'attr') {
    const obj = dottedName(expr.obj);
    return obj === undefined ? undefined : `${obj}.${expr.name}`;
  }
  return undefined;
}

/** The last name of a call's callee: `sa.Column(...)` -> `Column`. */
export function calleeName(expr: PyExpr): string | undefined {
  if (expr.k !== 'call') return undefined;
  const f = expr.func;
  return f.k === 'name' ? f.id : f.k === 'attr' ? f.name : undefined;
}

/** A string literal's value. */
export function stringValue(expr: PyExpr | undefined): string | undefined {
  return expr?.k === 'str' ? expr.value : undefined;
}

export function keyword(expr: PyExpr, name: string): PyExpr | undefined {
  return expr.k === 'call' ? expr.kwargs.find((k) => k.name === name)?.value : undefined;
}

/** An expression as Python source (spacing normalized; what the parser did not understand, as read). */
export function renderExpr(expr: PyExpr): string {
  switch (expr.k) {
    case 'name':
      return expr.id;
    case 'attr':
      return `${renderOperand(expr.obj)}.${expr.name}`;
    case 'const':
      return expr.value;
    case 'str':
      return JSON.stringify(expr.value);
    case 'seq': {
      const inner = expr.items.map(renderExpr).join(', ');
      return expr.kind === 'list'
        ? `[${inner}]`
        : expr.kind === 'set'
          ? `{${inner}}`
          : `(${inner}${expr.items.length === 1 ? ',' : ''})`;
    }
    case 'num':
      return expr.value;
    case 'call':
      return `${renderOperand(expr.func)}(${[...expr.args.map(renderExpr), ...expr.kwargs.map((k) => (k.name === '**' ? `**${renderExpr(k.value)}` : `${k.name}=${renderExpr(k.value)}`))].join(', ')})`;
    case 'unary':
      return `${expr.op === 'not' ? 'not ' : expr.op}${renderExpr(expr.operand)}`;
    case 'bin':
    case 'bool':
      return `${renderExpr(expr.left)} ${expr.op} ${renderExpr(expr.right)}`;
    case 'cond':
      return `${renderExpr(expr.body)} if ${renderExpr(expr.test)} else ${renderExpr(expr.orelse)}`;
    case 'fstr': {
      const parts = expr.parts.map((p) =>
        typeof p === 'string' ? JSON.stringify(p).slice(1, -1) : `{${renderExpr(p)}}`,
      );
      return `f"${parts.join('')}"`;
    }
    case 'sub':
      return `${renderOperand(expr.obj)}[${renderExpr(expr.index)}]`;
    case 'unknown':
      return expr.text;
    default:
      return '…';
  }
}

/** An operand of `.`, `[]` or a call: an operator expression needs its parentheses back. */
function renderOperand(expr: PyExpr): string {
  const text = renderExpr(expr);
  return expr.k === 'bin' || expr.k === 'bool' || expr.k === 'cond' || expr.k === 'unary' ? `(${text})` : text;
}
