// Where a project's database URL comes from, found by reading env.py without running it: the ini's
// `sqlalchemy.url`, an environment variable (directly, through a settings class, or through a name
// imported from the app's own modules), a literal, or something only Python can compute. Then the
// URL itself, from an explicit setting, the environment, `.env`, the literal or the ini.
import * as path from 'node:path';
import type { AlembicConfig } from './config';
import { isPlaceholderUrl } from './databaseUrl';
import { prependSysPath } from './sysPath';
import {
  findAtDepth0,
  findModule,
  isDirectory,
  type ModuleProbe,
  matchBrackets,
  type PyExpr,
  type PyLine,
  type PyToken,
  parseCallAt,
  parseExpression,
  readImport as readImportStmts,
  readPythonFile,
  splitAtDepth0,
  tokenizePython,
  walkStatements,
} from './python';

export interface SourceLocation {
  file: string;
  line: number;
}

export type UrlOrigin =
  | { kind: 'ini' }
  | {
      kind: 'env';
      variable: string;
      /** Used when the variable is unset: a literal URL, the ini's sqlalchemy.url, or something computed. Absent: none (Alembic fails). */
      fallback?: string | 'computed' | 'ini';
      /** pydantic settings match variable names case-insensitively unless `case_sensitive=True`. */
      caseInsensitive?: boolean;
      /** `str.replace(old, new)` calls applied to the value (e.g. an async driver swapped for a sync one). */
      replace?: Array<[string, string]>;
    }
  | { kind: 'literal'; url: string }
  | { kind: 'computed'; detail: string };

export type UrlSource = UrlOrigin & {
  /** Literal `version_table=` passed to `context.configure`. */
  versionTable?: string;
  /** Literal `version_table_schema=` passed to `context.configure`. */
  versionTableSchema?: string;
  /** Where the URL is decided (the env lookup, the literal, the computation). */
  where?: SourceLocation;
};

export interface UrlSourceOptions {
  /** env.py's path: names `where`, and its folder counts for nothing else (it is not importable). */
  envPyPath: string;
  /** The folder Alembic runs in (the config's folder): a sys.path entry. */
  baseDir: string;
  /** prepend_sys_path entries, absolute, searched before baseDir. */
  sysPath?: string[];
  /** Reads a project module; default fs. */
  readFile?: (file: string) => string | undefined;
}

/** How many imports deep the reader follows from env.py into the app's modules. */
const MAX_IMPORT_DEPTH = 3;
const MAX_EVAL_DEPTH = 60;

/** The URL source of the project whose configuration is `config`; reads env.py unless given. */
export function urlSourceForConfig(
  config: AlembicConfig,
  envPyText?: string,
): UrlSource | { kind: 'no-env-py'; path?: string } {
  const envPyPath = config.scriptLocation ? path.join(config.scriptLocation, 'env.py') : undefined;
  const text = envPyText ?? (envPyPath ? readPythonFile(envPyPath) : undefined);
  if (text === undefined || !envPyPath) return { kind: 'no-env-py', path: envPyPath };
  return findUrlSource(text, { envPyPath, baseDir: config.baseDir, sysPath: prependSysPath(config) });
}

// ---------------------------------------------------------------------------------------------
// module index: scopes, bindings, imports, functions, classes

interface Binding {
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

interface ImportRef {
  module: string;
  level: number;
  /** `from module import name`; absent for `import module [as x]`. */
  name?: string;
}

interface SubscriptAssign {
  target: string;
  key: PyExpr;
  value: PyExpr;
  line: number;
}

interface Scope {
  kind: 'module' | 'function' | 'class';
  parent?: Scope;
  bindings: Map<string, Binding[]>;
  subscripts: SubscriptAssign[];
}

interface FunctionDef {
  name: string;
  line: number;
  scope: Scope;
  returns: Array<{ expr: PyExpr; line: number }>;
  decorators: PyExpr[];
}

interface ClassDef {
  name: string;
  line: number;
  scope: Scope;
  bases: PyExpr[];
  keywords: Array<{ name: string; value: PyExpr }>;
  decorators: PyExpr[];
}

interface ModuleIndex {
  file: string;
  /** Where Python would stop with a SyntaxError: the code after it is not read. */
  syntaxError?: { message: string; line: number };
  /** Dotted package of the module, for relative imports ('' for env.py). */
  packageDir: string;
  depth: number;
  scope: Scope;
  lines: Array<{ line: PyLine; scope: Scope }>;
}

interface Block {
  indent: number;
  scope: Scope;
  conditional: boolean;
  inExcept: boolean;
}

function indexModule(text: string, file: string, depth: number): ModuleIndex {
  const source = tokenizePython(text);
  const moduleScope: Scope = { kind: 'module', bindings: new Map(), subscripts: [] };
  const mod: ModuleIndex = {
    file,
    packageDir: path.dirname(file),
    depth,
    scope: moduleScope,
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
        for (const [name, ref] of readImport(tokens)) bind(name, { kind: 'import', line: lineNo, importRef: ref });
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

/** The names an import binds, and what each refers to. */
function readImport(tokens: PyToken[]): Array<[string, ImportRef]> {
  const out: Array<[string, ImportRef]> = [];
  for (const stmt of readImportStmts(tokens, 0, false, false)) {
    if (stmt.kind === 'import') {
      const top = stmt.module.split('.')[0];
      out.push(stmt.alias ? [stmt.alias, { module: stmt.module, level: 0 }] : [top, { module: top, level: 0 }]);
    } else {
      for (const { name, alias } of stmt.names)
        if (name !== '*') out.push([alias ?? name, { module: stmt.module, level: stmt.level, name }]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// evaluation

type Val =
  | { k: 'str'; v: string; where: SourceLocation }
  | { k: 'none' }
  | {
      k: 'env';
      variable: string;
      fallback?: Val;
      caseInsensitive?: boolean;
      replace: Array<[string, string]>;
      where: SourceLocation;
    }
  | { k: 'path'; v: string }
  | { k: 'configUrl'; where: SourceLocation }
  | { k: 'configSection'; main: boolean }
  | { k: 'config' }
  | { k: 'engine'; url: Val; where: SourceLocation }
  | { k: 'module'; mod: ModuleIndex }
  | { k: 'ext'; name: string }
  | { k: 'envReader'; name: string }
  | { k: 'func'; fn: FunctionDef; mod: ModuleIndex }
  | { k: 'class'; cls: ClassDef; mod: ModuleIndex }
  | { k: 'instance'; cls: ClassDef; mod: ModuleIndex; kwargs: Array<{ name: string; value: PyExpr }>; ctx: Ctx }
  | { k: 'pctEscaped'; inner: Val }
  | { k: 'computed'; detail: string; where?: SourceLocation; vars?: string[] };

interface Ctx {
  mod: ModuleIndex;
  scope: Scope;
  line: number;
}

/** Classes and functions whose call or attribute reads one environment variable. */
const ENV_FUNCTIONS = new Set([
  'os.getenv',
  'os.environ.get',
  'os.environ.setdefault',
  'decouple.config',
  'environ.get',
]);
const ENV_READER_CLASSES = new Set([
  'starlette.config.Config',
  'environs.Env',
  'decouple.AutoConfig',
  'decouple.Config',
]);
const ENGINE_FUNCTIONS = new Set([
  'sqlalchemy.create_engine',
  'sqlalchemy.engine.create_engine',
  'sqlalchemy.ext.asyncio.create_async_engine',
  'sqlmodel.create_engine',
  'sqlalchemy.ext.asyncio.engine.create_async_engine',
]);
const ENGINE_FROM_CONFIG = new Set([
  'sqlalchemy.engine_from_config',
  'sqlalchemy.engine.engine_from_config',
  'sqlalchemy.ext.asyncio.async_engine_from_config',
]);
const URL_IDENTITY = new Set([
  'sqlalchemy.engine.url.make_url',
  'sqlalchemy.engine.make_url',
  'sqlalchemy.make_url',
  'str',
  'sqlalchemy.engine.url.URL',
]);

class Analyzer {
  private readonly modules = new Map<string, ModuleIndex | undefined>();
  private readonly active = new Set<string>();
  private depth = 0;
  readonly roots: string[];

  constructor(private readonly options: UrlSourceOptions) {
    this.roots = [...(options.sysPath ?? []), options.baseDir]
      .map((r) => path.resolve(r))
      .filter((r, i, all) => all.indexOf(r) === i);
  }

  private readonly texts = new Map<string, string | undefined>();

  read(file: string): string | undefined {
    if (!this.texts.has(file)) this.texts.set(file, (this.options.readFile ?? readPythonFile)(file));
    return this.texts.get(file);
  }

  eval(expr: PyExpr, ctx: Ctx): Val {
    if (this.depth > MAX_EVAL_DEPTH) return this.computed('too deeply nested to follow', expr, ctx);
    this.depth++;
    try {
      return this.evalInner(expr, ctx);
    } finally {
      this.depth--;
    }
  }

  private where(expr: { line: number }, ctx: Ctx): SourceLocation {
    return { file: ctx.mod.file, line: expr.line };
  }

  computed(detail: string, expr: { line: number }, ctx: Ctx, vars?: string[]): Val {
    return { k: 'computed', detail, where: this.where(expr, ctx), vars };
  }

  private evalInner(expr: PyExpr, ctx: Ctx): Val {
    switch (expr.k) {
      case 'str':
        return { k: 'str', v: expr.value, where: this.where(expr, ctx) };
      case 'const':
        return expr.value === 'None' ? { k: 'none' } : this.computed(expr.value, expr, ctx);
      case 'fstr':
        return this.joinParts(
          expr.parts.map((p) => (typeof p === 'string' ? p : this.eval(p, ctx))),
          expr,
          ctx,
          'an f-string',
        );
      case 'name':
        return this.lookup(expr.id, ctx, expr);
      case 'attr':
        return this.attribute(this.eval(expr.obj, ctx), expr.name, expr, ctx);
      case 'sub':
        return this.subscript(expr, ctx);
      case 'call':
        return this.call(expr, ctx);
      case 'bin':
        return this.binary(expr, ctx);
      case 'bool': {
        if (expr.op !== 'or') return this.computed(`'${expr.op}' expression`, expr, ctx);
        const left = this.eval(expr.left, ctx);
        if (left.k === 'env' && (!left.fallback || left.fallback.k === 'none'))
          return { ...left, fallback: this.eval(expr.right, ctx) };
        if (left.k === 'str') return left.v ? left : this.eval(expr.right, ctx);
        if (left.k === 'none') return this.eval(expr.right, ctx);
        return this.computed(`'or' of ${describeVal(left)}`, expr, ctx, varsOf(left));
      }
      case 'cond':
        return this.computed('a conditional expression', expr, ctx, [
          ...varsOf(this.eval(expr.body, ctx)),
          ...varsOf(this.eval(expr.orelse, ctx)),
        ]);
      case 'seq':
        return this.computed(
          `a ${expr.kind}`,
          expr,
          ctx,
          expr.items.flatMap((item) => varsOf(this.eval(item, ctx))),
        );
      default:
        return this.computed(expr.k === 'unknown' ? `'${expr.text}'` : `a ${expr.k} expression`, expr, ctx);
    }
  }

  private joinParts(parts: Array<string | Val>, expr: { line: number }, ctx: Ctx, what: string): Val {
    let text = '';
    const vars: string[] = [];
    let known = true;
    for (const part of parts) {
      const v = typeof part === 'string' ? { k: 'str' as const, v: part } : part;
      if (v.k === 'str' || v.k === 'path') text += v.v;
      else {
        known = false;
        vars.push(...varsOf(v));
      }
    }
    if (known) return { k: 'str', v: text, where: this.where(expr, ctx) };
    const uniq = [...new Set(vars)];
    return this.computed(uniq.length ? `${what} built from ${uniq.join(', ')}` : what, expr, ctx, uniq);
  }

  /** Python's LEGB lookup, simplified: function locals, enclosing functions, module, builtins. */
  lookup(name: string, ctx: Ctx, expr: { line: number }): Val {
    if (name === '__file__') return { k: 'path', v: ctx.mod.file };
    let scope: Scope | undefined = ctx.scope;
    let fromInner = false;
    while (scope) {
      if (scope.kind === 'class' && fromInner) {
        scope = scope.parent;
        continue;
      }
      const bindings = scope.bindings.get(name);
      if (bindings?.length) {
        const binding = this.pickBinding(bindings, ctx.line, fromInner || scope !== ctx.scope);
        if (binding) return this.bindingValue(name, binding, { ...ctx, scope }, expr);
      }
      fromInner = fromInner || scope.kind !== 'class';
      scope = scope.parent;
    }
    if (name === 'str') return { k: 'ext', name };
    return this.computed(`'${name}'`, expr, ctx);
  }

  /**
   * The binding in effect: the last one before the line, or (seen from an inner function) the last
   * of all. Bindings in `except` blocks are fallbacks. A name bound in a branch after another
   * binding depends on the condition: the caller gets `undefined` in `branchy`.
   */
  private pickBinding(bindings: Binding[], line: number, fromInner: boolean): Binding | undefined {
    const candidates = fromInner ? bindings : bindings.filter((b) => b.line <= line);
    const list = candidates.length ? candidates : bindings;
    const preferred = list.filter((b) => !b.inExcept);
    const pool = preferred.length ? preferred : list;
    const last = pool[pool.length - 1];
    if (last?.conditional && pool.length > 1 && last.kind !== 'def' && last.kind !== 'class')
      return { ...last, kind: 'other', branchy: true };
    return last;
  }

  private bindingValue(name: string, binding: Binding, ctx: Ctx, expr: { line: number }): Val {
    const key = `${ctx.mod.file}\0${name}\0${binding.line}`;
    if (this.active.has(key)) return this.computed(`'${name}' refers to itself`, expr, ctx);
    this.active.add(key);
    try {
      switch (binding.kind) {
        case 'assign':
          if (!binding.expr) return this.computed(`'${name}' has no value`, binding, ctx);
          return this.eval(binding.expr, { ...ctx, line: binding.line });
        case 'import':
          return this.importValue(binding.importRef!, ctx, binding);
        case 'def':
          return { k: 'func', fn: binding.fn!, mod: ctx.mod };
        case 'class':
          return { k: 'class', cls: binding.cls!, mod: ctx.mod };
        case 'param':
          return this.computed(`parameter '${name}'`, binding, ctx);
        default:
          if (binding.branchy) return this.computed(`'${name}' is assigned in several branches`, binding, ctx);
          return this.computed(`'${name}'`, binding, ctx);
      }
    } finally {
      this.active.delete(key);
    }
  }

  // -- imports ------------------------------------------------------------------------------

  private importValue(ref: ImportRef, ctx: Ctx, at: { line: number }): Val {
    const base = ref.level ? this.relativeBase(ctx.mod, ref.level) : undefined;
    if (ref.level && base === undefined)
      return this.computed(`relative import from ${'.'.repeat(ref.level)}${ref.module}`, at, ctx);
    const mod = this.loadModule(ref.module, base, ctx.mod.depth + 1);
    if (ref.name === undefined) {
      // `import a.b as c` binds the module itself; an external module is a name for builtins.
      if (mod === 'external') return { k: 'ext', name: ref.module };
      if (mod === 'too-deep')
        return this.computed(`module ${ref.module} (imports followed ${MAX_IMPORT_DEPTH} deep)`, at, ctx);
      return { k: 'module', mod };
    }
    if (mod === 'external') return { k: 'ext', name: ref.module ? `${ref.module}.${ref.name}` : ref.name };
    if (mod === 'too-deep')
      return this.computed(`${ref.name} from ${ref.module} (imports followed ${MAX_IMPORT_DEPTH} deep)`, at, ctx);
    return this.moduleAttribute(mod, ref.name, at, ctx);
  }

  private moduleAttribute(mod: ModuleIndex, name: string, at: { line: number }, ctx: Ctx): Val {
    const bindings = mod.scope.bindings.get(name);
    if (bindings?.length) return this.lookup(name, { mod, scope: mod.scope, line: Number.MAX_SAFE_INTEGER }, at);
    // `from package import submodule`
    const sub =
      path.basename(mod.file) === '__init__.py' ? this.findModuleFile(name, [path.dirname(mod.file)]) : undefined;
    if (sub) {
      const loaded = this.loadFile(sub, mod.depth + 1);
      if (loaded !== 'too-deep') return { k: 'module', mod: loaded };
    }
    return this.computed(`'${name}' is not defined in ${path.basename(mod.file)}`, at, ctx);
  }

  private relativeBase(mod: ModuleIndex, level: number): string | undefined {
    if (mod.depth === 0) return undefined; // env.py is loaded as a file, not as a package module
    let dir = mod.packageDir;
    for (let i = 1; i < level; i++) dir = path.dirname(dir);
    return dir;
  }

  /** Finds a project module (never one in site-packages); 'external' when it is not the project's. */
  private loadModule(
    dotted: string,
    relativeTo: string | undefined,
    depth: number,
  ): ModuleIndex | 'external' | 'too-deep' {
    const roots = relativeTo !== undefined ? [relativeTo] : this.roots;
    const init = relativeTo !== undefined ? path.join(relativeTo, '__init__.py') : undefined;
    const file = dotted ? this.findModuleFile(dotted, roots) : init && this.read(init) !== undefined ? init : undefined;
    return file ? this.loadFile(file, depth) : 'external';
  }

  private findModuleFile(dotted: string, roots: string[]): string | undefined {
    const file = findModule(dotted, 0, '', roots, this.probe)?.file;
    return file && !/[\\/](site|dist)-packages[\\/]/.test(file) ? file : undefined;
  }

  private readonly probe: ModuleProbe = { isFile: (file) => this.read(file) !== undefined, isDir: isDirectory };

  private loadFile(file: string, depth: number): ModuleIndex | 'too-deep' {
    const cached = this.modules.get(file);
    if (cached) return cached;
    if (depth > MAX_IMPORT_DEPTH) return 'too-deep';
    const text = this.read(file);
    const mod = indexModule(text ?? '', file, depth);
    this.modules.set(file, mod);
    return mod;
  }

  // -- attributes, subscripts, calls ----------------------------------------------------------

  private attribute(obj: Val, name: string, expr: PyExpr, ctx: Ctx): Val {
    switch (obj.k) {
      case 'ext': {
        const full = `${obj.name}.${name}`;
        if (full === 'alembic.context.config') return { k: 'config' };
        // `import app.config` binds `app`; `app.config` is then a project module (a namespace package's too).
        const mod = this.loadModule(full, undefined, 1);
        if (mod !== 'external' && mod !== 'too-deep') return { k: 'module', mod };
        return { k: 'ext', name: full };
      }
      case 'module':
        return this.moduleAttribute(obj.mod, name, expr, ctx);
      case 'path':
        if (name === 'parent') return { k: 'path', v: path.dirname(obj.v) };
        if (name === 'name') return { k: 'str', v: path.basename(obj.v), where: this.where(expr, ctx) };
        return this.computed(`Path.${name}`, expr, ctx);
      case 'instance':
        return this.instanceAttribute(obj, name, expr, ctx);
      case 'class': {
        const field = obj.cls.scope.bindings.get(name);
        if (field?.length)
          return this.lookup(name, { mod: obj.mod, scope: obj.cls.scope, line: Number.MAX_SAFE_INTEGER }, expr);
        return this.computed(`${obj.cls.name}.${name}`, expr, ctx);
      }
      case 'engine':
        if (name === 'url') return obj.url;
        return this.computed(`engine.${name}`, expr, ctx);
      case 'config':
        return this.computed(`config.${name}`, expr, ctx);
      case 'computed':
        return { ...obj, detail: `${obj.detail}.${name}` };
      default:
        return this.computed(`${describeVal(obj)}.${name}`, expr, ctx, varsOf(obj));
    }
  }

  private subscript(expr: PyExpr & { k: 'sub' }, ctx: Ctx): Val {
    const obj = this.eval(expr.obj, ctx);
    const key = this.eval(expr.index, ctx);
    if (obj.k === 'ext' && (obj.name === 'os.environ' || obj.name === 'environ') && key.k === 'str') {
      return { k: 'env', variable: key.v, replace: [], where: this.where(expr, ctx) };
    }
    if (obj.k === 'configSection' && key.k === 'str' && key.v === 'sqlalchemy.url') {
      return obj.main
        ? { k: 'configUrl', where: this.where(expr, ctx) }
        : this.computed('a URL from another ini section', expr, ctx);
    }
    return this.computed(`${describeVal(obj)}[...]`, expr, ctx, varsOf(obj));
  }

  private call(expr: PyExpr & { k: 'call' }, ctx: Ctx): Val {
    const where = this.where(expr, ctx);
    const arg = (i: number, kw?: string): PyExpr | undefined =>
      (kw && expr.kwargs.find((k) => k.name === kw)?.value) || expr.args[i];
    if (expr.func.k === 'attr') {
      const obj = this.eval(expr.func.obj, ctx);
      const method = expr.func.name;
      const result = this.methodCall(obj, method, expr, ctx, arg);
      if (result) return result;
    }
    const func = this.eval(expr.func, ctx);
    if (func.k === 'ext') {
      const name = func.name;
      if (ENV_FUNCTIONS.has(name)) return this.envCall(expr, ctx, arg);
      if (ENV_READER_CLASSES.has(name)) return { k: 'envReader', name };
      if (ENGINE_FUNCTIONS.has(name)) {
        const url = arg(0, 'url');
        return {
          k: 'engine',
          url: url ? this.eval(url, ctx) : this.computed('create_engine without a URL', expr, ctx),
          where,
        };
      }
      if (ENGINE_FROM_CONFIG.has(name)) {
        const config = arg(0, 'configuration');
        const prefixExpr = arg(1, 'prefix');
        const prefix = prefixExpr ? this.eval(prefixExpr, ctx) : { k: 'str' as const, v: 'sqlalchemy.', where };
        if (!config || prefix.k !== 'str')
          return { k: 'engine', url: this.computed('engine_from_config arguments', expr, ctx), where };
        return { k: 'engine', url: this.urlFromConfigDict(config, `${prefix.v}url`, ctx), where };
      }
      if (name === 'sqlalchemy.ext.asyncio.AsyncEngine' && expr.args[0]) return this.eval(expr.args[0], ctx);
      if (
        URL_IDENTITY.has(name) ||
        name === 'pathlib.Path' ||
        name === 'Path' ||
        name === 'pathlib.PurePath' ||
        name === 'os.fspath'
      ) {
        const value = arg(0);
        if (!value) return this.computed(`${name}()`, expr, ctx);
        const v = this.eval(value, ctx);
        if (name.endsWith('Path')) {
          if (v.k === 'str') return { k: 'path', v: v.v };
          return v.k === 'path' ? v : this.computed(`Path(${describeVal(v)})`, expr, ctx, varsOf(v));
        }
        if (v.k === 'path') return { k: 'str', v: v.v, where };
        return v;
      }
      if (name === 'os.path.join') {
        const parts = expr.args.map((a) => this.eval(a, ctx));
        if (parts.every((p) => p.k === 'str' || p.k === 'path'))
          return { k: 'str', v: path.join(...parts.map((p) => (p as { v: string }).v)), where };
        return this.computed('os.path.join', expr, ctx, parts.flatMap(varsOf));
      }
      if (['os.path.dirname', 'os.path.abspath', 'os.path.realpath', 'os.path.normpath'].includes(name)) {
        const v = expr.args[0] ? this.eval(expr.args[0], ctx) : undefined;
        if (v && (v.k === 'str' || v.k === 'path')) {
          const p = name === 'os.path.dirname' ? path.dirname(v.v) : path.resolve(this.options.baseDir, v.v);
          return { k: 'str', v: p, where };
        }
        return this.computed(name, expr, ctx, v ? varsOf(v) : []);
      }
      if (name === 'dotenv.load_dotenv' || name === 'logging.config.fileConfig') return { k: 'none' };
      return this.computed(`${name}()`, expr, ctx);
    }
    if (func.k === 'envReader') return this.envCall(expr, ctx, arg);
    if (func.k === 'func') return this.callFunction(func, expr, ctx);
    if (func.k === 'class') return { k: 'instance', cls: func.cls, mod: func.mod, kwargs: expr.kwargs, ctx };
    if (func.k === 'computed') return { ...func, detail: `${func.detail}()` };
    return this.computed(`${describeVal(func)}()`, expr, ctx);
  }

  /** `os.getenv("X", default)` and friends: the variable, and what is used when it is unset. */
  private envCall(expr: PyExpr & { k: 'call' }, ctx: Ctx, arg: (i: number, kw?: string) => PyExpr | undefined): Val {
    const nameExpr = arg(0, 'key') ?? arg(0, 'option');
    const name = nameExpr ? this.eval(nameExpr, ctx) : undefined;
    if (name?.k !== 'str') return this.computed('an environment variable whose name is computed', expr, ctx);
    const fallbackExpr = expr.args[1] ?? expr.kwargs.find((k) => k.name === 'default')?.value;
    const fallback = fallbackExpr ? this.eval(fallbackExpr, ctx) : undefined;
    return {
      k: 'env',
      variable: name.v,
      fallback: fallback ?? { k: 'none' },
      replace: [],
      where: this.where(expr, ctx),
    };
  }

  private methodCall(
    obj: Val,
    method: string,
    expr: PyExpr & { k: 'call' },
    ctx: Ctx,
    arg: (i: number, kw?: string) => PyExpr | undefined,
  ): Val | undefined {
    const where = this.where(expr, ctx);
    if (obj.k === 'config') {
      // The main section is `config.config_ini_section`; any other one is a multidb set-up's.
      const isMain = (section: PyExpr | undefined): boolean =>
        !section || (section.k === 'attr' && section.name === 'config_ini_section');
      const optionExpr = method === 'get_section_option' ? arg(1) : arg(0);
      const option = optionExpr ? this.eval(optionExpr, ctx) : undefined;
      if ((method === 'get_main_option' || method === 'get_section_option') && option?.k === 'str') {
        if (method === 'get_section_option' && !isMain(arg(0)))
          return this.computed(`'${option.v}' of another ini section`, expr, ctx);
        if (option.v === 'sqlalchemy.url') return { k: 'configUrl', where };
        return this.computed(`config option '${option.v}'`, expr, ctx);
      }
      if (method === 'get_section') return { k: 'configSection', main: isMain(arg(0)) };
      return this.computed(`config.${method}()`, expr, ctx);
    }
    if (obj.k === 'envReader') return this.envCall(expr, ctx, arg);
    if (
      obj.k === 'ext' &&
      (obj.name === 'os.environ' || obj.name === 'environ') &&
      (method === 'get' || method === 'setdefault')
    )
      return this.envCall(expr, ctx, arg);
    if (obj.k === 'path') {
      if (method === 'resolve' || method === 'absolute')
        return { k: 'path', v: path.resolve(this.options.baseDir, obj.v) };
      if (method === 'as_posix' || method === '__str__') return { k: 'str', v: obj.v.split(path.sep).join('/'), where };
      if (method === 'joinpath') {
        const parts = expr.args.map((a) => this.eval(a, ctx));
        if (parts.every((p) => p.k === 'str' || p.k === 'path'))
          return { k: 'path', v: path.join(obj.v, ...parts.map((p) => (p as { v: string }).v)) };
      }
      return this.computed(`Path.${method}()`, expr, ctx);
    }
    if (method === 'replace' && expr.args.length === 2) {
      const [a, b] = expr.args.map((e) => this.eval(e, ctx));
      if (a.k === 'str' && b.k === 'str') {
        if (a.v === '%' && b.v === '%%') return { k: 'pctEscaped', inner: obj };
        return applyReplace(obj, a.v, b.v, this.computed(`${describeVal(obj)}.replace()`, expr, ctx, varsOf(obj)));
      }
    }
    if (method === 'strip' && expr.args.length === 0 && (obj.k === 'str' || obj.k === 'env'))
      return obj.k === 'str' ? { ...obj, v: obj.v.trim() } : obj;
    // Renders of a URL object or a pydantic URL type: the same text.
    if (
      ['unicode_string', 'render_as_string', '__str__'].includes(method) &&
      (obj.k === 'env' || obj.k === 'str' || obj.k === 'configUrl')
    )
      return obj;
    if (obj.k === 'engine' && (method === 'connect' || method === 'begin')) return obj;
    if (obj.k === 'module' || obj.k === 'instance' || obj.k === 'class' || obj.k === 'ext') return undefined;
    if (obj.k === 'computed') return { ...obj, detail: `${obj.detail}.${method}()` };
    return this.computed(`${describeVal(obj)}.${method}()`, expr, ctx, varsOf(obj));
  }

  /** A project function: the value of its one return statement (evaluated in its own scope). */
  private callFunction(func: Val & { k: 'func' }, expr: PyExpr, ctx: Ctx): Val {
    const { fn, mod } = func;
    if (!fn.returns.length) return this.computed(`${fn.name}() returns nothing this reader can see`, expr, ctx);
    const values = fn.returns.map((r) => this.eval(r.expr, { mod, scope: fn.scope, line: r.line }));
    const keys = new Set(values.map(valKey));
    if (keys.size === 1) return values[0];
    return this.computed(
      `${fn.name}() returns different values`,
      { line: fn.line },
      { mod, scope: fn.scope, line: fn.line },
      values.flatMap(varsOf),
    );
  }

  private binary(expr: PyExpr & { k: 'bin' }, ctx: Ctx): Val {
    const left = this.eval(expr.left, ctx);
    const right = this.eval(expr.right, ctx);
    if (expr.op === '+') return this.joinParts([left, right], expr, ctx, 'a concatenation');
    if (expr.op === '/' && left.k === 'path' && (right.k === 'str' || right.k === 'path'))
      return { k: 'path', v: path.join(left.v, right.v) };
    return this.computed(`'${expr.op}' expression`, expr, ctx, [...varsOf(left), ...varsOf(right)]);
  }

  // -- settings classes -------------------------------------------------------------------------

  private instanceAttribute(obj: Val & { k: 'instance' }, name: string, expr: PyExpr, ctx: Ctx): Val {
    const explicit = obj.kwargs.find((k) => k.name === name);
    if (explicit) return this.eval(explicit.value, obj.ctx);
    const chain = this.classChain(obj.cls, obj.mod);
    const settings = chain.some(({ cls, mod }) =>
      cls.bases.some((b) => this.qualifiedBase(b, mod, cls).endsWith('BaseSettings')),
    );
    for (const { cls, mod } of chain) {
      const bindings = cls.scope.bindings.get(name);
      if (!bindings?.length) continue;
      const binding = bindings[bindings.length - 1];
      const clsCtx: Ctx = { mod, scope: cls.scope, line: binding.line };
      if (binding.kind === 'def') {
        return this.computed(`${cls.name}.${name} is computed by a method`, binding, clsCtx);
      }
      if (!settings) {
        if (binding.annotationOnly)
          return this.computed(`${cls.name}.${name} is set when the object is made`, binding, clsCtx);
        return this.lookup(name, { mod, scope: cls.scope, line: Number.MAX_SAFE_INTEGER }, expr);
      }
      return this.settingsField(chain, cls, mod, name, binding);
    }
    return this.computed(`${obj.cls.name}.${name}`, expr, ctx);
  }

  /** A pydantic BaseSettings field: its environment variable, and its default when unset. */
  private settingsField(
    chain: Array<{ cls: ClassDef; mod: ModuleIndex }>,
    cls: ClassDef,
    mod: ModuleIndex,
    name: string,
    binding: Binding,
  ): Val {
    const where: SourceLocation = { file: mod.file, line: binding.line };
    const clsCtx: Ctx = { mod, scope: cls.scope, line: binding.line };
    const { prefix, caseSensitive } = this.settingsConfig(chain);
    let variable = `${prefix}${name}`;
    let fallback: Val | undefined = binding.annotationOnly
      ? undefined
      : binding.expr
        ? this.eval(binding.expr, clsCtx)
        : undefined;
    const value = binding.expr;
    if (value?.k === 'call' && /(^|\.)Field$/.test(exprName(value.func))) {
      const kw = (n: string): PyExpr | undefined => value.kwargs.find((k) => k.name === n)?.value;
      const aliasExpr = kw('validation_alias') ?? kw('alias') ?? kw('env');
      if (aliasExpr) {
        const alias =
          aliasExpr.k === 'call' ? aliasExpr.args[0] : aliasExpr.k === 'seq' ? aliasExpr.items[0] : aliasExpr;
        const v = alias ? this.eval(alias, clsCtx) : undefined;
        if (v?.k === 'str') variable = v.v;
        else return this.computed(`${cls.name}.${name} reads a computed alias`, binding, clsCtx);
      }
      const def = value.args[0] ?? kw('default');
      if (kw('default_factory')) fallback = this.computed(`${cls.name}.${name} has a default_factory`, binding, clsCtx);
      else if (!def || (def.k === 'const' && def.value === 'Ellipsis')) fallback = undefined;
      else fallback = this.eval(def, clsCtx);
    }
    if (this.hasValidator(chain, name)) fallback = this.computed(`a validator of ${cls.name}.${name}`, binding, clsCtx);
    return {
      k: 'env',
      variable: caseSensitive ? variable : variable.toUpperCase(),
      fallback: fallback ?? { k: 'none' },
      caseInsensitive: !caseSensitive,
      replace: [],
      where,
    };
  }

  private settingsConfig(chain: Array<{ cls: ClassDef; mod: ModuleIndex }>): {
    prefix: string;
    caseSensitive: boolean;
  } {
    let prefix = '';
    let caseSensitive = false;
    // The base classes first, so that a subclass's settings win.
    for (const { cls, mod } of [...chain].reverse()) {
      const ctx: Ctx = { mod, scope: cls.scope, line: Number.MAX_SAFE_INTEGER };
      const apply = (key: string, value: PyExpr): void => {
        const v = this.eval(value, ctx);
        if (key === 'env_prefix' && v.k === 'str') prefix = v.v;
        if (key === 'case_sensitive' && value.k === 'const') caseSensitive = value.value === 'True';
      };
      for (const kw of cls.keywords) apply(kw.name, kw.value);
      const modelConfig = cls.scope.bindings.get('model_config')?.slice(-1)[0]?.expr;
      if (modelConfig?.k === 'call') for (const kw of modelConfig.kwargs) apply(kw.name, kw.value);
      if (modelConfig?.k === 'dict')
        for (const e of modelConfig.entries) if (e.key?.k === 'str') apply(e.key.value, e.value);
      const inner = cls.scope.bindings.get('Config')?.slice(-1)[0]?.cls;
      if (inner) {
        for (const key of ['env_prefix', 'case_sensitive']) {
          const b = inner.scope.bindings.get(key)?.slice(-1)[0];
          if (b?.expr) apply(key, b.expr);
        }
      }
    }
    return { prefix, caseSensitive };
  }

  private hasValidator(chain: Array<{ cls: ClassDef; mod: ModuleIndex }>, field: string): boolean {
    for (const { cls } of chain) {
      for (const bindings of cls.scope.bindings.values()) {
        for (const b of bindings) {
          for (const d of b.fn?.decorators ?? []) {
            const name = d.k === 'call' ? exprName(d.func) : exprName(d);
            if (/(^|\.)(root_validator|model_validator)$/.test(name)) return true;
            if (
              /(^|\.)(validator|field_validator)$/.test(name) &&
              d.k === 'call' &&
              d.args.some((a) => a.k === 'str' && (a.value === field || a.value === '*'))
            )
              return true;
          }
        }
      }
    }
    return false;
  }

  private classChain(cls: ClassDef, mod: ModuleIndex): Array<{ cls: ClassDef; mod: ModuleIndex }> {
    const chain: Array<{ cls: ClassDef; mod: ModuleIndex }> = [];
    const visit = (c: ClassDef, m: ModuleIndex): void => {
      if (chain.some((e) => e.cls === c) || chain.length > 10) return;
      chain.push({ cls: c, mod: m });
      for (const base of c.bases) {
        const v = this.eval(base, { mod: m, scope: m.scope, line: Number.MAX_SAFE_INTEGER });
        if (v.k === 'class') visit(v.cls, v.mod);
      }
    };
    visit(cls, mod);
    return chain;
  }

  private qualifiedBase(base: PyExpr, mod: ModuleIndex, cls: ClassDef): string {
    const v = this.eval(base, { mod, scope: cls.scope.parent ?? mod.scope, line: Number.MAX_SAFE_INTEGER });
    return v.k === 'ext' ? v.name : v.k === 'class' ? v.cls.name : exprName(base);
  }

  // -- engine_from_config -------------------------------------------------------------------------

  /** The URL `engine_from_config(dict, prefix=...)` uses: `dict[prefix + 'url']`. */
  urlFromConfigDict(expr: PyExpr, key: string, ctx: Ctx, seen = 0): Val {
    if (seen > 8) return this.computed('engine_from_config configuration', expr, ctx);
    if (expr.k === 'name') {
      // `configuration["sqlalchemy.url"] = X` in the same function wins over the dict's own value.
      for (let scope: Scope | undefined = ctx.scope; scope; scope = scope.parent) {
        const sets = scope.subscripts.filter((s) => s.target === expr.id && s.line <= ctx.line);
        for (const s of sets.reverse()) {
          const k = this.eval(s.key, { ...ctx, scope, line: s.line });
          if (k.k === 'str' && k.v === key) return this.eval(s.value, { ...ctx, scope, line: s.line });
        }
        const bindings = scope.bindings.get(expr.id);
        if (bindings?.length) {
          const b = this.pickBinding(bindings, ctx.line, scope !== ctx.scope);
          if (b?.kind === 'assign' && b.expr)
            return this.urlFromConfigDict(b.expr, key, { ...ctx, scope, line: b.line }, seen + 1);
          break;
        }
      }
    }
    if (expr.k === 'dict') {
      for (const entry of [...expr.entries].reverse()) {
        if (entry.key) {
          const k = this.eval(entry.key, ctx);
          if (k.k === 'str' && k.v === key) return this.eval(entry.value, ctx);
        } else {
          const v = this.urlFromConfigDict(entry.value, key, ctx, seen + 1);
          if (v.k !== 'computed') return v;
        }
      }
      return this.computed(`a configuration without '${key}'`, expr, ctx);
    }
    const v = this.eval(expr, ctx);
    if (v.k === 'configSection') {
      if (!v.main) return this.computed('a URL from another ini section (multidb?)', expr, ctx);
      return key === 'sqlalchemy.url'
        ? { k: 'configUrl', where: this.where(expr, ctx) }
        : this.computed(`config option '${key}'`, expr, ctx);
    }
    return this.computed(`engine_from_config(${describeVal(v)})`, expr, ctx, varsOf(v));
  }
}

function applyReplace(obj: Val, from: string, to: string, otherwise: Val): Val {
  if (obj.k === 'str') return { ...obj, v: obj.v.split(from).join(to) };
  if (obj.k === 'env') {
    const fallback =
      obj.fallback && obj.fallback.k !== 'none' ? applyReplace(obj.fallback, from, to, obj.fallback) : obj.fallback;
    return { ...obj, fallback, replace: [...obj.replace, [from, to]] };
  }
  if (obj.k === 'pctEscaped') return applyReplace(obj.inner, from, to, otherwise);
  return otherwise;
}

function exprName(expr: PyExpr): string {
  if (expr.k === 'name') return expr.id;
  if (expr.k === 'attr') return `${exprName(expr.obj)}.${expr.name}`;
  return '';
}

function varsOf(v: Val): string[] {
  if (v.k === 'env') return [v.variable];
  if (v.k === 'computed') return v.vars ?? [];
  if (v.k === 'pctEscaped') return varsOf(v.inner);
  if (v.k === 'engine') return varsOf(v.url);
  return [];
}

function describeVal(v: Val): string {
  switch (v.k) {
    case 'str':
      return 'a string';
    case 'env':
      return `$${v.variable}`;
    case 'computed':
      return v.detail;
    case 'ext':
      return v.name;
    case 'func':
      return `${v.fn.name}()`;
    case 'class':
    case 'instance':
      return v.cls.name;
    default:
      return v.k;
  }
}

function valKey(v: Val): string {
  switch (v.k) {
    case 'str':
    case 'path':
      return `${v.k}:${v.v}`;
    case 'env':
      return `env:${v.variable}:${v.fallback ? valKey(v.fallback) : ''}:${JSON.stringify(v.replace)}`;
    case 'engine':
      return `engine:${valKey(v.url)}`;
    case 'pctEscaped':
      return valKey(v.inner);
    case 'computed':
      return `computed:${v.detail}`;
    default:
      return v.k;
  }
}

// ---------------------------------------------------------------------------------------------
// env.py: where the URL goes

/** Reads env.py (and the project modules it imports) and says where the database URL comes from. */
export function findUrlSource(envPyText: string, options: UrlSourceOptions): UrlSource {
  const analyzer = new Analyzer(options);
  const mod = indexModule(envPyText, path.resolve(options.envPyPath), 0);
  if (mod.syntaxError) {
    return {
      kind: 'computed',
      detail: `env.py does not parse: ${mod.syntaxError.message} at line ${mod.syntaxError.line}`,
      where: { file: mod.file, line: mod.syntaxError.line },
    };
  }

  const engines: Val[] = [];
  const configureUrls: Val[] = [];
  let mainOption: Val | undefined;
  let versionTable: string | undefined;
  let versionTableSchema: string | undefined;

  for (const { line, scope } of mod.lines) {
    const tokens = line.tokens;
    const brackets = matchBrackets(tokens);
    for (let i = 0; i < tokens.length; i++) {
      const tk = tokens[i];
      if (tk.t !== 'name' || tokens[i + 1]?.v !== '(') continue;
      const call = parseCallAt(tokens, i, brackets);
      if (call?.k !== 'call') continue;
      const ctx: Ctx = { mod, scope, line: tk.line };
      const method = call.func.k === 'attr' ? call.func.name : call.func.k === 'name' ? call.func.id : '';
      if (method === 'set_main_option' || method === 'set_section_option') {
        const [keyExpr, valueExpr] = method === 'set_main_option' ? call.args : call.args.slice(1);
        const key = keyExpr ? analyzer.eval(keyExpr, ctx) : undefined;
        if (key?.k === 'str' && key.v === 'sqlalchemy.url' && valueExpr) mainOption = analyzer.eval(valueExpr, ctx);
        continue;
      }
      if (method === 'configure' && call.func.k === 'attr') {
        const receiver = analyzer.eval(call.func.obj, ctx);
        if (!(receiver.k === 'ext' && receiver.name === 'alembic.context')) continue;
        const kw = (n: string): PyExpr | undefined => call.kwargs.find((k) => k.name === n)?.value;
        const url = kw('url');
        if (url) configureUrls.push(analyzer.eval(url, ctx));
        const table = kw('version_table');
        const tableValue = table ? analyzer.eval(table, ctx) : undefined;
        if (tableValue?.k === 'str') versionTable ??= tableValue.v;
        const schema = kw('version_table_schema');
        const schemaValue = schema ? analyzer.eval(schema, ctx) : undefined;
        if (schemaValue?.k === 'str') versionTableSchema ??= schemaValue.v;
        continue;
      }
      if (method === 'connect' || method === 'begin' || call.func.k === 'name' || call.func.k === 'attr') {
        const value = analyzer.eval(call, ctx);
        if (value.k === 'engine') engines.push(value);
      }
    }
  }

  // What `config.get_main_option("sqlalchemy.url")` returns: the set_main_option value, read back
  // through ConfigParser interpolation (so `.replace("%", "%%")` undoes itself), else the ini's.
  const mainValue = (): Val | undefined => {
    if (!mainOption) return undefined;
    if (mainOption.k === 'pctEscaped') return mainOption.inner;
    if (mainOption.k === 'str') return { ...mainOption, v: mainOption.v.replace(/%%/g, '%') };
    return mainOption;
  };
  // `insideMain`: a configUrl inside the set_main_option value is the ini's own value.
  const final = (v: Val, insideMain = false): Val => {
    if (v.k === 'engine') return final(v.url, insideMain);
    if (v.k === 'pctEscaped') return final(v.inner, insideMain);
    if (v.k === 'configUrl') {
      const main = insideMain ? undefined : mainValue();
      return main ? final(main, true) : v;
    }
    if (v.k === 'env' && v.fallback) return { ...v, fallback: final(v.fallback, insideMain) };
    return v;
  };

  const distinct = (vals: Val[]): Val[] => {
    const seen = new Map<string, Val>();
    for (const v of vals.map((x) => final(x))) if (!seen.has(valKey(v))) seen.set(valKey(v), v);
    return [...seen.values()];
  };
  let chosen: Val;
  const online = distinct(engines);
  const offline = distinct(configureUrls);
  if (online.length > 1) chosen = { k: 'computed', detail: `env.py makes ${online.length} different engines` };
  else if (online.length === 1) chosen = online[0];
  else if (offline.length > 1) chosen = { k: 'computed', detail: `env.py configures ${offline.length} different URLs` };
  else if (offline.length === 1) chosen = offline[0];
  else chosen = final({ k: 'configUrl', where: { file: mod.file, line: 0 } });

  const origin = toOrigin(chosen);
  const source: UrlSource = { ...origin };
  if (versionTable !== undefined) source.versionTable = versionTable;
  if (versionTableSchema !== undefined) source.versionTableSchema = versionTableSchema;
  const where = 'where' in chosen ? chosen.where : undefined;
  if (where && where.line > 0 && origin.kind !== 'ini') source.where = where;
  return source;
}

function toOrigin(v: Val): UrlOrigin {
  switch (v.k) {
    case 'configUrl':
      return { kind: 'ini' };
    case 'str':
      return { kind: 'literal', url: v.v };
    case 'env': {
      const origin: UrlOrigin & { kind: 'env' } = { kind: 'env', variable: v.variable };
      const fb = v.fallback;
      if (fb && fb.k !== 'none') {
        if (fb.k === 'str') origin.fallback = fb.v;
        else if (fb.k === 'configUrl') origin.fallback = 'ini';
        else origin.fallback = 'computed';
      }
      if (v.caseInsensitive) origin.caseInsensitive = true;
      if (v.replace.length) origin.replace = v.replace;
      return origin;
    }
    case 'none':
      return { kind: 'computed', detail: 'the URL is None' };
    case 'computed': {
      const vars = (v.vars ?? []).filter((name) => !v.detail.includes(name));
      const detail = vars.length ? `${v.detail}, using ${[...new Set(vars)].join(', ')}` : v.detail;
      return {
        kind: 'computed',
        detail: v.where ? `${detail} (${path.basename(v.where.file)}:${v.where.line})` : detail,
      };
    }
    case 'ext':
      return { kind: 'computed', detail: `${v.name}, from outside the project` };
    default:
      return { kind: 'computed', detail: describeVal(v) };
  }
}

// ---------------------------------------------------------------------------------------------
// the URL itself

export type UrlSourceLabel = 'setting' | `env:${string}` | `dotenv:${string}` | 'env.py literal' | 'alembic.ini';

export interface ResolveUrlInput {
  config: AlembicConfig;
  /** env.py's text; read from `<script_location>/env.py` when absent. */
  envPyText?: string;
  /** The environment Alembic would run with (the extension's process env, plus the terminal's). */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** The project's `.env`, parsed. */
  dotenv?: Readonly<Record<string, string>>;
  /** An explicit URL from the user's settings: wins over everything. */
  settingUrl?: string;
  /** A URL source already found (to skip reading env.py again). */
  urlSource?: UrlSource;
}

export interface ResolvedUrl {
  /** The URL, unmasked: never show it without `maskSecrets`. */
  url?: string;
  /** Where the URL came from; absent when unresolved. */
  source?: UrlSourceLabel;
  /** Why there is no URL: the caller can fall back to `alembic current`. */
  unresolved?: string;
  /** What env.py does, when it was read. */
  urlSource?: UrlSource;
  versionTable: string;
  versionTableSchema?: string;
}

/**
 * The database URL Alembic would use, without running Python. Precedence: the explicit setting;
 * then what env.py uses: its environment variable (process env, then `.env`), that variable's
 * literal default, or the ini's sqlalchemy.url when env.py does not override it.
 */
export function resolveDatabaseUrl(input: ResolveUrlInput): ResolvedUrl {
  const found = input.urlSource ?? urlSourceForConfig(input.config, input.envPyText);
  const urlSource = found.kind === 'no-env-py' ? undefined : found;
  const base = {
    urlSource,
    versionTable: urlSource?.versionTable ?? 'alembic_version',
    versionTableSchema: urlSource?.versionTableSchema,
  };
  const setting = input.settingUrl?.trim();
  if (setting) return { ...base, url: setting, source: 'setting' };
  if (found.kind === 'no-env-py')
    return {
      ...base,
      unresolved: `No env.py found${found.path ? ` at ${found.path}` : ''}: Alembic cannot run without it.`,
    };

  const fromIni = (): ResolvedUrl => {
    const url = input.config.option('sqlalchemy.url')?.trim();
    const ini = path.basename(input.config.configFile);
    if (!url) return { ...base, unresolved: `${ini} has no sqlalchemy.url and env.py does not set one.` };
    if (isPlaceholderUrl(url))
      return {
        ...base,
        unresolved: `sqlalchemy.url in ${ini} is still the template's placeholder (driver://user:pass@localhost/dbname).`,
      };
    return { ...base, url, source: 'alembic.ini' };
  };

  switch (found.kind) {
    case 'ini':
      return fromIni();
    case 'literal':
      return { ...base, url: found.url, source: 'env.py literal' };
    case 'computed':
      return { ...base, unresolved: `env.py computes the URL: ${found.detail}.` };
    case 'env': {
      const lookup = (vars: Readonly<Record<string, string | undefined>> | undefined): [string, string] | undefined => {
        if (!vars) return undefined;
        const exact = vars[found.variable];
        if (exact !== undefined) return [found.variable, exact];
        if (!found.caseInsensitive) return undefined;
        const upper = found.variable.toUpperCase();
        const key = Object.keys(vars).find((k) => k.toUpperCase() === upper && vars[k] !== undefined);
        return key ? [key, vars[key]!] : undefined;
      };
      const apply = (url: string): string => (found.replace ?? []).reduce((u, [a, b]) => u.split(a).join(b), url);
      const fromEnv = lookup(input.processEnv);
      const hit = fromEnv ?? lookup(input.dotenv);
      if (hit) {
        const [name, value] = hit;
        if (!value.trim())
          return { ...base, unresolved: `${name} is set but empty (${fromEnv ? 'environment' : '.env'}).` };
        return { ...base, url: apply(value), source: fromEnv ? `env:${name}` : `dotenv:${name}` };
      }
      if (found.fallback === 'ini') return fromIni();
      if (found.fallback === 'computed') {
        return {
          ...base,
          unresolved: `${found.variable} is not set, and env.py's default for it is computed${found.where ? ` (${path.basename(found.where.file)}:${found.where.line})` : ''}.`,
        };
      }
      if (found.fallback !== undefined) return { ...base, url: found.fallback, source: 'env.py literal' };
      return { ...base, unresolved: `${found.variable} is not set (neither in the environment nor in .env).` };
    }
  }
}
