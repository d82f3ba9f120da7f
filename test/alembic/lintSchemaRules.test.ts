// alter-column-type's line between VARCHAR / TEXT / NUMERIC changes that PostgreSQL makes in its catalog
// only and those that rewrite the table, against a real PostgreSQL: the rule reports a type change (as autogenerate
// writes it) exactly when PostgreSQL gives the table a new file.
import * as assert from 'node:assert';
import { lintRevision } from '../../src/core/lint';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { revisionText } from '../support/tempProject';

/** [existing_type=, type_=, the old SQL type, the new SQL type] */
const CHANGES: Array<[string, string, string, string]> = [
  ['sa.TEXT()', 'sa.String()', 'text', 'varchar'],
  ['sa.TEXT()', 'sa.String(length=100)', 'text', 'varchar(100)'],
  ['sa.VARCHAR()', 'sa.Text()', 'varchar', 'text'],
  ['sa.VARCHAR()', 'sa.String(length=100)', 'varchar', 'varchar(100)'],
  ['sa.VARCHAR(length=100)', 'sa.String()', 'varchar(100)', 'varchar'],
  ['sa.VARCHAR(length=100)', 'sa.String(length=150)', 'varchar(100)', 'varchar(150)'],
  ['sa.VARCHAR(length=100)', 'sa.String(length=50)', 'varchar(100)', 'varchar(50)'],
  ['sa.VARCHAR(length=100)', 'sa.Text()', 'varchar(100)', 'text'],
  ['sa.INTEGER()', 'sa.String()', 'integer', 'varchar'],
  ['sa.INTEGER()', 'sa.BigInteger()', 'integer', 'bigint'],
  ['sa.VARCHAR()', 'sa.Integer()', 'varchar', 'integer'],
  ['sa.VARCHAR(length=100)', 'sa.String(length=1_000)', 'varchar(100)', 'varchar(1000)'],
  ['sa.NUMERIC(precision=10, scale=2)', 'sa.Numeric(precision=12, scale=2)', 'numeric(10,2)', 'numeric(12,2)'],
  ['sa.NUMERIC(10, 2)', 'sa.Numeric(8, 2)', 'numeric(10,2)', 'numeric(8,2)'],
  ['sa.NUMERIC(10, 2)', 'sa.Numeric(12, 3)', 'numeric(10,2)', 'numeric(12,3)'],
  ['sa.NUMERIC(10, 2)', 'sa.Numeric()', 'numeric(10,2)', 'numeric'],
  ['sa.NUMERIC()', 'sa.Numeric(12, 2)', 'numeric', 'numeric(12,2)'],
  ['sa.NUMERIC(10)', 'sa.Numeric(12)', 'numeric(10)', 'numeric(12)'],
  ['sa.NUMERIC(10)', 'sa.Numeric(12, 2)', 'numeric(10)', 'numeric(12,2)'],
  ['sa.DECIMAL(10, 2)', 'sa.Numeric(14, 2, asdecimal=False)', 'numeric(10,2)', 'numeric(14,2)'],
];

function reported(existing: string, type: string): boolean {
  const line = `op.alter_column('t', 'c', existing_type=${existing}, type_=${type}, existing_nullable=True)`;
  const text = revisionText({ id: 'b1', down: 'a0', upgrade: [line] });
  return lintRevision(text, '/p/b1.py', { dialect: 'postgresql' }).some((p) => p.code === 'alter-column-type');
}

describe('alter-column-type against a real PostgreSQL', function () {
  this.timeout(120000);
  let pg: PostgresCluster;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  it('reports exactly the VARCHAR / TEXT / NUMERIC / other changes for which PostgreSQL rewrites the table', () => {
    const rows = CHANGES.map(([existing, type, from, to], i) => {
      const table = `t${i}`;
      // Values that convert to every new type of the list: small numbers as text.
      pg.sql(
        `CREATE TABLE ${table} (c ${from}); INSERT INTO ${table} SELECT (g % 10)::text::${from} FROM generate_series(1, 100) g;`,
      );
      const before = pg.sql(`SELECT pg_relation_filenode('${table}')`).trim();
      // Text to integer has no assignment cast: the USING that postgresql_using= would add.
      const using = to === 'integer' ? ' USING c::integer' : '';
      pg.sql(`ALTER TABLE ${table} ALTER COLUMN c TYPE ${to}${using}`);
      const rewritten = pg.sql(`SELECT pg_relation_filenode('${table}')`).trim() !== before;
      return { change: `${from} -> ${to}`, rewritten, reported: reported(existing, type) };
    });
    assert.ok(rows.some((row) => row.rewritten) && rows.some((row) => !row.rewritten), JSON.stringify(rows));
    assert.deepStrictEqual(
      rows.filter((row) => row.reported !== row.rewritten),
      [],
    );
  });
});
