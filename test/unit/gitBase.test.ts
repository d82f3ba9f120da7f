// The history at a git ref, the merge preview (`check --base`), the lint scope and the accidental
// fork rule, on real repositories made with the git CLI. The Alembic side of the same scenarios
// (real `alembic revision`, `alembic heads` on the merged tree) is in test/alembic/teams.test.ts.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explainMissingRevisions } from '../../src/core/git/deletedRevisions';
import { type GitError, GitRepository } from '../../src/core/git/gitRepository';
import { RefHistoryReader } from '../../src/core/git/refHistory';
import { restoreFromCommit } from '../../src/core/git/workTree';
import { lintProject } from '../../src/core/lint';
import { loadProject } from '../../src/core/project';
import { compareWithBase } from '../../src/core/teams/baseComparison';
import { commitAll, git } from '../support/gitRepo';
import { type RevisionSpec, revisionText, tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const DOWN_REVISION_LINE = 13;

function writeRevision(dir: string, spec: RevisionSpec): string {
  const file = path.join(dir, 'alembic', 'versions', spec.file ?? `${spec.id}_rev.py`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, revisionText(spec));
  return file;
}

/** main: a0 <- a1; branch `feature` adds f1 on a1; main then adds m1 on a1. Checked out: feature. */
function forkedRepository(): { dir: string; ini: string } {
  const dir = tempDir('alembic-lens-git-');
  const ini = writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }]);
  git(dir, 'init', '-q');
  commitAll(dir, 'history');
  git(dir, 'checkout', '-q', '-b', 'feature');
  writeRevision(dir, { id: 'f1', down: 'a1', message: 'add sku' });
  commitAll(dir, 'add sku');
  git(dir, 'checkout', '-q', 'main');
  writeRevision(dir, { id: 'm1', down: 'a1', message: 'add price' });
  commitAll(dir, 'add price');
  git(dir, 'checkout', '-q', 'feature');
  return { dir, ini };
}

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  assert.ok(fs.existsSync(CLI), `${CLI} is built (npm test builds it first)`);
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env });
}

describe('the history at a git ref', () => {
  it('reads the same revisions as a checkout of that ref, without touching the work tree', async () => {
    const dir = tempDir('alembic-lens-git-');
    const ini = writeProject(
      dir,
      [{ id: 'a0' }, { id: 'b1', down: 'a0', labels: 'app' }],
      '[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n',
    );
    writeRevision(dir, { id: 'c2', down: 'b1', file: 'sub/c2.py', dependsOn: 'a0' });
    fs.writeFileSync(path.join(dir, 'alembic', 'versions', '__init__.py'), '');
    fs.writeFileSync(path.join(dir, 'alembic', 'versions', 'notes.txt'), 'revision = "zz"');
    fs.mkdirSync(path.join(dir, 'alembic', 'versions', '__pycache__'));
    fs.writeFileSync(path.join(dir, 'alembic', 'versions', '__pycache__', 'x.py'), revisionText({ id: 'zz' }));
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    git(dir, 'tag', 'v1');
    // The work tree moves on; the ref does not.
    writeRevision(dir, { id: 'd3', down: 'c2' });
    fs.rmSync(path.join(dir, 'alembic', 'versions', 'a0_rev.py'));
    const before = fs.readdirSync(path.join(dir, 'alembic', 'versions')).sort();

    const project = loadProject(ini);
    const reader = new RefHistoryReader(await GitRepository.open(dir), project.config);
    const atRef = await reader.read('v1');
    const checkout = path.join(tempDir('alembic-lens-git-'), 'v1');
    git(dir, 'worktree', 'add', '-q', '--detach', checkout, 'v1');
    const truth = loadProject(path.join(checkout, 'alembic.ini'));
    const shape = (
      revs: Iterable<{
        id: string;
        down: string[];
        dependencies: string[];
        branchLabels: Set<string>;
        source: { path: string; message: string; revisionLine: number };
      }>,
      root: string,
    ) =>
      [...revs].map((r) => [
        r.id,
        r.down,
        r.dependencies,
        [...r.branchLabels],
        path.relative(root, r.source.path),
        r.source.message,
        r.source.revisionLine,
      ]);
    assert.deepStrictEqual(shape(atRef.graph.revisions.values(), dir), shape(truth.graph.revisions.values(), checkout));
    assert.deepStrictEqual(atRef.graph.heads, ['c2']);
    assert.deepStrictEqual(atRef.problems, []);
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'alembic', 'versions')).sort(), before);
    assert.ok(project.graph.get('d3') && !project.graph.get('a0'), 'the work tree is read as it is');
  });

  it('is cached by tree id: another ref with the same version folder gives the same history object', async () => {
    const { dir, ini } = forkedRepository();
    const reader = new RefHistoryReader(await GitRepository.open(dir), loadProject(ini).config);
    const main = await reader.read('main');
    git(dir, 'branch', 'same-as-main', 'main');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'nothing in the versions');
    assert.strictEqual((await reader.read('same-as-main')).graph, main.graph);
    assert.strictEqual((await reader.read('HEAD')).graph, (await reader.read('feature')).graph);
    assert.notStrictEqual((await reader.read('feature')).graph, main.graph);
    assert.deepStrictEqual(main.graph.heads, ['m1']);
  });

  it('bad cases say what is wrong: no git, not a repository, an unknown ref, a folder outside the repository', async () => {
    const { dir, ini } = forkedRepository();
    await assert.rejects(
      GitRepository.open(dir, 'git-not-installed-here'),
      (err: GitError) => err.kind === 'no-git' && /git is not installed/.test(err.message),
    );
    const plain = tempDir('alembic-lens-nogit-');
    await assert.rejects(
      GitRepository.open(plain),
      (err: GitError) =>
        err.kind === 'not-a-repository' && err.message.includes(`${plain} is not inside a git repository`),
    );
    const reader = new RefHistoryReader(await GitRepository.open(dir), loadProject(ini).config);
    await assert.rejects(
      reader.read('origin/main'),
      (err: GitError) =>
        err.kind === 'unknown-ref' &&
        /base ref 'origin\/main' does not exist in .*Known branches: feature, main\./.test(err.message),
    );
    await assert.rejects(reader.read('--output=/tmp/x'), (err: GitError) => err.kind === 'unknown-ref');
    const outside = writeProject(tempDir('alembic-lens-outside-'), [{ id: 'x1' }]);
    const repo = await GitRepository.open(dir);
    assert.throws(() => new RefHistoryReader(repo, loadProject(outside).config), /outside the git repository/);
  });
});

describe('check --base: the heads after the merge', () => {
  it("reports merge-heads at the new revision's down_revision line and exits 1; a rebased branch passes", async () => {
    const { dir, ini } = forkedRepository();
    const comparison = await compareWithBase(loadProject(ini), 'main');
    assert.deepStrictEqual(comparison.merged.heads.sort(), ['f1', 'm1']);
    assert.deepStrictEqual(
      [...comparison.newFiles].map((f) => path.basename(f)),
      ['f1_rev.py'],
    );
    const run = cli(dir, ['check', '--base', 'main']);
    assert.strictEqual(run.status, 1, run.stderr);
    assert.strictEqual(
      run.stdout.split('\n')[0],
      `alembic/versions/f1_rev.py:${DOWN_REVISION_LINE}: error: merging into main gives 2 heads: f1 (add sku, this branch) and m1 (add price, main): ` +
        '`alembic upgrade head` fails after the merge. Rebase this branch\'s revision onto m1 (its down_revision and Revises:, once main is merged or rebased into this branch in git), or add a merge revision (`alembic merge -m "merge heads" heads`, after the git merge). [merge-heads]',
    );
    assert.match(run.stderr, /3 revisions \(1 new or changed against main, linted: new\), 1 error\(s\)/);

    // Merging main in without fixing the fork: this checkout has the two heads itself.
    git(dir, 'merge', '-q', '--no-edit', 'main');
    const merged = cli(dir, ['check', '--base', 'main']);
    assert.strictEqual(merged.status, 1);
    assert.deepStrictEqual(merged.stdout.match(/\[(multiple-heads|merge-heads)\]$/gm), [
      '[multiple-heads]',
      '[multiple-heads]',
    ]);
    // The usual team fix: this branch's first new revision now builds on main's head.
    writeRevision(dir, { id: 'f1', down: 'm1', message: 'add sku' });
    const rebased = cli(dir, ['check', '--base', 'main']);
    assert.strictEqual(rebased.status, 0, rebased.stdout + rebased.stderr);
    assert.doesNotMatch(rebased.stdout, /merge-heads/);
  });

  it('a project read before a branch switch (files gone, not yet reported): compares what is on disk, never fails', async () => {
    const { dir, ini } = forkedRepository();
    const stale = loadProject(ini);
    // The editor's file watchers may report the checkout after git's own event: the project still lists f1.
    git(dir, 'checkout', '-q', 'main');
    assert.ok(stale.revisionFiles.some((f) => path.basename(f) === 'f1_rev.py'));
    const comparison = await compareWithBase(stale, 'main');
    assert.deepStrictEqual([...comparison.newFiles], []);
    assert.deepStrictEqual(comparison.problems, []);
    assert.ok(!comparison.merged.heads.includes('f1'), comparison.merged.heads.join(', '));
  });

  it('combines the version folders as a merge does: files one side deleted unchanged stay deleted', async () => {
    const { dir, ini } = forkedRepository();
    // This branch squashes a0 + a1 into s1, which f1 builds on; main still has a0 and a1 unchanged.
    fs.rmSync(path.join(dir, 'alembic', 'versions', 'a0_rev.py'));
    fs.rmSync(path.join(dir, 'alembic', 'versions', 'a1_rev.py'));
    writeRevision(dir, { id: 's1', message: 'squashed' });
    writeRevision(dir, { id: 'f1', down: 's1', message: 'add sku' });
    const comparison = await compareWithBase(loadProject(ini), 'main');
    assert.deepStrictEqual([...comparison.merged.revisions.keys()].sort(), ['f1', 'm1', 's1']);
    // m1 (added on main after the fork) points at a1, which this branch deleted: only the merge breaks it.
    assert.deepStrictEqual(
      comparison.problems.map((p) => `${p.code} ${path.basename(p.path)}:${p.line} ${p.message.slice(0, 60)}`),
      [
        `merge-heads s1_rev.py:${DOWN_REVISION_LINE} merging into main gives 2 heads: f1 (add sku, this branch) a`,
        `missing-revision m1_rev.py:${DOWN_REVISION_LINE} after merging into main: down_revision names 'a1', which is `,
      ],
    );
    commitAll(dir, 'squash');
    // From main, with a0 deleted here too (uncommitted): a1 is unchanged here and deleted by the squash.
    git(dir, 'checkout', '-q', 'main');
    fs.rmSync(path.join(dir, 'alembic', 'versions', 'a0_rev.py'));
    const onMain = await compareWithBase(loadProject(ini), 'feature');
    assert.deepStrictEqual([...onMain.merged.revisions.keys()].sort(), ['f1', 'm1', 's1']);
    assert.deepStrictEqual(
      onMain.problems.map((p) => `${p.code} ${path.basename(p.path)}:${p.line} ${p.message.slice(0, 60)}`),
      [
        `merge-heads m1_rev.py:${DOWN_REVISION_LINE} merging into feature gives 2 heads: m1 (add price, this bran`,
        `missing-revision m1_rev.py:${DOWN_REVISION_LINE} after merging into feature: down_revision names 'a1', which `,
      ],
    );
  });

  it('a shallow clone without the base says how to fetch it; with the base but not the fork point it still previews', () => {
    const { dir } = forkedRepository();
    const clone = path.join(tempDir('alembic-lens-shallow-'), 'clone');
    git(path.dirname(clone), 'clone', '-q', '--depth', '1', '--branch', 'feature', `file://${dir}`, clone);
    const missing = cli(clone, ['check', '--base', 'origin/main']);
    assert.strictEqual(missing.status, 2, 'check could not run');
    assert.match(
      missing.stderr,
      /^FAILED: check --base origin\/main: base ref 'origin\/main' does not exist in .*This is a shallow clone.*fetch-depth: 0/m,
    );
    // The command the message gives works as written (a plain `git fetch origin main` only writes FETCH_HEAD here).
    const fetch = /`git (fetch [^`]+)`/.exec(missing.stderr)![1].split(' ');
    assert.deepStrictEqual(fetch, ['fetch', 'origin', 'main:refs/remotes/origin/main']);
    const unqualified = cli(clone, ['check', '--base', 'main']);
    assert.match(unqualified.stderr, /`git fetch origin main:refs\/remotes\/origin\/main`, then `--base origin\/main`/);
    git(clone, ...fetch.slice(0, 2), '--depth', '1', ...fetch.slice(2));
    const previewed = cli(clone, ['check', '--base', 'origin/main']);
    assert.strictEqual(previewed.status, 1);
    assert.match(
      previewed.stderr,
      /note: this shallow clone does not reach the commit where HEAD and origin\/main forked/,
    );
    assert.match(
      previewed.stdout,
      /merging into origin\/main gives 2 heads: f1 \(add sku, this branch\) and m1 \(add price, origin\/main\)/,
    );
  });

  it("a shallow clone: a file only the base changed cannot be told from this side's edit: a warning that says so, no error", () => {
    const dir = tempDir('alembic-lens-git-');
    writeProject(dir, [{ id: 'a0' }, { id: 'b1', down: 'a0' }]);
    git(dir, 'init', '-q', '-b', 'main');
    commitAll(dir, 'history');
    git(dir, 'checkout', '-q', '-b', 'feature');
    writeRevision(dir, { id: 'f1', down: 'b1', message: 'add sku' });
    commitAll(dir, 'add sku');
    git(dir, 'checkout', '-q', 'main');
    // main slips c1 in under b1: after the real merge, f1 is the one head.
    writeRevision(dir, { id: 'c1', down: 'a0', message: 'inserted' });
    const b1 = fs.readdirSync(path.join(dir, 'alembic', 'versions')).find((f) => f.startsWith('b1'))!;
    writeRevision(dir, { id: 'b1', down: 'c1', file: b1 });
    commitAll(dir, 'insert c1 under b1');
    const clone = path.join(tempDir('alembic-lens-shallow-'), 'clone');
    git(path.dirname(clone), 'clone', '-q', '--depth', '1', '--branch', 'feature', `file://${dir}`, clone);
    git(clone, 'fetch', '-q', '--depth', '1', 'origin', 'main:refs/remotes/origin/main');
    const run = cli(clone, ['check', '--no-lint', '--base', 'origin/main']);
    assert.strictEqual(run.status, 0, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `note: without the fork point, which side changed a revision file cannot be told \\(alembic/versions/${b1}\\)`,
      ),
    );
    assert.match(
      run.stdout,
      /: warning: merging into origin\/main gives 2 heads: .*\(a revision file differs between the sides, and their fork point is not fetched/,
    );
  });

  it('a detached HEAD compares the checked-out files and says so', () => {
    const { dir } = forkedRepository();
    git(dir, 'checkout', '-q', '--detach', 'feature');
    const run = cli(dir, ['check', '--base', 'main']);
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /note: HEAD is detached at [0-9a-f]{7}: comparing the checked-out files with main\./);
    assert.match(
      run.stdout,
      /merging into main gives 2 heads: f1 \(add sku, this checkout\) and m1 \(add price, main\)/,
    );
  });

  it('CI reports name files from the repository root wherever the job runs; merge-heads takes --severity and ignore comments', () => {
    // The project in backend/ of the repository, as in a monorepo.
    const repo = tempDir('alembic-lens-mono-');
    const dir = path.join(repo, 'backend');
    fs.mkdirSync(dir);
    writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }]);
    git(repo, 'init', '-q');
    commitAll(repo, 'history');
    git(repo, 'checkout', '-q', '-b', 'feature');
    const mine = writeRevision(dir, { id: 'f1', down: 'a1', message: 'add sku' });
    commitAll(repo, 'add sku');
    git(repo, 'checkout', '-q', 'main');
    writeRevision(dir, { id: 'm1', down: 'a1', message: 'add price' });
    commitAll(repo, 'add price');
    git(repo, 'checkout', '-q', 'feature');
    const file = 'backend/alembic/versions/f1_rev.py';

    for (const cwd of [dir, repo, path.parse(repo).root]) {
      const config = path.join(dir, 'alembic.ini');
      const github = cli(cwd, ['-c', config, 'check', '--base', 'main', '--format', 'github']);
      assert.strictEqual(github.status, 1, github.stderr);
      assert.match(
        github.stdout,
        new RegExp(`^::error file=${file},line=${DOWN_REVISION_LINE},title=alembic-lens merge-heads::`, 'm'),
      );
      const sarif = JSON.parse(cli(cwd, ['-c', config, 'check', '--base', 'main', '--format', 'sarif']).stdout);
      assert.deepStrictEqual(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation, {
        uri: file,
        uriBaseId: '%SRCROOT%',
      });
    }
    // The text report stays relative to the working directory, as a terminal links it.
    assert.match(cli(dir, ['check', '--base', 'main']).stdout, /^alembic\/versions\/f1_rev\.py:13: error: merging/m);

    const asWarning = cli(dir, ['check', '--base', 'main', '--severity', 'merge-heads=warning']);
    assert.strictEqual(asWarning.status, 0, asWarning.stdout + asWarning.stderr);
    assert.match(asWarning.stdout, /: warning: merging into main gives 2 heads/);
    const off = cli(dir, ['check', '--base', 'main', '--severity', 'merge-heads=off']);
    assert.strictEqual(off.status, 0);
    assert.doesNotMatch(off.stdout, /merge-heads/);
    const lines = fs.readFileSync(mine, 'utf8').split('\n');
    lines[DOWN_REVISION_LINE - 1] += '  # alembic-lens: ignore[merge-heads]';
    fs.writeFileSync(mine, lines.join('\n'));
    const ignored = cli(dir, ['check', '--base', 'main']);
    assert.strictEqual(ignored.status, 0, ignored.stdout);
  });

  it('without git or outside a repository: --base fails clearly, check without it works', () => {
    const plain = tempDir('alembic-lens-nogit-');
    writeProject(plain, [{ id: 'a0' }]);
    const notRepo = cli(plain, ['check', '--base', 'main'], {
      ...process.env,
      GIT_CEILING_DIRECTORIES: path.dirname(plain),
    });
    assert.strictEqual(notRepo.status, 2, 'check could not run');
    assert.match(
      notRepo.stderr,
      /^FAILED: check --base main: .* is not inside a git repository .*\(--base needs git\)$/m,
    );
    const noGit = cli(plain, ['check', '--base', 'main'], { PATH: '/nonexistent' });
    assert.strictEqual(noGit.status, 2, 'check could not run');
    assert.match(
      noGit.stderr,
      /^FAILED: check --base main: git is not installed \(or not on PATH\).*\(--base needs git\)$/m,
    );
    const without = cli(plain, ['check'], { PATH: '/nonexistent' });
    assert.strictEqual(without.status, 0, without.stderr);
    assert.strictEqual(cli(plain, ['check', '--scope', 'new']).status, 2);
    assert.strictEqual(cli(plain, ['check', '--scope', 'some']).status, 2);
  });
});

describe('lint scope: what is new, not history', () => {
  it('lints only revisions new or changed against the base; history problems always in full', () => {
    const dir = tempDir('alembic-lens-scope-');
    const ini = writeProject(dir, [
      { id: 'a0', upgrade: ['op.drop_table("old")'] },
      { id: 'a1', down: 'a0', upgrade: ['op.drop_table("older")'] },
      { id: 'b1', down: 'gone' },
    ]);
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    git(dir, 'checkout', '-q', '-b', 'feature');
    writeRevision(dir, { id: 'a1', down: 'a0', upgrade: ['op.drop_table("older")', 'op.drop_column("t", "c")'] });
    writeRevision(dir, { id: 'f1', down: 'a1', upgrade: ['op.drop_table("new")'] });
    // Moved, same content: still history.
    fs.renameSync(
      path.join(dir, 'alembic', 'versions', 'a0_rev.py'),
      path.join(dir, 'alembic', 'versions', 'a0_moved.py'),
    );
    const run = cli(dir, ['check', '--base', 'main']);
    const found = run.stdout
      .trim()
      .split('\n')
      .map((l) => l.replace(/: (error|warning): .*\[/, ' $1 ['));
    assert.deepStrictEqual(found.sort(), [
      'alembic/versions/a1_rev.py:19 warning [drop-table]',
      'alembic/versions/a1_rev.py:20 warning [drop-column]',
      'alembic/versions/a1_rev.py:24 warning [empty-downgrade]',
      // The history's problem, on a file not new here (Alembic fails on it before it would count heads).
      `alembic/versions/b1_rev.py:${DOWN_REVISION_LINE} error [missing-revision]`,
      'alembic/versions/f1_rev.py:19 warning [drop-table]',
      'alembic/versions/f1_rev.py:23 warning [empty-downgrade]',
    ]);
    assert.match(run.stderr, /4 revisions \(2 new or changed against main, linted: new\)/);
    const all = cli(dir, ['check', '--base', 'main', '--scope', 'all']);
    assert.match(all.stdout, /a0_moved\.py:19: warning: .*\[drop-table\]/);
    const project = loadProject(ini);
    assert.strictEqual(lintProject(project).filter((p) => p.code === 'drop-table').length, 3);
  });
});

describe('the accidental fork rule', () => {
  const headsProblems = (specs: RevisionSpec[]) => {
    const dir = tempDir('alembic-lens-fork-');
    return lintProject(loadProject(writeProject(dir, specs)))
      .filter((p) => p.code === 'multiple-heads')
      .map((p) => `${path.basename(p.path)} ${p.severity}`);
  };

  it('two heads on the same line are an error on each head; check exits 1', () => {
    assert.deepStrictEqual(headsProblems([{ id: 'a0' }, { id: 'b1', down: 'a0' }, { id: 'c1', down: 'a0' }]), [
      'b1_rev.py error',
      'c1_rev.py error',
    ]);
    const dir = tempDir('alembic-lens-fork-');
    writeProject(dir, [{ id: 'a0' }, { id: 'b1', down: 'a0' }, { id: 'c1', down: 'a0' }]);
    const run = cli(dir, ['check']);
    assert.strictEqual(run.status, 1);
    assert.match(
      run.stdout,
      /b1_rev\.py:12: error: Revision b1 is one of 2 heads \(b1, c1\) not on separate labelled branches/,
    );
  });

  it('heads each with a label no other head has are by design; a fork inside a labelled branch is not', () => {
    // expand/contract: each branch labelled at its base.
    assert.deepStrictEqual(
      headsProblems([
        { id: 'e1', labels: 'expand' },
        { id: 'e2', down: 'e1' },
        { id: 'c1', labels: 'contract' },
        { id: 'c2', down: 'c1' },
      ]),
      [],
    );
    // An unlabelled main line with one labelled side branch: `upgrade heads` is the design.
    assert.deepStrictEqual(headsProblems([{ id: 'a0' }, { id: 'a1', down: 'a0' }, { id: 'x1', labels: 'audit' }]), []);
    // Two revisions written on the head of `expand`: both heads carry only `expand`.
    assert.deepStrictEqual(
      headsProblems([
        { id: 'e1', labels: 'expand' },
        { id: 'e2', down: 'e1' },
        { id: 'e3', down: 'e1' },
        { id: 'c1', labels: 'contract' },
      ]),
      ['e2_rev.py error', 'e3_rev.py error'],
    );
  });
});

describe('a revision that points nowhere: where it went', () => {
  it('names the commit that deleted the file, its author and date; restoring it as told repairs the chain', () => {
    const dir = tempDir('alembic-lens-deleted-');
    writeProject(dir, [
      { id: 'a0' },
      { id: 'a1', down: 'a0' },
      { id: 'b2', down: 'a1' },
      { id: 'c3', down: 'b2', dependsOn: 'x9' },
      { id: 'd4', down: 'y8' },
    ]);
    writeRevision(dir, { id: 'x9', down: 'a0', file: "x9 it's.py" });
    writeRevision(dir, { id: 'y8', down: 'a0', file: 'sub/y8.py' });
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    fs.rmSync(path.join(dir, 'alembic', 'versions', 'a1_rev.py'));
    fs.rmSync(path.join(dir, 'alembic', 'versions', "x9 it's.py"));
    fs.rmSync(path.join(dir, 'alembic', 'versions', 'sub'), { recursive: true });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'clean up', '--author', 'Bob Builder <bob@example.com>');
    const short = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const run = cli(dir, ['check']);
    assert.strictEqual(run.status, 1);
    const infos = run.stdout.split('\n').filter((l) => l.endsWith('[deleted-revision]'));
    assert.deepStrictEqual(infos, [
      `alembic/versions/b2_rev.py:${DOWN_REVISION_LINE}: info: revision a1 was deleted in ${short} by Bob Builder on 2024-03-01 (alembic/versions/a1_rev.py); ` +
        `restore it with \`git checkout ${short}^ -- alembic/versions/a1_rev.py\`, or point b2 at an existing revision. [deleted-revision]`,
      `alembic/versions/c3_rev.py:15: info: revision x9 was deleted in ${short} by Bob Builder on 2024-03-01 (alembic/versions/x9 it's.py); ` +
        `restore it with \`git checkout ${short}^ -- 'alembic/versions/x9 it'\\''s.py'\`, or point c3 at an existing revision. [deleted-revision]`,
    ]);
    // y8 lived in a subfolder Alembic does not read (not recursive): it was never in the history.
    assert.match(run.stdout, /d4_rev\.py:13: error: down_revision names 'y8'/);
    for (const restore of infos.map((l) => /`(git checkout .*?)`/.exec(l)![1])) {
      const ran = spawnSync('bash', ['-c', restore], { cwd: dir, encoding: 'utf8' });
      assert.strictEqual(ran.status, 0, ran.stderr);
    }
    assert.deepStrictEqual(cli(dir, ['check']).stdout.match(/\[(missing-revision|deleted-revision)\]/g), [
      '[missing-revision]',
    ]);
  });

  it('without git, or for an id never committed, nothing is added and check still works', () => {
    const dir = tempDir('alembic-lens-deleted-');
    writeProject(dir, [{ id: 'a0' }, { id: 'b2', down: 'zz' }]);
    const noGit = cli(dir, ['check'], { PATH: '/nonexistent' });
    assert.strictEqual(noGit.status, 1);
    assert.match(noGit.stdout, /b2_rev\.py:13: error: down_revision names 'zz'/);
    assert.doesNotMatch(noGit.stdout, /deleted-revision/);
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    assert.doesNotMatch(cli(dir, ['check']).stdout, /deleted-revision/);
  });

  it('a file deleted in the work tree only: still at HEAD, restored from there, never over a file', async () => {
    const dir = tempDir('alembic-lens-deleted-');
    writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }, { id: 'b2', down: 'a1' }]);
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    const head = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const file = path.join(dir, 'alembic', 'versions', 'a1_rev.py');
    const original = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    const explained = await explainMissingRevisions(loadProject(path.join(dir, 'alembic.ini')));
    assert.deepStrictEqual(
      explained.map((e) => [path.basename(e.problem.path), e.problem.line, e.problem.message]),
      [
        [
          'b2_rev.py',
          DOWN_REVISION_LINE,
          `revision a1 is alembic/versions/a1_rev.py, deleted in the work tree but still at HEAD (${head}); ` +
            'restore it with `git checkout HEAD -- alembic/versions/a1_rev.py`, or point b2 at an existing revision.',
        ],
      ],
    );
    const { deletion } = explained[0];
    const repo = await GitRepository.open(dir);
    await restoreFromCommit(repo, deletion.restoreFrom, deletion.path, repo.absolute(deletion.path));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), original);
    assert.deepStrictEqual(await explainMissingRevisions(loadProject(path.join(dir, 'alembic.ini'))), []);
    fs.writeFileSync(file, '# rewritten meanwhile\n');
    await assert.rejects(restoreFromCommit(repo, deletion.restoreFrom, deletion.path, file), /EEXIST/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), '# rewritten meanwhile\n');
  });

  it('a committed deletion is restored from the parent of the commit that deleted it', async () => {
    const dir = tempDir('alembic-lens-deleted-');
    writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }, { id: 'b2', down: 'a1' }]);
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    const file = path.join(dir, 'alembic', 'versions', 'a1_rev.py');
    const original = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    const deleting = commitAll(dir, 'delete a1');
    const [{ deletion }] = await explainMissingRevisions(loadProject(path.join(dir, 'alembic.ini')));
    assert.deepStrictEqual(
      [deletion.commit, deletion.inWorkTree, deletion.restoreFrom],
      [deleting, false, `${deleting}^`],
    );
    const repo = await GitRepository.open(dir);
    await restoreFromCommit(repo, deletion.restoreFrom, deletion.path, repo.absolute(deletion.path));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), original);
  });
});
