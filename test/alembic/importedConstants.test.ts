// Revision variables written from the project's own constants, as OpenStack's neutron and glance do
// (`branch_labels = (cli.CONTRACT_BRANCH,)`, `from glance.db.migration import EXPAND_BRANCH`): Alembic
// runs the file and sees the labels; alembic-lens resolves the names statically, through the imports and
// the project's sys.path (prepend_sys_path), and must print what Alembic prints.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constantsRevision, writeExpandContractProject, writeNeutronLayout } from '../support/constantsProject';
import {
  canonical,
  checkPythonAndCli,
  describeRun,
  lineDiff,
  makeTempDir,
  parseCheck,
  removeTempDir,
  runCli,
  runPython,
} from './harness';

/** a1 <- e1 (expand) <- e2, a1 <- c1 (contract) <- c2, every label and some parents from app.migration. */
function project(): string {
  const dir = makeTempDir('alembic-lens-constants-');
  writeExpandContractProject(dir);
  return dir;
}

describe('differential: revision variables from imported constants', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  before(checkPythonAndCli);
  after(() => dirs.forEach(removeTempDir));

  for (const command of [['heads'], ['branches'], ['history']]) {
    it(`\`${command.join(' ')}\` prints the labels Alembic reads from the constants`, async () => {
      const dir = project();
      dirs.push(dir);
      const ini = path.join(dir, 'alembic.ini');
      const [truth, lens] = await Promise.all([
        runPython(['-m', 'alembic', '-c', ini, ...command], dir),
        runCli(['-c', ini, ...command], dir),
      ]);
      assert.strictEqual(truth.code, 0, `${describeRun(truth)}\n${truth.stderr}`);
      assert.strictEqual(lens.code, 0, `${describeRun(lens)}\n${lens.stdout}${lens.stderr}`);
      if (command[0] === 'heads') assert.match(truth.stdout, /\(contract\)/);
      const labels = new Set(['expand', 'contract']);
      const expected = canonical(truth.stdout.trimEnd(), labels, command[0]);
      const actual = canonical(lens.stdout.trimEnd(), labels, command[0]);
      assert.strictEqual(actual, expected, lineDiff(expected, actual));
    });
  }

  it("neutron's layout: the ini inside the package, Alembic run from the checkout's root", async () => {
    const dir = makeTempDir('alembic-lens-neutron-');
    dirs.push(dir);
    const ini = writeNeutronLayout(dir, "CONTRACT_BRANCH = 'contract'\nEXPAND_BRANCH = 'expand'\n");
    // `python -m alembic` puts the current folder (the checkout) on sys.path, as an editable install does.
    const [truth, lens] = await Promise.all([
      runPython(['-m', 'alembic', '-c', ini, 'heads'], dir),
      runCli(['-c', ini, 'heads'], dir),
    ]);
    assert.strictEqual(truth.code, 0, `${describeRun(truth)}\n${truth.stderr}`);
    assert.strictEqual(lens.code, 0, `${describeRun(lens)}\n${lens.stdout}${lens.stderr}`);
    assert.match(truth.stdout, /\(expand\)/);
    // Alembic 1.8 lists the heads in directory order, alembic-lens in sorted file order: compared as sets.
    const sorted = (text: string): string => text.trimEnd().split('\n').sort().join('\n');
    assert.strictEqual(sorted(lens.stdout), sorted(truth.stdout));
  });

  it('`check` reports no computed value and no accidental fork', async () => {
    const dir = project();
    dirs.push(dir);
    const check = await runCli(['-c', path.join(dir, 'alembic.ini'), 'check'], dir);
    const problems = parseCheck(check.stdout, dir).filter((p) => p.severity !== 'info');
    assert.deepStrictEqual(
      problems.map((p) => `${p.code} ${path.basename(p.path)}`),
      [],
      check.stdout,
    );
  });

  it('a relative import in a revision file: Alembic cannot load it, and alembic-lens does not read it', async () => {
    const dir = project();
    dirs.push(dir);
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(path.join(versions, '__init__.py'), "EXPAND_BRANCH = 'expand'\n");
    fs.writeFileSync(
      path.join(versions, 'e1_expand.py'),
      constantsRevision('e1', "'a1'", ['from . import EXPAND_BRANCH'], '(EXPAND_BRANCH,)'),
    );
    const ini = path.join(dir, 'alembic.ini');
    const truth = await runPython(['-m', 'alembic', '-c', ini, 'heads'], dir);
    assert.notStrictEqual(truth.code, 0, truth.stdout);
    assert.match(truth.stderr, /ImportError|KeyError/);
    const check = await runCli(['-c', ini, 'check'], dir);
    const computed = parseCheck(check.stdout, dir).filter((p) => p.code === 'computed-value');
    assert.deepStrictEqual(
      computed.map((p) => path.basename(p.path)),
      ['e1_expand.py'],
      check.stdout,
    );
  });
});
