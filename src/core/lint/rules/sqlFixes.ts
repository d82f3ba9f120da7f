// The mechanical fixes of raw-SQL findings (rawSql.ts) on `op.execute("...")`: CONCURRENTLY in an
// autocommit block for CREATE/DROP INDEX, NOT VALID then VALIDATE for a foreign key or check constraint.
// Offered only on the plainest shape: one op.execute on one line, a plain string literal, one statement.

/** The findings of rawSql.ts whose op.* fix (a keyword argument) does not fit op.execute. */
export const SQL_FIX_CODES = new Set([
  'create-index-not-concurrently',
  'drop-index-not-concurrently',
  'create-foreign-key-without-not-valid',
  'create-check-constraint-without-not-valid',
]);

const AUTOCOMMIT = 'with op.get_context().autocommit_block():';
const EXECUTE = /^(\s*op\.execute\(\s*)(["'])([^"'\\]*)\2(\s*\)\s*(?:#.*)?)$/;

/** The statement's new lines, or undefined when its shape is not plain. */
export function sqlExecuteFix(
  body: string[],
  indent: string,
  inAutocommit: boolean,
  code: string,
): { title: string; lines: string[] } | undefined {
  const match = body.length === 1 ? EXECUTE.exec(body[0]) : null;
  if (!match) return undefined;
  const [, head, quote, sql, tail] = match;
  const statement = sql.trim().replace(/;$/, '');
  if (statement.includes(';')) return undefined;
  const line = (text: string): string => `${head}${quote}${text}${quote}${tail}`;
  const inBlock = (lines: string[]): string[] =>
    inAutocommit ? lines : [`${indent}${AUTOCOMMIT}`, ...lines.map((l) => `    ${l}`)];
  switch (code) {
    case 'create-index-not-concurrently': {
      const create = /^(\s*create\s+(?:unique\s+)?index)\s+(?!concurrently\b)/i;
      if (!create.test(sql)) return undefined;
      return {
        title: 'Use CREATE INDEX CONCURRENTLY in an autocommit block',
        lines: inBlock([line(sql.replace(create, '$1 CONCURRENTLY '))]),
      };
    }
    case 'drop-index-not-concurrently': {
      const drop = /^(\s*drop\s+index)\s+(?!concurrently\b)/i;
      // DROP INDEX CONCURRENTLY takes one index and no CASCADE.
      if (!drop.test(sql) || sql.includes(',') || /\bcascade\b/i.test(sql)) return undefined;
      return {
        title: 'Use DROP INDEX CONCURRENTLY in an autocommit block',
        lines: inBlock([line(sql.replace(drop, '$1 CONCURRENTLY '))]),
      };
    }
    case 'create-foreign-key-without-not-valid':
    case 'create-check-constraint-without-not-valid': {
      const names =
        /^\s*alter\s+table\s+(?:only\s+)?([\w.]+)\s+add\s+constraint\s+(\w+)\s+(?:foreign\s+key|check)\b/i.exec(
          statement,
        );
      if (!names || hasTopLevelComma(statement) || /\bnot\s+valid\b/i.test(statement)) return undefined;
      const validate = `${indent}op.execute(${quote}ALTER TABLE ${names[1]} VALIDATE CONSTRAINT ${names[2]}${quote})`;
      const validated = [`${indent}${AUTOCOMMIT}`, `    ${validate}`];
      return {
        title: 'Add it NOT VALID, then VALIDATE it outside the transaction',
        lines: [line(`${statement} NOT VALID`), ...(inAutocommit ? [validate] : validated)],
      };
    }
    default:
      return undefined;
  }
}

/** A comma outside parentheses: several ALTER TABLE actions in one statement. */
function hasTopLevelComma(sql: string): boolean {
  let depth = 0;
  for (const ch of sql) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) return true;
  }
  return false;
}
