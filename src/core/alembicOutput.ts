// The text of Alembic's read-only commands (`heads`, `history`, `branches`, `show`), line for line,
// and the translation of lookup errors into the messages Alembic's command line prints.
// Also: what a failed Alembic command says went wrong.
import { type Revision, RevisionError, type RevisionMap } from './revisionMap';
import { maskSecrets } from './secrets';

interface HeadOnlyOptions {
  includeBranches?: boolean;
  includeDoc?: boolean;
  includeParents?: boolean;
  treeIndicators?: boolean;
}

function formatDownRevision(rev: Revision): string {
  return rev.down.length ? rev.down.join(', ') : '<base>';
}

/** Alembic's `Script._head_only`, the one-line form. */
export function formatRevisionLine(rev: Revision, options: HeadOnlyOptions = {}): string {
  const { includeBranches = false, includeDoc = false, includeParents = false, treeIndicators = true } = options;
  let text = rev.id;
  if (includeParents) {
    text = rev.dependencies.length
      ? `${formatDownRevision(rev)} (${rev.dependencies.join(', ')}) -> ${text}`
      : `${formatDownRevision(rev)} -> ${text}`;
  }
  if (includeBranches && rev.branchLabels.size) text += ` (${[...rev.branchLabels].join(', ')})`;
  if (rev.isRealHead) text += ' (head)';
  else if (rev.isHead) text += ' (effective head)';
  if (treeIndicators) {
    if (rev.isBranchPoint) text += ' (branchpoint)';
    if (rev.isMergePoint) text += ' (mergepoint)';
  }
  if (includeDoc) text += `, ${rev.source.message}`;
  return text;
}

/** Alembic's `Script.log_entry`, the multi-line form `show` prints. */
export function formatLogEntry(rev: Revision): string {
  let entry = `Rev: ${rev.id}${rev.isHead ? ' (head)' : ''}${rev.isBranchPoint ? ' (branchpoint)' : ''}${rev.isMergePoint ? ' (mergepoint)' : ''}\n`;
  entry += rev.isMergePoint ? `Merges: ${formatDownRevision(rev)}\n` : `Parent: ${formatDownRevision(rev)}\n`;
  if (rev.dependencies.length) entry += `Also depends on: ${rev.dependencies.join(', ')}\n`;
  if (rev.isBranchPoint) entry += `Branches into: ${rev.nextrev.join(', ')}\n`;
  if (rev.branchLabels.size) entry += `Branch names: ${[...rev.branchLabels].join(', ')}\n`;
  entry += `Path: ${rev.source.path}\n`;
  entry += `\n${splitLines(rev.source.longdoc)
    .map((para) => `    ${para}`)
    .join('\n')}\n`;
  return entry;
}

/** Python's str.splitlines. */
function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** How `--verbose` and `--resolve-dependencies` ask for the output. */
export interface OutputOptions {
  /** Each revision as `show` prints it (Alembic's `cmd_format(verbose=True)`: the log entry). */
  verbose?: boolean;
  /** `heads --resolve-dependencies`: the heads counting dependencies as parents. */
  resolveDependencies?: boolean;
}

/** `alembic heads`: the heads, each with its labels and whether it is a real or effective head. */
export function headsCommand(map: RevisionMap, options: OutputOptions = {}): string[] {
  const heads = map.getRevisions(options.resolveDependencies ? 'heads' : map.heads) as Revision[];
  return heads.map((rev) =>
    options.verbose ? formatLogEntry(rev) : formatRevisionLine(rev, { includeBranches: true, treeIndicators: false }),
  );
}

/** `alembic history [-r start:end]`, newest first. */
export function historyCommand(map: RevisionMap, range?: string, options: OutputOptions = {}): string[] {
  let base: string | undefined;
  let head: string | undefined;
  if (range !== undefined) {
    if (!range.includes(':')) throw new RevisionError('History range requires [start]:[end], [start]:, or :[end]');
    const parts = range.trim().split(':');
    if (parts.length !== 2) throw new RevisionError(`too many values to unpack (expected 2)`);
    [base, head] = parts;
  }
  const start = base || 'base';
  const end = head || 'heads';
  return withCommandErrors(() => map.walkRevisions(start, end), { start, end }).map((rev) =>
    options.verbose
      ? formatLogEntry(rev)
      : formatRevisionLine(rev, { includeBranches: true, includeDoc: true, includeParents: true }),
  );
}

/** `alembic branches`: each branch point and the revisions it branches into (with their messages when verbose). */
export function branchesCommand(map: RevisionMap, options: OutputOptions = {}): string[] {
  const out: string[] = [];
  for (const rev of withCommandErrors(() => map.walkRevisions())) {
    if (!rev.isBranchPoint) continue;
    const indent = ' '.repeat(rev.id.length);
    out.push(options.verbose ? formatLogEntry(rev) : formatRevisionLine(rev, { includeBranches: true }));
    for (const child of rev.nextrev) {
      const line = formatRevisionLine(map.get(child)!, { includeBranches: true, includeDoc: options.verbose });
      out.push(`${indent} -> ${line}`);
    }
    out.push('');
  }
  return out;
}

/** `alembic show REV`: the log entry of each revision the identifier names. */
export function showCommand(map: RevisionMap, identifier: string): string[] {
  const revisions = withCommandErrors(() => map.getRevisions(identifier));
  // Alembic itself crashes when `-N` walks below the first revision; say what happened instead.
  if (revisions.includes(null) && /^(?:.*@)?-\d+$/.test(identifier))
    throw new RevisionError(`Relative revision ${identifier} walks past the first revision`);
  return revisions.filter((r): r is Revision => r !== null).map((rev) => formatLogEntry(rev));
}

/**
 * Runs a lookup and rewrites its error the way Alembic's `ScriptDirectory._catch_revision_errors`
 * does, so that messages match what `alembic` prints after `FAILED:`.
 */
export function withCommandErrors<T>(run: () => T, context: { start?: string; end?: string } = {}): T {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof RevisionError)) throw err;
    switch (err.kind) {
      case 'range-not-ancestor':
        throw new RevisionError(
          `Requested range ${context.start ?? err.range?.lower}:${context.end ?? err.range?.upper} does not refer to ancestor/descendant revisions along the same branch`,
          err.kind,
        );
      case 'multiple-heads': {
        const arg = context.end ?? err.argument;
        throw new RevisionError(
          `Multiple head revisions are present for given argument '${arg}'; please specify a specific target revision, '<branchname>@${arg}' to narrow to a specific head, or 'heads' for all heads`,
          err.kind,
        );
      }
      case 'resolution':
        throw new RevisionError(`Can't locate revision identified by '${err.argument}'`, err.kind, err.argument);
      default:
        throw err;
    }
  }
}

export interface AlembicFailure {
  /**
   * 'unreachable': the database was tried and did not answer, or refused; 'unreadable': something
   * failed before any database was contacted (a module missing, env.py, the URL itself).
   */
  kind: 'unreachable' | 'unreadable';
  /** The server answered and refused the login (a wrong password, an unknown user). */
  refused?: boolean;
  /** What failed, short, no secret: "the project's Python has no module sqlmodel". */
  message: string;
  /** How to fix it, when known. */
  fix?: string;
}

/** `SomeError: message` lines of a traceback: builtins, dotted (`sqlalchemy.exc.X`), `FAILED:`. */
const EXCEPTION_LINE =
  /^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Warning)|KeyboardInterrupt|FAILED): ?(.*)$/;
const CONNECTION_ERRORS = new RegExp(
  [
    'OperationalError',
    'InterfaceError',
    'ConnectionRefused',
    'ConnectionError',
    'gaierror',
    'TimeoutError',
    'CannotConnectNow',
    'InvalidPasswordError',
    'InvalidAuthorization',
  ].join('|'),
);

/** What PostgreSQL and MySQL drivers say when the server refuses the credentials. */
const LOGIN_REFUSED =
  /password authentication failed|Access denied for user|role "[^"]*" does not exist|InvalidPasswordError/;

/**
 * What made `alembic current` (or any Alembic command) fail, read from its output: the last
 * exception of the traceback, or Alembic's `FAILED:` line. Only a connection error counts as the
 * database being unreachable.
 */
export function classifyAlembicFailure(output: string, exitCode: number): AlembicFailure {
  const lines = output.split(/\r?\n/);
  const exceptionAt = lines
    .map((l) => EXCEPTION_LINE.exec(l))
    .map((m, i) => (m ? i : -1))
    .filter((i) => i >= 0)
    .pop();
  if (exceptionAt === undefined) {
    const last = lines
      .map((l) => l.trim())
      .filter(Boolean)
      .pop();
    const message = last ? `alembic failed: ${last}` : `alembic exited with code ${exitCode}`;
    return { kind: 'unreadable', message: maskSecrets(message) };
  }
  const [, type, text] = EXCEPTION_LINE.exec(lines[exceptionAt])!;
  const missing = /^No module named '([^']+)'/.exec(text);
  if (type === 'ModuleNotFoundError' && missing) {
    const module = missing[1].split('.')[0];
    return {
      kind: 'unreadable',
      message: `the project's Python has no module ${module}`,
      fix: `Select the project's interpreter (the one with its packages), or install it: pip install ${module}`,
    };
  }
  const badUrl = /Could not parse (rfc1738|SQLAlchemy) URL|invalid literal for int\(\) with base 10/.test(text);
  if (badUrl || /ArgumentError$/.test(type)) {
    return { kind: 'unreadable', message: maskSecrets(`the database URL is not valid: ${shortText(text)}`) };
  }
  const plugin = /Can't load plugin: sqlalchemy\.dialects:(\S+)/.exec(text);
  if (plugin) {
    return {
      kind: 'unreadable',
      message: `SQLAlchemy has no dialect ${plugin[1]}`,
      fix: 'Install the package that provides it, or fix the URL.',
    };
  }
  if (CONNECTION_ERRORS.test(type) || CONNECTION_ERRORS.test(text)) {
    const message = maskSecrets(shortText(text));
    return LOGIN_REFUSED.test(text)
      ? { kind: 'unreachable', message, refused: true }
      : { kind: 'unreachable', message };
  }
  if (type === 'FAILED') return { kind: 'unreadable', message: maskSecrets(shortText(text)) };
  const envPyLine = lines
    .slice(0, exceptionAt)
    .map((l) => /File ".*[\\/]env\.py", line (\d+)/.exec(l)?.[1])
    .filter(Boolean)
    .pop();
  const where = envPyLine ? `env.py failed (line ${envPyLine})` : 'alembic failed';
  return { kind: 'unreadable', message: maskSecrets(`${where}: ${type.split('.').pop()}: ${shortText(text)}`) };
}

/** A driver's message without SQLAlchemy's `(psycopg2.OperationalError)` prefix, on one line. */
function shortText(text: string): string {
  const plain = text.replace(/^\([\w.]+\)\s*/, '').trim();
  return plain.length > 200 ? `${plain.slice(0, 197)}...` : plain;
}
