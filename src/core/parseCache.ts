// A cache of parsed revision files on disk, so that a command-line run on a large history reads only
// the files that changed since the last run. An entry is used only when the file's size, mtime,
// ctime, inode and device are all unchanged: the ctime changes on every write and cannot be set
// back, so an edit whose mtime was restored (touch -d, cp -p) is still seen.
// The times are compared as the millisecond floats of a plain stat (sub-microsecond resolution, and
// no BigInt or string per file): a cached file's ctime is at least RACY_MS older than the cache, so
// any later write moves it by far more than that resolution.
// Two files per project (the entries, and their docstrings: parseCacheFormat.ts), in a folder only
// this user can write (see privateDir.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomHex } from './lazyCrypto';
import {
  asciiJson,
  BYTE_ORDER,
  checkedDocstrings,
  type DocstringSource,
  decodeColumns,
  emptyColumns,
  encodeColumns,
  type FileStat,
  hasStoredStat,
  restoreResult,
  type StoredColumns,
  type StoredDocstrings,
  type StoredProblems,
  storedDir,
  storedName,
  storedStat,
  storeEntry,
  withoutPaths,
  withPath,
} from './parseCacheFormat';
import { preparePrivateDir, readPrivateBytes, readPrivateFile, writePrivateFile } from './privateDir';
import { type RevisionFileResult, readsOtherFiles } from './revisionFile';
import type { RevisionLint } from './revisionRecord';
import { readRevisionFileOnDisk } from './versionFiles';

/** Bump when the parser's output or this file's layout changes: old caches are then ignored. */
const FORMAT = 9;
/**
 * A file changed this recently may change again within the same timestamp tick without its size
 * changing (git calls this "racily clean"): such files are parsed again next time, not cached.
 */
const RACY_MS = 2000;
/** Caches of projects whose config file is gone are removed once there are more than this many. */
const MAX_CACHES = 32;
const STAT_OPTIONS = { throwIfNoEntry: false } as const;

/** `[name, size, mtimeMs, ctimeMs, ino, dev, lint options key, problems without their path or 0]`. */
type StoredLint = [string, number, number, number, number, number, string, StoredProblems];

interface Entry {
  /**
   * The file's stat when it was parsed this run, or the index of its stored entry in `columns` when it was
   * restored (most entries: no object per file, see statOf).
   */
  stat: FileStat | number;
  racy: boolean;
  result: RevisionFileResult;
}

export class ParseCache implements DocstringSource {
  /** Why the cache folder is not used (then every file is parsed), when it is not. */
  readonly refusal?: string;
  private entries = new Map<string, Entry>();
  /** Entries as read from disk, turned into Entry objects when first asked for (see indexOf). */
  private columns?: StoredColumns;
  /** The index in `columns` of each stored name, made only when files come in another order than stored. */
  private byName?: Map<string, number>;
  /** The stored entry after the last one restored: the next file is usually that one. */
  private cursor = 0;
  private dirty = false;
  /** How many stored entries were turned into Entry objects. */
  private restored = 0;
  private readonly file: string;
  /** The docstrings beside the entries, read only when a restored source's docstring is asked for. */
  private readonly docsFile: string;
  /** The header of the entries read at start (with their generation): the docs file that goes with them has the same. */
  private columnsHeader = '';
  private docstrings?: StoredDocstrings | null;
  /** Kept command outputs (outputMemo.ts) are files named this plus a hash of their key. */
  readonly outputsPrefix: string;
  /** The header of the entries on disk once this run's are saved (or found already there), see generationHolding. */
  private savedHeader?: string;
  /**
   * The stats storedGenerationOf took, for the reads that follow (in the same order) instead of a second
   * stat: numbers, not Stats objects, which 10,000 of would keep the garbage collector busy.
   */
  private checked?: { files: readonly string[]; stats: Float64Array; count: number; next: number };
  /** The lint findings beside the cache, read only when a lint first asks (`heads` never does). */
  private readonly lintFile: string;
  private storedLint?: Map<string, StoredLint>;
  private lintDirty = false;
  /** Paths under the config's folder are stored relative to it. */
  private readonly base: string;

  constructor(
    private readonly cacheDir: string,
    readonly configFile: string,
    section: string,
  ) {
    const key = `${configFile}\0${section}`;
    const hash = fnv1a64(key);
    this.file = path.join(cacheDir, `revisions-${hash}.json`);
    this.docsFile = path.join(cacheDir, `docs-${hash}.json`);
    this.lintFile = path.join(cacheDir, `lint-${hash}.json`);
    this.outputsPrefix = path.join(cacheDir, `outputs-${hash}-`);
    this.base = path.dirname(configFile) + path.sep;
    const check = preparePrivateDir(cacheDir);
    if (!check.ok) {
      this.refusal = `not using the cache folder: ${check.reason}`;
      return;
    }
    const bytes = readPrivateBytes(this.file);
    if (bytes === undefined) return;
    try {
      const stored = decodeColumns(bytes, (header) => {
        const { format, configFile: storedFor, byteOrder, build } = JSON.parse(header);
        // Another build of alembic-lens may read a file otherwise: it parses every file again.
        return format === FORMAT && storedFor === configFile && byteOrder === BYTE_ORDER && build === buildStamp();
      });
      this.columns = stored?.columns;
      if (stored?.columns) this.columnsHeader = stored.header;
    } catch {
      // an unreadable cache: start empty
    }
  }

  /** The cached result when the file on disk is unchanged, else the freshly parsed one. */
  read(file: string, parse: (file: string) => RevisionFileResult): RevisionFileResult {
    if (this.refusal) return parse(file);
    const stat = this.checkedStat(file) ?? statOrUndefined(file);
    if (!stat) return parse(file);
    const hit = this.entries.get(file) ?? this.restore(file);
    if (hit && this.isUnchanged(hit, stat)) return hit.result;
    const result = parse(file);
    const racy = isRacy(Math.max(stat.mtimeMs, stat.ctimeMs)) || readsOtherFiles(result);
    const { size, mtimeMs, ctimeMs, ino, dev } = stat;
    this.entries.set(file, { stat: { size, mtimeMs, ctimeMs, ino, dev }, racy, result });
    // A file too recent to be saved (see RACY_MS) is no reason to rewrite the cache.
    if (!racy) this.dirty = true;
    // A result read with its lint findings (LoadOptions.eager) brings new findings to save.
    if (!racy && result.lint) this.lintDirty = true;
    return result;
  }

  /**
   * The header (with its generation) of the stored entries when they are exactly `files`, in this order,
   * each unchanged on disk: what was computed from the files when they were saved still holds.
   */
  storedGenerationOf(files: readonly string[]): string | undefined {
    const columns = this.columns;
    if (this.refusal || !columns || columns.names.length !== files.length) return undefined;
    const checked = { files, stats: new Float64Array(files.length * 5), count: 0, next: 0 };
    this.checked = checked;
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      if (!this.isStoredAs(file, i)) return undefined;
      const stat = statOrUndefined(file);
      if (!stat) return undefined;
      const at = i * 5;
      checked.stats[at] = stat.size;
      checked.stats[at + 1] = stat.mtimeMs;
      checked.stats[at + 2] = stat.ctimeMs;
      checked.stats[at + 3] = stat.ino;
      checked.stats[at + 4] = stat.dev;
      checked.count++;
      if (!hasStoredStat(columns, i, stat)) return undefined;
    }
    return this.columnsHeader;
  }

  /** The stat storedGenerationOf took of `file`, when the reads come in its order. */
  private checkedStat(file: string): FileStat | undefined {
    const checked = this.checked;
    if (!checked || checked.next >= checked.count || checked.files[checked.next] !== file) return undefined;
    const [size, mtimeMs, ctimeMs, ino, dev] = checked.stats.subarray(checked.next * 5, ++checked.next * 5);
    return { size, mtimeMs, ctimeMs, ino, dev };
  }

  /**
   * After a load: the header of the entries on disk when they are exactly this load's `files` as it read
   * them (none changed within RACY_MS, none reads another file), saved by this run or found already there.
   */
  generationHolding(files: readonly string[]): string | undefined {
    if (this.refusal || this.dirty || this.savedHeader === undefined || this.entries.size !== files.length)
      return undefined;
    for (const file of files) if (this.entries.get(file)?.racy !== false) return undefined;
    return this.savedHeader;
  }

  private restore(file: string): Entry | undefined {
    const index = this.indexOf(file);
    if (index === undefined || !this.columns) return undefined;
    const result = restoreResult(file, this.columns, index, this);
    const entry: Entry = { stat: index, racy: false, result };
    this.entries.set(file, entry);
    this.restored++;
    return entry;
  }

  /** A restored source's docstring: from the docs file, or from the file itself when that is unusable. */
  docstring(index: number, file: string): { longdoc: string; createDate?: string } {
    if (this.docstrings === undefined) this.docstrings = this.readDocstrings() ?? null;
    if (this.docstrings) {
      return { longdoc: this.docstrings.longdocs[index], createDate: this.docstrings.createDates[index] || undefined };
    }
    const source = readRevisionFileOnDisk(file, false).source;
    return { longdoc: source?.longdoc ?? '', createDate: source?.createDate };
  }

  private readDocstrings(): StoredDocstrings | undefined {
    const text = readPrivateFile(this.docsFile);
    if (text === undefined || !this.columns) return undefined;
    try {
      const newline = text.indexOf('\n');
      if (text.slice(0, newline) !== this.columnsHeader) return undefined;
      return checkedDocstrings(JSON.parse(text.slice(newline + 1)), this.columns.names.length);
    } catch {
      return undefined;
    }
  }

  /** The index of `file` in the stored columns, if it is there. */
  private indexOf(file: string): number | undefined {
    const columns = this.columns;
    if (!columns) return undefined;
    // Files are listed in the order the last run saved them: the next stored name is the likely one.
    if (this.cursor < columns.names.length && this.isStoredAs(file, this.cursor)) return this.cursor++;
    this.byName ??= new Map(columns.names.map((_, index) => [storedName(columns, index), index]));
    const index = this.byName.get(this.nameOf(file));
    if (index !== undefined) this.cursor = index + 1;
    return index;
  }

  /** Replaces a file's cached result (after a further check, or with its lint findings), keeping its stat. */
  update(file: string, result: RevisionFileResult): void {
    const entry = this.entries.get(file);
    if (!entry) return;
    entry.result = result;
    if (readsOtherFiles(result)) entry.racy = true;
    if (!entry.racy) this.dirty = true;
    if (!entry.racy && result.lint) this.lintDirty = true;
  }

  /** Writes the cache for the files still present (atomically); failures only cost speed. */
  save(present: readonly string[]): void {
    if (this.refusal) return;
    if (this.lintDirty) this.saveLint(present);
    if (this.unchanged(present)) {
      this.savedHeader = this.columnsHeader;
      return;
    }
    const keep = new Set(present);
    for (const file of keep) if (!this.entries.has(file)) this.restore(file);
    const stored = emptyColumns();
    for (const [file, entry] of this.entries) {
      if (keep.has(file) && !entry.racy) storeEntry(stored, this.nameOf(file), this.statOf(entry), entry.result);
    }
    try {
      // The docstrings first: entries never name a generation whose docs file is not written yet.
      const header = this.header(randomHex(8));
      writePrivateFile(this.docsFile, `${header}\n${JSON.stringify(stored.docstrings)}`);
      writePrivateFile(this.file, encodeColumns(header, stored.columns));
      this.savedHeader = header;
      this.dirty = false;
      this.pruneStale();
    } catch {
      // a read-only cache folder is not an error
    }
  }

  /** The stored lint findings of a file under the options of `key` (lintKey), when the file is unchanged since. */
  lint(file: string, key: string): RevisionLint | undefined {
    const entry = this.entries.get(file);
    if (this.refusal || !entry) return undefined;
    this.storedLint ??= this.readLint();
    const stored = this.storedLint.get(this.nameOf(file));
    if (!stored || stored[6] !== key || !sameStat(this.statOf(entry), lintStat(stored))) return undefined;
    return { key, problems: withPath(file, stored[7]) };
  }

  /** A file's result got new lint findings (RevisionFileResult.lint): the next save writes them. */
  lintChanged(file: string): void {
    const entry = this.entries.get(file);
    if (entry && !entry.racy) this.lintDirty = true;
  }

  /** `generation`: written with both files, so that a docs file is used only with its own entries. */
  private header(generation: string): string {
    return asciiJson({
      format: FORMAT,
      configFile: this.configFile,
      byteOrder: BYTE_ORDER,
      build: buildStamp(),
      generation,
    });
  }

  /** Lint findings hold rule messages: another build of alembic-lens (buildStamp) lints again. */
  private lintHeader(): string {
    return JSON.stringify({ format: FORMAT, configFile: this.configFile, build: buildStamp() });
  }

  private readLint(): Map<string, StoredLint> {
    const stored = new Map<string, StoredLint>();
    const text = readPrivateFile(this.lintFile);
    if (text === undefined) return stored;
    try {
      const newline = text.indexOf('\n');
      if (text.slice(0, newline) !== this.lintHeader()) return stored;
      for (const entry of JSON.parse(text.slice(newline + 1)) as StoredLint[]) stored.set(entry[0], entry);
    } catch {
      // an unreadable lint cache: lint again
    }
    return stored;
  }

  /** Writes the lint findings of the present files: this run's, and the stored ones still valid. */
  private saveLint(present: readonly string[]): void {
    this.storedLint ??= this.readLint();
    const out: StoredLint[] = [];
    for (const file of present) {
      const entry = this.entries.get(file);
      if (!entry || entry.racy) continue;
      const name = this.nameOf(file);
      const lint = entry.result.lint;
      const { size, mtimeMs, ctimeMs, ino, dev } = this.statOf(entry);
      if (lint) out.push([name, size, mtimeMs, ctimeMs, ino, dev, lint.key, withoutPaths(lint.problems)]);
      else {
        const old = this.storedLint.get(name);
        if (old && sameStat(this.statOf(entry), lintStat(old))) out.push(old);
      }
    }
    try {
      writePrivateFile(this.lintFile, `${this.lintHeader()}\n${JSON.stringify(out)}`);
      this.lintDirty = false;
    } catch {
      // a read-only cache folder is not an error
    }
  }

  /**
   * True when the file on disk already says exactly this: nothing parsed or updated, every present
   * file read from it, and no stored entry left over (a file removed since).
   */
  private unchanged(present: readonly string[]): boolean {
    if (this.dirty || this.restored !== (this.columns?.names.length ?? 0) || this.entries.size !== present.length)
      return false;
    for (const file of present) if (!this.entries.has(file)) return false;
    return true;
  }

  private statOf(entry: Entry): FileStat {
    return typeof entry.stat === 'number' ? storedStat(this.columns!, entry.stat) : entry.stat;
  }

  private isUnchanged(entry: Entry, stat: FileStat): boolean {
    return typeof entry.stat === 'number' ? hasStoredStat(this.columns!, entry.stat, stat) : sameStat(entry.stat, stat);
  }

  private nameOf(file: string): string {
    return file.startsWith(this.base) ? file.slice(this.base.length) : file;
  }

  /** `nameOf(file) === storedName(columns, index)`, without making either name. */
  private isStoredAs(file: string, index: number): boolean {
    const columns = this.columns!;
    const name = columns.names[index];
    if (!file.endsWith(name)) return false;
    const dir = storedDir(columns, index);
    const length = dir.length + name.length;
    if (file.length === this.base.length + length && file.startsWith(this.base)) {
      return file.startsWith(dir, this.base.length);
    }
    return file.length === length && !file.startsWith(this.base) && file.startsWith(dir);
  }

  private pruneStale(): void {
    const caches = fs
      .readdirSync(this.cacheDir)
      .filter((name) => /^(revisions|docs|lint|outputs)-.*\.json$/.test(name));
    if (caches.length <= MAX_CACHES) return;
    for (const name of caches) {
      const file = path.join(this.cacheDir, name);
      try {
        const header = readPrivateFile(file)?.split('\n', 1)[0];
        const configFile = header && JSON.parse(header).configFile;
        if (typeof configFile !== 'string' || !fs.existsSync(configFile)) fs.rmSync(file, { force: true });
      } catch {
        // another process may be pruning too
      }
    }
  }
}

/** The hash of the sources the running code was built from, written in by the build (scripts/build.mjs). */
declare const ALEMBIC_LENS_BUILD: string | undefined;
let stamp: string | undefined;

/** What identifies the running code: its build's source hash, or unbundled, its file's modification time. */
function buildStamp(): string {
  stamp ??=
    typeof ALEMBIC_LENS_BUILD === 'string'
      ? ALEMBIC_LENS_BUILD
      : String(fs.statSync(__filename, STAT_OPTIONS)?.mtimeMs ?? 0);
  return stamp;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file, STAT_OPTIONS);
  } catch {
    // unreadable metadata: the file is parsed (and reported) as it is
    return undefined;
  }
}

function lintStat([, size, mtimeMs, ctimeMs, ino, dev]: StoredLint): FileStat {
  return { size, mtimeMs, ctimeMs, ino, dev };
}

function sameStat(a: FileStat, b: FileStat): boolean {
  return a.ctimeMs === b.ctimeMs && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino && a.dev === b.dev;
}

function isRacy(changedMs: number): boolean {
  return changedMs >= Date.now() - RACY_MS;
}

/**
 * A 64-bit FNV-1a hash of `text` (its UTF-16 units), as 16 hex digits: the cache files' names. Not
 * node:crypto, which `heads` would load for this alone; the header inside names the config file anyway.
 */
export function fnv1a64(text: string): string {
  // Two 32-bit halves of the 64-bit state: offset basis 0xcbf29ce484222325, prime 2^40 + 0x1b3.
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    low = (low ^ text.charCodeAt(i)) >>> 0;
    // (high, low) * (2^40 + 0x1b3), modulo 2^64.
    const lowTimesPrime = low * 0x1b3;
    const carry = Math.floor(lowTimesPrime / 0x100000000);
    high = (Math.imul(high, 0x1b3) + Math.imul(low, 0x100) + carry) >>> 0;
    low = lowTimesPrime >>> 0;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
