// What an Alembic command printed in a terminal, read back: the raw stream of a terminal execution
// (escape sequences, CR LF) as plain lines, the revision file `revision`/`merge` generated, the line that
// says why a command failed, and the command line as a user would type it.
//
// Alembic wraps its own messages to the terminal's width (`util.messaging.msg` uses textwrap when
// stdout is a terminal): "Generating <path> ...  done" can span several lines, each indented by two
// spaces, and the wrap may fall on a space (dropped) or inside a word or after a hyphen (nothing dropped).
import * as path from 'node:path';

/** CSI (colours, cursor), OSC (titles, VS Code's shell integration marks), and other two-byte escapes. */
const ESCAPES = new RegExp(
  [
    '\\x1b\\[[0-?]*[ -/]*[@-~]',
    '\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)',
    '\\x1b[@-Z\\\\-_]',
    '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1a\\x1c-\\x1f\\x7f]',
  ].join('|'),
  'g',
);

/** The terminal output as the lines a user reads, without escape sequences. */
export function terminalLines(raw: string): string[] {
  return raw
    .replace(ESCAPES, '')
    .split(/\r?\n/)
    .map((line) => line.slice(line.lastIndexOf('\r') + 1));
}

/** Each break of a wrapped message either dropped one space or nothing: every way of joining them. */
function joinings(pieces: string[]): string[] {
  let out = [pieces[0]];
  for (const piece of pieces.slice(1)) out = out.flatMap((text) => [text + piece, `${text} ${piece}`]);
  return out;
}

const MAX_WRAPPED_PIECES = 12;

/**
 * The file a `revision` or `merge` command generated, from its "Generating <path> ...  done" message
 * (the last one: a template may generate several files, the revision file comes last). `exists` picks
 * the reading of a wrapped path that is on disk; relative paths are resolved against `cwd`. `toHost` maps
 * a path Alembic printed inside a container to the host's.
 */
export function generatedFile(
  raw: string,
  cwd: string,
  exists: (file: string) => boolean,
  toHost: (file: string) => string = (file) => file,
): string | undefined {
  const lines = terminalLines(raw);
  for (let end = lines.length - 1; end >= 0; end--) {
    if (!/\.\.\.\s+done\s*$/.test(lines[end])) continue;
    for (let start = end; start >= Math.max(0, end - MAX_WRAPPED_PIECES); start--) {
      if (!/^\s*Generating\b/.test(lines[start])) continue;
      const pieces = lines.slice(start, end + 1).map((line) => line.trim());
      pieces[0] = pieces[0].replace(/^Generating\s*/, '');
      pieces[pieces.length - 1] = pieces[pieces.length - 1].replace(/\s*\.\.\.\s+done\s*$/, '');
      const readings = pieces[0] ? joinings(pieces) : joinings(pieces.slice(1));
      const candidates = readings.map((p) =>
        toHost(path.posix.isAbsolute(p.trim()) ? p.trim() : path.resolve(cwd, p.trim())),
      );
      const found = candidates.find((file) => exists(file));
      if (found) return found;
      break;
    }
  }
  return undefined;
}

const MAX_ERROR_LINE = 400;

/**
 * The line that says why a command failed: the last "FAILED: ..." message of Alembic (joined again when
 * wrapped), else the exception a traceback ends with ("sqlalchemy.exc.OperationalError: ..."; SQLAlchemy's
 * "(Background on this error at: ...)" link after it is no reason), else the last line printed.
 */
export function failureLine(raw: string): string | undefined {
  const lines = terminalLines(raw).map((line) => line.trimEnd());
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  if (!lines.length) return undefined;
  const trimmed = lines.map((line) => line.trim());
  let failed = trimmed.length - 1;
  while (failed >= 0 && !trimmed[failed].startsWith('FAILED:')) failed--;
  const text = failed >= 0 ? joinWrapped(trimmed.slice(failed)) : (exceptionLine(lines) ?? trimmed[trimmed.length - 1]);
  return text.length > MAX_ERROR_LINE ? `${text.slice(0, MAX_ERROR_LINE)}…` : text;
}

/** The exception line of the last traceback: the first line after its frames that is not indented. */
function exceptionLine(lines: readonly string[]): string | undefined {
  const start = lines.lastIndexOf('Traceback (most recent call last):');
  if (start < 0) return undefined;
  return lines.slice(start + 1).find((line) => line.trim() && !/^\s/.test(line));
}

/** A wrapped message as one line: textwrap breaks after a hyphen inside a word (nothing dropped), else at a space. */
function joinWrapped(pieces: string[]): string {
  return pieces.reduce((text, piece) => (/\w-$/.test(text) ? text + piece : `${text} ${piece}`));
}

/** "alembic upgrade head": the command and its arguments, without the interpreter and the config options. */
export function commandSummary(argv: readonly string[]): string {
  const module = argv.indexOf('alembic');
  if (module < 0) return argv.join(' ');
  const rest = argv.slice(module + 1);
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (['-c', '--config', '-n', '--name'].includes(rest[i])) i++;
    else if (!/^--(config|name)=/.test(rest[i])) words.push(rest[i]);
  }
  return ['alembic', ...words].map(shownWord).join(' ');
}

/** A word as a POSIX shell would need it: `-m 'add users'`, so that a message reads as one argument. */
function shownWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
