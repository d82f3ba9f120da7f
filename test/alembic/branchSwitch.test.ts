// A branch switch leaves the database at a revision this checkout lacks: `alembic-lens status` says
// which branch has it, and the downgrade with that branch's revisions (git/revisionOrigin.ts,
// teams/branchSwitch.ts) run by the real Alembic brings the database back to the shared history, after
// which `alembic upgrade head` works on this branch. On SQLite and on the throwaway PostgreSQL server.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toContainerPath } from '../../src/core/compose';
import { GitRepository } from '../../src/core/git/gitRepository';
import { originOfUnknownRevision } from '../../src/core/git/revisionOrigin';
import { restoreFromCommit } from '../../src/core/git/workTree';
import { loadProject } from '../../src/core/project';
import { planForeignDowngrade } from '../../src/core/teams/branchSwitch';
import { prepareTemporaryConfig } from '../../src/core/teams/temporaryConfig';
import { alembic, initRepository, lens, mustAlembic, PYTHON, revision } from '../support/alembicGit';
import { makeFakeDocker } from '../support/fakeDocker';
import { commitAll, git } from '../support/gitRepo';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { tempDir } from '../support/tempProject';

/** Gives a generated revision an upgrade that creates `table` and a downgrade that drops it. */
function createsTable(dir: string, id: string, table: string): void {
  const versions = path.join(dir, 'alembic', 'versions');
  const file = path.join(versions, fs.readdirSync(versions).find((f) => f.startsWith(id))!);
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(
      /(def upgrade\(\)[^\n]*\n)\s+pass/,
      `$1    op.create_table('${table}', sa.Column('id', sa.Integer, primary_key=True))`,
    )
    .replace(/(def downgrade\(\)[^\n]*\n)\s+pass/, `$1    op.drop_table('${table}')`);
  fs.writeFileSync(file, text);
}

interface Scenario {
  dir: string;
  users: string;
  sku: string;
  skuCommit: string;
}

/** main: users; feature/x: users <- sku, upgraded to sku; then main checked out again. */
function switchedAway(url?: string, hereScriptLocation = false): Scenario {
  const dir = initRepository(url);
  if (hereScriptLocation) {
    const ini = path.join(dir, 'alembic.ini');
    const text = fs.readFileSync(ini, 'utf8').replace(/^script_location = .*$/m, 'script_location = %(here)s/alembic');
    fs.writeFileSync(ini, text);
  }
  const users = revision(dir, 'create users');
  createsTable(dir, users, 'users');
  commitAll(dir, 'create users');
  git(dir, 'checkout', '-q', '-b', 'feature/x');
  const sku = revision(dir, 'add sku');
  createsTable(dir, sku, 'sku');
  const skuCommit = commitAll(dir, 'add sku');
  mustAlembic(dir, 'upgrade', 'head');
  git(dir, 'checkout', '-q', 'main');
  return { dir, users, sku, skuCommit };
}

/** Plans, prepares and runs the downgrade with the real Alembic; returns the temporary folder (removed by now). */
async function downgradeWithOrigin(s: Scenario): Promise<string> {
  const project = loadProject(path.join(s.dir, 'alembic.ini'));
  const origin = await originOfUnknownRevision(project, [s.sku]);
  assert.ok(origin, 'git finds the branch that has the revision');
  assert.deepStrictEqual([origin!.ref, origin!.commit, origin!.isBranch], ['feature/x', s.skuCommit, true]);
  const plan = planForeignDowngrade(project, origin!, [s.sku]);
  assert.deepStrictEqual([plan.target, plan.reverted.map((r) => r.id)], [s.users, [s.sku]]);
  const prepared = await prepareTemporaryConfig(project, await GitRepository.open(s.dir), plan.files);
  try {
    const ran = alembic(s.dir, '-c', prepared.configFile, 'downgrade', plan.target);
    assert.strictEqual(ran.status, 0, ran.stdout + ran.stderr);
    assert.match(ran.stderr, new RegExp(`Running downgrade ${s.sku} -> ${s.users}`));
  } finally {
    prepared.cleanup();
  }
  assert.ok(!fs.existsSync(prepared.folder), 'the temporary files are removed');
  return prepared.folder;
}

/**
 * A project configured only in pyproject.toml (Alembic >= 1.16), its revisions in two version folders. main:
 * users <- price (in "more versions"); feature/x: users <- sku, upgraded to sku; then main checked out again.
 * Alembic 1.8.1 reads no toml: the revisions are made with an ini outside the repository (paths relative to
 * the project folder, where Alembic runs); the temporary ini it does read.
 */
function pyprojectSwitchedAway(): Scenario & { price: string } {
  const dir = initRepository();
  const ini = path.join(tempDir('alembic-lens-ini-'), 'alembic.ini');
  fs.renameSync(path.join(dir, 'alembic.ini'), ini);
  fs.writeFileSync(
    path.join(dir, 'pyproject.toml'),
    [
      '[project]',
      'name = "app"',
      '',
      '[tool.alembic]',
      'script_location = "%(here)s/alembic"',
      'version_locations = ["%(here)s/alembic/versions", "%(here)s/alembic/more versions"]',
      'prepend_sys_path = ["."]',
      '"sqlalchemy.url" = "sqlite:///%(here)s/app.db"',
      '',
    ].join('\n'),
  );
  const made = (message: string): string => {
    const out = mustAlembic(dir, '-c', ini, 'revision', '-m', message);
    return /Generating .*[\\/]([0-9a-f]{12})_[^\\/]*\.py/.exec(out)![1];
  };
  const users = made('create users');
  createsTable(dir, users, 'users');
  commitAll(dir, 'create users');
  git(dir, 'checkout', '-q', '-b', 'feature/x');
  const sku = made('add sku');
  createsTable(dir, sku, 'sku');
  const skuCommit = commitAll(dir, 'add sku');
  mustAlembic(dir, '-c', ini, 'upgrade', 'head');
  git(dir, 'checkout', '-q', 'main');
  const price = made('add price');
  const versions = path.join(dir, 'alembic', 'versions');
  fs.mkdirSync(path.join(dir, 'alembic', 'more versions'));
  const priceFile = fs.readdirSync(versions).find((f) => f.startsWith(price))!;
  fs.renameSync(path.join(versions, priceFile), path.join(dir, 'alembic', 'more versions', priceFile));
  commitAll(dir, 'add price');
  return { dir, users, sku, skuCommit, price };
}

/** The tables of the SQLite database `file`, sorted. */
function sqliteTables(file: string): string[] {
  const query =
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(' '.join(sorted(r[0] for r in " +
    'c.execute("select name from sqlite_master where type = \'table\'"))))';
  const ran = spawnSync(PYTHON, ['-c', query, file], { encoding: 'utf8' });
  assert.strictEqual(ran.status, 0, ran.stderr);
  return ran.stdout.trim().split(' ');
}

describe('branch switch: the database at a revision this checkout does not have', function () {
  this.timeout(120000);

  it('SQLite: status names the branch; the downgrade with its revisions lets `upgrade head` work again', async () => {
    const s = switchedAway();
    const stuck = alembic(s.dir, 'upgrade', 'head');
    assert.notStrictEqual(stuck.status, 0);
    assert.match(stuck.stderr, /Can't locate revision identified by/);

    const status = lens(s.dir, 'status', '--json');
    assert.strictEqual(status.status, 1, status.stderr);
    const json = JSON.parse(status.stdout);
    assert.deepStrictEqual(
      [json.state, json.unknown, json.foundIn],
      ['unknown-revision', [s.sku], [{ ref: 'feature/x', commit: s.skuCommit }]],
    );
    const text = lens(s.dir, 'status');
    // How long ago, in git's words for the same commit.
    const ago = git(s.dir, 'show', '-s', '--date=relative', '--format=%cd', s.skuCommit);
    assert.ok(
      text.stdout.includes(
        `database at ${s.sku.slice(0, 7)} (add sku) from branch feature/x (commit ${s.skuCommit.slice(0, 7)}, ${ago}), not in this checkout`,
      ),
      text.stdout,
    );

    await downgradeWithOrigin(s);
    assert.match(mustAlembic(s.dir, 'current'), new RegExp(`^${s.users} \\(head\\)`, 'm'));
    mustAlembic(s.dir, 'upgrade', 'head');
    assert.strictEqual(git(s.dir, 'status', '--porcelain'), '', 'the work tree is untouched');
    const after = JSON.parse(lens(s.dir, 'status', '--json').stdout);
    assert.deepStrictEqual([after.state, after.current, after.foundIn], ['up-to-date', [s.users], undefined]);
  });

  it('in a Compose service: the temporary files are in the mounted project folder, named as the container sees them', async () => {
    const s = switchedAway(undefined, true);
    const project = loadProject(path.join(s.dir, 'alembic.ini'));
    const plan = planForeignDowngrade(project, (await originOfUnknownRevision(project, [s.sku]))!, [s.sku]);
    const docker = makeFakeDocker(tempDir('alembic-lens-docker-'), 'backend', s.dir);
    const mapping = { service: 'backend', hostRoot: s.dir, containerRoot: docker.mountPoint };
    const repo = await GitRepository.open(s.dir);
    const outside = { ...mapping, hostRoot: path.join(s.dir, 'alembic', 'versions') };
    await assert.rejects(
      prepareTemporaryConfig(project, repo, plan.files, { container: outside }),
      /is outside .*versions, the folder the Compose service "backend" mounts: Alembic in the container cannot read it/,
    );
    assert.deepStrictEqual(
      fs.readdirSync(s.dir).filter((n) => n.startsWith('.alembic-lens')),
      [],
    );
    const prepared = await prepareTemporaryConfig(project, repo, plan.files, { container: mapping });
    try {
      assert.strictEqual(path.dirname(prepared.folder), s.dir);
      const ini = fs.readFileSync(prepared.configFile, 'utf8');
      assert.ok(!ini.includes(s.dir), `the ini copy names a host path:\n${ini}`);
      const configFile = toContainerPath(mapping, prepared.configFile);
      const ran = spawnSync(
        'docker',
        [
          'compose',
          'exec',
          '--workdir',
          docker.mountPoint,
          '-T',
          'backend',
          'alembic',
          '-c',
          configFile,
          'downgrade',
          plan.target,
        ],
        { encoding: 'utf8', env: { ...process.env, PATH: docker.path() } },
      );
      assert.strictEqual(ran.status, 0, ran.stdout + ran.stderr);
      assert.match(ran.stderr, new RegExp(`Running downgrade ${s.sku} -> ${s.users}`));
    } finally {
      prepared.cleanup();
    }
    assert.ok(!fs.existsSync(prepared.folder), 'the temporary files are removed');
    mustAlembic(s.dir, 'upgrade', 'head');
    assert.strictEqual(git(s.dir, 'status', '--porcelain'), '', 'the work tree is untouched');
  });

  it('pyproject.toml only: the temporary ini gives Alembic the project, both version folders and the branch', async () => {
    const s = pyprojectSwitchedAway();
    const project = loadProject(path.join(s.dir, 'pyproject.toml'));
    assert.deepStrictEqual([project.config.iniPath, project.config.problems], [undefined, []]);
    const plan = planForeignDowngrade(project, (await originOfUnknownRevision(project, [s.sku]))!, [s.sku]);
    assert.deepStrictEqual([plan.target, plan.reverted.map((r) => r.id)], [s.users, [s.sku]]);
    const prepared = await prepareTemporaryConfig(project, await GitRepository.open(s.dir), plan.files);
    try {
      const heads = mustAlembic(s.dir, '-c', prepared.configFile, 'heads');
      assert.deepStrictEqual(
        heads
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0])
          .sort(),
        [s.price, s.sku].sort(),
      );
      const history = mustAlembic(s.dir, '-c', prepared.configFile, 'history');
      for (const id of [s.users, s.price, s.sku]) assert.match(history, new RegExp(id), history);
      assert.deepStrictEqual(sqliteTables(path.join(s.dir, 'app.db')), ['alembic_version', 'sku', 'users']);
      mustAlembic(s.dir, '-c', prepared.configFile, 'downgrade', plan.target);
      assert.match(mustAlembic(s.dir, '-c', prepared.configFile, 'current'), new RegExp(`^${s.users}\\b`, 'm'));
    } finally {
      prepared.cleanup();
    }
    assert.deepStrictEqual(sqliteTables(path.join(s.dir, 'app.db')), ['alembic_version', 'users']);

    // In a Compose service: the toml's `%(here)s` is the container's project folder too.
    const docker = makeFakeDocker(tempDir('alembic-lens-docker-'), 'backend', s.dir);
    const mapping = { service: 'backend', hostRoot: s.dir, containerRoot: docker.mountPoint };
    const inContainer = await prepareTemporaryConfig(project, await GitRepository.open(s.dir), plan.files, {
      container: mapping,
    });
    try {
      assert.ok(!fs.readFileSync(inContainer.configFile, 'utf8').includes(s.dir), 'the ini names a host path');
      const config = toContainerPath(mapping, inContainer.configFile);
      const ran = spawnSync(
        'docker',
        ['compose', 'exec', '--workdir', docker.mountPoint, '-T', 'backend', 'alembic', '-c', config, 'heads'],
        { encoding: 'utf8', env: { ...process.env, PATH: docker.path() } },
      );
      assert.strictEqual(ran.status, 0, ran.stdout + ran.stderr);
      assert.deepStrictEqual(
        ran.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0])
          .sort(),
        [s.price, s.sku].sort(),
      );
    } finally {
      inContainer.cleanup();
    }
    // This branch's own history, again through a temporary ini (Alembic 1.8.1 reads no toml).
    const own = await prepareTemporaryConfig(project, await GitRepository.open(s.dir), []);
    try {
      mustAlembic(s.dir, '-c', own.configFile, 'upgrade', 'head');
      assert.match(mustAlembic(s.dir, '-c', own.configFile, 'current'), new RegExp(`^${s.price} \\(head\\)`, 'm'));
    } finally {
      own.cleanup();
    }
    assert.strictEqual(git(s.dir, 'status', '--porcelain'), '', 'the work tree is untouched');
  });

  it('status lists nothing as pending that may be applied: the revisions are undetermined, not pending', () => {
    const s = switchedAway();
    // main moves on: a revision of its own, which the database surely lacks, but alembic-lens cannot tell.
    const price = revision(s.dir, 'add price');
    commitAll(s.dir, 'add price');
    const json = JSON.parse(lens(s.dir, 'status', '--json').stdout);
    // users is applied (the database's sku stands on it): listing it as pending would be wrong.
    assert.deepStrictEqual(
      [json.state, json.current, json.unknown, json.pending, [...json.undetermined].sort()],
      ['unknown-revision', [], [s.sku], null, [s.users, price].sort()],
    );
    const text = lens(s.dir, 'status');
    assert.strictEqual(text.status, 1, text.stderr);
    assert.doesNotMatch(text.stdout, /^pending: [0-9a-f]{12}/m, 'a list of pending revisions');
    assert.match(text.stdout, /^pending: cannot tell, the database stands on a revision this history lacks: /m);
    // The real Alembic agrees that users is applied: on feature/x, upgrading to it runs nothing.
    git(s.dir, 'checkout', '-q', 'feature/x');
    const upgrade = alembic(s.dir, 'upgrade', s.users);
    assert.strictEqual(upgrade.status, 0, upgrade.stderr);
    assert.doesNotMatch(upgrade.stderr, /Running upgrade/);
    git(s.dir, 'checkout', '-q', 'main');
  });

  it('a branch deleted since: found in the reflog as HEAD@{n}', () => {
    const s = switchedAway();
    git(s.dir, 'branch', '-q', '-D', 'feature/x');
    const json = JSON.parse(lens(s.dir, 'status', '--json').stdout);
    assert.strictEqual(json.foundIn.length, 1);
    assert.strictEqual(json.foundIn[0].commit, s.skuCommit);
    assert.match(json.foundIn[0].ref, /^HEAD@\{\d+\}$/);
  });

  it("the applied revision's file deleted from the work tree: the file is named, HEAD has it; restored, all is well", async () => {
    const s = switchedAway();
    git(s.dir, 'checkout', '-q', 'feature/x');
    const versions = path.join(s.dir, 'alembic', 'versions');
    const skuFile = fs.readdirSync(versions).find((f) => f.startsWith(s.sku))!;
    fs.rmSync(path.join(versions, skuFile));
    const json = JSON.parse(lens(s.dir, 'status', '--json').stdout);
    assert.deepStrictEqual([json.state, json.foundIn], ['unknown-revision', [{ ref: 'HEAD', commit: s.skuCommit }]]);
    const text = lens(s.dir, 'status').stdout;
    const said = `database at ${s.sku.slice(0, 7)} (add sku), whose file ${skuFile} was deleted from this checkout (HEAD has it)`;
    assert.ok(text.includes(said), text);
    assert.ok(!/from branch|not in this checkout/.test(text), text);

    const origin = await originOfUnknownRevision(loadProject(path.join(s.dir, 'alembic.ini')), [s.sku]);
    assert.strictEqual(origin?.deletedHere?.path, `alembic/versions/${skuFile}`);
    await restoreFromCommit(
      await GitRepository.open(s.dir),
      'HEAD',
      origin!.deletedHere!.path,
      path.join(versions, skuFile),
    );
    assert.strictEqual(git(s.dir, 'status', '--porcelain'), '', 'the file is back as committed');
    assert.strictEqual(JSON.parse(lens(s.dir, 'status', '--json').stdout).state, 'up-to-date');
  });

  it('no git repository: status still reports the unknown revision, with foundIn empty', () => {
    const s = switchedAway();
    fs.rmSync(path.join(s.dir, '.git'), { recursive: true });
    const json = JSON.parse(lens(s.dir, 'status', '--json').stdout);
    assert.deepStrictEqual([json.state, json.foundIn], ['unknown-revision', []]);
  });

  describe('PostgreSQL', () => {
    let pg: PostgresCluster | undefined;
    before(async () => {
      pg = await startPostgres({ password: 'sw%tch pw' });
      pg.sql('CREATE DATABASE app');
    });
    after(() => pg?.stop());

    it('the same downgrade on PostgreSQL, with `%(here)s` in script_location and a % in the password', async () => {
      const s = switchedAway(pg!.url('app', { driver: 'psycopg2' }), true);
      assert.strictEqual(
        pg!.sql('SELECT version_num FROM alembic_version', 'app').trim().split('\n').includes(s.sku),
        true,
      );
      await downgradeWithOrigin(s);
      assert.doesNotMatch(pg!.sql("SELECT to_regclass('public.sku')", 'app'), /sku/);
      mustAlembic(s.dir, 'upgrade', 'head');
      assert.match(mustAlembic(s.dir, 'current'), new RegExp(`^${s.users} \\(head\\)`, 'm'));
    });
  });
});
