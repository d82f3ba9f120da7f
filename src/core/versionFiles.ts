// The files of a project's version folders: which ones Alembic loads and in what order, and how one
// file's bytes are read (decoded as Alembic imports them, the grammar check for the files it fits).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicConfig } from './config';
import { withFileBytes } from './fileBytes';
import { type Problem, problem } from './problems';
import { type DecodedSource, decodePythonSource, findGrammarError } from './python';
import type { ConstantLookup } from './revisionConstants';
import { isRevisionFileName, type RevisionFileResult, readRevisionFile } from './revisionFile';

/**
 * The full-grammar check of a larger file would hold the extension host for seconds and take
 * gigabytes (a 50 MB data migration: 3.6 s of CPU, 660 MB); the fast reader still reads it.
 */
const MAX_GRAMMAR_CHECK_CHARS = 4 * 1024 * 1024;

/**
 * One revision file's bytes, from disk or from git, read as Alembic imports them; `constants` resolves
 * values written from imported names (files on disk only: a history at a git ref has none).
 */
export function readRevisionBytes(
  file: string,
  bytes: Uint8Array,
  withGrammar = false,
  constants?: ConstantLookup,
): RevisionFileResult {
  return guarded(file, () => readDecodedRevision(file, decodePythonSource(bytes), withGrammar, constants));
}

/**
 * The same, for a revision file on disk: its bytes are decoded where they were read, without a copy.
 * `withText` reads more from the decoded text while it is in hand (the file's record: see LoadOptions.eager).
 */
export function readRevisionFileOnDisk<R extends RevisionFileResult = RevisionFileResult>(
  file: string,
  withGrammar: boolean,
  constants?: ConstantLookup,
  withText?: (text: string, result: RevisionFileResult) => R,
): RevisionFileResult | R {
  // A failure to read is the file's problem; a failure to decode is the reader's (guarded).
  let decoded: DecodedSource | undefined;
  let decodeFailure: unknown;
  try {
    decoded = withFileBytes(file, (bytes) => {
      try {
        return decodePythonSource(bytes);
      } catch (err) {
        decodeFailure = err;
        return undefined;
      }
    });
  } catch (err) {
    return {
      problems: [problem('error', 'unreadable-file', `Cannot read file: ${(err as Error).message}`, file, 1)],
      grammarChecked: true,
    };
  }
  return guarded(file, () => {
    if (!decoded) throw decodeFailure;
    const result = readDecodedRevision(file, decoded, withGrammar, constants);
    return withText && 'text' in decoded ? withText(decoded.text, result) : result;
  });
}

function readDecodedRevision(
  file: string,
  decoded: DecodedSource,
  withGrammar: boolean,
  constants: ConstantLookup | undefined,
): RevisionFileResult {
  if ('error' in decoded) {
    return {
      problems: [
        problem('error', 'syntax-error', `Python cannot read this file: ${decoded.error}.`, file, decoded.line),
      ],
      grammarChecked: true,
    };
  }
  const result = readRevisionFile(file, decoded.text, constants);
  // A file too large for the grammar check is settled now, so that the check never reads it again.
  const settleNow = withGrammar || decoded.text.length > MAX_GRAMMAR_CHECK_CHARS;
  return settleNow ? withGrammarCheck(file, decoded.text, result) : result;
}

/** A reader's unexpected failure costs this one file, never the project. */
function guarded(file: string, read: () => RevisionFileResult): RevisionFileResult {
  try {
    return read();
  } catch (err) {
    return {
      problems: [problem('error', 'internal-error', `alembic-lens could not read this file: ${String(err)}`, file, 1)],
      grammarChecked: true,
    };
  }
}

/**
 * Lists a version directory as current Alembic does: file names sorted, and with
 * recursive_version_locations a top-down walk (files of a folder before its sorted subfolders),
 * skipping __pycache__. (Alembic 1.8 used unsorted os.listdir order and no recursion.)
 */
export function listVersionDir(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) dirs.push(entry.name);
      // Everything else Alembic lists too (os.walk's files): a FIFO or socket is reported by readFileBytes.
      else if (isRevisionFileName(entry.name)) files.push(entry.name);
    }
    // Plain concatenation: path.join normalizes every time, which shows on 10,000 files.
    const prefix = current.endsWith(path.sep) ? current : current + path.sep;
    for (const name of sortByCodePoints(files)) out.push(prefix + name);
    if (!recursive) return;
    for (const name of sortByCodePoints(dirs)) if (name !== '__pycache__') walk(path.join(current, name));
  };
  walk(dir);
  return out;
}

/** The revision files of a config's version locations as Alembic loads them, and what the listing found. */
export interface RevisionListing {
  /** In Alembic's load order, each file once. */
  files: string[];
  /** The version folders with links resolved: current Alembic reports revision paths so (Path.resolve()). */
  realLocations: string[];
  /** A file listed twice; compiled files without their source (sourceless = true). */
  problems: Problem[];
}

export function listRevisionFiles(config: AlembicConfig): RevisionListing {
  const realLocations = config.versionLocations.map(realpathOrSelf);
  const files: string[] = [];
  const problems: Problem[] = [];
  const seenReal = new Set<string>();
  // The same file can only be listed twice through several (overlapping or linked) locations.
  const checkDuplicates = config.versionLocations.length > 1;
  for (const location of realLocations) {
    for (const file of listVersionDir(location, config.recursiveVersionLocations)) {
      if (!checkDuplicates) {
        files.push(file);
        continue;
      }
      const real = safeRealpath(file);
      if (seenReal.has(real)) {
        const message = `File ${real} is loaded twice; Alembic ignores the second. Make version_locations unique.`;
        problems.push(problem('warning', 'duplicate-file', message, file, 1));
        continue;
      }
      seenReal.add(real);
      files.push(file);
    }
    if (config.sourceless) problems.push(...unreadableCompiledFiles(location));
  }
  return { files, realLocations, problems };
}

export function sortLoadOrder(files: string[], locations: string[]): string[] {
  // Each file's key is computed once, not n log n times in the comparator (path.relative is slow).
  const keys = new Map<string, { location: number; parts: string[] }>();
  for (const file of files) {
    const index = locations.findIndex((loc) => isInside(path.dirname(file), loc));
    const location = index < 0 ? locations.length : index;
    keys.set(file, { location, parts: path.relative(locations[location] ?? '', file).split(path.sep) });
  }
  return files.sort((a, b) => {
    const { location: la, parts: pa } = keys.get(a)!;
    const { location: lb, parts: pb } = keys.get(b)!;
    if (la !== lb) return la - lb;
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      if (pa[i] === pb[i]) continue;
      const aIsFile = i === pa.length - 1;
      const bIsFile = i === pb.length - 1;
      if (aIsFile !== bIsFile) return aIsFile ? -1 : 1;
      return compareCodePoints(pa[i], pb[i]);
    }
    return pa.length - pb.length;
  });
}

/** `names` sorted as Python sorts strings. Without surrogates, UTF-16 order is that order, and the default sort's. */
function sortByCodePoints(names: string[]): string[] {
  return names.some((name) => SURROGATE.test(name)) ? names.sort(compareCodePoints) : names.sort();
}

const SURROGATE = /[\ud800-\udfff]/;

/** Python's string order (code points), not UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a) && !/[\ud800-\udfff]/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    if (ca[i] !== cb[i]) return ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
  }
  return ca.length - cb.length;
}

/**
 * The compiled files Alembic loads with `sourceless = true` and alembic-lens cannot read: a `.pyc`
 * (or a `.pyo` without a `.pyc`) without its `.py`, and in `__pycache__` the files whose module has no
 * file of that name beside it (Alembic's `_list_py_dir` and `_from_filename`).
 */
export function unreadableCompiledFiles(dir: string): Problem[] {
  const names = listNames(dir);
  const stems = new Set(names.map((n) => n.split('.')[0]));
  const present = new Set(names);
  const loaded = names.filter((n) => {
    const match = /^(?!\.#|__init__)(.*\.py)([co])$/.exec(n);
    if (!match) return false;
    return !present.has(match[1]) && !(match[2] === 'o' && present.has(`${match[1]}c`));
  });
  const cached = present.has('__pycache__')
    ? listNames(path.join(dir, '__pycache__'))
        .filter((n) => /\.py[co]$/.test(n) && !stems.has(n.split('.')[0]))
        .map((n) => path.join('__pycache__', n))
    : [];
  return [...loaded, ...cached].map((n) =>
    problem(
      'info',
      'sourceless-file',
      `${n} is compiled without its .py source (sourceless = true: Alembic loads it); alembic-lens cannot read it without running Python.`,
      path.join(dir, n),
      1,
    ),
  );
}

/**
 * An empty version folder whose subfolders hold revision files (prefect keeps one per database): Alembic
 * reads them only with recursive_version_locations, or when version_locations names them (an env.py may
 * set that at run time, out of sight). An info problem on the config, naming the subfolders.
 */
export function revisionsInSubfolders(dir: string, configFile: string): Problem[] {
  const subfolders = listNames(dir).filter(
    (name) =>
      name !== '__pycache__' && !name.startsWith('.') && listNames(path.join(dir, name)).some(isRevisionFileName),
  );
  if (!subfolders.length) return [];
  return [
    problem(
      'info',
      'revisions-in-subfolders',
      `No revision file in ${dir}, but its subfolder(s) ${subfolders.sort().join(', ')} hold some: Alembic reads subfolders only with recursive_version_locations = true, or when version_locations names them (an env.py may set that when it runs, which alembic-lens cannot see).`,
      configFile,
      1,
    ),
  ];
}

function listNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function safeRealpath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

function withGrammarCheck(file: string, text: string, result: RevisionFileResult): RevisionFileResult {
  if (result.problems.some((p) => p.code === 'syntax-error')) return { ...result, grammarChecked: true };
  if (text.length > MAX_GRAMMAR_CHECK_CHARS) {
    const megabytes = (text.length / 1024 / 1024).toFixed(1);
    const message = `This file is ${megabytes} MB, too large for the full Python syntax check (over ${MAX_GRAMMAR_CHECK_CHARS / 1024 / 1024} MB); only the revision variables were read.`;
    const skipped = problem('info', 'grammar-check-skipped', message, file, 1);
    return { ...result, problems: [...result.problems, skipped], grammarChecked: true };
  }
  const error = findGrammarError(text);
  if (!error) return { ...result, grammarChecked: true };
  const message = `Python syntax error: ${error.message}. Alembic cannot import this file.`;
  return {
    problems: [...result.problems, problem('error', 'syntax-error', message, file, error.line)],
    grammarChecked: true,
  };
}

export function realpathOrSelf(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * A revision file's text, decoded as Python does. Only the model rules (rules/modelRules.ts, which need
 * the operations' parsed calls that the revision records do not keep) still read files this way.
 */
export function readRevisionText(file: string): string | undefined {
  try {
    const decoded = decodePythonSource(fs.readFileSync(file));
    return 'text' in decoded ? decoded.text : undefined;
  } catch {
    return undefined;
  }
}
