// The shortcuts that let a 50 MB data migration be read fast give what the long way gives: tokens packed
// and made again on each read, literals found with indexOf, op.execute("...") read without the parser,
// the quick tests before the SQL patterns, the statement lookups in order.
import * as assert from 'node:assert';
import { createdBefore } from '../../src/core/lint/rules/ruleInput';
import { firstToken, statementScopes } from '../../src/core/lint/rules/statementScopes';
import { mentionsTool } from '../../src/core/lint/suppressions';
import { parseMigration } from '../../src/core/models/migrationOps';
import { leadingTokens, type PyToken, stringValues, tokenizePython } from '../../src/core/python';

const values = (tokens: readonly PyToken[]): string[] => tokens.map((tk) => `${tk.t}:${tk.v}`);

describe('reading big revision files', () => {
  it('gives the same tokens on every read of a line, literals decoded as before', () => {
    const text = [
      "x = 'plain' + \"it\\'s\" + r'raw\\n' + b'by' + f'{a}' + '' + u'uni'",
      'y = """two\r\nlines""" + \'tab\\there\'',
      'abc = axc + abc + acc',
      '',
    ].join('\n');
    const source = tokenizePython(text);
    assert.strictEqual(source.error, undefined);
    const [first, second, third] = source.lines;
    assert.deepStrictEqual(first.tokens, first.tokens, 'each read makes equal tokens');
    const strings = first.tokens.filter((tk): tk is PyToken & { t: 'str' } => tk.t === 'str');
    assert.deepStrictEqual(
      strings.map((tk) => [tk.prefix, tk.v, tk.raw]),
      [
        ['', 'plain', 'plain'],
        ['', "it's", "it\\'s"],
        ['r', 'raw\\n', 'raw\\n'],
        ['b', 'by', 'by'],
        ['f', '{a}', '{a}'],
        ['', '', ''],
        ['u', 'uni', 'uni'],
      ],
    );
    const [, , multi, , tab] = second.tokens;
    assert.deepStrictEqual([multi.v, multi.line, tab.v, tab.line], ['two\nlines', 2, 'tab\there', 3]);
    // Names of one length with the same first and last characters are told apart.
    assert.deepStrictEqual(values(third.tokens), [
      'name:abc',
      'op:=',
      'name:axc',
      'op:+',
      'name:abc',
      'op:+',
      'name:acc',
    ]);
    assert.deepStrictEqual(values(leadingTokens(third, 2)), ['name:abc', 'op:=']);
    const literals = strings.map((tk) => tk.v);
    assert.deepStrictEqual(stringValues(first), literals);
    assert.deepStrictEqual(stringValues({ indent: 0, line: 1, tokens: first.tokens }), literals);
    assert.deepStrictEqual(values(leadingTokens({ indent: 0, line: 1, tokens: third.tokens }, 1)), ['name:abc']);
  });

  it('still refuses a one-line literal that a line break or the end of the text cuts', () => {
    assert.deepStrictEqual(tokenizePython("a = 'x'\nb = 'open\nc = 1\n").error, {
      message: 'unterminated string literal',
      line: 2,
    });
    assert.deepStrictEqual(tokenizePython("a = 'x\\'").error, { message: 'unterminated string literal', line: 1 });
    assert.deepStrictEqual(values(tokenizePython("a = 'one \\\n two'\n").lines[0].tokens), [
      'name:a',
      'op:=',
      'str:one  two',
    ]);
  });

  it("reads op.execute's SQL the same with and without the parser", () => {
    const text = [
      'def upgrade():',
      '    op.execute("INSERT INTO t VALUES (1)")',
      '    op.execute(b"bytes")',
      '    op.execute(f"UPDATE {name}")',
      '    op.execute("CREATE TABLE a " "(id int)")',
      '    op.execute(sa.text("DELETE FROM t"))',
      "    op.execute('x', execution_options=None)",
      '',
    ].join('\n');
    const executes = parseMigration(text).upgrade?.executes;
    assert.deepStrictEqual(executes, [
      { line: 2, sql: 'INSERT INTO t VALUES (1)' },
      { line: 3, sql: undefined },
      { line: 4, sql: undefined },
      { line: 5, sql: 'CREATE TABLE a (id int)' },
      { line: 6, sql: 'DELETE FROM t' },
      { line: 7, sql: 'x' },
    ]);
  });

  it('finds CREATE TABLE in SQL only where the SQL says create, comments taken out', () => {
    const text = [
      'def upgrade():',
      '    op.execute("INSERT INTO staging VALUES (1)")',
      '    op.execute("-- create table ghost (id int)\\nCreate Table staging (id int)")',
      '    op.execute("/* CREATE TABLE other (id int) */ SELECT 1")',
      '    op.drop_table("staging")',
      '    op.drop_table("other")',
      '',
    ].join('\n');
    const created = createdBefore(parseMigration(text).upgrade!);
    assert.strictEqual(created('staging', undefined, 5), true);
    assert.strictEqual(created('ghost', undefined, 5), false);
    assert.strictEqual(created('other', undefined, 6), false);
  });

  it('looks statements up in any order, and says which run in an autocommit block', () => {
    const text = [
      'def upgrade():',
      '    if x: y()',
      '    with op.get_context().autocommit_block():',
      '        op.execute("a")',
      '    op.execute("b")',
      '',
    ].join('\n');
    const scopes = statementScopes(tokenizePython(text));
    const lines = (order: number[]) => order.map((line) => scopes.at(line)?.line);
    assert.deepStrictEqual(lines([1, 2, 3, 4, 5, 6]), [1, 2, 3, 4, 5, 5]);
    assert.deepStrictEqual(lines([5, 0, 4, 2, 2, 1]), [5, undefined, 4, 2, 2, 1]);
    // Line 2 holds the `if` and its inline body: the body, the last statement there, as before.
    assert.strictEqual(firstToken(scopes.at(2)!)?.v, 'y');
    assert.deepStrictEqual(
      [4, 5, 4, 3].map((line) => scopes.inAutocommitBlock(line)),
      [true, false, true, false],
    );
    assert.deepStrictEqual(
      scopes.statements.map((s) => firstToken(s)?.v),
      scopes.statements.map((s) => s.tokens[0]?.v),
    );
    assert.deepStrictEqual(values(scopes.statements[1].tokens), ['name:if', 'name:x']);
  });

  it('finds the tool named anywhere in the text, and only the tool', () => {
    assert.strictEqual(mentionsTool('alembic-lens'), true);
    assert.strictEqual(mentionsTool('x = 1  # alembic-lens: ignore[drop-table]'), true);
    assert.strictEqual(mentionsTool('a-lens b-lens alembic lens alembic_lens'), false);
    assert.strictEqual(mentionsTool('-lens'), false);
  });
});
