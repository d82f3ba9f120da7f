// Which commit added each revision file (the tooltips' git line): real repositories, two authors on two
// dates, a file not committed yet; and one `git log` for the whole history, counted by a wrapper that
// logs every git invocation before running the real git.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitRepository } from '../../src/core/git/gitRepository';
import { commitsAddingFiles, describeAddition } from '../../src/core/git/revisionCommits';
import { commitAll, git } from '../support/gitRepo';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

describe('which commit added each revision file', () => {
  it('names the commit, its author and date; "not committed yet" for a new file', async () => {
    const dir = tempDir('alembic-lens-commits-');
    writeProject(dir, [{ id: 'a0' }]);
    git(dir, 'init', '-q');
    const first = commitAll(dir, 'a0');
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(path.join(versions, 'b1_rev.py'), revisionText({ id: 'b1', down: 'a0' }));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'b1', '--author', 'Bob Builder <bob@example.com>', '--date', '2024-05-06T10:00:00Z');
    const second = git(dir, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(versions, 'c2_rev.py'), revisionText({ id: 'c2', down: 'b1' }));

    const added = await commitsAddingFiles(await GitRepository.open(dir), ['alembic/versions']);
    const line = (name: string) => describeAddition(added.get(`alembic/versions/${name}`));
    assert.strictEqual(line('a0_rev.py'), `added in ${first.slice(0, 7)} by Ada Tester on 2024-03-01`);
    assert.strictEqual(line('b1_rev.py'), `added in ${second.slice(0, 7)} by Bob Builder on 2024-05-06`);
    assert.strictEqual(line('c2_rev.py'), 'not committed yet');
  });

  it('reads 200 revisions with one git log', async () => {
    const dir = tempDir('alembic-lens-commits-');
    writeProject(
      dir,
      Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, down: i ? `r${i - 1}` : null })),
    );
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    const calls = path.join(dir, 'git-calls.log');
    const wrapper = path.join(dir, 'git-wrapper.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> '${calls}'\nexec git "$@"\n`, { mode: 0o755 });
    const added = await commitsAddingFiles(await GitRepository.open(dir, wrapper), ['alembic/versions']);
    assert.strictEqual(added.size, 200);
    const logs = fs
      .readFileSync(calls, 'utf8')
      .split('\n')
      .filter((c) => c === 'log');
    assert.strictEqual(logs.length, 1);
  });
});
