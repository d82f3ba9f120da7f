// Which Python files define the models Alembic's autogenerate compares with the database, found
// without running Python: env.py's `target_metadata` is followed back through its imports to the
// declarative Base (or SQLModel, or a MetaData), and every project module that env.py imports,
// directly or through other modules, is read for mapped classes and Table objects. Importing is what
// registers a model in the metadata, so a mapped class whose module nobody imports is invisible to
// autogenerate: that pitfall is reported, with the file and class.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { type Problem, problem } from '../problems';
import type { PyExpr } from '../python';
import {
  type ClassDef,
  calleeName,
  dottedName,
  findModule,
  findSubmodule,
  type ImportStmt,
  indexPythonModule,
  keyword,
  type MethodDef,
  type ModuleIndex,
  type ModuleProbe,
  readAssignments,
  readPythonFile,
  renderExpr,
  stringValue,
} from '../python';
import { projectImportRoots } from '../sysPath';

export interface ModelColumn {
  /** The database column name. */
  name: string;
  line: number;
  /** The Python attribute, when it differs from the column name (`Column("user_name", ...)`). */
  attribute?: string;
  /** When the source says: `nullable=`, `primary_key=True`, or `Mapped[Optional[...]]` against `Mapped[...]`. */
  nullable?: boolean;
  /** Set for a column a mixin or base class declares: its line is in `path`, not in the model's file. */
  inheritedFrom?: string;
  path?: string;
}

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
}

export interface ModelFile {
  path: string;
  /** Dotted module name (`app.models.user`). */
  module: string;
  /** Why the file counts, in words: "imported by env.py (line 12) for target_metadata". */
  reason: string;
  classes: ModelClass[];
}

export interface UnimportedModels {
  path: string;
  module: string;
  classes: ModelClass[];
}

export interface DeclarativeBaseInfo {
  /** `Base`, or `SQLModel`. */
  name: string;
  /** The module to import it from (`app.db.base_class`, or `sqlmodel`). */
  module: string;
  path?: string;
  line?: number;
}

export interface ModelDiscovery {
  files: ModelFile[];
  /** env.py's target_metadata: the expression, the module that defines what it names, the line in env.py. */
  metadata?: { expression: string; module?: string; line: number };
  problems: Problem[];
  /** env.py, when found. */
  envPy?: string;
  /**
   * Project modules with mapped classes that nothing env.py imports loads: those for target_metadata,
   * or, when target_metadata is None, every module with models (what a fix should import). Not in glob mode.
   */
  unimported?: UnimportedModels[];
  /** The declarative bases found in the modules read (for a fix of `target_metadata = None`). */
  bases?: DeclarativeBaseInfo[];
  /** Every project file read while following env.py's imports: watch them to know when to discover again. */
  scanned?: string[];
  /** Why `files` may miss models (`file:line: reason`): imports made at run time, a module that does not parse... */
  partial?: string;
  /** Tables the modules read map into another MetaData than target_metadata's. */
  otherTables?: Array<{ table: string; schema?: string }>;
}

export interface FindModelsInput {
  config: AlembicConfig;
  /** Reads a file; default: the file system (undefined when missing). Pass one that sees unsaved editors. */
  readFile?: (file: string) => string | undefined;
  /** Lists the .py files under a folder, recursively; default: a walk that skips virtualenvs, tests and caches. */
  listPythonFiles?: (root: string) => string[];
  /** `alembic.modelGlobs`: paths relative to the config's folder (`app/**\/models.py`); replaces discovery. */
  modelGlobs?: string[];
  /**
   * Read the project's other .py files for models nobody imports (`models-not-imported`, `unimported`).
   * Default true; it reads every file that may hold a model, so a caller on a hot path may turn it off.
   */
  scanUnimported?: boolean;
}

/** How many imports deep the discovery follows from env.py. */
const MAX_IMPORT_DEPTH = 8;
/** At most this many modules are read while following imports. */
const MAX_MODULES = 500;
/** At most this many project files are read looking for models nobody imports. */
const MAX_SCANNED_FILES = 5000;

/** The mapped classes and Table objects of one module, read alone (imported bases are guessed by name). */
export function parseModelModule(text: string, file: string): ModelClass[] {
  const resolver = new Resolver([], () => undefined, true);
  const mod = resolver.fromText(path.resolve(file), text, path.basename(file).replace(/\.py$/, ''));
  return resolver.modelsOf(mod).map((m) => m.model);
}

// ---------------------------------------------------------------------------------------------
// discovery

export function findModelFiles(input: FindModelsInput): ModelDiscovery {
  const { config } = input;
  const readFile = input.readFile ?? readPythonFile;
  const discovery: ModelDiscovery = { files: [], problems: [], unimported: [], bases: [], scanned: [] };
  if (!config.scriptLocation) return discovery;
  const envPath = path.join(config.scriptLocation, 'env.py');
  const envText = readFile(envPath);
  if (envText === undefined) return discovery;
  discovery.envPy = envPath;

  const roots = projectImportRoots(config);
  const resolver = new Resolver(roots, readFile);
  const env = resolver.fromText(envPath, envText, 'env');
  const target = readTargetMetadata(resolver, env);
  if (target) {
    discovery.metadata =
      target.module === undefined
        ? { expression: target.expression, line: target.line }
        : { expression: target.expression, module: target.module, line: target.line };
  }
  const targetIds =
    target && !target.none && target.ids.length && target.ids.every((id) => id !== undefined)
      ? new Set(target.ids as string[])
      : undefined;
  const belongs = (root: string | undefined): boolean => !targetIds || root === undefined || targetIds.has(root);
  const context: DiscoveryContext = {
    input,
    readFile,
    roots,
    resolver,
    envPath,
    target,
    targetIds,
    belongs,
    discovery,
  };

  if (input.modelGlobs?.length) discoverByGlobs(context, input.modelGlobs);
  else {
    const closure = importClosure(resolver, env);
    discoverByImports(context, closure);
    const dynamic = [...closure.keys()].some((f) => resolver.load(f)?.index.dynamicImports);
    if (dynamic) discovery.partial = 'a module env.py imports loads modules by name at run time (importlib)';
    for (const file of closure.keys()) noteUnparsed(discovery, file, resolver.load(file));
    // Imports nobody can list statically (importlib) may load any module: nothing is "never imported" then.
    if (target && (targetIds || target.none) && !dynamic && input.scanUnimported !== false)
      findUnimported(context, closure);
  }
  if (target?.none) discovery.problems.unshift(targetNoneProblem(envPath, target.line, discovery.bases![0]));
  if (target && !target.none && !targetIds) {
    discovery.partial ??= `${envPath}:${target.line}: target_metadata cannot be followed to its MetaData`;
  }
  return discovery;
}

/** A module whose reading stopped at a syntax error: models after it are missing. */
function noteUnparsed(discovery: ModelDiscovery, file: string, mod: ModuleData | undefined): void {
  const error = mod?.index.error;
  if (error) discovery.partial ??= `${file}:${error.line}: ${error.message}`;
}

interface DiscoveryContext {
  input: FindModelsInput;
  readFile: (file: string) => string | undefined;
  roots: string[];
  resolver: Resolver;
  envPath: string;
  target?: TargetMetadata;
  targetIds?: Set<string>;
  belongs(root: string | undefined): boolean;
  discovery: ModelDiscovery;
}

/** The models that map into target_metadata; the tables of the others are noted in `otherTables`. */
function modelsFor(ctx: DiscoveryContext, models: Array<{ model: ModelClass; root?: string }>): ModelClass[] {
  const other = (ctx.discovery.otherTables ??= []);
  for (const { model, root } of models) {
    if (ctx.belongs(root) || model.tableName === undefined) continue;
    other.push(model.schema ? { table: model.tableName, schema: model.schema } : { table: model.tableName });
  }
  return models.filter((m) => ctx.belongs(m.root)).map((m) => m.model);
}

/** `alembic.modelGlobs`: the files the globs match, instead of following env.py's imports. */
function discoverByGlobs(ctx: DiscoveryContext, globs: string[]): void {
  const { input, resolver, discovery } = ctx;
  const baseDir = input.config.baseDir;
  const patterns = globs.map((glob) => ({ glob, re: globToRegExp(glob) }));
  const seen = new Set<string>();
  for (const file of (input.listPythonFiles ?? listPythonFiles)(baseDir)) {
    const match = patterns.find((p) => p.re.test(toPosix(path.relative(baseDir, file))));
    if (!match || seen.has(file)) continue;
    seen.add(file);
    const mod = resolver.load(file);
    noteUnparsed(discovery, file, mod);
    if (!mod) continue;
    addBases(discovery.bases!, resolver.basesOf(mod));
    const classes = modelsFor(ctx, resolver.modelsOf(mod));
    if (classes.length)
      discovery.files.push({
        path: file,
        module: mod.module,
        reason: `matches alembic.modelGlobs pattern '${match.glob}'`,
        classes,
      });
  }
  discovery.scanned = [...seen];
}

/** The modules env.py's imports load, with their models and why each counts. */
function discoverByImports(ctx: DiscoveryContext, closure: Map<string, ImportVia>): void {
  const { resolver, envPath, target, discovery } = ctx;
  const baseDir = ctx.input.config.baseDir;
  discovery.scanned = [...closure.keys()].filter((f) => f !== envPath);
  const targetNames = new Set(target?.names ?? []);
  const importer = (via: ImportVia): string => (via.importer === envPath ? 'env.py' : relative(baseDir, via.importer!));
  for (const [file, via] of closure) {
    if (file === envPath) continue;
    const mod = resolver.load(file);
    if (!mod) continue;
    addBases(discovery.bases!, resolver.basesOf(mod));
    const classes = modelsFor(ctx, resolver.modelsOf(mod));
    if (!classes.length) continue;
    let reason: string;
    if (target?.definedIn?.file === file) {
      reason = `defines ${target.definedIn.name} used by target_metadata`;
      if (via.importer) reason += ` (imported by ${importer(via)}, line ${via.line})`;
    } else {
      const forTarget =
        via.importer === envPath && via.stmt && importBinds(via.stmt).some((name) => targetNames.has(name));
      reason = `imported by ${importer(via)} (line ${via.line})${forTarget ? ' for target_metadata' : ''}`;
    }
    discovery.files.push({ path: file, module: mod.module, reason, classes });
  }
}

/**
 * The project's other modules with models for target_metadata (any models when it is None): nothing
 * env.py imports loads them, so autogenerate cannot see them.
 */
function findUnimported(ctx: DiscoveryContext, closure: Map<string, ImportVia>): void {
  const { input, readFile, resolver, target, targetIds, discovery } = ctx;
  const baseDir = input.config.baseDir;
  const skipDir = path.resolve(input.config.scriptLocation!);
  const listed = new Set<string>();
  let read = 0;
  for (const root of ctx.roots) {
    for (const file of (input.listPythonFiles ?? listPythonFiles)(root)) {
      if (read >= MAX_SCANNED_FILES) return;
      if (listed.has(file) || closure.has(file) || isInside(file, skipDir) || isTestFile(file)) continue;
      listed.add(file);
      const text = readFile(file);
      if (text === undefined || !MODEL_HINT.test(text)) continue;
      read++;
      const mod = resolver.load(file);
      if (!mod) continue;
      if (target!.none) addBases(discovery.bases!, resolver.basesOf(mod));
      const classes = resolver
        .modelsOf(mod)
        .filter((m) => m.root !== undefined && (target!.none || targetIds!.has(m.root)) && m.model.kind !== 'table')
        .map((m) => m.model);
      if (!classes.length) continue;
      discovery.unimported!.push({ path: file, module: mod.module, classes });
      if (!target!.none)
        discovery.problems.push(
          notImportedProblem(relative(baseDir, file), mod.module, classes, ctx.envPath, target!.line),
        );
    }
  }
}

function notImportedProblem(
  file: string,
  module: string,
  classes: ModelClass[],
  envPath: string,
  line: number,
): Problem {
  const names = classes.map((c) => (c.tableName ? `${c.name} (table '${c.tableName}')` : c.name));
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const many = classes.length > 1;
  const message =
    `${file} defines ${shown}, but nothing env.py imports loads ${module}, so ${many ? 'these models are' : 'this model is'} not in target_metadata: ` +
    `autogenerate never creates ${many ? 'their tables' : 'its table'}, and proposes to drop ${many ? 'them' : 'it'} where ${many ? 'they exist' : 'it exists'}. ` +
    `Safe pattern: import the module in env.py (\`import ${module}  # noqa: F401\`) or in the module that defines the Base.`;
  return problem('warning', 'models-not-imported', message, envPath, line);
}

function targetNoneProblem(envPath: string, line: number, base: DeclarativeBaseInfo | undefined): Problem {
  const hint = base
    ? `import the models' base (\`from ${base.module} import ${base.name}\`) and set \`target_metadata = ${base.name}.metadata\``
    : 'import your declarative Base here and set `target_metadata = Base.metadata` (SQLModel: `SQLModel.metadata`)';
  const message =
    'target_metadata is None: autogenerate has no models to compare, so `alembic revision --autogenerate` stops with "Can\'t proceed with --autogenerate option" ' +
    `and \`alembic check\` cannot run. Safe pattern: ${hint}.`;
  return problem('warning', 'target-metadata-none', message, envPath, line);
}

function addBases(into: DeclarativeBaseInfo[], found: DeclarativeBaseInfo[]): void {
  for (const base of found) if (!into.some((b) => b.name === base.name && b.module === base.module)) into.push(base);
}

const MODEL_HINT = /__tablename__|table\s*=\s*True|\bTable\s*\(|mapped_column|\bColumn\s*\(|\bMapped\[/;

interface TargetMetadata {
  expression: string;
  line: number;
  none: boolean;
  /** Metadata identity of each item; undefined where it cannot be followed. */
  ids: Array<string | undefined>;
  /** The names the expression starts from (`Base` in `Base.metadata`). */
  names: string[];
  module?: string;
  definedIn?: { file: string; name: string };
}

/** env.py's `target_metadata = ...` (the last module-level one), or the `target_metadata=` passed to configure. */
function readTargetMetadata(resolver: Resolver, env: ModuleData): TargetMetadata | undefined {
  const assigned = [...env.index.assignments].reverse().find((a) => a.target === 'target_metadata' && a.value);
  const expr = assigned?.value;
  let line = assigned?.line;
  if (!expr) return undefined;
  line ??= expr.line;
  if (expr.k === 'const' && expr.value === 'None') return { expression: 'None', line, none: true, ids: [], names: [] };
  const items = expr.k === 'seq' ? expr.items : [expr];
  const ids: Array<string | undefined> = [];
  const names: string[] = [];
  let definedIn: TargetMetadata['definedIn'];
  for (const item of items) {
    const dotted = dottedName(item);
    if (dotted) names.push(dotted.split('.')[0]);
    const entity = resolver.evalExpr(env, item);
    const identity = resolver.metadataIdentity(entity);
    ids.push(identity?.id);
    if (!definedIn && identity?.owner && identity.owner.mod.file !== env.file)
      definedIn = { file: identity.owner.mod.file, name: identity.owner.name };
  }
  return {
    expression: renderExpr(expr),
    line,
    none: false,
    ids,
    names,
    module: definedIn
      ? resolver.load(definedIn.file)?.module
      : items.some((i) => dottedName(i)?.startsWith('SQLModel'))
        ? 'sqlmodel'
        : undefined,
    definedIn,
  };
}

/** The names an import statement binds. */
function importBinds(stmt: ImportStmt): string[] {
  if (stmt.kind === 'import') return [stmt.alias ?? stmt.module.split('.')[0]];
  return stmt.names.map((n) => n.alias ?? n.name);
}

interface ImportVia {
  importer?: string;
  line?: number;
  stmt?: ImportStmt;
}

/** Every project module that runs when env.py runs (breadth first, a bounded depth), with who imported it. */
function importClosure(resolver: Resolver, env: ModuleData): Map<string, ImportVia> {
  const seen = new Map<string, ImportVia>([[env.file, {}]]);
  let frontier: ModuleData[] = [env];
  for (let depth = 0; depth < MAX_IMPORT_DEPTH && frontier.length && seen.size < MAX_MODULES; depth++) {
    const next: ModuleData[] = [];
    for (const mod of frontier) {
      for (const stmt of mod.index.imports) {
        // env.py's functions run when Alembic runs it; another module's only when called.
        if (stmt.typeChecking || (stmt.inFunction && mod !== env)) continue;
        for (const file of resolver.executedBy(mod, stmt)) {
          if (seen.has(file)) continue;
          seen.set(file, { importer: mod.file, line: stmt.line, stmt });
          const loaded = resolver.load(file);
          if (loaded) next.push(loaded);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// modules, names and classes

interface ModuleData {
  file: string;
  module: string;
  index: ModuleIndex;
}

type Entity =
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

type TablenameMode = 'lower' | 'snake' | 'computed';

interface ClassInfo {
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
}

interface BodyColumn extends ModelColumn {
  /** Column(), mapped_column(), Mapped[...]: a column in any declarative class; else only in SQLModel. */
  declarative: boolean;
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
const NOT_COLUMNS = new Set([
  'relationship',
  'Relationship',
  'association_proxy',
  'synonym',
  'composite',
  'query_expression',
  'backref',
  'dynamic_loader',
  'hybrid_property',
]);
const SKIPPED_ATTRIBUTES = new Set([
  'metadata',
  'registry',
  'type_annotation_map',
  'model_config',
  'query',
  'query_class',
]);
const LIST_TYPES = new Set([
  'List',
  'list',
  'Set',
  'set',
  'Dict',
  'dict',
  'Sequence',
  'Iterable',
  'Collection',
  'FrozenSet',
  'frozenset',
  'Tuple',
  'tuple',
]);

class Resolver {
  private readonly modules = new Map<string, ModuleData | undefined>();
  private readonly infos = new Map<ClassDef, ClassInfo>();
  private readonly inProgress = new Set<ClassDef | string>();
  private depth = 0;

  /** `offline`: one module read alone; no import is followed, not even a relative one. */
  constructor(
    private readonly roots: string[],
    private readonly readFile: (file: string) => string | undefined,
    private readonly offline = false,
  ) {}

  private readonly kinds = new Map<string, 'file' | 'dir' | 'none'>();

  /** Existence checks, remembered for this discovery only: it asks the same questions many times. */
  private kindOf(p: string): 'file' | 'dir' | 'none' {
    let kind = this.kinds.get(p);
    if (kind === undefined) {
      kind = 'none';
      try {
        const stat = fs.statSync(p);
        kind = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'none';
      } catch {
        // missing
      }
      this.kinds.set(p, kind);
    }
    return kind;
  }

  private isFile(p: string): boolean {
    return this.kindOf(p) === 'file';
  }

  private isDir(p: string): boolean {
    return this.kindOf(p) === 'dir';
  }

  private readonly probe: ModuleProbe = { isFile: (p) => this.isFile(p), isDir: (p) => this.isDir(p) };

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

  private readonly rootOwners = new Map<string, { mod: ModuleData; name: string }>();

  private rootOwner(id: string): { mod: ModuleData; name: string } | undefined {
    return this.rootOwners.get(id);
  }

  private declBaseId(base: Entity & { k: 'declBase' }): string {
    const meta = keyword(base.call, 'metadata');
    const fromMeta = meta ? this.metadataIdentity(this.evalExpr(base.mod, meta)) : undefined;
    const id = fromMeta?.id ?? `${base.mod.file}#${base.name}`;
    if (!this.rootOwners.has(id)) this.rootOwners.set(id, { mod: base.mod, name: base.name });
    return id;
  }

  // ------------------------------------------------------------------ classes

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
    if (mappedParent) {
      // Single-table inheritance: the subclass's columns go to the parent's table.
      return {
        role: 'mapped',
        root,
        guessedRoot,
        sqlmodel,
        columns,
        tableName: mappedParent.tableName,
        schema: mappedParent.schema,
      };
    }
    if (root !== undefined) {
      const ownColumns = declarativeColumns.length > 0;
      // A guessed base maps only a class that declares columns; a known one with a computed name maps any.
      if (guessedRoot && !ownColumns)
        return { role: 'other', root, guessedRoot, sqlmodel, columns, tablenameMode: mode };
      if (!mode && !ownColumns) return { role: 'mixin', root, guessedRoot, sqlmodel, columns };
      return {
        role: 'mapped',
        root,
        guessedRoot,
        sqlmodel,
        columns,
        tableName: mode ? declaredName(mode, cls.name) : undefined,
        schema: body.schema,
      };
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

function stripFlag(c: BodyColumn): ModelColumn {
  const { declarative: _declarative, ...column } = c;
  return column;
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

function schemaOf(value: PyExpr | undefined): string | undefined {
  if (!value) return undefined;
  const dict = value.k === 'dict' ? value : value.k === 'seq' ? value.items.find((i) => i.k === 'dict') : undefined;
  if (dict?.k !== 'dict') return undefined;
  const entry = dict.entries.find((e) => e.key && stringValue(e.key) === 'schema');
  return stringValue(entry?.value);
}

/** `Table("name", metadata, Column("id", ...), ..., schema="s")`. */
function readTable(call: PyExpr & { k: 'call' }): { name?: string; schema?: string; columns: ModelColumn[] } {
  const columns: ModelColumn[] = [];
  for (const arg of call.args.slice(2)) {
    const callee = calleeName(arg);
    if (arg.k !== 'call' || (callee !== 'Column' && callee !== 'mapped_column')) continue;
    const name = stringValue(arg.args[0]) ?? stringValue(keyword(arg, 'name'));
    const nullable = columnNullable(arg);
    if (name === undefined) continue;
    columns.push(nullable === undefined ? { name, line: arg.line } : { name, line: arg.line, nullable });
  }
  return {
    name: stringValue(call.args[0]) ?? stringValue(keyword(call, 'name')),
    schema: stringValue(keyword(call, 'schema')),
    columns,
  };
}

/** One class-body assignment read as a column, or undefined. */
function readColumn(
  target: string,
  annotation: PyExpr | undefined,
  value: PyExpr | undefined,
  line: number,
): BodyColumn | undefined {
  if (target.startsWith('__') || SKIPPED_ATTRIBUTES.has(target)) return undefined;
  const named = (dbName: string | undefined, declarative: boolean, call?: PyExpr): BodyColumn => {
    const renamed = dbName !== undefined && dbName !== '' && dbName !== target;
    const column: BodyColumn = renamed
      ? { name: dbName, attribute: target, line, declarative }
      : { name: target, line, declarative };
    const nullable = declarative ? columnNullable(call, annotation) : undefined;
    if (nullable !== undefined) column.nullable = nullable;
    return column;
  };
  if (annotation && isClassVar(annotation)) return undefined;
  if (value?.k === 'call') {
    const callee = calleeName(value);
    if (callee === 'Column' || callee === 'mapped_column') {
      return named(stringValue(value.args[0]) ?? stringValue(keyword(value, 'name')), true, value);
    }
    if (callee === 'deferred' || callee === 'column_property') {
      const inner = value.args[0];
      const innerCallee = inner ? calleeName(inner) : undefined;
      const innerColumn = inner?.k === 'call' && (innerCallee === 'Column' || innerCallee === 'mapped_column');
      if (innerColumn) return named(stringValue(inner.args[0]), true, inner);
      return undefined;
    }
    if (callee && NOT_COLUMNS.has(callee)) return undefined;
    if (callee === 'Field') {
      const saColumn = keyword(value, 'sa_column');
      return named(saColumn?.k === 'call' ? stringValue(saColumn.args[0]) : undefined, false);
    }
    if (annotation && isMapped(annotation)) return undefined;
    return annotation ? named(undefined, false) : undefined;
  }
  if (!annotation) return undefined;
  if (isMapped(annotation)) {
    if (value) return undefined;
    return isRelationshipType(mappedInner(annotation)) ? undefined : named(undefined, true);
  }
  // A plain annotation is a column only in SQLModel (pydantic fields).
  return isRelationshipType(annotation) ? undefined : named(undefined, false);
}

/**
 * Whether a column accepts NULL, where the source says so: `nullable=True/False`, `primary_key=True`,
 * else a `Mapped[...]` annotation (Optional or `| None`: nullable). Undefined otherwise: a composite
 * primary key in `__table_args__`, for one, makes a plain `Column(...)` NOT NULL.
 */
export function columnNullable(call: PyExpr | undefined, annotation?: PyExpr): boolean | undefined {
  const nullable = call?.k === 'call' ? keyword(call, 'nullable') : undefined;
  if (nullable) {
    const literal = nullable.k === 'const' && (nullable.value === 'True' || nullable.value === 'False');
    return literal ? nullable.value === 'True' : undefined;
  }
  const primaryKey = call?.k === 'call' ? keyword(call, 'primary_key') : undefined;
  if (primaryKey?.k === 'const' && primaryKey.value === 'True') return false;
  if (!annotation || !isMapped(annotation)) return undefined;
  const inner = mappedInner(annotation);
  return inner && inner.k !== 'str' ? isOptional(inner) : undefined;
}

/** `Optional[X]`, `Union[X, None]`, `X | None`. */
function isOptional(type: PyExpr): boolean {
  if (type.k === 'bin' && type.op === '|') {
    return isNone(type.left) || isNone(type.right) || isOptional(type.left) || isOptional(type.right);
  }
  if (type.k !== 'sub') return false;
  const name = (dottedName(type.obj) ?? '').split('.').pop();
  if (name === 'Optional') return true;
  return name === 'Union' && type.index.k === 'seq' && type.index.items.some(isNone);
}

function isNone(expr: PyExpr): boolean {
  return expr.k === 'const' && expr.value === 'None';
}

function isClassVar(annotation: PyExpr): boolean {
  const obj = annotation.k === 'sub' ? annotation.obj : annotation;
  return (dottedName(obj) ?? '').endsWith('ClassVar');
}

function isMapped(annotation: PyExpr): boolean {
  const obj = annotation.k === 'sub' ? annotation.obj : annotation;
  const name = (dottedName(obj) ?? '').split('.').pop();
  return name === 'Mapped' || name === 'DynamicMapped' || name === 'WriteOnlyMapped';
}

function mappedInner(annotation: PyExpr): PyExpr | undefined {
  if (annotation.k !== 'sub') return undefined;
  const name = (dottedName(annotation.obj) ?? '').split('.').pop();
  if (name === 'DynamicMapped' || name === 'WriteOnlyMapped') return { k: 'name', id: 'list', line: annotation.line };
  return annotation.index;
}

/** `List["X"]`, `"X"`, `Optional["X"]`, `set[X]`: a relationship's annotation, not a column's. */
function isRelationshipType(expr: PyExpr | undefined): boolean {
  if (!expr) return false;
  if (expr.k === 'str') return true;
  if (expr.k === 'sub') {
    const name = (dottedName(expr.obj) ?? '').split('.').pop() ?? '';
    if (LIST_TYPES.has(name)) return true;
    if (name === 'Optional') return expr.index.k === 'str';
    if (name === 'Union') return expr.index.k === 'seq' && expr.index.items.some((i) => i.k === 'str');
  }
  if (expr.k === 'bin' && expr.op === '|') return expr.left.k === 'str' || expr.right.k === 'str';
  return false;
}

// ---------------------------------------------------------------------------------------------
// files

const SKIPPED_DIRS = new Set([
  '__pycache__',
  'node_modules',
  'site-packages',
  'dist-packages',
  'venv',
  'env',
  'virtualenv',
  'build',
  'dist',
  'tests',
  'test',
]);

/** The .py files under `root`, skipping hidden folders, virtualenvs, caches and test folders. */
export function listPythonFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 10 || out.length >= MAX_SCANNED_FILES * 2) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (depth > 0 && entries.some((e) => e.name === 'pyvenv.cfg')) return;
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) walk(full, depth + 1);
      } else if (entry.isFile() && entry.name.endsWith('.py')) out.push(full);
    }
  };
  walk(root, 0);
  return out;
}

function isTestFile(file: string): boolean {
  const base = path.basename(file);
  if (/^test_.*\.py$|_test\.py$|^conftest\.py$/.test(base)) return true;
  return file.split(path.sep).some((part) => part === 'tests' || part === 'test');
}

/** A glob (`*`, `**`, `?`, `{a,b}`) as a RegExp over forward-slash paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  for (let i = 0; i < g.length; i++) {
    const ch = g[i];
    if (ch === '*') {
      if (g[i + 1] === '*') {
        if (g[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      const close = g.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${g
          .slice(i + 1, close)
          .split(',')
          .map(escapeRegExp)
          .join('|')})`;
        i = close;
      }
    } else re += escapeRegExp(ch);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function relative(base: string, file: string): string {
  const rel = path.relative(base, file);
  return rel && !rel.startsWith('..') ? toPosix(rel) : file;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
