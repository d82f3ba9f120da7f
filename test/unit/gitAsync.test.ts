// git runs asynchronously, so that a slow read (a large history) never stalls the extension host: a
// wrapper that sleeps stands for the slow git. While it sleeps, timers still fire; callers asking for the
// same history meanwhile share one read; and a read overtaken by a branch switch never publishes its
// older answer (LatestOnly, as the teams service uses it), nor does a read during which HEAD moved.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError, GitRepository, readWhileHeadStays } from '../../src/core/git/gitRepository';
import { RefHistoryReader } from '../../src/core/git/refHistory';
import { loadProject } from '../../src/core/project';
import { LatestOnly } from '../../src/util/schedule';
import { commitAll, git } from '../support/gitRepo';
import { tempDir, writeProject } from '../support/tempProject';

/** A git that sleeps `seconds` before (`before`) or after (`after`) running, logging each subcommand to `log`. */
function slowGit(dir: string, seconds: number, when: 'before' | 'after', log: string): string {
  const wrapper = path.join(dir, `slow-git-${when}.sh`);
  const sleepFirst = [`sleep ${seconds}`, 'exec git "$@"'];
  // The output is held back until the sleep is over: git has read the state as it was when asked.
  const answerLate = [
    `out='${log}'.$$`,
    'git "$@" > "$out"; status=$?',
    `echo answered >> '${log}'`,
    `sleep ${seconds}`,
    'cat "$out"',
    'exit $status',
  ];
  const body = when === 'before' ? sleepFirst : answerLate;
  fs.writeFileSync(wrapper, ['#!/bin/sh', `echo "$1" >> '${log}'`, ...body, ''].join('\n'), { mode: 0o755 });
  return wrapper;
}

function repository(): { dir: string; ini: string } {
  const dir = tempDir('alembic-lens-gitasync-');
  const ini = writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }]);
  git(dir, 'init', '-q');
  commitAll(dir, 'history');
  // feature: another commit, the same version folder (the same tree id).
  git(dir, 'checkout', '-q', '-b', 'feature');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'nothing in the versions');
  git(dir, 'checkout', '-q', 'main');
  return { dir, ini };
}

const calls = (log: string, command: string): number =>
  fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((c) => c === command).length;

describe('asynchronous git: the event loop runs, reads are shared, stale answers are dropped', () => {
  it('a timer fires while a slow git read is in progress', async () => {
    const { dir, ini } = repository();
    const log = path.join(dir, 'git-calls.log');
    const repo = await GitRepository.open(dir, slowGit(dir, 0.2, 'before', log));
    const reader = new RefHistoryReader(repo, loadProject(ini).config);
    const order: string[] = [];
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push('timer');
        resolve();
      }, 50),
    );
    const started = Date.now();
    const read = Promise.resolve(reader.read('main')).then((history) => {
      order.push('read');
      return history;
    });
    const [history] = await Promise.all([read, timer]);
    assert.ok(Date.now() - started >= 200, 'the wrapper slowed git down');
    assert.deepStrictEqual(order, ['timer', 'read']);
    assert.deepStrictEqual(history.graph.heads, ['a1']);
  });

  it('callers asking for the same history while it is read share one read', async () => {
    const { dir, ini } = repository();
    const log = path.join(dir, 'git-calls.log');
    const repo = await GitRepository.open(dir, slowGit(dir, 0.2, 'before', log));
    const reader = new RefHistoryReader(repo, loadProject(ini).config);
    const commit = git(dir, 'rev-parse', 'HEAD');
    const [a, b, c] = await Promise.all([reader.readCommit(commit), reader.readCommit(commit), reader.read('feature')]);
    assert.notStrictEqual(c.commit, commit);
    assert.strictEqual(a, b);
    assert.strictEqual(c.graph, a.graph);
    assert.strictEqual(calls(log, 'cat-file'), 1);
    // The folder entries once per commit, the files once for their tree.
    assert.strictEqual(calls(log, 'ls-tree'), 3);
  });

  it('a read overtaken by a branch switch never publishes its older answer', async () => {
    const { dir } = repository();
    const log = path.join(dir, 'git-calls.log');
    const slow = await GitRepository.open(dir, slowGit(dir, 0.5, 'after', log));
    const fast = await GitRepository.open(dir);
    fs.rmSync(log);
    const latest = new LatestOnly();
    const answered: (string | undefined)[] = [];
    const published: (string | undefined)[] = [];
    const publish = (branch: string | undefined): void => void published.push(branch);
    const branch = async (repo: GitRepository): Promise<string | undefined> => {
      const name = await repo.currentBranch();
      answered.push(name);
      return name;
    };
    const older = latest.run(() => branch(slow), publish);
    // git has answered `main` before the switch: only the answer is slow.
    while (!fs.existsSync(log) || !calls(log, 'answered')) await new Promise((resolve) => setTimeout(resolve, 10));
    git(dir, 'checkout', '-q', 'feature');
    const newer = latest.run(() => branch(fast), publish);
    assert.deepStrictEqual(await Promise.all([older, newer]), [false, true]);
    assert.deepStrictEqual(answered, ['feature', 'main'], 'the slow read answered last, with the branch left');
    assert.deepStrictEqual(published, ['feature']);
  });

  it('a read during which HEAD moved (a switch, a commit) says so, even when it failed; else its answer', async () => {
    const { dir } = repository();
    const repo = await GitRepository.open(dir);
    const steady = await readWhileHeadStays(repo, () => repo.currentBranch());
    assert.deepStrictEqual(steady, { moved: false, value: 'main' });
    const switched = await readWhileHeadStays(repo, async () => {
      const branch = await repo.currentBranch();
      git(dir, 'checkout', '-q', 'feature');
      return branch;
    });
    assert.deepStrictEqual(switched, { moved: true });
    const committed = await readWhileHeadStays(repo, async () => {
      git(dir, 'commit', '-q', '--allow-empty', '-m', 'meanwhile');
      return repo.currentBranch();
    });
    assert.deepStrictEqual(committed, { moved: true });
    // A file gone by the time git is asked: a failure that only says HEAD moved.
    const failed = await readWhileHeadStays(repo, async () => {
      git(dir, 'checkout', '-q', 'main');
      throw new GitError('git hash-object failed: could not open a file', 'failed');
    });
    assert.deepStrictEqual(failed, { moved: true });
    await assert.rejects(
      readWhileHeadStays(repo, () => repo.run(['no-such-command'])),
      (err: GitError) => err.kind === 'failed',
    );
  });
});
