// SQLAlchemy models as their source declares them, read without running Python: declarative classes (a
// `DeclarativeBase`, `declarative_base()`, `as_declarative`, Flask-SQLAlchemy's `db.Model`), SQLModel tables,
// mixins and inheritance, `Table(...)` objects, table names (including declared_attr ones Python computes).
import * as path from 'node:path';
import {
  type ClassDef,
  calleeName,
  dottedName,
  keyword,
  type MethodDef,
  type PyExpr,
  readAssignments,
  stringValue,
} from '../python';
import { type BodyColumn, type ModelColumn, readColumn, readTable, schemaOf, stripFlag } from './modelColumns';
import { type ClassInfo, type ModuleData, ModuleResolver, type TablenameMode } from './moduleResolver';

export interface ModelClass {
  /** The class name, or the variable a `Table(...)` is assigned to. */
  name: string;
  /** Undefined when only Python can compute it (a `declared_attr` other than `cls.__name__.lower()`). */
  tableName?: string;
  /** `__table_args__ = {"schema": ...}` or `Table(..., schema=...)`. */
  schema?: string;
  line: number;
  kind: 'declarative' | 'sqlmodel' | 'table';
  columns: ModelColumn[];
  /** Some columns come from where the reader cannot follow (an outside base class, a declared_attr). */
  partial?: boolean;
  /** A single-table-inheritance subclass without columns of its own: its parent's table is all it maps. */
  addsNoColumns?: true;
}

export interface DeclarativeBaseInfo {
  /** `Base`, or `SQLModel`. */
  name: string;
  /** The module to import it from (`app.db.base_class`, or `sqlmodel`). */
  module: string;
  path?: string;
  line?: number;
}

/** The mapped classes and Table objects of one module, read alone (imported bases are guessed by name). */
export function parseModelModule(text: string, file: string): ModelClass[] {
  const resolver = new ModelReader([], () => undefined, true);
  const mod = resolver.fromText(path.resolve(file), text, path.basename(file).replace(/\.py$/, ''));
  return resolver.modelsOf(mod).map((m) => m.model);
}

interface ClassBody {
  tablename?: string;
  /** `__tablename__` is computed: a declared_attr (`lower` when it returns `cls.__name__.lower()`). */
  declared?: TablenameMode;
  table?: { name?: string; schema?: string; columns: ModelColumn[] };
  abstract: boolean;
  schema?: string;
  columns: BodyColumn[];
  /** `metadata = <expr>` in a declarative root. */
  metadata?: PyExpr;
}

const DECLARATIVE_BASE_CLASSES = new Set(['DeclarativeBase', 'DeclarativeBaseNoMeta']);

export class ModelReader extends ModuleResolver {
  classify(mod: ModuleData, cls: ClassDef): ClassInfo {
    const known = this.infos.get(cls);
    if (known) return known;
    if (this.inProgress.has(cls)) return { role: 'other', sqlmodel: false, columns: [] };
    this.inProgress.add(cls);
    try {
      const info = this.classifyInner(mod, cls);
      this.infos.set(cls, info);
      return info;
    } finally {
      this.inProgress.delete(cls);
    }
  }

  private classifyInner(mod: ModuleData, cls: ClassDef): ClassInfo {
    const body = this.readBody(mod, cls);
    let isRoot = false;
    let sqlmodel = false;
    let root: string | undefined;
    let guessedRoot = false;
    let mode: TablenameMode | undefined = body.declared;
    let mappedParent: ClassInfo | undefined;
    const inherited: ModelColumn[] = [];
    const inherit = (from: ClassInfo, name: string, file: string): void => {
      for (const c of from.columns) inherited.push(c.inheritedFrom ? c : { ...c, inheritedFrom: name, path: file });
    };
    const setRoot = (id: string | undefined, guessed: boolean): void => {
      if (root !== undefined && !guessedRoot) return;
      root = id;
      guessedRoot = guessed;
    };

    for (const baseExpr of cls.bases) {
      const base = this.evalExpr(mod, baseExpr);
      const written = dottedName(baseExpr) ?? '';
      const last = written.split('.').pop() ?? '';
      switch (base.k) {
        case 'external': {
          const name = base.dotted.split('.').pop() ?? '';
          if (DECLARATIVE_BASE_CLASSES.has(name) && /^sqlalchemy\./.test(base.dotted)) isRoot = true;
          else if (name === 'SQLModel') {
            sqlmodel = true;
            setRoot('sqlmodel', false);
          } else if (looksLikeBase(name) && !/^(sqlalchemy|pydantic|sqlmodel|typing|enum|abc)\b/.test(base.dotted)) {
            setRoot(`?${base.dotted}`, true);
            // `db.Model` of Flask-SQLAlchemy names tables after the class, in snake case.
            if (name === 'Model') mode ??= 'snake';
          }
          break;
        }
        case 'declBase': {
          setRoot(this.declBaseId(base), false);
          const customBase = keyword(base.call, 'cls');
          const custom = customBase ? this.evalExpr(base.mod, customBase) : undefined;
          if (custom?.k === 'class') {
            const info = this.classify(custom.mod, custom.cls);
            mode ??= info.tablenameMode;
            inherit(info, custom.cls.name, custom.mod.file);
          }
          break;
        }
        case 'flaskModel':
          setRoot(base.db ? `${base.db.mod.file}#${base.db.name}` : `?${written}`, base.guessed);
          mode ??= 'snake';
          break;
        case 'class': {
          const info = this.classify(base.mod, base.cls);
          if (info.sqlmodel) sqlmodel = true;
          if (info.root) setRoot(info.root, !!info.guessedRoot);
          if (info.role === 'mapped') {
            mappedParent ??= info;
          } else {
            mode ??= info.tablenameMode;
            inherit(info, base.cls.name, base.mod.file);
          }
          break;
        }
        case 'unknown':
          if (written === 'SQLModel') {
            sqlmodel = true;
            setRoot('sqlmodel', false);
          } else if (DECLARATIVE_BASE_CLASSES.has(last)) isRoot = true;
          else if (looksLikeBase(last)) setRoot(`?${written}`, true);
          if (last === 'Model' && !mode) mode = 'snake';
          break;
        default:
          break;
      }
    }
    for (const decorator of cls.decorators) {
      const name = dottedName(decorator.k === 'call' ? decorator.func : decorator) ?? '';
      if (/(^|\.)(as_declarative|as_declarative_base)$/.test(name)) isRoot = true;
      else if (/\.mapped(_as_dataclass)?$/.test(name)) setRoot(`?${name}`, true);
    }

    const declarativeColumns = body.columns.filter((c) => c.declarative).map(stripFlag);
    if (isRoot) {
      const id = body.metadata ? this.metadataIdentity(this.evalExpr(mod, body.metadata))?.id : undefined;
      const rootId = id ?? `${mod.file}#${cls.name}`;
      if (!this.rootOwners.has(rootId)) this.rootOwners.set(rootId, { mod, name: cls.name });
      return {
        role: 'root',
        root: rootId,
        sqlmodel: false,
        tablenameMode: mode,
        columns: [...inherited, ...declarativeColumns],
      };
    }
    if (sqlmodel) {
      const columns = [...inherited, ...body.columns.map(stripFlag)];
      const table = cls.keywords.find((k) => k.name === 'table');
      if (!(table?.value.k === 'const' && table.value.value === 'True'))
        return { role: 'mixin', root, sqlmodel, columns, tablenameMode: mode };
      const tableName =
        body.tablename ?? (body.declared ? declaredName(body.declared, cls.name) : cls.name.toLowerCase());
      return { role: 'mapped', root, sqlmodel, columns, tableName, schema: body.schema };
    }
    const columns = [...inherited, ...declarativeColumns];
    if (body.abstract) return { role: 'mixin', root, guessedRoot, sqlmodel, columns, tablenameMode: mode };
    if (body.tablename !== undefined || body.table) {
      const tableName = body.tablename ?? body.table?.name;
      const tableColumns = body.table ? [...inherited, ...body.table.columns] : columns;
      return {
        role: 'mapped',
        root,
        guessedRoot,
        sqlmodel,
        columns: tableColumns,
        tableName,
        schema: body.schema ?? body.table?.schema,
      };
    }
    const mapped = (tableName: string | undefined, schema: string | undefined): ClassInfo => ({
      role: 'mapped',
      root,
      guessedRoot,
      sqlmodel,
      columns,
      tableName,
      schema,
    });
    // Single-table inheritance: the subclass's columns go to the parent's table.
    if (mappedParent)
      return { ...mapped(mappedParent.tableName, mappedParent.schema), addsNoColumns: !declarativeColumns.length };
    if (root !== undefined) {
      const ownColumns = declarativeColumns.length > 0;
      // A guessed base maps only a class that declares columns; a known one with a computed name maps any.
      if (guessedRoot && !ownColumns)
        return { role: 'other', root, guessedRoot, sqlmodel, columns, tablenameMode: mode };
      if (!mode && !ownColumns) return { role: 'mixin', root, guessedRoot, sqlmodel, columns };
      return mapped(mode ? declaredName(mode, cls.name) : undefined, body.schema);
    }
    if (declarativeColumns.length || body.declared) return { role: 'mixin', sqlmodel, columns, tablenameMode: mode };
    return { role: 'other', sqlmodel, columns };
  }

  private readBody(mod: ModuleData, cls: ClassDef): ClassBody {
    const body: ClassBody = { abstract: false, columns: [] };
    for (const stmt of cls.body) {
      for (const a of readAssignments(stmt.tokens)) {
        const value = a.value;
        if (a.target === '__tablename__') {
          const name = stringValue(value);
          if (name !== undefined) body.tablename = name;
          else body.declared = 'computed';
          continue;
        }
        if (a.target === '__abstract__') {
          body.abstract = value?.k === 'const' && value.value === 'True';
          continue;
        }
        if (a.target === '__table_args__') {
          body.schema = schemaOf(value);
          continue;
        }
        if (a.target === '__table__' && value) {
          const table =
            value.k === 'call' && calleeName(value) === 'Table' ? { mod, call: value } : this.tableEntity(mod, value);
          if (table) body.table = readTable(table.call);
          continue;
        }
        if (a.target === 'metadata' && value) body.metadata = value;
        const column = readColumn(a.target, a.annotation, value, a.line);
        if (column) body.columns.push(column);
      }
    }
    for (const method of cls.methods) {
      if (method.name !== '__tablename__') continue;
      const returned = method.returns[0];
      body.declared = returned && isNameLower(returned) ? 'lower' : 'computed';
    }
    return body;
  }

  /**
   * Columns a class may have that the reader cannot list: from a base class outside the project (other
   * than SQLAlchemy's and SQLModel's own), a declared_attr method, or a `__table__` it cannot read.
   */
  private hasUnlistedColumns(mod: ModuleData, cls: ClassDef, seen: Set<ClassDef>): boolean {
    if (seen.has(cls)) return false;
    seen.add(cls);
    const decoratorName = (d: PyExpr): string => dottedName(d.k === 'call' ? d.func : d) ?? '';
    const declaredAttr = (m: MethodDef): boolean => m.decorators.some((d) => /declared_attr/.test(decoratorName(d)));
    if (cls.methods.some((m) => m.name !== '__tablename__' && declaredAttr(m))) return true;
    const assignsTable = cls.body.some((stmt) => readAssignments(stmt.tokens).some((a) => a.target === '__table__'));
    if (assignsTable && !this.readBody(mod, cls).table) return true;
    return cls.bases.some((baseExpr) => {
      const base = this.evalExpr(mod, baseExpr);
      const last = (dottedName(baseExpr) ?? '').split('.').pop() ?? '';
      if (base.k === 'external') return !/^(sqlalchemy|sqlmodel|typing|abc)\b/.test(base.dotted);
      if (base.k === 'unknown') return last !== 'SQLModel' && !DECLARATIVE_BASE_CLASSES.has(last);
      if (base.k === 'class') return this.hasUnlistedColumns(base.mod, base.cls, seen);
      if (base.k !== 'declBase') return false;
      const custom = keyword(base.call, 'cls');
      const customClass = custom ? this.evalExpr(base.mod, custom) : undefined;
      return customClass?.k === 'class' ? this.hasUnlistedColumns(customClass.mod, customClass.cls, seen) : false;
    });
  }

  private tableEntity(mod: ModuleData, expr: PyExpr): { mod: ModuleData; call: PyExpr & { k: 'call' } } | undefined {
    const entity = this.evalExpr(mod, expr);
    return entity.k === 'table' ? { mod: entity.mod, call: entity.call } : undefined;
  }

  /** The declarative bases a module defines (classes, `declarative_base()`), and SQLModel when its tables use it. */
  basesOf(mod: ModuleData): DeclarativeBaseInfo[] {
    const out: DeclarativeBaseInfo[] = [];
    for (const cls of mod.index.classes) {
      const info = this.classify(mod, cls);
      if (info.role === 'root') out.push({ name: cls.name, module: mod.module, path: mod.file, line: cls.line });
      if (info.role === 'mapped' && info.sqlmodel && !out.some((b) => b.name === 'SQLModel'))
        out.push({ name: 'SQLModel', module: 'sqlmodel' });
    }
    for (const a of mod.index.assignments) {
      if (a.value?.k !== 'call') continue;
      const entity = this.lookup(mod, a.target);
      if (entity.k === 'declBase' && entity.mod === mod)
        out.push({ name: a.target, module: mod.module, path: mod.file, line: a.line });
    }
    return out;
  }

  /** The mapped classes and Table objects of a module, with the metadata identity each maps into. */
  modelsOf(mod: ModuleData): Array<{ model: ModelClass; root?: string }> {
    const out: Array<{ model: ModelClass; root?: string; line: number }> = [];
    for (const cls of mod.index.classes) {
      const info = this.classify(mod, cls);
      if (info.role !== 'mapped') continue;
      const model: ModelClass = {
        name: cls.name,
        tableName: info.tableName,
        schema: info.schema,
        line: cls.line,
        kind: info.sqlmodel ? 'sqlmodel' : 'declarative',
        columns: info.columns,
      };
      if (this.hasUnlistedColumns(mod, cls, new Set())) model.partial = true;
      if (info.addsNoColumns) model.addsNoColumns = true;
      if (model.tableName === undefined) delete model.tableName;
      if (model.schema === undefined) delete model.schema;
      out.push({ model, root: info.guessedRoot ? undefined : info.root, line: cls.line });
    }
    for (const a of mod.index.assignments) {
      if (a.value?.k !== 'call' || calleeName(a.value) !== 'Table') continue;
      const table = readTable(a.value);
      if (table.name === undefined) continue;
      const model: ModelClass = {
        name: a.target,
        tableName: table.name,
        schema: table.schema,
        line: a.line,
        kind: 'table',
        columns: table.columns,
      };
      if (model.schema === undefined) delete model.schema;
      if (a.value.args.slice(2).some((arg) => arg.k !== 'call')) model.partial = true; // `*columns`, a variable
      const metaArg = a.value.args[1];
      const root = metaArg ? this.metadataIdentity(this.evalExpr(mod, metaArg))?.id : undefined;
      out.push({ model, root, line: a.line });
    }
    return out.sort((x, y) => x.line - y.line).map(({ model, root }) => ({ model, root }));
  }
}

/** `Base`, `BaseModel`-free: names a declarative base class is usually given. */
function looksLikeBase(name: string): boolean {
  if (/^(BaseModel|BaseSettings|ABC|Enum)$/.test(name)) return false;
  return /Base$/.test(name) || name === 'Model';
}

function declaredName(mode: TablenameMode, className: string): string | undefined {
  if (mode === 'lower') return className.toLowerCase();
  if (mode === 'snake') return camelToSnake(className);
  return undefined;
}

/** Flask-SQLAlchemy's automatic table name (`camel_to_snake_case`). */
export function camelToSnake(name: string): string {
  return name
    .replace(/((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))/g, '_$1')
    .toLowerCase()
    .replace(/^_+/, '');
}

/** `return cls.__name__.lower()`. */
function isNameLower(expr: PyExpr): boolean {
  return (
    expr.k === 'call' &&
    expr.func.k === 'attr' &&
    expr.func.name === 'lower' &&
    expr.func.obj.k === 'attr' &&
    expr.func.obj.name === '__name__'
  );
}
