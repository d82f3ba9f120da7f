// One Alembic project: its configuration, every revision file in its version locations, and the
// revision graph built from them. Updates are incremental: a changed file is re-read alone, and the
// graph is rebuilt only when the file's revision, parents, dependencies or labels changed. Each file's
// record (revisionRecord.ts: operations, schema facts, lint findings) is read on first use, or while
// loading when the caller asks (LoadOptions.eager), and kept with the file's entry until the file changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AlembicConfig, type ConfigLocation, loadConfig, locateConfig, unloadedConfig } from './config';
import { withFileBytes } from './fileBytes';
import { lintKey } from './lint/revisionRules';
import type { LintOptions } from './lint/rules';
import { type CommandOutput, keepOutput } from './outputMemo';
import { ParseCache } from './parseCache';
import { type Problem, problem } from './problems';
import { type DecodedSource, decodePythonSource } from './python';
import { ImportedConstants } from './revisionConstants';
import {
  isRevisionFileName,
  type RevisionFileResult,
  type RevisionSource,
  readsOtherFiles,
  sameGraphInput,
} from './revisionFile';
import { RevisionMap } from './revisionMap';
import { buildRevisionRecord, type RevisionRecord, type RevisionRecords, unreadableRecord } from './revisionRecord';
import { moduleSearchRoots } from './sysPath';
import {
  isInside,
  listRevisionFiles,
  listVersionDir,
  type RevisionListing,
  readRevisionFileOnDisk,
  revisionsInSubfolders,
  sortLoadOrder,
} from './versionFiles';

export { listVersionDir, readRevisionBytes, sortLoadOrder } from './versionFiles';

/** A file as loaded, and its record once something past the graph needed it. */
export type FileEntry = RevisionFileResult & { record?: RevisionRecord };

export interface LoadOptions {
  section?: string;
  /** Directory that relative script_location / version_locations resolve against (default: the config's folder). */
  baseDir?: string;
  /** Folder for a cache of parsed revision files (the CLI uses one; none by default). */
  cacheDir?: string;
  /** What else to read from each file while its text is in hand, so that no later step reads it again. */
  eager?: EagerReads;
}

/** Reads a load does along with the graph's (the CLI's `check`): each file is then read from disk once. */
export interface EagerReads {
  /** The full-grammar check (see Project.checkGrammar). */
  grammar?: boolean;
  /** Each revision's record, with the lint options of this config (the ones the lint will ask for). */
  lint?: (config: AlembicConfig) => LintOptions;
}

/** Opens the project defined by an alembic.ini or a pyproject.toml (`[tool.alembic]`). */
export function loadProject(configPath: string, options: LoadOptions = {}): Project {
  return new Project(locateConfig(configPath, options), options.cacheDir, options.eager);
}

/** What a load reads before any revision file: the config, the files it lists, the parse cache. */
export interface ProjectListing {
  location: ConfigLocation;
  config: AlembicConfig;
  listing: RevisionListing;
  cache?: ParseCache;
}

export function listProject(location: ConfigLocation, cacheDir?: string): ProjectListing {
  const config = loadConfig(location);
  const cache = cacheDir ? new ParseCache(cacheDir, path.resolve(config.configFile), config.section) : undefined;
  return { location, config, listing: listRevisionFiles(config), cache };
}

export class Project implements RevisionRecords {
  /** Set by reload(). */
  config!: AlembicConfig;
  graph: RevisionMap;
  private readonly files = new Map<string, FileEntry>();
  private order: string[] = [];
  private listingProblems: Problem[] = [];
  private cachedProblems?: Problem[];
  private cache?: ParseCache;
  private realLocations: string[] = [];
  /**
   * The lint options the records' findings were last computed with: a record built for another reader
   * (the table history) computes its findings with them, so that the lint finds them ready.
   */
  private lintOptions: LintOptions = {};
  /** The lint options of the records built while loading (EagerReads.lint); null when they could not be made. */
  private eagerLint?: LintOptions | null;
  /** Values computed from every record (table history, revision schema), by name; cleared by any change of a file or the graph. */
  private readonly derivedValues = new Map<string, unknown>();

  constructor(
    readonly location: ConfigLocation,
    private readonly cacheDir?: string,
    private readonly eager: EagerReads = {},
    listed?: ProjectListing,
  ) {
    this.graph = this.reload(listed);
  }

  /** A readable name: the config file's folder, plus the section when it is not the default. */
  get name(): string {
    const folder = path.basename(path.dirname(this.config.configFile));
    return this.config.section === 'alembic' ? folder : `${folder} [${this.config.section}]`;
  }

  /** Re-reads the configuration and every revision file (the first load may start from a listing made before). */
  reload(listed?: ProjectListing): RevisionMap {
    try {
      return this.readProject(listed);
    } catch (err) {
      // One project's unexpected failure must not take the workspace's other projects with it.
      const configFile = this.location.iniPath ?? this.location.tomlPath ?? 'alembic.ini';
      const message = `alembic-lens could not load this project: ${String(err)}`;
      this.config = {
        ...unloadedConfig(configFile),
        problems: [problem('error', 'internal-error', message, configFile, 1)],
      };
      this.files.clear();
      this.order = [];
      this.realLocations = [];
      this.listingProblems = [];
      return this.rebuild();
    }
  }

  private readProject(listed = listProject(this.location, this.cacheDir)): RevisionMap {
    const { config, listing, cache } = listed;
    this.config = config;
    this.cache = cache;
    this.eagerLint = undefined;
    this.files.clear();
    const constants = this.constants();
    const parse = (file: string): FileEntry => this.readFile(file, !!this.eager.grammar, constants);
    const read = (file: string): FileEntry => (cache ? cache.read(file, parse) : parse(file));
    this.realLocations = listing.realLocations;
    for (const file of listing.files) this.files.set(file, read(file));
    this.order = [...listing.files];
    // No version folder at all (a script_location read from the wrong folder, which the CLI then reads
    // beside the config): nothing was listed, and an empty save would wipe the folder's real entries.
    if (this.order.length || this.realLocations.some((location) => fs.existsSync(location))) cache?.save(this.order);
    this.listingProblems = listing.problems;
    return this.rebuild();
  }

  get problems(): Problem[] {
    if (!this.cachedProblems) {
      const fileProblems = this.order.flatMap((file) => this.files.get(file)!.problems);
      const graphProblems = this.noteCompiledFiles(this.graph.problems);
      // An empty history may be one kept in subfolders: say where (read again once files come or go).
      const hints =
        this.order.length || this.config.recursiveVersionLocations
          ? []
          : this.realLocations.flatMap((location) => revisionsInSubfolders(location, this.config.configFile));
      this.cachedProblems = [
        ...this.config.problems,
        ...this.listingProblems,
        ...hints,
        ...fileProblems,
        ...graphProblems,
      ];
    }
    return this.cachedProblems;
  }

  /**
   * The history's problems that revisions in compiled files (which Alembic loads with `sourceless = true`
   * and alembic-lens cannot read) may explain, made warnings that say so: a revision not found, heads.
   */
  noteCompiledFiles(problems: Problem[]): Problem[] {
    const compiled = this.listingProblems.filter((p) => p.code === 'sourceless-file');
    if (!compiled.length) return problems;
    return problems.map((p) => (UNCERTAIN_WITH_COMPILED.has(p.code) ? maybeCompiled(p, compiled) : p));
  }

  /** Keeps a command's output under `key` (outputKey) with the parse cache, for a later run on this same state. */
  keepOutput(key: string, output: CommandOutput): void {
    if (this.cache) keepOutput(this.cache, this.order, key, output);
  }

  /** Why the parse cache folder was not used, when a cache was asked for and refused. */
  get cacheRefusal(): string | undefined {
    return this.cache?.refusal;
  }

  /** The revision files currently loaded, in Alembic's load order. */
  get revisionFiles(): readonly string[] {
    return this.order;
  }

  /** True when `file` is (or would be) a revision file of this project. */
  ownsRevisionFile(file: string): boolean {
    if (!isRevisionFileName(path.basename(file))) return false;
    const dir = path.dirname(this.canonical(file));
    return this.realLocations.some((location) =>
      this.config.recursiveVersionLocations
        ? isInside(dir, location) && !dir.split(path.sep).includes('__pycache__')
        : dir === location,
    );
  }

  /** The path under the real version folder, for a path seen through a linked folder. */
  private canonical(file: string): string {
    const absolute = path.resolve(file);
    for (const [i, location] of this.config.versionLocations.entries()) {
      if (location !== this.realLocations[i] && isInside(absolute, location))
        return path.join(this.realLocations[i], path.relative(location, absolute));
    }
    return absolute;
  }

  /** True when `file` is one of the project's configuration files. */
  ownsConfigFile(file: string): boolean {
    const resolved = path.resolve(file);
    return resolved === this.location.iniPath || resolved === this.location.tomlPath;
  }

  /** Re-reads one revision file (created or changed). Returns true when anything visible changed. */
  updateFile(file: string): boolean {
    const absolute = this.canonical(file);
    if (!this.ownsRevisionFile(absolute)) return false;
    const before = this.files.get(absolute);
    const after = this.readFile(absolute, true, this.constants());
    this.files.set(absolute, after);
    this.cachedProblems = undefined;
    if (!before) {
      this.order = sortLoadOrder([...this.order, absolute], this.realLocations);
      this.rebuild();
      return true;
    }
    if (sameGraphInput(before, after)) {
      // Message or body edits: swap the source in place, the graph keeps its shape.
      const rev = this.graph.get(after.source.revision);
      if (rev && rev.source === before.source) rev.source = after.source;
      this.derivedValues.clear();
      return true;
    }
    this.rebuild();
    return true;
  }

  /**
   * Compares the version folders on disk with what is loaded and applies the difference (files added
   * or removed): for when file events may have been missed, e.g. right after a command wrote a file.
   */
  rescan(): boolean {
    const listed = new Set(
      this.realLocations.flatMap((location) => listVersionDir(location, this.config.recursiveVersionLocations)),
    );
    const added = [...listed].filter((file) => !this.files.has(file));
    const removed = this.order.filter((file) => !listed.has(file));
    const constants = this.constants();
    // Values read from imported constants (or not readable yet) are read again: a module may have changed.
    const reread = this.order.filter((file) => listed.has(file) && readsOtherFiles(this.files.get(file)!));
    let changed = false;
    for (const file of reread) {
      const before = this.files.get(file)!;
      const after = this.readFile(file, !!before.grammarChecked, constants);
      if (sameGraphInput(before, after)) continue;
      this.files.set(file, after);
      changed = true;
    }
    if (!added.length && !removed.length) {
      if (changed) this.rebuild();
      return changed;
    }
    for (const file of added) this.files.set(file, this.readFile(file, true, constants));
    for (const file of removed) this.files.delete(file);
    this.order = sortLoadOrder([...this.order.filter((file) => listed.has(file)), ...added], this.realLocations);
    this.rebuild();
    return true;
  }

  /** Forgets a deleted revision file. */
  removeFile(file: string): boolean {
    const absolute = this.canonical(file);
    if (!this.files.delete(absolute)) return false;
    this.order = this.order.filter((f) => f !== absolute);
    this.rebuild();
    return true;
  }

  /**
   * Resolves values written from imported constants for one load, update or rescan: the modules it reads
   * are remembered for that operation only, so the next one sees a changed module.
   */
  private constants(): ImportedConstants {
    const config = this.config;
    return new ImportedConstants(() => moduleSearchRoots(config));
  }

  /**
   * Reads and parses one file; `withGrammar` adds the full-grammar check (slower, see checkGrammar), and
   * EagerReads.lint the record, from the same text.
   */
  private readFile(file: string, withGrammar: boolean, constants: ImportedConstants): FileEntry {
    const lint = this.eagerLintOptions();
    if (!lint) return readRevisionFileOnDisk(file, withGrammar, constants);
    return readRevisionFileOnDisk(file, withGrammar, constants, (text, result): FileEntry => {
      if (!result.source) return result;
      const record = recordOf(file, () => ({ text }), lint, result.source);
      return { ...result, record, lint: record.lint };
    });
  }

  /**
   * EagerReads.lint's options for this load, made when the first file is read. None when they cannot be
   * made: the lint then makes them itself, and reports what failed as it always did.
   */
  private eagerLintOptions(): LintOptions | undefined {
    if (!this.eager.lint || this.eagerLint === null) return undefined;
    try {
      this.eagerLint ??= this.lintOptions = this.eager.lint(this.config);
      return this.eagerLint;
    } catch {
      this.eagerLint = null;
      return undefined;
    }
  }

  /**
   * Runs the full-grammar syntax check on the files not checked yet (it costs about ten times the
   * fast read, so loading skips it). Stops after `budgetMs` when given; tells whether every file
   * is checked, and whether any problem appeared. A file with a syntax error stops being a
   * revision, as Alembic cannot import it.
   */
  checkGrammar(budgetMs = Infinity): { done: boolean; changed: boolean } {
    const deadline = Date.now() + budgetMs;
    let changed = false;
    let done = true;
    const constants = this.constants();
    for (const file of this.order) {
      const entry = this.files.get(file)!;
      if (entry.grammarChecked) continue;
      if (Date.now() > deadline) {
        done = false;
        break;
      }
      const checked = this.readFile(file, true, constants);
      this.files.set(file, checked);
      this.cache?.update(file, checked);
      if (checked.problems.length !== entry.problems.length || !checked.source) changed = true;
    }
    this.cache?.save(this.order);
    if (changed) this.rebuild();
    return { done, changed };
  }

  /** What the reader found in one loaded file (undefined when it is not loaded). */
  fileResult(file: string): FileEntry | undefined {
    return this.files.get(file);
  }

  /** The record of a loaded revision (read on first use); undefined when its file is not loaded. */
  revisionRecord(source: RevisionSource): RevisionRecord | undefined {
    // By path: the grammar check replaces an entry's source object without rebuilding the graph.
    const entry = this.files.get(source.path);
    if (!entry?.source) return undefined;
    if (!entry.record) this.readRecord(source.path, entry, this.lintOptions);
    return entry.record;
  }

  /**
   * The record of a revision file by path (e.g. one a command just wrote): the loaded entry's, else the
   * file read on its own (not added to the project: the file watchers do that).
   */
  recordOfFile(file: string): RevisionRecord | undefined {
    const absolute = this.canonical(file);
    const source = this.files.get(absolute)?.source;
    if (source) return this.revisionRecord(source);
    const entry: FileEntry = { problems: [] };
    this.readRecord(absolute, entry, this.lintOptions, false);
    return entry.record;
  }

  /**
   * The lint problems of a loaded revision under `options`: the record's, read again only when the
   * options that shape the findings (severities, dialect, batch mode) differ from the last ones.
   */
  revisionLint(source: RevisionSource, options: LintOptions): Problem[] {
    const entry = this.files.get(source.path);
    if (!entry?.source) return [];
    const key = lintKey(options);
    if (entry.lint?.key !== key) {
      this.lintOptions = options;
      const stored = this.cache?.lint(source.path, key);
      if (stored) entry.lint = stored;
      else this.readRecord(source.path, entry, options);
    }
    return entry.lint?.problems ?? [];
  }

  derived<T>(name: string, compute: () => T): T {
    if (!this.derivedValues.has(name)) this.derivedValues.set(name, compute());
    return this.derivedValues.get(name) as T;
  }

  /** Writes the parse cache (with the lint findings computed since the load), when there is one. */
  saveCache(): void {
    this.cache?.save(this.order);
  }

  /** Reads one file's record into its entry: the one read of its text past the graph's. */
  private readRecord(file: string, entry: FileEntry, options: LintOptions, cached = true): void {
    const record = recordOf(file, () => withFileBytes(file, decodePythonSource), options, entry.source);
    entry.record = record;
    entry.lint = record.lint;
    if (cached) this.cache?.lintChanged(file);
  }

  private rebuild(): RevisionMap {
    const sources: RevisionSource[] = [];
    for (const file of this.order) {
      const source = this.files.get(file)?.source;
      if (source) sources.push(source);
    }
    this.graph = new RevisionMap(sources);
    this.cachedProblems = undefined;
    this.derivedValues.clear();
    return this.graph;
  }
}

/** One file's record from its decoded text; a reader's unexpected failure costs this record, never the project. */
function recordOf(
  file: string,
  decode: () => DecodedSource,
  options: LintOptions,
  known: RevisionSource | undefined,
): RevisionRecord {
  try {
    const decoded = decode();
    return 'text' in decoded
      ? buildRevisionRecord(file, decoded.text, options, known)
      : unreadableRecord(file, options, decoded.error);
  } catch (err) {
    return unreadableRecord(file, options, String(err));
  }
}

/** The history problems a revision in an unread compiled file may explain, and how to say so. */
const UNCERTAIN_WITH_COMPILED = new Map([
  ['missing-revision', 'It may be in'],
  ['multiple-heads', 'A revision that may join them is in'],
]);

/** A graph problem the compiled files Alembic loads (and alembic-lens cannot read) may explain: a warning. */
function maybeCompiled(found: Problem, compiled: Problem[]): Problem {
  const names = compiled.map((p) => path.basename(p.path));
  const listed = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return {
    ...found,
    severity: found.severity === 'error' ? 'warning' : found.severity,
    message: `${found.message} ${UNCERTAIN_WITH_COMPILED.get(found.code)} a compiled file Alembic loads here (sourceless = true) but alembic-lens cannot read: ${listed}.`,
  };
}
