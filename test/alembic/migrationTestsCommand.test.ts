// Migration tests run where the project's Alembic lives (alembic.command, `alembic-lens test --command`):
// the helper runs through a real wrapper executable that logs its argv and is the only place the
// project's models can be imported from (its own PYTHONPATH, as a uv or Poetry environment would be).
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeArgvWrapper } from '../support/argvWrapper';
import { type CliRun, runLensCli } from '../support/lensCli';
import { FIXTURE_PYTHON, FIXTURES, makeFixture } from '../support/migrationFixtures';
import { tempDir } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const HELPER = path.join(ROOT, 'media', 'python', 'alembic_lens_migtest.py');
const cli = (cwd: string, args: string[]): Promise<CliRun> => runLensCli(cwd, args);

describe('migration tests through alembic.command (a real wrapper)', function () {
  this.timeout(120000);
  let dir: string;
  let log: string;
  let wrapper: string;

  before(() => {
    const base = tempDir('alembic-lens-migtest-cmd-');
    dir = path.join(base, 'project');
    makeFixture(FIXTURES.clean, dir, 'sqlite:///%(here)s/app.db');
    // The models live in the wrapper's environment only: a run that bypasses it cannot import them.
    const site = path.join(base, 'site');
    fs.mkdirSync(site);
    fs.renameSync(path.join(dir, 'models.py'), path.join(site, 'models.py'));
    log = path.join(base, 'argv.log');
    wrapper = writeArgvWrapper(base, log, FIXTURE_PYTHON, { PYTHONPATH: site });
  });

  beforeEach(() => fs.rmSync(log, { force: true }));

  it('runs the helper as `<wrapper> python <helper>`, in the environment the wrapper makes', async () => {
    const run = await cli(dir, ['test', '--command', `${wrapper} alembic`]);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /alembic-lens test: 5 passed, 0 failed$/m);
    const argv = fs.readFileSync(log, 'utf8').split('\n');
    assert.deepStrictEqual(argv.slice(0, 6), ['python', HELPER, '-c', 'alembic.ini', '-n', 'alembic'], argv.join(' '));
    assert.strictEqual(argv.filter((a) => a === '--').length, 1, 'one Python process for the whole run');
  });

  it('takes the command as a JSON array too (a path with a space)', async () => {
    const spaced = path.join(path.dirname(wrapper), 'run in env');
    fs.copyFileSync(wrapper, spaced);
    fs.chmodSync(spaced, 0o755);
    const run = await cli(dir, ['test', '--check', 'single-head', '--command', JSON.stringify([spaced, 'alembic'])]);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    assert.strictEqual(fs.readFileSync(log, 'utf8').split('\n')[0], 'python');
  });

  it('without the wrapper the models are not found: the environment is the wrapper’s', async () => {
    const run = await cli(dir, ['test', '--check', 'models-match', '--python', FIXTURE_PYTHON]);
    assert.strictEqual(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /No module named 'models'/);
    assert.ok(!fs.existsSync(log), 'the wrapper did not run');
  });

  it('says why a command that does not end in alembic, or a container without a Compose file, cannot run the tests', async () => {
    const custom = await cli(dir, ['test', '--command', 'make migrate']);
    assert.strictEqual(custom.code, 2, custom.stdout + custom.stderr);
    assert.match(custom.stderr, /cannot run: alembic\.command \(\["make","migrate"\]\) does not end in "alembic"/);
    const container = await cli(dir, ['test', '--command', 'docker compose exec -T backend alembic']);
    assert.strictEqual(container.code, 2, container.stdout + container.stderr);
    assert.match(
      container.stderr,
      /cannot run: The migration tests run in the Compose service "backend" .* only when a Compose file declares that service with a volume that mounts .*: no Compose file was found\./,
    );
  });
});
