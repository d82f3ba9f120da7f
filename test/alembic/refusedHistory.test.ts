// Differential: histories Alembic refuses to load (it raises while building the revision map). Every
// read-only command of alembic-lens must fail too, with Alembic's message on a `FAILED:` line, rather
// than print a graph Alembic never builds or an unrelated error.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPythonAndCli, describeRun, makeTempDir, removeTempDir, runCli, runPython } from './harness';

const INI = '[alembic]\nscript_location = migrations\n';
const revisionFile = (revision: string, down: string | null, labels: string[] = []): string =>
  [
    `revision = ${JSON.stringify(revision)}`,
    `down_revision = ${down === null ? 'None' : JSON.stringify(down)}`,
    `branch_labels = ${labels.length ? `(${labels.map((l) => JSON.stringify(l)).join(', ')},)` : 'None'}`,
    'depends_on = None',
    'def upgrade(): pass',
    'def downgrade(): pass',
    '',
  ].join('\n');

/** A project in a new temporary folder: the ini, the scripts folder, and `files` in its versions/. */
function writeProject(prefix: string, files: Record<string, string>): string {
  const dir = makeTempDir(prefix);
  fs.writeFileSync(path.join(dir, 'alembic.ini'), INI);
  fs.mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'migrations', 'script.py.mako'), '');
  for (const [file, text] of Object.entries(files))
    fs.writeFileSync(path.join(dir, 'migrations', 'versions', file), text);
  return dir;
}

const CASES: Array<{ name: string; files: Record<string, string> }> = [
  {
    name: "an '@' in a revision id",
    files: { 'a.py': revisionFile('a1a1', null), 'b.py': revisionFile('x@b2b2', 'a1a1') },
  },
  {
    name: 'one branch label on two revisions',
    files: { 'a.py': revisionFile('a1a1', null, ['lab']), 'b.py': revisionFile('c3c3', 'a1a1', ['lab']) },
  },
];

describe('differential: histories Alembic refuses to load', function () {
  const dirs: string[] = [];

  before(async function () {
    this.timeout(60000);
    await checkPythonAndCli();
  });

  after(() => {
    for (const dir of dirs) removeTempDir(dir);
  });

  for (const { name, files } of CASES) {
    it(`${name}: heads, history, branches and show fail as Alembic's history does`, async function () {
      this.timeout(60000);
      const dir = writeProject('alembic-lens-refused-', files);
      dirs.push(dir);
      const alembic = await runPython(['-m', 'alembic', 'history'], dir);
      const failed = `${alembic.stdout}${alembic.stderr}`.split('\n').find((line) => line.startsWith('FAILED: '));
      assert.ok(
        alembic.code !== 0 && failed,
        `Alembic refuses this history: ${describeRun(alembic)}\n${alembic.stderr}`,
      );
      for (const argv of [['heads'], ['history'], ['branches'], ['show', 'a1a1']]) {
        const lens = await runCli(argv, dir);
        const context = `alembic-lens ${argv.join(' ')}: ${describeRun(lens)}\n${lens.stdout}${lens.stderr}`;
        assert.strictEqual(lens.code, 1, context);
        assert.strictEqual(lens.stdout, '', context);
        const lensFailed = lens.stderr.split('\n').find((line) => line.startsWith('FAILED: '));
        // The message names the same revisions; which of the two comes first depends on the load
        // order (Alembic 1.8 lists files unsorted, current Alembic sorts them).
        assert.ok(lensFailed, context);
        const words = (line: string) => new Set(line.match(/'[^']*'|\b[0-9a-z@]+\b/g));
        assert.deepStrictEqual(words(lensFailed), words(failed.replace(' already used', ' is already used')), context);
      }
    });
  }
});

describe('differential: a script_location folder that does not exist', function () {
  let dir: string;

  before(async function () {
    this.timeout(60000);
    await checkPythonAndCli();
    dir = makeTempDir('alembic-lens-no-script-dir-');
    // jupyterhub's alembic.ini is a template: its script_location is a placeholder its code fills in.
    fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = {alembic_dir}\n');
  });

  after(() => removeTempDir(dir));

  it("heads, history and branches fail with Alembic's message", async function () {
    this.timeout(60000);
    const alembic = await runPython(['-m', 'alembic', 'heads'], dir);
    const failed = `${alembic.stdout}${alembic.stderr}`.split('\n').find((line) => line.startsWith('FAILED: '));
    assert.ok(alembic.code !== 0 && failed, `Alembic fails here: ${describeRun(alembic)}\n${alembic.stderr}`);
    // Alembic 1.8 names the folder by its absolute path, quoted; current Alembic as written.
    const words = (line: string) => line.replace(`'${path.join(dir, '{alembic_dir}')}'`, '{alembic_dir}');
    for (const argv of [['heads'], ['history'], ['branches']]) {
      const lens = await runCli(argv, dir);
      const context = `alembic-lens ${argv.join(' ')}: ${describeRun(lens)}\n${lens.stdout}${lens.stderr}`;
      assert.strictEqual(lens.code, 1, context);
      assert.strictEqual(lens.stdout, '', context);
      assert.strictEqual(lens.stderr.split('\n')[0], words(failed), context);
    }
  });
});

describe('differential: a history range Alembic cannot put in order', function () {
  let dir: string;

  before(async function () {
    this.timeout(60000);
    await checkPythonAndCli();
    // The shape of invenio's packages: a base of its own (acc) that depends on another base (default).
    dir = writeProject('alembic-lens-unordered-', {
      'a1a1.py': revisionFile('a1a1', null, ['default']),
      'b1b1.py': revisionFile('b1b1', null, ['acc']).replace('depends_on = None', "depends_on = 'a1a1'"),
      'b2b2.py': revisionFile('b2b2', 'b1b1'),
    });
  });

  after(() => removeTempDir(dir));

  it('history -r a1a1:heads fails as Alembic does (its assertion), instead of printing nothing', async function () {
    this.timeout(60000);
    const alembic = await runPython(['-m', 'alembic', 'history', '-r', 'a1a1:heads'], dir);
    assert.ok(alembic.code !== 0 && /AssertionError/.test(alembic.stderr), describeRun(alembic));
    const lens = await runCli(['history', '-r', 'a1a1:heads'], dir);
    const context = `${describeRun(lens)}\n${lens.stdout}${lens.stderr}`;
    assert.strictEqual(lens.code, 1, context);
    assert.strictEqual(lens.stdout, '', context);
    assert.match(lens.stderr, /^FAILED: Alembic cannot put this range in order: 1 of its revisions/m, context);
    // The whole history is in order, as Alembic prints it.
    const whole = await runCli(['history'], dir);
    assert.strictEqual(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /b1b1 -> b2b2 \(acc\) \(head\)/);
  });
});
