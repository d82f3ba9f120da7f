// Calls as the env.py analyzer reads them: environment lookups (os.getenv, os.environ.get, decouple,
// environs...), engines (create_engine, engine_from_config), the Alembic config's options, URL and path
// helpers, `.replace()` on a URL, and the project's own functions.
import * as path from 'node:path';
import type { PyExpr } from '../python';
import type { Analyzer } from './analyzer';
import type { Scope } from './moduleScope';
import {
  applyReplace,
  type Ctx,
  describeVal,
  ENGINE_FROM_CONFIG,
  ENGINE_FUNCTIONS,
  ENV_FUNCTIONS,
  ENV_READER_CLASSES,
  URL_IDENTITY,
  type Val,
  varsOf,
} from './values';

export function evalCall(an: Analyzer, expr: PyExpr & { k: 'call' }, ctx: Ctx): Val {
  const where = an.where(expr, ctx);
  const arg = (i: number, kw?: string): PyExpr | undefined =>
    (kw && expr.kwargs.find((k) => k.name === kw)?.value) || expr.args[i];
  if (expr.func.k === 'attr') {
    const obj = an.eval(expr.func.obj, ctx);
    const method = expr.func.name;
    const result = methodCall(an, obj, method, expr, ctx, arg);
    if (result) return result;
  }
  const func = an.eval(expr.func, ctx);
  if (func.k === 'ext') {
    const name = func.name;
    if (ENV_FUNCTIONS.has(name)) return envCall(an, expr, ctx, arg);
    if (ENV_READER_CLASSES.has(name)) return { k: 'envReader', name };
    if (ENGINE_FUNCTIONS.has(name)) {
      const url = arg(0, 'url');
      return {
        k: 'engine',
        url: url ? an.eval(url, ctx) : an.computed('create_engine without a URL', expr, ctx),
        where,
      };
    }
    if (ENGINE_FROM_CONFIG.has(name)) {
      const config = arg(0, 'configuration');
      const prefixExpr = arg(1, 'prefix');
      const prefix = prefixExpr ? an.eval(prefixExpr, ctx) : { k: 'str' as const, v: 'sqlalchemy.', where };
      if (!config || prefix.k !== 'str')
        return { k: 'engine', url: an.computed('engine_from_config arguments', expr, ctx), where };
      return { k: 'engine', url: urlFromConfigDict(an, config, `${prefix.v}url`, ctx), where };
    }
    if (name === 'sqlalchemy.ext.asyncio.AsyncEngine' && expr.args[0]) return an.eval(expr.args[0], ctx);
    if (
      URL_IDENTITY.has(name) ||
      name === 'pathlib.Path' ||
      name === 'Path' ||
      name === 'pathlib.PurePath' ||
      name === 'os.fspath'
    ) {
      const value = arg(0);
      if (!value) return an.computed(`${name}()`, expr, ctx);
      const v = an.eval(value, ctx);
      if (name.endsWith('Path')) {
        if (v.k === 'str') return { k: 'path', v: v.v };
        return v.k === 'path' ? v : an.computed(`Path(${describeVal(v)})`, expr, ctx, varsOf(v));
      }
      if (v.k === 'path') return { k: 'str', v: v.v, where };
      return v;
    }
    if (name === 'os.path.join') {
      const parts = expr.args.map((a) => an.eval(a, ctx));
      if (parts.every((p) => p.k === 'str' || p.k === 'path'))
        return { k: 'str', v: path.join(...parts.map((p) => (p as { v: string }).v)), where };
      return an.computed('os.path.join', expr, ctx, parts.flatMap(varsOf));
    }
    if (['os.path.dirname', 'os.path.abspath', 'os.path.realpath', 'os.path.normpath'].includes(name)) {
      const v = expr.args[0] ? an.eval(expr.args[0], ctx) : undefined;
      if (v && (v.k === 'str' || v.k === 'path')) {
        const p = name === 'os.path.dirname' ? path.dirname(v.v) : path.resolve(an.options.baseDir, v.v);
        return { k: 'str', v: p, where };
      }
      return an.computed(name, expr, ctx, v ? varsOf(v) : []);
    }
    if (name === 'dotenv.load_dotenv' || name === 'logging.config.fileConfig') return { k: 'none' };
    return an.computed(`${name}()`, expr, ctx);
  }
  if (func.k === 'envReader') return envCall(an, expr, ctx, arg);
  if (func.k === 'func') return an.callFunction(func, expr, ctx);
  if (func.k === 'class') return { k: 'instance', cls: func.cls, mod: func.mod, kwargs: expr.kwargs, ctx };
  if (func.k === 'computed') return { ...func, detail: `${func.detail}()` };
  return an.computed(`${describeVal(func)}()`, expr, ctx);
}

/** `os.getenv("X", default)` and friends: the variable, and what is used when it is unset. */
function envCall(
  an: Analyzer,
  expr: PyExpr & { k: 'call' },
  ctx: Ctx,
  arg: (i: number, kw?: string) => PyExpr | undefined,
): Val {
  const nameExpr = arg(0, 'key') ?? arg(0, 'option');
  const name = nameExpr ? an.eval(nameExpr, ctx) : undefined;
  if (name?.k !== 'str') return an.computed('an environment variable whose name is computed', expr, ctx);
  const fallbackExpr = expr.args[1] ?? expr.kwargs.find((k) => k.name === 'default')?.value;
  const fallback = fallbackExpr ? an.eval(fallbackExpr, ctx) : undefined;
  return {
    k: 'env',
    variable: name.v,
    fallback: fallback ?? { k: 'none' },
    replace: [],
    where: an.where(expr, ctx),
  };
}

function methodCall(
  an: Analyzer,
  obj: Val,
  method: string,
  expr: PyExpr & { k: 'call' },
  ctx: Ctx,
  arg: (i: number, kw?: string) => PyExpr | undefined,
): Val | undefined {
  const where = an.where(expr, ctx);
  if (obj.k === 'config') {
    // The main section is `config.config_ini_section`; any other one is a multidb set-up's.
    const isMain = (section: PyExpr | undefined): boolean =>
      !section || (section.k === 'attr' && section.name === 'config_ini_section');
    const optionExpr = method === 'get_section_option' ? arg(1) : arg(0);
    const option = optionExpr ? an.eval(optionExpr, ctx) : undefined;
    if ((method === 'get_main_option' || method === 'get_section_option') && option?.k === 'str') {
      if (method === 'get_section_option' && !isMain(arg(0)))
        return an.computed(`'${option.v}' of another ini section`, expr, ctx);
      if (option.v === 'sqlalchemy.url') return { k: 'configUrl', where };
      return an.computed(`config option '${option.v}'`, expr, ctx);
    }
    if (method === 'get_section') return { k: 'configSection', main: isMain(arg(0)) };
    return an.computed(`config.${method}()`, expr, ctx);
  }
  if (obj.k === 'envReader') return envCall(an, expr, ctx, arg);
  if (
    obj.k === 'ext' &&
    (obj.name === 'os.environ' || obj.name === 'environ') &&
    (method === 'get' || method === 'setdefault')
  )
    return envCall(an, expr, ctx, arg);
  if (obj.k === 'path') {
    if (method === 'resolve' || method === 'absolute') return { k: 'path', v: path.resolve(an.options.baseDir, obj.v) };
    if (method === 'as_posix' || method === '__str__') return { k: 'str', v: obj.v.split(path.sep).join('/'), where };
    if (method === 'joinpath') {
      const parts = expr.args.map((a) => an.eval(a, ctx));
      if (parts.every((p) => p.k === 'str' || p.k === 'path'))
        return { k: 'path', v: path.join(obj.v, ...parts.map((p) => (p as { v: string }).v)) };
    }
    return an.computed(`Path.${method}()`, expr, ctx);
  }
  if (method === 'replace' && expr.args.length === 2) {
    const [a, b] = expr.args.map((e) => an.eval(e, ctx));
    if (a.k === 'str' && b.k === 'str') {
      if (a.v === '%' && b.v === '%%') return { k: 'pctEscaped', inner: obj };
      return applyReplace(obj, a.v, b.v, an.computed(`${describeVal(obj)}.replace()`, expr, ctx, varsOf(obj)));
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
  return an.computed(`${describeVal(obj)}.${method}()`, expr, ctx, varsOf(obj));
}

/** The URL `engine_from_config(dict, prefix=...)` uses: `dict[prefix + 'url']`. */
export function urlFromConfigDict(an: Analyzer, expr: PyExpr, key: string, ctx: Ctx, seen = 0): Val {
  if (seen > 8) return an.computed('engine_from_config configuration', expr, ctx);
  if (expr.k === 'name') {
    // `configuration["sqlalchemy.url"] = X` in the same function wins over the dict's own value.
    for (let scope: Scope | undefined = ctx.scope; scope; scope = scope.parent) {
      const sets = scope.subscripts.filter((s) => s.target === expr.id && s.line <= ctx.line);
      for (const s of sets.reverse()) {
        const k = an.eval(s.key, { ...ctx, scope, line: s.line });
        if (k.k === 'str' && k.v === key) return an.eval(s.value, { ...ctx, scope, line: s.line });
      }
      const bindings = scope.bindings.get(expr.id);
      if (bindings?.length) {
        const b = an.pickBinding(bindings, ctx.line, scope !== ctx.scope);
        if (b?.kind === 'assign' && b.expr)
          return urlFromConfigDict(an, b.expr, key, { ...ctx, scope, line: b.line }, seen + 1);
        break;
      }
    }
  }
  if (expr.k === 'dict') {
    for (const entry of [...expr.entries].reverse()) {
      if (entry.key) {
        const k = an.eval(entry.key, ctx);
        if (k.k === 'str' && k.v === key) return an.eval(entry.value, ctx);
      } else {
        const v = urlFromConfigDict(an, entry.value, key, ctx, seen + 1);
        if (v.k !== 'computed') return v;
      }
    }
    return an.computed(`a configuration without '${key}'`, expr, ctx);
  }
  const v = an.eval(expr, ctx);
  if (v.k === 'configSection') {
    if (!v.main) return an.computed('a URL from another ini section (multidb?)', expr, ctx);
    return key === 'sqlalchemy.url'
      ? { k: 'configUrl', where: an.where(expr, ctx) }
      : an.computed(`config option '${key}'`, expr, ctx);
  }
  return an.computed(`engine_from_config(${describeVal(v)})`, expr, ctx, varsOf(v));
}
