// Settings objects as the env.py analyzer reads them: a pydantic BaseSettings field is an environment
// variable (prefix, alias, case sensitivity, default, validators); a plain class attribute is its value.
import type { PyExpr } from '../python';
import type { Analyzer } from './analyzer';
import type { Binding, ClassDef, ModuleIndex } from './moduleScope';
import { type Ctx, exprName, type SourceLocation, type Val } from './values';

export function instanceAttribute(
  an: Analyzer,
  obj: Val & { k: 'instance' },
  name: string,
  expr: PyExpr,
  ctx: Ctx,
): Val {
  const explicit = obj.kwargs.find((k) => k.name === name);
  if (explicit) return an.eval(explicit.value, obj.ctx);
  const chain = classChain(an, obj.cls, obj.mod);
  const settings = chain.some(({ cls, mod }) =>
    cls.bases.some((b) => qualifiedBase(an, b, mod, cls).endsWith('BaseSettings')),
  );
  for (const { cls, mod } of chain) {
    const bindings = cls.scope.bindings.get(name);
    if (!bindings?.length) continue;
    const binding = bindings[bindings.length - 1];
    const clsCtx: Ctx = { mod, scope: cls.scope, line: binding.line };
    if (binding.kind === 'def') {
      return an.computed(`${cls.name}.${name} is computed by a method`, binding, clsCtx);
    }
    if (!settings) {
      if (binding.annotationOnly)
        return an.computed(`${cls.name}.${name} is set when the object is made`, binding, clsCtx);
      return an.lookup(name, { mod, scope: cls.scope, line: Number.MAX_SAFE_INTEGER }, expr);
    }
    return settingsField(an, chain, cls, mod, name, binding);
  }
  return an.computed(`${obj.cls.name}.${name}`, expr, ctx);
}

/** A pydantic BaseSettings field: its environment variable, and its default when unset. */
function settingsField(
  an: Analyzer,
  chain: Array<{ cls: ClassDef; mod: ModuleIndex }>,
  cls: ClassDef,
  mod: ModuleIndex,
  name: string,
  binding: Binding,
): Val {
  const where: SourceLocation = { file: mod.file, line: binding.line, expression: `${cls.name}.${name}` };
  const clsCtx: Ctx = { mod, scope: cls.scope, line: binding.line };
  const { prefix, caseSensitive } = settingsConfig(an, chain);
  let variable = `${prefix}${name}`;
  let fallback: Val | undefined = binding.annotationOnly
    ? undefined
    : binding.expr
      ? an.eval(binding.expr, clsCtx)
      : undefined;
  const value = binding.expr;
  if (value?.k === 'call' && /(^|\.)Field$/.test(exprName(value.func))) {
    const kw = (n: string): PyExpr | undefined => value.kwargs.find((k) => k.name === n)?.value;
    const aliasExpr = kw('validation_alias') ?? kw('alias') ?? kw('env');
    if (aliasExpr) {
      const alias = aliasExpr.k === 'call' ? aliasExpr.args[0] : aliasExpr.k === 'seq' ? aliasExpr.items[0] : aliasExpr;
      const v = alias ? an.eval(alias, clsCtx) : undefined;
      if (v?.k === 'str') variable = v.v;
      else return an.computed(`${cls.name}.${name} reads a computed alias`, binding, clsCtx);
    }
    const def = value.args[0] ?? kw('default');
    if (kw('default_factory')) fallback = an.computed(`${cls.name}.${name} has a default_factory`, binding, clsCtx);
    else if (!def || (def.k === 'const' && def.value === 'Ellipsis')) fallback = undefined;
    else fallback = an.eval(def, clsCtx);
  }
  if (hasValidator(chain, name)) fallback = an.computed(`a validator of ${cls.name}.${name}`, binding, clsCtx);
  return {
    k: 'env',
    variable: caseSensitive ? variable : variable.toUpperCase(),
    fallback: fallback ?? { k: 'none' },
    caseInsensitive: !caseSensitive,
    replace: [],
    where,
  };
}

function settingsConfig(
  an: Analyzer,
  chain: Array<{ cls: ClassDef; mod: ModuleIndex }>,
): {
  prefix: string;
  caseSensitive: boolean;
} {
  let prefix = '';
  let caseSensitive = false;
  // The base classes first, so that a subclass's settings win.
  for (const { cls, mod } of [...chain].reverse()) {
    const ctx: Ctx = { mod, scope: cls.scope, line: Number.MAX_SAFE_INTEGER };
    const apply = (key: string, value: PyExpr): void => {
      const v = an.eval(value, ctx);
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

function hasValidator(chain: Array<{ cls: ClassDef; mod: ModuleIndex }>, field: string): boolean {
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

function classChain(an: Analyzer, cls: ClassDef, mod: ModuleIndex): Array<{ cls: ClassDef; mod: ModuleIndex }> {
  const chain: Array<{ cls: ClassDef; mod: ModuleIndex }> = [];
  const visit = (c: ClassDef, m: ModuleIndex): void => {
    if (chain.some((e) => e.cls === c) || chain.length > 10) return;
    chain.push({ cls: c, mod: m });
    for (const base of c.bases) {
      const v = an.eval(base, { mod: m, scope: m.scope, line: Number.MAX_SAFE_INTEGER });
      if (v.k === 'class') visit(v.cls, v.mod);
    }
  };
  visit(cls, mod);
  return chain;
}

function qualifiedBase(an: Analyzer, base: PyExpr, mod: ModuleIndex, cls: ClassDef): string {
  const v = an.eval(base, { mod, scope: cls.scope.parent ?? mod.scope, line: Number.MAX_SAFE_INTEGER });
  return v.k === 'ext' ? v.name : v.k === 'class' ? v.cls.name : exprName(base);
}
