// How the parse cache (parseCache.ts) stores its entries: by column, one array per field, so that
// JSON.parse makes a few large arrays instead of several small ones per file (on 100,000 files, half
// the time and memory). The numbers follow the JSON as float64s, copied out in one step instead of
// parsed from text; the JSON is kept ASCII, so it is decoded as latin1, three times faster than UTF-8.
// The docstrings, about half of the bytes, sit in a file of their own that is read only when a
// message is first asked for: `heads` never reads it.
import type { Problem } from './problems';
import { messageOf, type RevisionFileResult, type RevisionSource } from './revisionFile';

export type StoredProblems = Omit<Problem, 'path'>[] | 0;

/** Entry i at index i of each array. A file that is no revision has revision 0. */
export interface StoredColumns {
  /** The folders of the names, each stored once: an entry's name is `dirs[its dir] + names[i]`. */
  dirs: string[];
  names: string[];
  /** NUMBERS per entry: FileStat, flags (FLAGS), the index of its dir, then the four lines. */
  numbers: Float64Array;
  revisions: (string | 0)[];
  /** One down_revision as a string (the common case), else an array. */
  downs: (string | string[])[];
  dependsOn: (string[] | 0)[];
  branchLabels: (string[] | 0)[];
  problems: StoredProblems[];
}

/** The docstrings of the same entries, in the docs file. */
export interface StoredDocstrings {
  longdocs: string[];
  createDates: (string | 0)[];
}

/** What identifies one version of a file on disk. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

const NUMBERS = 11;
const DIR = 6;
const LINES = 7;
/** The float64s are stored in this machine's byte order: a cache written by another is not read. */
export const BYTE_ORDER = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
// Shared by the restored entries that have none (most): frozen, as nothing may add to them.
const NO_PROBLEMS = Object.freeze([]) as unknown as Problem[];
const NONE = Object.freeze([]) as unknown as string[];
const FLAGS = { grammarChecked: 1, emptyDependsOn: 2 } as const;

/** The columns as storeEntry fills them: the numbers in a growing array. */
type BuiltColumns = Omit<StoredColumns, 'numbers'> & { numbers: number[] };

/** Columns being filled by storeEntry. */
export interface ColumnsBuilder {
  columns: BuiltColumns;
  docstrings: StoredDocstrings;
  dirIndex: Map<string, number>;
}

export function emptyColumns(): ColumnsBuilder {
  const columns = {
    dirs: [],
    names: [],
    numbers: [],
    revisions: [],
    downs: [],
    dependsOn: [],
    branchLabels: [],
    problems: [],
  };
  return { columns, docstrings: { longdocs: [], createDates: [] }, dirIndex: new Map() };
}

/**
 * The columns file: `header` (asciiJson), the columns but their numbers as JSON (non-ASCII characters escaped),
 * then the numbers at the next multiple of 8 bytes.
 */
export function encodeColumns(header: string, columns: BuiltColumns): Buffer {
  const { numbers, ...rest } = columns;
  const text = `${header}\n${asciiJson(rest)}\n`;
  const start = alignedTo8(text.length);
  const bytes = Buffer.alloc(start + numbers.length * 8);
  bytes.write(text, 'latin1');
  bytes.set(new Uint8Array(Float64Array.from(numbers).buffer), start);
  return bytes;
}

/** JSON with every non-ASCII character escaped: the same text in latin1 as in UTF-8. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(NON_ASCII, escapeChar);
}

/** The header line of a columns file, and its columns when `accept(header)` and they are whole. */
export function decodeColumns(
  bytes: Buffer,
  accept: (header: string) => boolean,
): { header: string; columns?: StoredColumns } | undefined {
  const newline = bytes.indexOf(10);
  const end = newline < 0 ? -1 : bytes.indexOf(10, newline + 1);
  if (end < 0) return undefined;
  const header = bytes.toString('latin1', 0, newline);
  if (!accept(header)) return { header };
  const start = alignedTo8(end + 1);
  if (start > bytes.length || (bytes.length - start) % 8) return { header };
  const numbers = new Float64Array((bytes.length - start) / 8);
  new Uint8Array(numbers.buffer).set(bytes.subarray(start));
  return { header, columns: checkedColumns({ ...JSON.parse(bytes.toString('latin1', newline + 1, end)), numbers }) };
}

const NON_ASCII = /[\u0080-\uffff]/g;
const escapeChar = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
const alignedTo8 = (length: number): number => Math.ceil(length / 8) * 8;

/** The columns when they are whole (every array as long as the names), else undefined. */
function checkedColumns(value: unknown): StoredColumns | undefined {
  const columns = value as StoredColumns;
  const count = columns?.names?.length;
  if (typeof count !== 'number' || columns.numbers?.length !== count * NUMBERS) return undefined;
  const perEntry = [columns.revisions, columns.downs, columns.dependsOn, columns.branchLabels, columns.problems];
  if (!Array.isArray(columns.dirs) || !perEntry.every((column) => column?.length === count)) return undefined;
  for (let at = DIR; at < columns.numbers.length; at += NUMBERS) {
    if (columns.dirs[columns.numbers[at]] === undefined) return undefined;
  }
  return columns;
}

export function checkedDocstrings(value: unknown, count: number): StoredDocstrings | undefined {
  const docstrings = value as StoredDocstrings;
  return docstrings?.longdocs?.length === count && docstrings.createDates?.length === count ? docstrings : undefined;
}

export function storedStat(columns: StoredColumns, index: number): FileStat {
  const at = index * NUMBERS;
  const n = columns.numbers;
  return { size: n[at], mtimeMs: n[at + 1], ctimeMs: n[at + 2], ino: n[at + 3], dev: n[at + 4] };
}

/** Whether entry `index` was stored with `stat`, without making a FileStat of it. */
export function hasStoredStat(columns: StoredColumns, index: number, stat: FileStat): boolean {
  const n = columns.numbers;
  const at = index * NUMBERS;
  return (
    n[at + 2] === stat.ctimeMs &&
    n[at + 1] === stat.mtimeMs &&
    n[at] === stat.size &&
    n[at + 3] === stat.ino &&
    n[at + 4] === stat.dev
  );
}

/** The stored name of entry `index`. */
export function storedName(columns: StoredColumns, index: number): string {
  return storedDir(columns, index) + columns.names[index];
}

export function storedDir(columns: StoredColumns, index: number): string {
  return columns.dirs[columns.numbers[index * NUMBERS + DIR]];
}

/** Appends one entry to the columns (the inverse of restoreResult). */
export function storeEntry(
  { columns, docstrings, dirIndex }: ColumnsBuilder,
  name: string,
  { size, mtimeMs, ctimeMs, ino, dev }: FileStat,
  result: RevisionFileResult,
): void {
  const s = result.source;
  const flags = (result.grammarChecked ? FLAGS.grammarChecked : 0) | (s?.emptyDependsOn ? FLAGS.emptyDependsOn : 0);
  // Split at the last separator of either kind: any split gives the name back, this one the fewest dirs.
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1;
  const dir = name.slice(0, cut);
  let dirAt = dirIndex.get(dir);
  if (dirAt === undefined) dirIndex.set(dir, (dirAt = columns.dirs.push(dir) - 1));
  columns.names.push(name.slice(cut));
  columns.numbers.push(size, mtimeMs, ctimeMs, ino, dev, flags, dirAt);
  columns.numbers.push(s?.revisionLine ?? 0, s?.downRevisionLine ?? 0, s?.dependsOnLine ?? 0, s?.branchLabelsLine ?? 0);
  columns.revisions.push(s ? s.revision : 0);
  columns.downs.push(s?.downRevisions.length === 1 ? s.downRevisions[0] : (s?.downRevisions ?? []));
  columns.dependsOn.push(s?.dependsOn.length ? s.dependsOn : 0);
  columns.branchLabels.push(s?.branchLabels.length ? s.branchLabels : 0);
  columns.problems.push(withoutPaths(result.problems));
  docstrings.longdocs.push(s?.longdoc ?? '');
  docstrings.createDates.push(s?.createDate ?? 0);
}

/** Where restored sources find their docstrings: the docs file, or (if it is unusable) the file itself. */
export interface DocstringSource {
  docstring(index: number, file: string): { longdoc: string; createDate?: string };
}

/** Entry `index` as the result readRevisionFile gave for `file`. */
export function restoreResult(
  file: string,
  columns: StoredColumns,
  index: number,
  docstrings: DocstringSource,
): RevisionFileResult {
  const stored = columns.problems[index];
  const result: RevisionFileResult = { problems: stored ? withPath(file, stored) : NO_PROBLEMS };
  const at = index * NUMBERS;
  const flags = columns.numbers[at + 5];
  if (flags & FLAGS.grammarChecked) result.grammarChecked = true;
  const revision = columns.revisions[index];
  if (revision !== 0) {
    const down = columns.downs[index];
    const source = new CachedSource(
      revision,
      typeof down === 'string' ? [down] : down,
      columns.dependsOn[index] || NONE,
      columns.branchLabels[index] || NONE,
      file,
      columns.numbers,
      at + LINES,
      docstrings,
      index,
    );
    if (flags & FLAGS.emptyDependsOn) source.emptyDependsOn = true;
    result.source = source;
  }
  return result;
}

/** A restored revision source: the same fields as readRevisionFile's, the docstring read on first use. */
class CachedSource implements RevisionSource {
  emptyDependsOn?: boolean;
  revisionLine: number;
  downRevisionLine: number;
  dependsOnLine?: number;
  branchLabelsLine?: number;
  readonly #docstrings: DocstringSource;
  readonly #index: number;
  #docstring?: { longdoc: string; createDate?: string };

  constructor(
    public revision: string,
    public downRevisions: string[],
    public dependsOn: string[],
    public branchLabels: string[],
    public path: string,
    numbers: Float64Array,
    linesAt: number,
    docstrings: DocstringSource,
    index: number,
  ) {
    // `| 0`: small integers, stored as such rather than as boxed float64s.
    this.revisionLine = numbers[linesAt] | 0;
    this.downRevisionLine = numbers[linesAt + 1] | 0;
    this.dependsOnLine = numbers[linesAt + 2] | 0 || undefined;
    this.branchLabelsLine = numbers[linesAt + 3] | 0 || undefined;
    this.#docstrings = docstrings;
    this.#index = index;
  }

  get longdoc(): string {
    return this.docstring().longdoc;
  }
  get message(): string {
    return messageOf(this.docstring().longdoc);
  }
  get createDate(): string | undefined {
    return this.docstring().createDate;
  }

  private docstring(): { longdoc: string; createDate?: string } {
    this.#docstring ??= this.#docstrings.docstring(this.#index, this.path);
    return this.#docstring;
  }
}

export function withoutPaths(problems: Problem[]): StoredProblems {
  return problems.length ? problems.map(({ path: _path, ...rest }) => rest) : 0;
}

export function withPath(file: string, problems: StoredProblems): Problem[] {
  return problems ? problems.map((p) => ({ ...p, path: file })) : [];
}
