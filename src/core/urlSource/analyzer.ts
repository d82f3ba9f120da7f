// The env.py analyzer's evaluator: what an expression is worth without running Python, following names
// through scopes (Python's LEGB, simplified) and imports into the project's own modules. Calls are read in
// calls.ts, settings objects in settings.ts.
import * as path from 'node:path';
import { findModule, isDirectory, type ModuleProbe, type PyExpr, readPythonFile, renderExpr } from '../python';
import { evalCall } from './calls';
import type { UrlSourceOptions } from './envPy';
import { type Binding, type ImportRef, indexModule, type ModuleIndex, type Scope } from './moduleScope';
import { instanceAttribute } from './settings';
import {
  type Ctx,
  describeVal,
  MAX_EVAL_DEPTH,
  MAX_IMPORT_DEPTH,
  type SourceLocation,
  type Val,
  valKey,
  varsOf,
} from './values';

export class Analyzer {
  private readonly modules = new Map<string, ModuleIndex | undefined>();
  private readonly active = new Set<string>();
  private depth = 0;
  readonly roots: string[];

  constructor(readonly options: UrlSourceOptions) {
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

  where(expr: PyExpr | { line: number }, ctx: Ctx): SourceLocation {
    const at: SourceLocation = { file: ctx.mod.file, line: expr.line };
    if ('k' in expr) at.expression = renderExpr(expr);
    return at;
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
        return evalCall(this, expr, ctx);
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
    const starred = this.fromStarImports(ctx.mod, name, expr);
    if (starred) return starred;
    if (name === 'str') return { k: 'ext', name };
    return this.computed(`'${name}'`, expr, ctx);
  }

  /**
   * A module-level name that `from x import *` brought in: the last such import whose module defines it
   * wins (mealie's `from .settings import *`). Names with a leading underscore are never star-imported.
   */
  private fromStarImports(mod: ModuleIndex, name: string, at: { line: number }): Val | undefined {
    if (name.startsWith('_')) return undefined;
    for (const ref of [...mod.starImports].reverse()) {
      const base = ref.level ? this.relativeBase(mod, ref.level) : undefined;
      if (ref.level && base === undefined) continue;
      const from = this.loadModule(ref.module, base, mod.depth + 1);
      if (typeof from === 'string') continue;
      // A star import cycle (a imports * from b, b from a) is followed once.
      const key = `${from.file}\0*${name}`;
      if (this.active.has(key)) continue;
      this.active.add(key);
      try {
        if (from.scope.bindings.get(name)?.length)
          return this.lookup(name, { mod: from, scope: from.scope, line: Number.MAX_SAFE_INTEGER }, at);
        const deeper = this.fromStarImports(from, name, at);
        if (deeper) return deeper;
      } finally {
        this.active.delete(key);
      }
    }
    return undefined;
  }

  /**
   * The binding in effect: the last one before the line, or (seen from an inner function) the last
   * of all. Bindings in `except` blocks are fallbacks. A name bound in a branch after another
   * binding depends on the condition: the caller gets `undefined` in `branchy`.
   */
  pickBinding(bindings: Binding[], line: number, fromInner: boolean): Binding | undefined {
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
    const starred = this.fromStarImports(mod, name, at);
    if (starred) return starred;
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

  // -- attributes, subscripts, operators ----------------------------------------------------------

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
        return instanceAttribute(this, obj, name, expr, ctx);
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

  /** A project function: the value of its one return statement (evaluated in its own scope). */
  callFunction(func: Val & { k: 'func' }, expr: PyExpr, ctx: Ctx): Val {
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
}
