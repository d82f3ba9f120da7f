// The mechanical fixes of lint findings, as line edits the editor applies (and the tests apply and lint
// again): add `postgresql_concurrently=True` and put the statement in an autocommit block, add
// `postgresql_not_valid=True` and validate the constraint after the transaction, guard a statement with
// `if not context.is_offline_mode():`, give a NOT NULL column added to a table a neutral server_default. Nothing is offered where the statement's shape is not plain.
import { tokenizePython } from '../../python';
import { SQL_FIX_CODES, sqlExecuteFix } from './sqlFixes';
import { statementScopes } from './statementScopes';

/** Replace lines fromLine..toLine (1-based, inclusive) with `lines`; toLine = fromLine - 1 inserts before fromLine. */
export interface LineEdit {
  fromLine: number;
  toLine: number;
  lines: string[];
}

export interface RuleFix {
  title: string;
  edits: LineEdit[];
}

const AUTOCOMMIT = 'with op.get_context().autocommit_block():';

/** The fix for the finding `code` at `line` of `text`, when there is a mechanical one. */
export function ruleFix(text: string, code: string, line: number): RuleFix | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  const statement = statementSpan(text, lines, line);
  if (!statement) return undefined;
  // Raw SQL findings on op.execute(...) get SQL edits, not keyword arguments.
  if (SQL_FIX_CODES.has(code) && /^\s*op\.execute\s*\(/.test(lines[statement.from - 1] ?? '')) {
    const fix = sqlExecuteFix(spanLines(lines, statement), statement.indent, statement.inAutocommit, code);
    return fix && { title: fix.title, edits: [{ fromLine: statement.from, toLine: statement.to, lines: fix.lines }] };
  }
  switch (code) {
    case 'create-index-not-concurrently':
    case 'drop-index-not-concurrently': {
      const withKeyword = addKeyword(lines, statement, 'postgresql_concurrently=True');
      if (!withKeyword) return undefined;
      const body = statement.inAutocommit ? withKeyword : wrap(withKeyword, statement.indent, AUTOCOMMIT);
      return {
        title: 'Use postgresql_concurrently=True in an autocommit block',
        edits: [{ fromLine: statement.from, toLine: statement.to, lines: body }],
      };
    }
    case 'concurrent-index-outside-autocommit':
      return {
        title: 'Run it in op.get_context().autocommit_block()',
        edits: [
          {
            fromLine: statement.from,
            toLine: statement.to,
            lines: wrap(spanLines(lines, statement), statement.indent, AUTOCOMMIT),
          },
        ],
      };
    case 'create-foreign-key-without-not-valid':
    case 'create-check-constraint-without-not-valid': {
      const withKeyword = addKeyword(lines, statement, 'postgresql_not_valid=True');
      const names = /^\s*op\.create_\w+\(\s*(['"])(\w+)\1\s*,\s*(['"])(\w+)\3/.exec(lines[statement.from - 1]);
      if (!withKeyword || !names) return undefined;
      const validate = `op.execute('ALTER TABLE ${names[4]} VALIDATE CONSTRAINT ${names[2]}')`;
      return {
        title: 'Add it NOT VALID, then VALIDATE it outside the transaction',
        edits: [
          {
            fromLine: statement.from,
            toLine: statement.to,
            lines: [...withKeyword, ...wrap([`${statement.indent}${validate}`], statement.indent, AUTOCOMMIT)],
          },
        ],
      };
    }
    case 'sqlite-alter-outside-batch': {
      const body = inBatch(spanLines(lines, statement).join('\n'), statement.indent);
      return (
        body && {
          title: 'Run it in op.batch_alter_table()',
          edits: [{ fromLine: statement.from, toLine: statement.to, lines: body }],
        }
      );
    }
    case 'add-column-not-null-without-default': {
      const span = spanLines(lines, statement);
      const value = serverDefaultFor(span.join('\n'), text);
      if (!value) return undefined;
      return {
        title: `Add server_default=${value}: the value existing rows get`,
        edits: [
          {
            fromLine: statement.from,
            toLine: statement.to,
            lines: span.map((l) => l.replace(NOT_NULL, `nullable=False, server_default=${value}`)),
          },
        ],
      };
    }
    case 'offline-mode-unsafe': {
      const edits: LineEdit[] = [
        {
          fromLine: statement.from,
          toLine: statement.to,
          lines: wrap(spanLines(lines, statement), statement.indent, 'if not context.is_offline_mode():'),
        },
      ];
      if (!/^from alembic import [^#\n]*\bcontext\b/m.test(text)) {
        const opImport = lines.findIndex((l) => /^from alembic import /.test(l));
        edits.unshift({ fromLine: opImport + 2, toLine: opImport + 1, lines: ['from alembic import context'] });
      }
      return { title: 'Run it only online: if not context.is_offline_mode()', edits };
    }
    default:
      return undefined;
  }
}

const NOT_NULL = /\bnullable\s*=\s*False\b/;

/**
 * The neutral default of the added column's type (empty string, zero, false, the current time), when
 * the statement has one plain `nullable=False` and a type named in its `Column(...)`; else undefined.
 */
function serverDefaultFor(statement: string, text: string): string | undefined {
  if ((statement.match(new RegExp(NOT_NULL.source, 'g')) ?? []).length !== 1) return undefined;
  const type = /Column\(\s*(['"])\w+\1\s*,\s*(?:sa\.|sqlalchemy\.)?(\w+)/.exec(statement)?.[2] ?? '';
  const sa = /^import sqlalchemy as sa\b/m.test(text) ? 'sa' : /^import sqlalchemy\b/m.test(text) ? 'sqlalchemy' : '';
  if (/^(String|Unicode|Text|UnicodeText|VARCHAR|CHAR|NVARCHAR|TEXT|AutoString)$/.test(type)) return "''";
  if (/^(Integer|BigInteger|SmallInteger|Numeric|Float|DECIMAL|INTEGER|BIGINT|SMALLINT|NUMERIC|FLOAT)$/.test(type))
    return "'0'";
  if (!sa) return undefined;
  if (/^(Boolean|BOOLEAN)$/.test(type)) return `${sa}.false()`;
  if (/^(DateTime|Date|TIMESTAMP|DATETIME|DATE)$/.test(type)) return `${sa}.func.now()`;
  return undefined;
}

/** Applies non-overlapping edits to a text (for tests and the CLI); keeps its line ending. */
export function applyLineEdits(text: string, edits: readonly LineEdit[]): string {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\r|\n/);
  for (const edit of [...edits].sort((a, b) => b.fromLine - a.fromLine))
    lines.splice(edit.fromLine - 1, edit.toLine - edit.fromLine + 1, ...edit.lines);
  return lines.join(eol);
}

interface Span {
  from: number;
  to: number;
  indent: string;
  inAutocommit: boolean;
}

/** The lines of the simple statement at `line`, when it starts its line (not an inline body). */
function statementSpan(text: string, lines: string[], line: number): Span | undefined {
  const scopes = statementScopes(tokenizePython(text));
  const statement = scopes.at(line);
  if (!statement?.blocks.some((b) => b.keyword === 'def')) return undefined;
  const startText = lines[statement.line - 1] ?? '';
  const indent = /^[ \t]*/.exec(startText)?.[0] ?? '';
  const first = statement.tokens[0];
  if (first?.t !== 'name' || !startText.slice(indent.length).startsWith(first.v)) return undefined;
  if (/^(if|for|while|with|try|def|class|async|elif|else|except|finally|match|case)$/.test(first.v)) return undefined;
  const next = scopes.statements.find((s) => s.line > statement.line);
  let to = (next?.line ?? lines.length + 1) - 1;
  while (to > statement.line && /^\s*(#.*)?$/.test(lines[to - 1])) to--;
  return { from: statement.line, to, indent, inAutocommit: scopes.inAutocommitBlock(statement.line) };
}

function spanLines(lines: string[], span: Span): string[] {
  return lines.slice(span.from - 1, span.to);
}

function wrap(body: string[], indent: string, header: string): string[] {
  return [`${indent}${header}`, ...body.map((l) => (l.trim() ? `    ${l}` : l))];
}

/** The statement's lines with `keyword` added as the last argument of its first call. */
function addKeyword(lines: string[], span: Span, keyword: string): string[] | undefined {
  const body = spanLines(lines, span);
  const joined = body.join('\n');
  const open = joined.indexOf('(');
  const close = open < 0 ? -1 : matchingParen(joined, open);
  if (close < 0) return undefined;
  const before = joined.slice(0, close);
  const lastLineStart = before.lastIndexOf('\n') + 1;
  let edited: string;
  if (!before.slice(lastLineStart).trim()) {
    // `)` alone on its line: the argument goes on a line of its own, black style.
    const argIndent = /^[ \t]*/.exec(before.slice(before.lastIndexOf('\n', lastLineStart - 2) + 1))?.[0] ?? '';
    const trimmed = before.slice(0, lastLineStart - 1).replace(/,?\s*$/, ',');
    edited = `${trimmed}\n${argIndent}${keyword},\n${joined.slice(lastLineStart)}`;
  } else {
    const previous = before.trimEnd();
    const separator = previous.endsWith('(') ? '' : previous.endsWith(',') ? ' ' : ', ';
    edited = `${previous}${separator}${keyword}${joined.slice(close)}`;
  }
  return edited.split('\n');
}

/** Where each operation's table is among its positional arguments. */
const TABLE_ARGUMENT: Record<string, number> = {
  alter_column: 0,
  drop_constraint: 1,
  create_foreign_key: 1,
  create_unique_constraint: 1,
  create_check_constraint: 1,
  create_primary_key: 1,
};

/** `op.x(table, ...)` as `with op.batch_alter_table(table) as batch_op: batch_op.x(...)`; only a plain statement. */
function inBatch(statement: string, indent: string): string[] | undefined {
  const call = /^\s*op\.(\w+)\(/.exec(statement);
  const tableAt = call ? TABLE_ARGUMENT[call[1]] : undefined;
  // A comment inside the call would not survive the rewrite onto one line.
  if (!call || tableAt === undefined || statement.includes('#')) return undefined;
  const open = call[0].length - 1;
  const close = matchingParen(statement, open);
  if (close < 0 || statement.slice(close + 1).trim()) return undefined;
  const args = splitArguments(statement.slice(open + 1, close));
  if (args.length <= tableAt || args.slice(0, tableAt + 1).some((a) => /^\w+\s*=[^=]/.test(a))) return undefined;
  const schema = args.find((a) => /^schema\s*=/.test(a));
  const rest = args.filter((a, i) => i !== tableAt && a !== schema);
  const header = `with op.batch_alter_table(${args[tableAt]}${schema ? `, ${schema}` : ''}) as batch_op:`;
  return [`${indent}${header}`, `${indent}    batch_op.${call[1]}(${rest.join(', ')})`];
}

/** The top-level, comma-separated arguments of a call's inside, trimmed. */
function splitArguments(inside: string): string[] {
  const args: string[] = [];
  let start = 0;
  for (let i = 0; i <= inside.length; i++) {
    const c = inside[i];
    if (i === inside.length || c === ',') {
      const arg = inside.slice(start, i).trim();
      if (arg) args.push(arg);
      start = i + 1;
    } else if (c === '(' || c === '[' || c === '{') {
      const end = matchingParen(inside, i);
      if (end < 0) return [];
      i = end;
    } else if (c === '"' || c === "'") {
      const quote = inside.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length;
      while (i < inside.length && !inside.startsWith(quote, i)) i += inside[i] === '\\' ? 2 : 1;
      i += quote.length - 1;
    }
  }
  return args;
}

/** The index of the bracket closing the one at `open`, skipping strings and comments; -1 if none. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length;
      while (i < text.length && !text.startsWith(quote, i)) i += text[i] === '\\' ? 2 : 1;
      i += quote.length - 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
