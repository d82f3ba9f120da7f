// Which Python files define the models Alembic's autogenerate compares with the database, found
// without running Python: env.py's `target_metadata` is followed back through its imports to the
// declarative Base (or SQLModel, or a MetaData), and every project module that env.py imports,
// directly or through other modules (a package's `__init__` included), is read for mapped classes and
// Table objects. Importing is what registers a model in the metadata, so a mapped class whose module
// nobody imports is invisible to autogenerate: that pitfall is reported, with the file and class.
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { type Problem, problem } from '../problems';
import { dottedName, type ImportStmt, readPythonFile, renderExpr } from '../python';
import { moduleSearchRoots, projectImportRoots } from '../sysPath';
import { type DeclarativeBaseInfo, type ModelClass, ModelReader } from './modelClasses';
import type { ModuleData } from './moduleResolver';
import {
  globMatcher,
  isInside,
  isTestFile,
  listPythonFiles,
  MAX_SCANNED_FILES,
  relative,
  toPosix,
} from './projectFiles';

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

export function findModelFiles(input: FindModelsInput): ModelDiscovery {
  const { config } = input;
  const readFile = input.readFile ?? readPythonFile;
  const discovery: ModelDiscovery = { files: [], problems: [], unimported: [], bases: [], scanned: [] };
  if (!config.scriptLocation) return discovery;
  const envPath = path.join(config.scriptLocation, 'env.py');
  const envText = readFile(envPath);
  if (envText === undefined) return discovery;
  discovery.envPy = envPath;

  // Imports are looked up as Python would (an installed package above the config too); the scan for models
  // nobody imports stays within the project's own roots.
  const roots = projectImportRoots(config);
  const resolver = new ModelReader(moduleSearchRoots(config), readFile);
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
  resolver: ModelReader;
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
  const patterns = globs.map((glob) => ({ glob, matches: globMatcher(glob) }));
  const seen = new Set<string>();
  for (const file of (input.listPythonFiles ?? listPythonFiles)(baseDir)) {
    const match = patterns.find((p) => p.matches(toPosix(path.relative(baseDir, file))));
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
    const files = input.listPythonFiles ? input.listPythonFiles(root) : listPythonFiles(root, [skipDir]);
    for (const file of files) {
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
        // A subclass sharing its parent's table and adding no column changes nothing autogenerate sees.
        .filter(
          (m) =>
            m.root !== undefined &&
            (target!.none || targetIds!.has(m.root)) &&
            m.model.kind !== 'table' &&
            !m.model.addsNoColumns,
        )
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
function readTargetMetadata(resolver: ModelReader, env: ModuleData): TargetMetadata | undefined {
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
function importClosure(resolver: ModelReader, env: ModuleData): Map<string, ImportVia> {
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
