// filledBefore answers from an index made once per upgrade() (a data migration may hold thousands of
// UPDATEs and of NOT NULL changes); its answers must be those of asking mayFill of every change before.
import * as assert from 'node:assert';
import { type DataChange, executesOf, filledBefore, mayFill } from '../../src/core/lint/rules/dataChanges';
import { prng } from '../support/prng';

describe('filledBefore: the index answers as a scan of every change does', () => {
  const KINDS: DataChange['kind'][] = ['update', 'delete', 'insert', 'select', 'ddl', 'setting', 'unknown'];
  const TABLES = ['users', 'Orders', 'audit', undefined];
  const COLUMNS = ['email', 'Name', 'name_2', 'total$', 'my-col', 'café', undefined];

  for (let seed = 1; seed <= 30; seed++) {
    it(`seed ${seed}`, () => {
      const random = prng(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
      const changes: DataChange[] = [];
      for (let i = 0; i < 1 + Math.floor(random() * 12); i++) {
        const column = pick(COLUMNS) ?? 'other';
        const sql =
          random() < 0.2 ? undefined : `UPDATE ${pick(TABLES) ?? 't'} SET ${column} = 1 WHERE x${pick(['', ' AND y'])}`;
        const table = pick(TABLES)?.toLowerCase();
        changes.push({ line: 1 + Math.floor(random() * 40), kind: pick(KINDS), table, sql });
      }
      const unknownCalls = random() < 0.3 ? [1 + Math.floor(random() * 40)] : [];
      const runs = executesOf([...changes], [...unknownCalls]);
      let asked = 0;
      for (let line = 0; line <= 42; line++) {
        for (const table of ['users', 'orders', 'ORDERS', 'audit', 'none']) {
          for (const column of COLUMNS) {
            const scanned =
              changes.some((c) => c.line < line && mayFill(c, table, column)) || unknownCalls.some((at) => at < line);
            assert.strictEqual(filledBefore(runs, line, table, column), scanned, `${line} ${table}.${column}`);
            asked++;
          }
        }
      }
      assert.ok(asked > 1000);
    });
  }
});
