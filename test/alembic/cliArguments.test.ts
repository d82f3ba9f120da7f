// Differential: the CLI reads option spellings as Alembic's argparse does. For each argv, on a copy
// of the sample with a database at head, alembic-lens and the real `alembic` must both succeed with
// the same output, or both refuse (argparse's usage error is exit 2 for both).
import * as assert from 'node:assert';
import { copySample } from '../support/sampleCopy';
import { checkCliBuilt, checkPython, describeRun, makeTempDir, removeTempDir, runCli, runPython } from './harness';

const ARGVS: string[][] = [
  ['history', '-r', 'base:heads'],
  ['history', '-rbase:heads'],
  ['history', '-r=base:heads'],
  ['history', '--rev-range=base:heads'],
  ['history', '--rev', 'base:heads'],
  ['history', '--re=base:heads'],
  ['history', '-r', '-1:'],
  ['history', '-r=-1:'],
  ['history', '-r-1:'],
  ['history', '--rev-range', '-1:'],
  ['history', '-r'],
  ['history', '--rev-range'],
  ['heads', '--nope'],
  ['heads', '-v'],
  ['heads', '--verb'],
  ['heads', '--res'],
  ['history', '--verbose', '-r', 'base:heads'],
  ['branches', '-v'],
  ['show', 'head', '-v'],
  ['history', '--resolve-dependencies'],
];

describe('differential: option spellings as argparse reads them', function () {
  let dir = '';
  let setupError: string | null = null;

  before(async function () {
    this.timeout(120000);
    setupError = checkCliBuilt();
    if (setupError) return;
    try {
      await checkPython();
    } catch (e) {
      setupError = (e as Error).message;
      return;
    }
    dir = copySample(makeTempDir('alembic-lens-argv-'));
    const upgrade = await runPython(['-m', 'alembic', 'upgrade', 'head'], dir);
    if (upgrade.code !== 0) setupError = `alembic upgrade head: ${describeRun(upgrade)}\n${upgrade.stderr}`;
  });

  after(() => {
    if (dir) removeTempDir(dir);
  });

  for (const argv of ARGVS) {
    it(argv.join(' '), async function () {
      this.timeout(60000);
      if (setupError) assert.fail(setupError);
      const [alembic, lens] = await Promise.all([runPython(['-m', 'alembic', ...argv], dir), runCli(argv, dir)]);
      const context = `alembic: ${describeRun(alembic)}\n${alembic.stdout}${alembic.stderr}\nalembic-lens: ${describeRun(lens)}\n${lens.stdout}${lens.stderr}`;
      if (alembic.code === 0) {
        assert.strictEqual(lens.code, 0, context);
        assert.strictEqual(lens.stdout, alembic.stdout, context);
      } else {
        assert.notStrictEqual(lens.code, 0, context);
        if (alembic.code === 2) assert.strictEqual(lens.code, 2, `a usage error in both\n${context}`);
      }
    });
  }
});
