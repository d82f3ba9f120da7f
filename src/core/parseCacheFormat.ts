// How the parse cache (parseCache.ts) stores its entries: by column, one array per field, so that
// JSON.parse makes a few large arrays instead of several small ones per file (on 100,000 files, half
// the time and memory). The docstrings, about half of the bytes, sit in a file of their own that is
// read only when a message is first asked for: `heads` never reads it.
import type { Problem } from './problems';
import { messageOf, type RevisionFileResult, type RevisionSource } from './revisionFile';

export type StoredProblems = Omit<Problem, 'path'>[] | 0;

/** Entry i at index i of each array. A file that is no revision has revision 0. */
export interface StoredColumns {
  names: string[];
  /** NUMBERS per entry (JSON.parse stores them unboxed): FileStat, flags (FLAGS), then the four lines. */
  numbers: number[];
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

const NUMBERS = 10;
// Shared by the restored entries that have none (most): frozen, as nothing may add to them.
const NO_PROBLEMS = Object.freeze([]) as unknown as Problem[];
const NONE = Object.freeze([]) as unknown as string[];
const FLAGS = { grammarChecked: 1, emptyDependsOn: 2 } as const;

export function emptyColumns(): { columns: StoredColumns; docstrings: StoredDocstrings } {
  const columns = { names: [], numbers: [], revisions: [], downs: [], dependsOn: [], branchLabels: [], problems: [] };
  return { columns, docstrings: { longdocs: [], createDates: [] } };
}

/** The columns when they are whole (every array as long as the names), else undefined. */
export function checkedColumns(value: unknown): StoredColumns | undefined {
  const columns = value as StoredColumns;
  const count = columns?.names?.length;
  if (typeof count !== 'number' || columns.numbers?.length !== count * NUMBERS) return undefined;
  const perEntry = [columns.revisions, columns.downs, columns.dependsOn, columns.branchLabels, columns.problems];
  return perEntry.every((column) => column?.length === count) ? columns : undefined;
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

/** Appends one entry to the columns (the inverse of restoreResult). */
export function storeEntry(
  { columns, docstrings }: { columns: StoredColumns; docstrings: StoredDocstrings },
  name: string,
  { size, mtimeMs, ctimeMs, ino, dev }: FileStat,
  result: RevisionFileResult,
): void {
  const s = result.source;
  const flags = (result.grammarChecked ? FLAGS.grammarChecked : 0) | (s?.emptyDependsOn ? FLAGS.emptyDependsOn : 0);
  columns.names.push(name);
  columns.numbers.push(size, mtimeMs, ctimeMs, ino, dev, flags);
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
      at + 6,
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
    numbers: number[],
    linesAt: number,
    docstrings: DocstringSource,
    index: number,
  ) {
    this.revisionLine = numbers[linesAt];
    this.downRevisionLine = numbers[linesAt + 1];
    this.dependsOnLine = numbers[linesAt + 2] || undefined;
    this.branchLabelsLine = numbers[linesAt + 3] || undefined;
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
