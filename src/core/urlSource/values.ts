// The values the env.py analyzer computes for an expression: a string, an environment variable (with its
// default), the ini's URL, an engine, a module, a settings object... or something only Python can compute.
import type { PyExpr } from '../python';
import type { ClassDef, FunctionDef, ModuleIndex, Scope } from './moduleScope';

export interface SourceLocation {
  file: string;
  line: number;
  /** The expression written there, as the reader renders it (a secret in it is not masked yet). */
  expression?: string;
}

/** How many imports deep the reader follows from env.py into the app's modules. */
export const MAX_IMPORT_DEPTH = 3;
export const MAX_EVAL_DEPTH = 60;

export type Val =
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

export interface Ctx {
  mod: ModuleIndex;
  scope: Scope;
  line: number;
}

/** Classes and functions whose call or attribute reads one environment variable. */
export const ENV_FUNCTIONS = new Set([
  'os.getenv',
  'os.environ.get',
  'os.environ.setdefault',
  'decouple.config',
  'environ.get',
]);
export const ENV_READER_CLASSES = new Set([
  'starlette.config.Config',
  'environs.Env',
  'decouple.AutoConfig',
  'decouple.Config',
]);
export const ENGINE_FUNCTIONS = new Set([
  'sqlalchemy.create_engine',
  'sqlalchemy.engine.create_engine',
  'sqlalchemy.ext.asyncio.create_async_engine',
  'sqlmodel.create_engine',
  'sqlalchemy.ext.asyncio.engine.create_async_engine',
]);
export const ENGINE_FROM_CONFIG = new Set([
  'sqlalchemy.engine_from_config',
  'sqlalchemy.engine.engine_from_config',
  'sqlalchemy.ext.asyncio.async_engine_from_config',
]);
export const URL_IDENTITY = new Set([
  'sqlalchemy.engine.url.make_url',
  'sqlalchemy.engine.make_url',
  'sqlalchemy.make_url',
  'str',
  'sqlalchemy.engine.url.URL',
]);

export function applyReplace(obj: Val, from: string, to: string, otherwise: Val): Val {
  if (obj.k === 'str') return { ...obj, v: obj.v.split(from).join(to) };
  if (obj.k === 'env') {
    const fallback =
      obj.fallback && obj.fallback.k !== 'none' ? applyReplace(obj.fallback, from, to, obj.fallback) : obj.fallback;
    return { ...obj, fallback, replace: [...obj.replace, [from, to]] };
  }
  if (obj.k === 'pctEscaped') return applyReplace(obj.inner, from, to, otherwise);
  return otherwise;
}

export function exprName(expr: PyExpr): string {
  if (expr.k === 'name') return expr.id;
  if (expr.k === 'attr') return `${exprName(expr.obj)}.${expr.name}`;
  return '';
}

export function varsOf(v: Val): string[] {
  if (v.k === 'env') return [v.variable];
  if (v.k === 'computed') return v.vars ?? [];
  if (v.k === 'pctEscaped') return varsOf(v.inner);
  if (v.k === 'engine') return varsOf(v.url);
  return [];
}

export function describeVal(v: Val): string {
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

export function valKey(v: Val): string {
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
