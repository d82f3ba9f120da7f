// Turns one revision file's text into the values Alembic would read from the imported module.
// The module variables are the truth: file names and the `Revision ID:` / `Revises:` header lines are not.
import * as path from 'node:path';
import { type Problem, problem } from './problems';
import { type PyValue, readPythonModule } from './python';
import type { ConstantLookup } from './revisionConstants';
import type { RevisionLint } from './revisionRecord';

export interface RevisionSource {
  revision: string;
  /** Alembic's `down_revision` as a tuple: empty for a base (None, '', () or []). */
  downRevisions: string[];
  /** `depends_on` as written (revision ids or branch labels). */
  dependsOn: string[];
  /** `branch_labels` as written, before Alembic propagates them along the branch. */
  branchLabels: string[];
  /** Alembic's `doc`: the first paragraph of the stripped docstring. */
  message: string;
  /** Alembic's `longdoc`: the whole stripped docstring. */
  longdoc: string;
  /** The `Create Date:` line of the docstring, when there is one. */
  createDate?: string;
  path: string;
  /**
   * `depends_on = ''`: no dependency, yet Alembic's `dependencies` is '' and not None, so a base with it is
   * no real base (a dependency cycle when no other real base reaches it).
   */
  emptyDependsOn?: boolean;
  /** `branch_labels` is computed (an imported constant): the branch may carry labels alembic-lens cannot read. */
  unreadableBranchLabels?: boolean;
  /** 1-based lines of the assignments, for diagnostics and navigation. */
  revisionLine: number;
  downRevisionLine: number;
  dependsOnLine?: number;
  branchLabelsLine?: number;
}

export interface RevisionFileResult {
  /** Undefined when the file cannot be a revision (no readable `revision`, or a syntax error). */
  source?: RevisionSource;
  problems: Problem[];
  /** Set once the full-grammar check ran (see Project.checkGrammar). */
  grammarChecked?: boolean;
  /** The lint problems, once linted (Project.revisionLint; the parse cache keeps them). */
  lint?: RevisionLint;
  /**
   * The modules a revision variable's value was read from (imported constants, revisionConstants.ts):
   * the result depends on them too, so the parse cache never keeps it.
   */
  constantFiles?: string[];
}

const WATCHED = new Set(['revision', 'down_revision', 'branch_labels', 'depends_on']);
const ILLEGAL_IN_REVISION = /[@+:-]/;
// Alembic 0.1 files had no `revision` variable; the id came from a hex file name.
const LEGACY_REVISION_FILE = /^([a-f0-9]+)\.py$/;

/** Which files in a version directory Alembic tries to load as revisions. */
export function isRevisionFileName(fileName: string): boolean {
  // Alembic matches names with `.*\.py$`, whose `.` stops at a line break: such a name is not loaded.
  return (
    fileName.endsWith('.py') &&
    !fileName.startsWith('.#') &&
    !fileName.startsWith('__init__') &&
    !fileName.includes('\n')
  );
}

/**
 * `constants`: how to read a value written from names (`branch_labels = (cli.CONTRACT_BRANCH,)`); without
 * it, or when a name cannot be resolved, the value is reported as computed.
 */
export function readRevisionFile(filePath: string, text: string, constants?: ConstantLookup): RevisionFileResult {
  const problems: Problem[] = [];
  const module = readPythonModule(text, WATCHED);
  if (module.syntaxError) {
    problems.push(
      problem(
        'error',
        'syntax-error',
        `Python syntax error: ${module.syntaxError.message}. Alembic cannot import this file.`,
        filePath,
        module.syntaxError.line,
      ),
    );
    return { problems, grammarChecked: true };
  }

  // Python keeps the last assignment; one inside an if/try block may or may not run.
  const last = new Map<string, { value: PyValue; line: number; topLevel: boolean }>();
  for (const a of module.assignments) {
    last.set(a.name, a);
    if (!a.topLevel) {
      problems.push(
        problem(
          'warning',
          'conditional-value',
          `'${a.name}' is assigned inside a block; alembic-lens reads it as if the block always runs.`,
          filePath,
          a.line,
        ),
      );
    }
  }

  // Values written from names: resolved through the file's bindings and imports, as Python would.
  let constantFiles: Set<string> | undefined;
  if (constants) {
    for (const [name, entry] of last) {
      if (entry.value.kind !== 'computed') continue;
      const resolved = constants.resolve(filePath, text, name, entry.line);
      if (!resolved) continue;
      last.set(name, { ...entry, value: resolved.value });
      constantFiles ??= new Set();
      for (const file of resolved.files) constantFiles.add(file);
    }
  }

  const read = (name: string, allowSequence: boolean): { values: string[]; line?: number; ok: boolean } => {
    const found = last.get(name);
    if (!found) return { values: [], ok: true };
    const values = toStrings(found.value, allowSequence);
    // Alembic's tuple_rev_as_scalar takes rev[0] of a one-item value: a one-item set raises TypeError.
    if (found.value.kind === 'seq' && found.value.set && found.value.items.length === 1 && name !== 'branch_labels') {
      problems.push(
        problem(
          'error',
          'set-value',
          `'${name}' is a set: Alembic fails to load this file ("TypeError: 'set' object is not subscriptable"). Write a string or a tuple.`,
          filePath,
          found.line,
        ),
      );
      return { values: [], line: found.line, ok: false };
    }
    // Alembic's to_tuple('') is ('',): an empty branch label, shown as "()".
    if (name === 'branch_labels' && found.value.kind === 'str' && !found.value.value) {
      return { values: [''], line: found.line, ok: true };
    }
    if (!values && found.value.kind === 'seq' && found.value.items.some((item) => item.kind === 'none')) {
      problems.push(
        problem(
          'error',
          'none-in-sequence',
          `'${name}' holds None inside a sequence: Alembic fails to load the history (a revision None is looked up). Leave None out, or write None alone.`,
          filePath,
          found.line,
        ),
      );
      return { values: [], line: found.line, ok: false };
    }
    if (!values) {
      const detail = found.value.kind === 'computed' ? ` (${found.value.text})` : '';
      // Unread labels leave the graph whole (its heads are just not called a fork); unread parents break it.
      const labels = name === 'branch_labels';
      problems.push(
        problem(
          labels ? 'warning' : 'error',
          'computed-value',
          labels
            ? `'branch_labels' is computed${detail}, not readable without running Python: this branch's labels are unknown to alembic-lens, which takes its heads for separate labelled branches, not a fork.`
            : `'${name}' is computed${detail}, not readable without running Python; alembic-lens needs a literal string, tuple or None here.`,
          filePath,
          found.line,
        ),
      );
      return { values: [], line: found.line, ok: false };
    }
    return { values, line: found.line, ok: true };
  };

  const revisionEntry = last.get('revision');
  let revision: string | undefined;
  let revisionLine = 1;
  if (revisionEntry) {
    revisionLine = revisionEntry.line;
    if (revisionEntry.value.kind === 'str') revision = revisionEntry.value.value;
    else {
      problems.push(
        problem(
          'error',
          'computed-value',
          `'revision' must be a literal string; this one is ${describe(revisionEntry.value)}, not readable without running Python.`,
          filePath,
          revisionLine,
        ),
      );
      return withConstants({ problems }, constantFiles);
    }
  } else {
    const legacy = LEGACY_REVISION_FILE.exec(path.basename(filePath));
    if (!legacy) {
      problems.push(
        problem(
          'error',
          'no-revision-variable',
          'No module-level \'revision\' variable: Alembic cannot load this file ("Could not determine revision id from filename"). Move helper modules out of the versions folder or declare revision.',
          filePath,
          1,
        ),
      );
      return withConstants({ problems }, constantFiles);
    }
    revision = legacy[1];
  }
  const illegal = ILLEGAL_IN_REVISION.test(revision) ? ['@', '-', '+', ':'].filter((c) => revision!.includes(c)) : [];
  if (illegal.length) {
    problems.push(
      problem(
        'error',
        'illegal-revision-id',
        `Character(s) '${illegal.sort().join(', ')}' not allowed in revision identifier '${revision}'.`,
        filePath,
        revisionLine,
      ),
    );
  }

  let downRevisionLine = revisionLine;
  let downRevisions: string[] = [];
  if (!last.has('down_revision')) {
    problems.push(
      problem(
        'error',
        'no-down-revision',
        "No module-level 'down_revision' variable: Alembic fails to load this file. Use down_revision = None for a first revision.",
        filePath,
        revisionLine,
      ),
    );
  } else {
    const down = read('down_revision', true);
    downRevisions = down.values;
    downRevisionLine = down.line ?? revisionLine;
  }
  const depends = read('depends_on', true);
  const labels = read('branch_labels', true);

  if (downRevisions.includes(revision)) {
    problems.push(
      problem(
        'error',
        'cycle',
        `Self-loop is detected in revisions (${revision}): the revision names itself as its down_revision.`,
        filePath,
        downRevisionLine,
      ),
    );
    downRevisions = downRevisions.filter((d) => d !== revision);
  }
  if (depends.values.includes(revision)) {
    problems.push(
      problem(
        'error',
        'cycle',
        `Dependency self-loop is detected in revisions (${revision}): the revision depends on itself.`,
        filePath,
        depends.line ?? revisionLine,
      ),
    );
  }

  // A copy: a slice of the file's text would keep the whole text alive as long as the graph.
  const longdoc = detached((module.docstring ?? '').trim());
  const createDate = /^Create Date:\s*(.+)$/m.exec(longdoc)?.[1].trim();
  const source: RevisionSource = {
    revision,
    downRevisions,
    dependsOn: depends.values.includes(revision) ? depends.values.filter((d) => d !== revision) : depends.values,
    branchLabels: labels.values,
    message: messageOf(longdoc),
    longdoc,
    createDate,
    path: filePath,
    revisionLine,
    downRevisionLine,
    dependsOnLine: depends.line,
    branchLabelsLine: labels.line,
  };
  // The rare flags are set afterwards: spread into the literal, they would make V8 store every
  // source's fields out of line (twice the memory on a large history).
  if (isEmptyString(last.get('depends_on')?.value)) source.emptyDependsOn = true;
  if (!labels.ok) source.unreadableBranchLabels = true;
  return withConstants({ source, problems }, constantFiles);
}

/**
 * A result that depends on more than its own file: values read from imported constants, or computed ones a
 * module may yet define (revisionConstants.ts). The parse cache never keeps it; a rescan reads it again.
 */
export function readsOtherFiles(result: RevisionFileResult): boolean {
  return !!result.constantFiles || result.problems.some((p) => p.code === 'computed-value');
}

function withConstants(result: RevisionFileResult, files: Set<string> | undefined): RevisionFileResult {
  if (files?.size) result.constantFiles = [...files];
  return result;
}

function isEmptyString(value: PyValue | undefined): boolean {
  return value?.kind === 'str' && value.value === '';
}

function describe(value: PyValue): string {
  switch (value.kind) {
    case 'none':
      return 'None';
    case 'seq':
      return 'a sequence';
    case 'computed':
      return `computed (${value.text})`;
    default:
      return 'a string';
  }
}

/** Alembic's `to_tuple` followed by `tuple_rev_as_scalar`: None and empty values mean "nothing". */
function toStrings(value: PyValue, allowSequence: boolean): string[] | undefined {
  if (value.kind === 'none') return [];
  if (value.kind === 'str') return value.value ? [value.value] : [];
  if (value.kind === 'seq' && allowSequence) {
    const out: string[] = [];
    for (const item of value.items) {
      if (item.kind !== 'str') return undefined;
      out.push(item.value);
    }
    return out;
  }
  return undefined;
}

/**
 * `text` in a string of its own. V8 makes a longer slice a view that keeps its whole source string
 * alive; concatenating and slicing again copies it, so the source (a whole file) can be freed.
 */
function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/** Alembic's `doc`: the first paragraph of the stripped docstring. */
export function messageOf(longdoc: string): string {
  const end = longdoc.indexOf('\n\n');
  return end < 0 ? longdoc : longdoc.slice(0, end);
}

/** Two reads of a file that give the graph the same input: the same values, lines and problems. */
export function sameGraphInput<T extends RevisionFileResult>(
  before: RevisionFileResult,
  after: T,
): after is T & { source: RevisionSource } {
  return (
    !!before.source &&
    !!after.source &&
    sameShape(before.source, after.source) &&
    sameProblems(before.problems, after.problems)
  );
}

/** The values that decide the graph; when they and their lines are unchanged, so is the graph. */
function sameShape(a: RevisionSource, b: RevisionSource): boolean {
  return (
    a.revision === b.revision &&
    a.path === b.path &&
    a.revisionLine === b.revisionLine &&
    a.downRevisionLine === b.downRevisionLine &&
    a.dependsOnLine === b.dependsOnLine &&
    a.branchLabelsLine === b.branchLabelsLine &&
    a.emptyDependsOn === b.emptyDependsOn &&
    a.unreadableBranchLabels === b.unreadableBranchLabels &&
    a.downRevisions.join('\0') === b.downRevisions.join('\0') &&
    a.dependsOn.join('\0') === b.dependsOn.join('\0') &&
    a.branchLabels.join('\0') === b.branchLabels.join('\0')
  );
}

function sameProblems(a: Problem[], b: Problem[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.code === b[i].code && p.line === b[i].line && p.message === b[i].message)
  );
}
