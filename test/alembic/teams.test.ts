// Teams against the real Alembic: two branches each add a revision with `alembic revision` on the same
// head, `check --base main` on the branch predicts the heads after the merge, a real `git merge` is
// made, and Alembic's own `heads` / `upgrade head` on the merged tree must agree. The same for heads
// that are labelled branches by design (expand/contract), which Alembic runs with `<label>@head`.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toContainerPath, toHostPath } from '../../src/core/compose';
import { GitRepository } from '../../src/core/git/gitRepository';
import { loadProject } from '../../src/core/project';
import { compareWithBase } from '../../src/core/teams/baseComparison';
import { planMergeRevision } from '../../src/core/teams/mergeRevision';
import { prepareTemporaryConfig } from '../../src/core/teams/temporaryConfig';
import { generatedFile } from '../../src/core/terminalOutput';
import { alembic, alembicHeads, CLI, initRepository, lens, mustAlembic, PYTHON, revision } from '../support/alembicGit';
import { makeFakeDocker } from '../support/fakeDocker';
import { commitAll, git } from '../support/gitRepo';
import { tempDir } from '../support/tempProject';

/** main: users <- price; feature: users <- sku, checked out. */
function forkedRepository(): { dir: string; sku: string; price: string } {
  const dir = initRepository();
  revision(dir, 'create users');
  commitAll(dir, 'create users');
  git(dir, 'checkout', '-q', '-b', 'feature');
  const sku = revision(dir, 'add sku');
  commitAll(dir, 'add sku');
  git(dir, 'checkout', '-q', 'main');
  const price = revision(dir, 'add price');
  commitAll(dir, 'add price');
  git(dir, 'checkout', '-q', 'feature');
  return { dir, sku, price };
}

describe('teams: check --base against the real Alembic and a real git merge', function () {
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is built (npm test builds it first)`);
    const version = spawnSync(PYTHON, ['-c', 'import alembic; print(alembic.__version__)'], { encoding: 'utf8' });
    assert.strictEqual(version.status, 0, `${PYTHON} has Alembic: ${version.stderr}`);
  });

  it('two branches add a revision on the same head: the preview names the heads `alembic heads` shows after the merge', async () => {
    const { dir, sku, price } = forkedRepository();

    const check = lens(dir, 'check', '--base', 'main');
    assert.strictEqual(check.status, 1, check.stdout + check.stderr);
    const skuFile = fs.readdirSync(path.join(dir, 'alembic', 'versions')).find((f) => f.startsWith(sku))!;
    const downLine =
      fs
        .readFileSync(path.join(dir, 'alembic', 'versions', skuFile), 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('down_revision')) + 1;
    const mergeHeads = check.stdout.split('\n').filter((l) => l.endsWith('[merge-heads]'));
    assert.deepStrictEqual(
      mergeHeads.map((l) => l.slice(0, l.indexOf(': `'))),
      [
        `alembic/versions/${skuFile}:${downLine}: error: merging into main gives 2 heads: ${sku} (add sku, this branch) and ${price} (add price, main)`,
      ],
    );
    const preview = (await compareWithBase(loadProject(path.join(dir, 'alembic.ini')), 'main')).merged.heads.sort();

    git(dir, 'merge', '-q', '--no-edit', 'main');
    assert.deepStrictEqual(alembicHeads(dir), [sku, price].sort());
    assert.deepStrictEqual(preview, alembicHeads(dir));
    const upgrade = alembic(dir, 'upgrade', 'head');
    assert.notStrictEqual(upgrade.status, 0);
    assert.match(upgrade.stderr, /Multiple head revisions are present/);
    const merged = lens(dir, 'check');
    assert.strictEqual(merged.status, 1);
    assert.deepStrictEqual(
      merged.stdout
        .match(/^.*\[multiple-heads\]$/gm)!
        .map((l) => /Revision (\w+) is one of 2 heads/.exec(l)![1])
        .sort(),
      [sku, price].sort(),
    );

    mustAlembic(dir, 'merge', 'heads', '-m', 'merge heads');
    assert.strictEqual(alembicHeads(dir).length, 1);
    mustAlembic(dir, 'upgrade', 'head');
    const fixed = lens(dir, 'check', '--base', 'main');
    assert.strictEqual(fixed.status, 0, fixed.stdout + fixed.stderr);
    assert.doesNotMatch(fixed.stdout, /heads\]/);
  });

  it('heads on labelled branches by design pass; a fork inside one fails as `<label>@head` does in Alembic', () => {
    const dir = initRepository();
    const expand = revision(dir, 'expand base', '--head=base', '--branch-label=expand');
    revision(dir, 'contract base', '--head=base', '--branch-label=contract');
    commitAll(dir, 'expand and contract');
    mustAlembic(dir, 'upgrade', 'heads');
    for (const label of ['expand', 'contract']) mustAlembic(dir, 'upgrade', `${label}@head`, '--sql');
    const designed = lens(dir, 'check');
    assert.strictEqual(designed.status, 0, designed.stdout + designed.stderr);
    assert.doesNotMatch(designed.stdout, /multiple-heads/);

    git(dir, 'checkout', '-q', '-b', 'feature');
    const mine = revision(dir, 'add column (expand)', `--head=${expand}`);
    commitAll(dir, 'mine');
    git(dir, 'checkout', '-q', 'main');
    const theirs = revision(dir, 'add index (expand)', `--head=${expand}`);
    commitAll(dir, 'theirs');
    git(dir, 'checkout', '-q', 'feature');
    const check = lens(dir, 'check', '--base', 'main');
    assert.strictEqual(check.status, 1);
    assert.match(
      check.stdout,
      new RegExp(
        `merging into main gives 2 heads: ${mine} \\(add column \\(expand\\), this branch\\) and ${theirs} \\(add index \\(expand\\), main\\)`,
      ),
    );

    git(dir, 'merge', '-q', '--no-edit', 'main');
    const expandHead = alembic(dir, 'upgrade', 'expand@head', '--sql');
    assert.notStrictEqual(expandHead.status, 0);
    assert.match(expandHead.stderr, /Multiple head revisions are present for given argument 'expand@head'/);
    mustAlembic(dir, 'upgrade', 'contract@head', '--sql');
    const forked = lens(dir, 'check');
    assert.strictEqual(forked.status, 1);
    assert.deepStrictEqual(
      forked.stdout
        .match(/^.*\[multiple-heads\]$/gm)!
        .map((l) => /Revision (\w+) is one of/.exec(l)![1])
        .sort(),
      [mine, theirs].sort(),
    );
  });

  describe('the merge preview takes each file from the side that changed it, as git merges', () => {
    /** Points a revision file at another down_revision (the assignment and the docstring's Revises:). */
    function repoint(dir: string, id: string, from: string, to: string): void {
      const file = versionFile(dir, id);
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(
        file,
        text
          .replace(`down_revision = '${from}'`, `down_revision = '${to}'`)
          .replace(`Revises: ${from}`, `Revises: ${to}`),
      );
    }
    const versionFile = (dir: string, id: string): string => {
      const versions = path.join(dir, 'alembic', 'versions');
      return path.join(versions, fs.readdirSync(versions).find((f) => f.startsWith(id))!);
    };
    /** The preview's heads and problems, then the real merge's heads by Alembic (or its failure). */
    async function previewAndMerge(dir: string) {
      const comparison = await compareWithBase(loadProject(path.join(dir, 'alembic.ini')), 'main');
      const check = lens(dir, 'check', '--no-lint', '--base', 'main');
      git(dir, 'merge', '-q', '--no-edit', 'main');
      return { comparison, check, after: alembic(dir, 'heads') };
    }

    /**
     * main: create users <- add email; branch `feature` does `work` (committed); then main slips a revision
     * in below add email (its down_revision and Revises: re-pointed). Checked out: feature.
     */
    function mainInsertsBelowSecond(work: (dir: string, second: string) => void): { dir: string; second: string } {
      const dir = initRepository();
      const first = revision(dir, 'create users');
      const second = revision(dir, 'add email');
      commitAll(dir, 'base');
      git(dir, 'checkout', '-q', '-b', 'feature');
      work(dir, second);
      commitAll(dir, 'feature work');
      git(dir, 'checkout', '-q', 'main');
      const inserted = revision(dir, 'inserted', `--head=${first}`, '--splice');
      repoint(dir, second, first, inserted);
      commitAll(dir, 'insert a revision below add email');
      git(dir, 'checkout', '-q', 'feature');
      return { dir, second };
    }

    it("a revision only main re-pointed since the fork: main's version, one head (not a fork on a stale copy)", async () => {
      let sku = '';
      const { dir } = mainInsertsBelowSecond((repo) => {
        sku = revision(repo, 'add sku');
      });

      const { comparison, check, after } = await previewAndMerge(dir);
      assert.strictEqual(after.status, 0, after.stderr);
      assert.deepStrictEqual(alembicHeads(dir), [sku]);
      assert.deepStrictEqual(comparison.merged.heads, [sku]);
      assert.deepStrictEqual(comparison.problems, []);
      assert.deepStrictEqual(
        [...comparison.newFiles],
        [versionFile(dir, sku)],
        "main's edit is not this branch's work",
      );
      assert.strictEqual(check.status, 0, check.stdout + check.stderr);
    });

    it('one file both sides changed on other lines (main re-points it, this branch edits upgrade()): merged by line, one head', async () => {
      // This branch edits add email's upgrade(), the bottom of the file main edits at the top.
      const { dir, second } = mainInsertsBelowSecond((repo, id) => {
        const file = versionFile(repo, id);
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( {4})pass$/m, '$1op.execute("SELECT 2")'));
      });

      const { comparison, check, after } = await previewAndMerge(dir);
      assert.strictEqual(after.status, 0, after.stderr);
      assert.deepStrictEqual(alembicHeads(dir), [second], 'git merged the file cleanly: one head');
      assert.deepStrictEqual(comparison.merged.heads, [second]);
      assert.deepStrictEqual(comparison.problems, []);
      assert.deepStrictEqual(comparison.notes, [], 'no conflict to speak of');
      assert.strictEqual(check.status, 0, check.stdout + check.stderr);
    });

    it('a branch label main renamed that this branch depends on: the missing name the merged tree has', async () => {
      const dir = initRepository();
      const base = revision(dir, 'create users');
      const other = revision(dir, 'other branch', '--head=base', '--branch-label=other');
      commitAll(dir, 'base');
      git(dir, 'checkout', '-q', '-b', 'feature');
      const mine = revision(dir, 'needs other', `--head=${base}`, `--depends-on=other`);
      commitAll(dir, 'depends on other');
      git(dir, 'checkout', '-q', 'main');
      const file = versionFile(dir, other);
      fs.writeFileSync(
        file,
        fs.readFileSync(file, 'utf8').replace("branch_labels = ('other',)", "branch_labels = ('others',)"),
      );
      commitAll(dir, 'rename the label');
      git(dir, 'checkout', '-q', 'feature');
      assert.strictEqual(lens(dir, 'check', '--no-lint').status, 0, 'this branch alone is fine');

      const { comparison, check, after } = await previewAndMerge(dir);
      assert.notStrictEqual(after.status, 0);
      assert.match(after.stderr, /KeyError: 'other'|other/);
      const missing = comparison.problems.filter((p) => p.code === 'missing-revision');
      assert.deepStrictEqual(
        missing.map((p) => [p.path, p.message]),
        [
          [
            versionFile(dir, mine),
            `after merging into main: depends_on names 'other', which is neither a revision nor a branch label in this project.`,
          ],
        ],
      );
      assert.strictEqual(check.status, 1, check.stdout);
    });

    it("a revision file renamed on this branch and edited on main: one file, main's edit, no duplicate", async () => {
      const dir = initRepository();
      revision(dir, 'create users');
      const second = revision(dir, 'add email');
      commitAll(dir, 'base');
      git(dir, 'checkout', '-q', '-b', 'feature');
      const old = versionFile(dir, second);
      git(path.dirname(old), 'mv', path.basename(old), `${second}_renamed.py`);
      commitAll(dir, 'rename');
      git(dir, 'checkout', '-q', 'main');
      fs.writeFileSync(old, fs.readFileSync(old, 'utf8').replace('"""add email', '"""add email column'));
      commitAll(dir, 'better message');
      git(dir, 'checkout', '-q', 'feature');

      const { comparison, check, after } = await previewAndMerge(dir);
      assert.strictEqual(after.status, 0, after.stderr);
      assert.deepStrictEqual(alembicHeads(dir), [second]);
      assert.deepStrictEqual(comparison.merged.heads, [second]);
      assert.strictEqual(comparison.merged.get(second)?.source.message, 'add email column', "main's edit");
      assert.deepStrictEqual(comparison.problems, []);
      assert.strictEqual(check.status, 0, check.stdout + check.stderr);
    });
  });

  it('Create a merge revision: the preview is the file `alembic merge` writes; after the git merge there is one head', async () => {
    const { dir, sku, price } = forkedRepository();

    const project = loadProject(path.join(dir, 'alembic.ini'));
    const plan = planMergeRevision(project, await compareWithBase(project, 'main'));
    assert.ok(plan, 'a merge revision is offered for the merge-heads problem');
    assert.deepStrictEqual(plan!.heads, [sku, price], "this branch's head first, then main's");
    const repo = await GitRepository.open(dir);
    const mergeArgs = ['merge', '-m', plan!.message, '--rev-id', plan!.revId, ...plan!.heads];
    const generated = (out: string): string => /Generating (\S+\.py)/.exec(out)![1];

    const preview = await prepareTemporaryConfig(project, repo, plan!.files, { copyVersions: true });
    let previewText: string;
    try {
      const out = mustAlembic(dir, '-c', preview.configFile, ...mergeArgs);
      assert.ok(generated(out).startsWith(preview.folder), `the preview is written in the temporary folder: ${out}`);
      previewText = fs.readFileSync(generated(out), 'utf8');
    } finally {
      preview.cleanup();
    }
    assert.strictEqual(git(dir, 'status', '--porcelain'), '', 'the preview leaves the work tree as it was');

    const real = await prepareTemporaryConfig(project, repo, plan!.files);
    let file: string;
    try {
      file = generated(mustAlembic(dir, '-c', real.configFile, ...mergeArgs));
    } finally {
      real.cleanup();
    }
    assert.strictEqual(path.dirname(file), path.join(dir, 'alembic', 'versions'));
    const withoutDate = (text: string): string => text.replace(/^Create Date: .*$/m, '');
    assert.strictEqual(withoutDate(fs.readFileSync(file, 'utf8')), withoutDate(previewText));
    assert.match(previewText, new RegExp(`^down_revision = \\('${sku}', '${price}'\\)`, 'm'));

    const check = lens(dir, 'check', '--base', 'main');
    assert.doesNotMatch(check.stdout, /merge-heads/, check.stdout);
    commitAll(dir, 'merge revision');
    git(dir, 'merge', '-q', '--no-edit', 'main');
    assert.deepStrictEqual(alembicHeads(dir), [plan!.revId]);
    mustAlembic(dir, 'upgrade', 'head');
  });
  it('Create a merge revision in a Compose service: the preview is written in the mounted folder and found on the host', async () => {
    const { dir, sku, price } = forkedRepository();
    const project = loadProject(path.join(dir, 'alembic.ini'));
    const plan = planMergeRevision(project, await compareWithBase(project, 'main'))!;
    assert.deepStrictEqual(plan.heads, [sku, price]);
    const docker = makeFakeDocker(tempDir('alembic-lens-docker-'), 'backend', dir);
    const mapping = { service: 'backend', hostRoot: dir, containerRoot: docker.mountPoint };
    const preview = await prepareTemporaryConfig(project, await GitRepository.open(dir), plan.files, {
      copyVersions: true,
      container: mapping,
    });
    try {
      assert.strictEqual(path.dirname(preview.folder), dir);
      assert.ok(!fs.readFileSync(preview.configFile, 'utf8').includes(dir), 'the ini copy names a host path');
      const config = toContainerPath(mapping, preview.configFile);
      const args = ['merge', '-m', plan.message, '--rev-id', plan.revId, ...plan.heads];
      const ran = spawnSync(
        'docker',
        ['compose', 'exec', '--workdir', docker.mountPoint, '-T', 'backend', 'alembic', '-c', config, ...args],
        { encoding: 'utf8', env: { ...process.env, PATH: docker.path() } },
      );
      assert.strictEqual(ran.status, 0, ran.stdout + ran.stderr);
      const file = generatedFile(
        ran.stdout,
        dir,
        (f) => fs.existsSync(f),
        (f) => toHostPath(mapping, f),
      );
      assert.ok(file?.startsWith(preview.folder), `the preview is in the temporary folder: ${ran.stdout}`);
      assert.match(fs.readFileSync(file!, 'utf8'), new RegExp(`^down_revision = \\('${sku}', '${price}'\\)`, 'm'));
    } finally {
      preview.cleanup();
    }
    assert.ok(!fs.existsSync(preview.folder));
    assert.strictEqual(git(dir, 'status', '--porcelain'), '', 'the preview leaves the work tree as it was');
  });
});
