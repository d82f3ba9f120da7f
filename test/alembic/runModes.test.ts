// alembic.command against the real thing: the argv alembicArgv builds for a wrapper is run by a real
// wrapper executable (a shell script that logs its argv, then runs the Debian Alembic, as `uv run` would),
// and by real Poetry (`poetry run alembic`, Debian's python3-poetry) in a project whose .venv sees the
// Debian Alembic. The drift helper runs through the same wrappers (`<wrapper> python <script>`), and piped
// on stdin (`python -`), as it is in a container. Docker itself cannot run here (no engine).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alembicArgv } from '../../src/core/alembicCommand';
import { parseDriftOutput } from '../../src/core/drift';
import { type PythonLaunch, pythonScriptLaunch } from '../../src/core/runMode';
import { readDatabaseRevisions } from '../../src/core/versionTable';
import { writeArgvWrapper } from '../support/argvWrapper';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
const SAMPLE = path.join(ROOT, 'migrations-sample');
const HELPER = path.join(ROOT, 'media', 'python', 'alembic_lens_drift.py');
const HEAD = '92404fb3f98d';

let tmp: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(DATABASE_URL|PG|POETRY_)/i.test(k)) out[k] = v;
  }
  return { ...out, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

function sampleCopy(name: string): { dir: string; url: string } {
  const dir = path.join(tmp, name);
  const copied = (src: string): boolean => !/(^|[\\/])(app\.db|__pycache__|\.venv|\.env)$/.test(src);
  fs.cpSync(SAMPLE, dir, { recursive: true, filter: copied });
  return { dir, url: `sqlite:///${path.join(dir, 'wrapped.db')}` };
}

/** Runs a launch (argv, and a script on stdin when it says so) in `cwd`; fails with its output. */
function run(launch: PythonLaunch, cwd: string, extraEnv: Record<string, string>): string {
  const [program, ...args] = launch.argv;
  const input = launch.stdinFile ? fs.readFileSync(launch.stdinFile, 'utf8') : '';
  const r = spawnSync(program, args, { cwd, env: env(extraEnv), input, encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0)
    throw new Error(`${launch.argv.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

function writeWrapper(dir: string, log: string): string {
  return writeArgvWrapper(dir, log, PYTHON);
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-runmodes-'));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('alembic.command: a real wrapper executable', () => {
  it('runs `upgrade head` through the wrapper with the argv alembicArgv built, and the database moves', async () => {
    const { dir, url } = sampleCopy('wrapper');
    const log = path.join(tmp, 'wrapper.log');
    const wrapper = writeWrapper(tmp, log);
    const argv = alembicArgv(
      { python: '', command: [wrapper, 'alembic'], configFile: 'alembic.ini', section: 'alembic' },
      { command: 'upgrade', revision: 'head' },
    );
    assert.deepStrictEqual(argv, [wrapper, 'alembic', '-c', 'alembic.ini', 'upgrade', 'head']);
    run({ argv }, dir, { DATABASE_URL: url });
    assert.deepStrictEqual(fs.readFileSync(log, 'utf8').split('\n'), [
      'alembic',
      '-c',
      'alembic.ini',
      'upgrade',
      'head',
      '--',
      '',
    ]);
    const read = await readDatabaseRevisions(url, { cwd: dir });
    assert.deepStrictEqual(read, { status: 'ok', revisions: [HEAD] });
  });

  it('runs the drift helper as `<wrapper> python <script>` in the same environment', () => {
    const { dir, url } = sampleCopy('wrapper-drift');
    const log = path.join(tmp, 'wrapper-drift.log');
    const wrapper = writeWrapper(tmp, log);
    run(
      {
        argv: alembicArgv(
          { python: '', command: [wrapper, 'alembic'], configFile: 'alembic.ini' },
          { command: 'upgrade', revision: 'head' },
        ),
      },
      dir,
      { DATABASE_URL: url },
    );
    const launch = pythonScriptLaunch([wrapper, 'alembic'], HELPER, ['-c', 'alembic.ini']);
    assert.deepStrictEqual(launch, { argv: [wrapper, 'python', HELPER, '-c', 'alembic.ini'] });
    const result = parseDriftOutput(run(launch!, dir, { DATABASE_URL: url }));
    assert.deepStrictEqual(result, { ok: true, diffs: [] });
    assert.ok(fs.readFileSync(log, 'utf8').includes(`python\n${HELPER}\n-c\nalembic.ini\n--\n`));
  });

  it('runs the drift helper piped on stdin, as in a container, and still sees the models', () => {
    const { dir, url } = sampleCopy('stdin-drift');
    run({ argv: [PYTHON, '-m', 'alembic', 'upgrade', 'head'] }, dir, { DATABASE_URL: url });
    fs.appendFileSync(
      path.join(dir, 'app', 'models.py'),
      '\n\nclass Extra(Base):\n    __tablename__ = "extra"\n    id = Column(Integer, primary_key=True)\n',
    );
    const container = pythonScriptLaunch(['docker', 'compose', 'exec', '-T', 'backend', 'alembic'], HELPER, [
      '-c',
      'alembic.ini',
    ]);
    assert.deepStrictEqual(container?.argv.slice(-4), ['python', '-', '-c', 'alembic.ini']);
    // What the container's python receives: the same argv after the service, the script on stdin.
    const inContainer = { argv: [PYTHON, ...container!.argv.slice(-3)], stdinFile: container!.stdinFile };
    const result = parseDriftOutput(run(inContainer, dir, { DATABASE_URL: url }));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepStrictEqual(result.ok && result.diffs.map((d) => [d.kind, d.table]), [['add_table', 'extra']]);
  });
});

describe('alembic.command: real Poetry', () => {
  function poetryProject(name: string): { dir: string; url: string; poetryEnv: Record<string, string> } {
    const { dir, url } = sampleCopy(name);
    fs.writeFileSync(
      path.join(dir, 'pyproject.toml'),
      [
        '[tool.poetry]',
        'name = "sample"',
        'version = "0.1.0"',
        'description = ""',
        'authors = []',
        '',
        '[tool.poetry.dependencies]',
        'python = "^3.9"',
        '',
      ].join('\n'),
    );
    // The project's environment: a .venv that sees the Debian Alembic (no PyPI here), with the
    // `alembic` script pip would have installed into it.
    const made = spawnSync(PYTHON, ['-m', 'venv', '--system-site-packages', path.join(dir, '.venv')], {
      encoding: 'utf8',
    });
    assert.strictEqual(made.status, 0, made.stderr);
    const script = path.join(dir, '.venv', 'bin', 'alembic');
    fs.writeFileSync(
      script,
      `#!${path.join(dir, '.venv', 'bin', 'python')}\nimport sys\nfrom alembic.config import main\nsys.exit(main())\n`,
    );
    fs.chmodSync(script, 0o755);
    const poetryEnv = {
      POETRY_VIRTUALENVS_IN_PROJECT: 'true',
      POETRY_CACHE_DIR: path.join(tmp, 'poetry-cache'),
      POETRY_CONFIG_DIR: path.join(tmp, 'poetry-config'),
    };
    return { dir, url, poetryEnv };
  }

  it('has Poetry installed (scripts/ensure-system.sh alembic installs python3-poetry)', () => {
    const version = spawnSync('poetry', ['--version'], { encoding: 'utf8' });
    assert.strictEqual(version.status, 0, `poetry is not runnable: ${version.error ?? version.stderr}`);
  });

  it('runs `poetry run alembic upgrade head` and the database moves', async () => {
    const { dir, url, poetryEnv } = poetryProject('poetry');
    const argv = alembicArgv(
      { python: '', command: ['poetry', 'run', 'alembic'], configFile: 'alembic.ini' },
      { command: 'upgrade', revision: 'head' },
    );
    const out = run({ argv }, dir, { ...poetryEnv, DATABASE_URL: url });
    assert.deepStrictEqual(await readDatabaseRevisions(url, { cwd: dir }), { status: 'ok', revisions: [HEAD] }, out);
    const current = run(
      {
        argv: alembicArgv(
          { python: '', command: ['poetry', 'run', 'alembic'], configFile: 'alembic.ini' },
          { command: 'current' },
        ),
      },
      dir,
      { ...poetryEnv, DATABASE_URL: url },
    );
    assert.match(current, new RegExp(`^${HEAD} \\(head\\)`, 'm'));
  });

  it('runs the drift helper as `poetry run python <script>`', () => {
    const { dir, url, poetryEnv } = poetryProject('poetry-drift');
    run({ argv: ['poetry', 'run', 'alembic', 'upgrade', 'head'] }, dir, { ...poetryEnv, DATABASE_URL: url });
    const launch = pythonScriptLaunch(['poetry', 'run', 'alembic'], HELPER, ['-c', 'alembic.ini']);
    assert.deepStrictEqual(launch?.argv.slice(0, 3), ['poetry', 'run', 'python']);
    const answer = run(launch!, dir, { ...poetryEnv, DATABASE_URL: url });
    assert.deepStrictEqual(parseDriftOutput(answer), { ok: true, diffs: [] });
  });
});
