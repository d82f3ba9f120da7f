// "2 days ago" in the branch-origin message: git's own relative dates (`--date=relative`), checked at fixed
// times and against the real git, which GIT_TEST_DATE_NOW tells what "now" is.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { relativeDate } from '../../src/core/git/relativeDate';
import { describeOrigin, type RevisionOrigin } from '../../src/core/git/revisionOrigin';
import { git } from '../support/gitRepo';
import { buildGraph } from '../support/revisionGraph';
import { tempDir } from '../support/tempProject';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const COMMITTED = Date.parse('2024-03-01T12:00:00Z') / 1000;

/** Offsets around each of git's thresholds and roundings. */
const OFFSETS = [
  0,
  1,
  89,
  90,
  119,
  45 * MINUTE,
  89 * MINUTE + 29,
  89 * MINUTE + 30,
  5 * HOUR,
  35 * HOUR + 29 * MINUTE,
  35 * HOUR + 30 * MINUTE,
  2 * DAY,
  13 * DAY + 11 * HOUR,
  13 * DAY + 12 * HOUR,
  30 * DAY,
  69 * DAY,
  70 * DAY,
  200 * DAY,
  364 * DAY,
  365 * DAY,
  400 * DAY,
  730 * DAY,
  1824 * DAY,
  1825 * DAY,
  4000 * DAY,
];

describe('relative dates (git --date=relative)', () => {
  it('says how long ago at fixed times', () => {
    const at = (offset: number) => relativeDate(COMMITTED, COMMITTED + offset);
    assert.strictEqual(at(0), '0 seconds ago');
    assert.strictEqual(at(1), '1 second ago');
    assert.strictEqual(at(90), '2 minutes ago');
    assert.strictEqual(at(3 * HOUR), '3 hours ago');
    assert.strictEqual(at(2 * DAY), '2 days ago');
    assert.strictEqual(at(1 * DAY), '24 hours ago');
    assert.strictEqual(at(3 * 7 * DAY), '3 weeks ago');
    assert.strictEqual(at(200 * DAY), '7 months ago');
    assert.strictEqual(at(400 * DAY), '1 year, 1 month ago');
    assert.strictEqual(at(730 * DAY), '2 years ago');
    assert.strictEqual(at(4000 * DAY), '11 years ago');
    assert.strictEqual(at(-5), 'in the future');
  });

  it('says what git says of the same commit at the same time', () => {
    const dir = tempDir('alembic-lens-reldate-');
    git(dir, 'init', '-q');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'one');
    const committed = Number(git(dir, 'show', '-s', '--format=%ct', 'HEAD'));
    assert.strictEqual(committed, COMMITTED);
    for (const offset of OFFSETS) {
      const ran = spawnSync('git', ['show', '-s', '--date=relative', '--format=%cd', 'HEAD'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, GIT_TEST_DATE_NOW: String(COMMITTED + offset), LC_ALL: 'C', LANGUAGE: 'C' },
      });
      assert.strictEqual(ran.status, 0, ran.stderr);
      assert.strictEqual(relativeDate(COMMITTED, COMMITTED + offset), ran.stdout.trim(), `${offset} seconds after`);
    }
  });

  it('the branch-origin message says how old the commit is', () => {
    const origin: RevisionOrigin = {
      revision: '7e1f2a3b4c5d',
      ref: 'feature/x',
      isBranch: true,
      commit: 'abc1234def5678',
      committed: COMMITTED,
      history: { graph: buildGraph([['7e1f2a3b4c5d', null]]) } as unknown as RevisionOrigin['history'],
    };
    assert.strictEqual(
      describeOrigin(origin, COMMITTED + 2 * DAY),
      'database at 7e1f2a3 (msg 7e1f2a3b4c5d) from branch feature/x (commit abc1234, 2 days ago), not in this checkout',
    );
  });
});
