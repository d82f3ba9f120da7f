// Revision variables written from constants, as OpenStack does (`branch_labels = (cli.CONTRACT_BRANCH,)`,
// `from glance.db.migration import EXPAND_BRANCH`): Alembic runs the file and sees the value, so this
// reads it statically. A value that is a name, a dotted name, or a tuple / list of them (mixed with
// literals) is looked up in the revision file's module-level bindings made before its line, then through
// its imports with Python's rules (python/imports.ts: a package's __init__.py before a module) from the
// project's import roots (sysPath.ts), down to a module-level assignment of a string, None or a tuple of
// strings, following re-exports (`from .x import NAME`) a few levels deep. Only the files whose watched
// value the fast reader found computed pay anything: one full tokenization of that file, and of each
// module it names (read once per ImportedConstants, i.e. per load or update).
// A revision file's own relative imports are never followed: Alembic loads it as a top-level module
// (no parent package), so Python refuses them.
import {
  cachedDiskProbe,
  findModule,
  findSubmodule,
  type ImportStmt,
  indexPythonModule,
  type ModuleIndex,
  type ModuleProbe,
  type PyExpr,
  type PyValue,
  readPythonFile,
} from './python';

/** A resolved value, and the files (other than the revision file) it was read from. */
export interface ResolvedConstant {
  value: PyValue;
  files: string[];
}

export interface ConstantLookup {
  /**
   * The value of the assignment to `name` on `line` of the revision file `file` (its text `text`), when
   * it is made of names or dotted names that resolve to literals; undefined when it cannot be known.
   */
  resolve(file: string, text: string, name: string, line: number): ResolvedConstant | undefined;
}

interface Scope {
  file: string;
  index: ModuleIndex;
  /** The revision file: only the bindings made before this line count (the module is still running). */
  before?: number;
}

type Entity =
  | { k: 'value'; value: PyValue }
  /** `dotted`: the absolute name, when known; `imported`: the submodules the importing file imported. */
  | { k: 'module'; file?: string; dirs: string[]; dotted?: string; imported?: Set<string> };

/** Re-exports followed at most: a constant is rarely more than two modules away. */
const MAX_DEPTH = 12;

/**
 * Resolves imported constants for one load (or one update) of a project: the modules it reads and the
 * file system's answers are remembered for its lifetime only, so a new instance sees changed modules.
 */
export class ImportedConstants implements ConstantLookup {
  private readonly modules = new Map<string, Scope | undefined>();
  private readonly probe: ModuleProbe = cachedDiskProbe();
  /** The revision file last indexed (one file asks for up to four variables in a row). */
  private current?: { file: string; text: string; index: ModuleIndex };
  private files = new Set<string>();
  private depth = 0;
  private readonly inProgress = new Set<string>();

  private rootList?: readonly string[];

  /** `roots`: sys.path, asked for on the first value to resolve (most loads have none). */
  constructor(private readonly roots: () => readonly string[]) {}

  resolve(file: string, text: string, name: string, line: number): ResolvedConstant | undefined {
    if (this.current?.file !== file || this.current.text !== text)
      this.current = { file, text, index: indexPythonModule(text) };
    const { index } = this.current;
    if (index.error) return undefined;
    const assignment = index.assignments.find((a) => a.target === name && a.line === line && a.value);
    if (!assignment?.value || !isNameExpression(assignment.value)) return undefined;
    this.files = new Set();
    this.depth = 0;
    const found = this.evaluate({ file, index, before: line }, assignment.value);
    if (found?.k !== 'value') return undefined;
    this.files.delete(file);
    return { value: found.value, files: [...this.files] };
  }

  /** A module Python would import from `file`; undefined when it cannot be read or does not parse. */
  private scopeOf(file: string): Scope | undefined {
    if (!this.modules.has(file)) {
      const text = readPythonFile(file);
      const index = text === undefined ? undefined : indexPythonModule(text);
      this.modules.set(file, index && !index.error ? { file, index } : undefined);
    }
    const scope = this.modules.get(file);
    if (scope) this.files.add(file);
    return scope;
  }

  private evaluate(scope: Scope, expr: PyExpr): Entity | undefined {
    switch (expr.k) {
      case 'str':
        return { k: 'value', value: { kind: 'str', value: expr.value } };
      case 'const':
        return expr.value === 'None' ? { k: 'value', value: { kind: 'none' } } : undefined;
      case 'seq': {
        if (expr.kind === 'set' && expr.items.length === 0) return undefined;
        const items: PyValue[] = [];
        for (const item of expr.items) {
          const found = this.evaluate(scope, item);
          // Alembic's values hold strings (None is reported by the reader); a nested tuple is no revision.
          if (found?.k !== 'value' || found.value.kind === 'seq' || found.value.kind === 'computed') return undefined;
          items.push(found.value);
        }
        return { k: 'value', value: expr.kind === 'set' ? { kind: 'seq', items, set: true } : { kind: 'seq', items } };
      }
      case 'name':
        return this.lookup(scope, expr.id);
      case 'attr': {
        const obj = this.evaluate(scope, expr.obj);
        if (obj?.k !== 'module') return undefined;
        const mod = obj.file ? this.scopeOf(obj.file) : undefined;
        if (mod && bindingOf(mod, expr.name)) return this.lookup(mod, expr.name);
        // `import a.b` binds `a`, and `a.b` is an attribute because the import loaded it.
        const dotted = obj.dotted && `${obj.dotted}.${expr.name}`;
        if (!dotted || !obj.imported?.has(dotted) || !obj.dirs.length) return undefined;
        const sub = findSubmodule(obj.dirs, expr.name, this.probe);
        return sub && { k: 'module', file: sub.file, dirs: sub.dirs, dotted, imported: obj.imported };
      }
      default:
        return undefined;
    }
  }

  private lookup(scope: Scope, name: string): Entity | undefined {
    const key = `${scope.file}\0${name}`;
    if (this.inProgress.has(key) || this.depth >= MAX_DEPTH) return undefined;
    this.inProgress.add(key);
    this.depth++;
    try {
      const binding = bindingOf(scope, name);
      // A value changed after its assignment (`deps += [...]`, even inside a `try:`) is no longer the literal.
      const mutated = scope.index.mutations.get(name);
      if (binding?.kind === 'assign' && (mutated === 'rebound' || (mutated && binding.value.k === 'seq')))
        return undefined;
      if (binding?.kind === 'assign') return this.evaluate(scope, binding.value);
      if (binding?.kind === 'import') return this.imported(scope, binding.stmt, binding.name);
      if (binding) return undefined;
      // `from m import *` binds what m binds (no __all__ check: a constant is public).
      for (const stmt of scope.index.imports) {
        if (!runs(scope, stmt) || stmt.kind !== 'from' || !stmt.names.some((n) => n.name === '*')) continue;
        const target = this.findModule(scope, stmt.module, stmt.level);
        const mod = target?.file ? this.scopeOf(target.file) : undefined;
        if (mod && bindingOf(mod, name)) return this.lookup(mod, name);
      }
      return undefined;
    } finally {
      this.inProgress.delete(key);
      this.depth--;
    }
  }

  private findModule(scope: Scope, dotted: string, level: number) {
    // The revision file is loaded as a top-level module: a relative import there raises ImportError.
    if (level > 0 && scope.before !== undefined) return undefined;
    this.rootList ??= this.roots();
    return findModule(dotted, level, scope.file, this.rootList, this.probe);
  }

  /** What `stmt` binds `name` to (`from m import name`), or the module `import a.b [as c]` binds. */
  private imported(scope: Scope, stmt: ImportStmt, name: string | undefined): Entity | undefined {
    if (stmt.kind === 'import') {
      const dotted = stmt.alias ? stmt.module : stmt.module.split('.')[0];
      const found = this.findModule(scope, dotted, 0);
      return found && { k: 'module', file: found.file, dirs: found.dirs, dotted, imported: importedModules(scope) };
    }
    const found = this.findModule(scope, stmt.module, stmt.level);
    if (!found || !name) return undefined;
    // Python takes the package's attribute first, then imports the submodule of that name.
    const pkg = found.file ? this.scopeOf(found.file) : undefined;
    if (pkg && bindingOf(pkg, name)) return this.lookup(pkg, name);
    const sub = found.dirs.length ? findSubmodule(found.dirs, name, this.probe) : undefined;
    if (sub) {
      const dotted = stmt.level ? undefined : `${stmt.module}.${name}`;
      return { k: 'module', file: sub.file, dirs: sub.dirs, dotted, imported: importedModules(scope) };
    }
    return pkg ? this.lookup(pkg, name) : undefined;
  }
}

type Binding =
  | { kind: 'assign'; line: number; value: PyExpr }
  | { kind: 'import'; line: number; stmt: ImportStmt; name?: string }
  | { kind: 'other'; line: number };

/** The binding of `name` Python sees: a module's last one, or in the revision file the last before its line. */
function bindingOf(scope: Scope, name: string): Binding | undefined {
  const last = scope.index.bindings.get(name);
  if (scope.before === undefined || !last) {
    if (!last) return undefined;
    if (last.kind === 'assign' || last.kind === 'import') return last;
    return { kind: 'other', line: last.line };
  }
  if (last.line < scope.before && (last.kind === 'assign' || last.kind === 'import')) return last;
  let found: Binding | undefined;
  for (const a of scope.index.assignments) {
    if (a.target === name && a.line < scope.before && (!found || a.line >= found.line))
      found = a.value ? { kind: 'assign', line: a.line, value: a.value } : found;
  }
  for (const stmt of scope.index.imports) {
    if (!runs(scope, stmt) || (found && stmt.line < found.line)) continue;
    if (stmt.kind === 'import' && (stmt.alias ?? stmt.module.split('.')[0]) === name)
      found = { kind: 'import', line: stmt.line, stmt };
    else if (stmt.kind === 'from')
      for (const n of stmt.names)
        if ((n.alias ?? n.name) === name) found = { kind: 'import', line: stmt.line, stmt, name: n.name };
  }
  // A def or class after the last assignment or import, still before the line, hides it.
  if (found && last.kind !== 'assign' && last.kind !== 'import' && last.line < scope.before && last.line > found.line)
    return { kind: 'other', line: last.line };
  return found;
}

/** An import that runs when the module does, before the line being resolved. */
function runs(scope: Scope, stmt: ImportStmt): boolean {
  return !stmt.inFunction && !stmt.typeChecking && (scope.before === undefined || stmt.line < scope.before);
}

/** `a.b` and `a.b.c` for `import a.b.c`: the submodules reachable as attributes of `a`. */
function importedModules(scope: Scope): Set<string> {
  const out = new Set<string>();
  for (const stmt of scope.index.imports) {
    if (stmt.kind !== 'import' || !runs(scope, stmt)) continue;
    const parts = stmt.module.split('.');
    for (let i = 2; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
  }
  return out;
}

/** A value made of names, dotted names and literals, in a tuple or list at most: worth resolving. */
function isNameExpression(expr: PyExpr): boolean {
  if (expr.k === 'name' || expr.k === 'attr') return isDotted(expr);
  if (expr.k === 'seq') return expr.items.some((i) => i.k === 'name' || i.k === 'attr') && expr.items.every(isItem);
  return false;
}

function isItem(expr: PyExpr): boolean {
  return expr.k === 'str' || (expr.k === 'const' && expr.value === 'None') || isDotted(expr);
}

function isDotted(expr: PyExpr): boolean {
  return expr.k === 'name' || (expr.k === 'attr' && isDotted(expr.obj));
}
