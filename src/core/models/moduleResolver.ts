// Project modules as model discovery sees them: modules found with Python's import rules (from the project's
// import roots), what their names are bound to (classes, declarative bases, MetaData, Table objects, Flask's
// `db`), and which MetaData an expression is. Reading classes as models is modelClasses.ts's job.
import * as path from 'node:path';
import {
  type ClassDef,
  cachedDiskProbe,
  findModule,
  findSubmodule,
  type ImportStmt,
  indexPythonModule,
  keyword,
  type ModuleIndex,
  type ModuleProbe,
  type PyExpr,
} from '../python';
import type { ModelColumn } from './modelColumns';
import { isInside } from './projectFiles';

export interface ModuleData {
  file: string;
  module: string;
  index: ModuleIndex;
}

export type Entity =
  | { k: 'module'; mod: ModuleData }
  | { k: 'class'; mod: ModuleData; cls: ClassDef }
  | { k: 'declBase'; mod: ModuleData; name: string; call: PyExpr & { k: 'call' } }
  | { k: 'metadata'; mod: ModuleData; name: string }
  | { k: 'flaskDb'; mod: ModuleData; name: string }
  | { k: 'flaskModel'; db?: Entity & { k: 'flaskDb' }; guessed: boolean }
  | { k: 'metadataOf'; of: Entity }
  | { k: 'table'; mod: ModuleData; name: string; call: PyExpr & { k: 'call' } }
  | { k: 'external'; dotted: string }
  | { k: 'unknown'; name: string };

export type TablenameMode = 'lower' | 'snake' | 'computed';

export interface ClassInfo {
  role: 'root' | 'mapped' | 'mixin' | 'other';
  /** Identity of the metadata the class maps into. */
  root?: string;
  /** The root was guessed from a base class name that could not be followed. */
  guessedRoot?: boolean;
  tablenameMode?: TablenameMode;
  tableName?: string;
  schema?: string;
  sqlmodel: boolean;
  columns: ModelColumn[];
  /** Single-table inheritance with no column of its own: the class adds nothing to any table. */
  addsNoColumns?: boolean;
}

export abstract class ModuleResolver {
  private readonly modules = new Map<string, ModuleData | undefined>();
  protected readonly infos = new Map<ClassDef, ClassInfo>();
  protected readonly inProgress = new Set<ClassDef | string>();
  private depth = 0;

  /** `offline`: one module read alone; no import is followed, not even a relative one. */
  constructor(
    private readonly roots: string[],
    private readonly readFile: (file: string) => string | undefined,
    private readonly offline = false,
  ) {}

  /** Existence checks, remembered for this discovery only: it asks the same questions many times. */
  private readonly probe: ModuleProbe = cachedDiskProbe();

  fromText(file: string, text: string, module: string): ModuleData {
    const mod: ModuleData = { file, module, index: indexPythonModule(text) };
    this.modules.set(file, mod);
    return mod;
  }

  load(file: string): ModuleData | undefined {
    if (!this.modules.has(file)) {
      const text = this.readFile(file);
      this.modules.set(
        file,
        text === undefined ? undefined : { file, module: this.moduleName(file), index: indexPythonModule(text) },
      );
    }
    return this.modules.get(file);
  }

  private moduleName(file: string): string {
    for (const root of this.roots) {
      if (!isInside(file, root)) continue;
      const parts = path.relative(root, file).replace(/\.py$/, '').split(path.sep);
      if (parts[parts.length - 1] === '__init__') parts.pop();
      return parts.join('.');
    }
    return path.basename(file, '.py');
  }

  // ------------------------------------------------------------------ import resolution

  /**
   * The project file a dotted module lives in, and the files Python runs importing it (each
   * package's __init__.py, then the module). Outside the project (site-packages): undefined.
   */
  private findModule(
    dotted: string,
    level: number,
    fromFile: string,
  ): { file?: string; dir?: string; chain: string[] } | undefined {
    if (this.offline) return undefined;
    const found = findModule(dotted, level, fromFile, this.roots, this.probe);
    return found && { file: found.file, dir: found.dirs[0], chain: found.chain };
  }

  /** The project files `stmt` in `mod` makes Python run, in order. */
  executedBy(mod: ModuleData, stmt: ImportStmt): string[] {
    const found = this.findModule(stmt.module, stmt.level, mod.file);
    if (!found) return [];
    const files = [...found.chain];
    if (stmt.kind === 'from' && found.dir) {
      for (const { name } of stmt.names) {
        if (name === '*') continue;
        const sub = this.submodule(found.dir, name);
        if (sub) files.push(sub);
      }
      if (stmt.level > 0 && found.file && !files.includes(found.file)) files.unshift(found.file);
    }
    return files.filter((f) => f !== mod.file);
  }

  private submodule(dir: string, name: string): string | undefined {
    return findSubmodule([dir], name, this.probe)?.file;
  }

  private moduleEntity(found: { file?: string; dir?: string } | undefined, dotted: string): Entity {
    if (!found) return { k: 'external', dotted };
    const mod = found.file ? this.load(found.file) : undefined;
    if (mod) return { k: 'module', mod };
    // A namespace package: its submodules are found through the folder.
    if (found.dir)
      return {
        k: 'module',
        mod: { file: path.join(found.dir, '__init__.py'), module: dotted, index: indexPythonModule('') },
      };
    return { k: 'unknown', name: dotted };
  }

  private importEntity(mod: ModuleData, stmt: ImportStmt, name: string | undefined): Entity {
    if (stmt.kind === 'import') {
      const dotted = stmt.alias ? stmt.module : stmt.module.split('.')[0];
      return this.moduleEntity(this.findModule(dotted, 0, mod.file), dotted);
    }
    const found = this.findModule(stmt.module, stmt.level, mod.file);
    if (!found)
      return stmt.level > 0
        ? { k: 'unknown', name: name ?? stmt.module }
        : { k: 'external', dotted: `${stmt.module}.${name}` };
    if (!name) return { k: 'unknown', name: stmt.module };
    const pkg = found.file ? this.load(found.file) : undefined;
    if (pkg?.index.bindings.has(name)) return this.lookup(pkg, name);
    if (found.dir) {
      const sub = this.submodule(found.dir, name);
      if (sub) {
        const loaded = this.load(sub);
        if (loaded) return { k: 'module', mod: loaded };
      }
    }
    return pkg ? this.lookup(pkg, name) : { k: 'unknown', name };
  }

  // ------------------------------------------------------------------ names and expressions

  lookup(mod: ModuleData, name: string): Entity {
    const key = `${mod.file}\0${name}`;
    if (this.inProgress.has(key) || this.depth > 40) return { k: 'unknown', name };
    this.inProgress.add(key);
    this.depth++;
    try {
      const binding = mod.index.bindings.get(name);
      if (!binding) {
        for (const stmt of mod.index.imports) {
          if (stmt.kind !== 'from' || stmt.typeChecking || stmt.inFunction || !stmt.names.some((n) => n.name === '*'))
            continue;
          const target = this.findModule(stmt.module, stmt.level, mod.file);
          const starMod = target?.file ? this.load(target.file) : undefined;
          if (starMod?.index.bindings.has(name)) return this.lookup(starMod, name);
        }
        return { k: 'unknown', name };
      }
      switch (binding.kind) {
        case 'import':
          return this.importEntity(mod, binding.stmt, binding.name);
        case 'class':
          return { k: 'class', mod, cls: binding.cls };
        case 'assign':
          return this.assigned(mod, name, binding.value);
        default:
          return { k: 'unknown', name };
      }
    } finally {
      this.inProgress.delete(key);
      this.depth--;
    }
  }

  private assigned(mod: ModuleData, name: string, value: PyExpr): Entity {
    if (value.k === 'call') {
      const callee = this.evalExpr(mod, value.func);
      const dotted = callee.k === 'external' ? callee.dotted : '';
      const last = value.func.k === 'attr' ? value.func.name : value.func.k === 'name' ? value.func.id : '';
      // `typing.cast(Any, declarative_base())` is its second argument at run time (deepchecks writes its bases so).
      const isCast = /(^|\.)typing\.cast$/.test(dotted) || (callee.k === 'unknown' && last === 'cast');
      if (isCast && value.args.length === 2) return this.assigned(mod, name, value.args[1]);
      if (
        /(^|\.)declarative_base$/.test(dotted) ||
        last === 'generate_base' ||
        (callee.k === 'unknown' && last === 'declarative_base')
      ) {
        return { k: 'declBase', mod, name, call: value };
      }
      if (/(^|\.)MetaData$/.test(dotted) || (callee.k === 'unknown' && last === 'MetaData'))
        return { k: 'metadata', mod, name };
      if (/(^|\.)SQLAlchemy$/.test(dotted) || (callee.k === 'unknown' && last === 'SQLAlchemy'))
        return { k: 'flaskDb', mod, name };
      if (last === 'Table' && (callee.k === 'external' || callee.k === 'unknown'))
        return { k: 'table', mod, name, call: value };
      return { k: 'unknown', name };
    }
    return this.evalExpr(mod, value);
  }

  evalExpr(mod: ModuleData, expr: PyExpr): Entity {
    if (expr.k === 'name') return this.lookup(mod, expr.id);
    if (expr.k === 'attr') {
      const obj = this.evalExpr(mod, expr.obj);
      if (obj.k === 'module') {
        if (obj.mod.index.bindings.has(expr.name)) return this.lookup(obj.mod, expr.name);
        const sub = this.submodule(path.dirname(obj.mod.file), expr.name);
        const loaded = sub && path.basename(obj.mod.file) === '__init__.py' ? this.load(sub) : undefined;
        return loaded ? { k: 'module', mod: loaded } : { k: 'unknown', name: expr.name };
      }
      if (obj.k === 'external') return { k: 'external', dotted: `${obj.dotted}.${expr.name}` };
      if (obj.k === 'flaskDb' && expr.name === 'Model') return { k: 'flaskModel', db: obj, guessed: false };
      if (obj.k === 'unknown' && expr.name === 'Model') return { k: 'flaskModel', guessed: true };
      if (expr.name === 'metadata') return { k: 'metadataOf', of: obj };
      return { k: 'unknown', name: expr.name };
    }
    return { k: 'unknown', name: expr.k };
  }

  /** The identity of the MetaData an entity is (or owns), and where that is defined. */
  metadataIdentity(entity: Entity): { id: string; owner?: { mod: ModuleData; name: string } } | undefined {
    switch (entity.k) {
      case 'metadata':
        return { id: `${entity.mod.file}#${entity.name}`, owner: { mod: entity.mod, name: entity.name } };
      case 'metadataOf':
        return this.ownerMetadata(entity.of);
      default:
        return undefined;
    }
  }

  private ownerMetadata(of: Entity): { id: string; owner?: { mod: ModuleData; name: string } } | undefined {
    switch (of.k) {
      case 'class': {
        const info = this.classify(of.mod, of.cls);
        if (!info.root) return undefined;
        return { id: info.root, owner: this.rootOwner(info.root) ?? { mod: of.mod, name: of.cls.name } };
      }
      case 'declBase': {
        const id = this.declBaseId(of);
        return { id, owner: { mod: of.mod, name: of.name } };
      }
      case 'flaskDb':
        return { id: `${of.mod.file}#${of.name}`, owner: { mod: of.mod, name: of.name } };
      case 'flaskModel':
        return of.db
          ? { id: `${of.db.mod.file}#${of.db.name}`, owner: { mod: of.db.mod, name: of.db.name } }
          : undefined;
      case 'external':
        return of.dotted.endsWith('SQLModel') ? { id: 'sqlmodel' } : undefined;
      default:
        return undefined;
    }
  }

  protected readonly rootOwners = new Map<string, { mod: ModuleData; name: string }>();

  private rootOwner(id: string): { mod: ModuleData; name: string } | undefined {
    return this.rootOwners.get(id);
  }

  protected declBaseId(base: Entity & { k: 'declBase' }): string {
    const meta = keyword(base.call, 'metadata');
    const fromMeta = meta ? this.metadataIdentity(this.evalExpr(base.mod, meta)) : undefined;
    const id = fromMeta?.id ?? `${base.mod.file}#${base.name}`;
    if (!this.rootOwners.has(id)) this.rootOwners.set(id, { mod: base.mod, name: base.name });
    return id;
  }

  /** What a class is to SQLAlchemy (a declarative root, a mapped class, a mixin...): modelClasses.ts. */
  abstract classify(mod: ModuleData, cls: ClassDef): ClassInfo;
}
