// The drift check against the real thing: media/python/alembic_lens_drift.py run with the Debian
// interpreter (alembic 1.8.1, which has no `alembic check`) on copies of migrations-sample upgraded to
// head. Differential: for each change of the models, the differences the helper reports must be the
// operations Alembic's own `revision --autogenerate` writes for the same models and database (read
// back with migrationOps), and an unchanged project must report none.
import * as assert from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { type DriftDiff, type DriftResult, parseDriftOutput } from '../../src/core/drift';
import { migrationOps } from '../../src/core/models/migrationOps';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { compareModelsWithRevisions, type SchemaDifference } from '../../src/core/models/modelsVsRevisions';
import { revisionSchema } from '../../src/core/models/revisionSchema';
import { loadProject } from '../../src/core/project';
import { copySample, editModels } from '../support/sampleCopy';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
const HELPER = path.join(ROOT, 'media', 'python', 'alembic_lens_drift.py');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the interpreter in `cwd` with DATABASE_URL set (and nothing else that picks a database). */
function python(args: string[], cwd: string, databaseUrl: string): Promise<Ran> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_URL|PG)/i.test(k)) env[k] = v;
  Object.assign(env, { DATABASE_URL: databaseUrl, PYTHONDONTWRITEBYTECODE: '1' });
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 90000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => err.push(Buffer.from(String(e))));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

async function mustRun(args: string[], cwd: string, databaseUrl: string): Promise<Ran> {
  const r = await python(args, cwd, databaseUrl);
  if (r.code !== 0)
    throw new Error(`${PYTHON} ${args.join(' ')} (in ${cwd}) exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r;
}

let tmp: string;

/** A copy of the sample with its own SQLite database; upgraded to head unless told not to. */
async function sampleCopy(name: string, upgrade = true): Promise<{ dir: string; url: string }> {
  const dir = path.join(tmp, name);
  copySample(dir);
  const url = `sqlite:///${path.join(dir, 'drift.db')}`;
  if (upgrade) await mustRun(['-m', 'alembic', 'upgrade', 'head'], dir, url);
  return { dir, url };
}

async function drift(dir: string, url: string): Promise<{ result: DriftResult; ran: Ran }> {
  const ran = await python([HELPER, '-c', 'alembic.ini'], dir, url);
  return { result: parseDriftOutput(ran.stdout), ran };
}

/** A drift difference as the operation autogenerate writes for it. */
function asOperation(diff: DriftDiff): string {
  const op: Record<string, string> = {
    add_table: 'create_table',
    remove_table: 'drop_table',
    add_column: 'add_column',
    remove_column: 'drop_column',
    add_index: 'create_index',
    remove_index: 'drop_index',
    add_constraint: 'create_unique_constraint',
    remove_constraint: 'drop_constraint',
    add_fk: 'create_foreign_key',
    remove_fk: 'drop_constraint',
  };
  const name = diff.kind.startsWith('modify_') ? 'alter_column' : (op[diff.kind] ?? diff.kind);
  const withColumn = name === 'add_column' || name === 'drop_column' || name === 'alter_column';
  return `${name} ${diff.table}${withColumn && diff.column ? `.${diff.column}` : ''}`;
}

const uniqueSorted = (items: string[]): string[] => [...new Set(items)].sort();

/** "Models changed since the last revision" as the extension decides it, as the operations it implies. */
function modelsChanged(dir: string): string[] {
  const iniPath = path.join(dir, 'alembic.ini');
  const discovery = findModelFiles({ config: loadConfig({ iniPath }) });
  const envText = fs.readFileSync(path.join(dir, 'alembic', 'env.py'), 'utf8');
  const revisions = revisionSchema(loadProject(iniPath));
  const { differences } = compareModelsWithRevisions({ discovery, revisions, envText });
  const op: Record<SchemaDifference['kind'], string> = {
    'table-only-in-models': 'create_table',
    'column-only-in-models': 'add_column',
    'table-only-in-revisions': 'drop_table',
    'column-only-in-revisions': 'drop_column',
    'nullable-differs': 'alter_column',
  };
  return uniqueSorted(differences.map((d) => `${op[d.kind]} ${d.table}${d.column ? `.${d.column}` : ''}`));
}

interface Scenario {
  name: string;
  edit: (text: string) => string;
  expected: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'unchanged models', edit: (t) => `${t}\n`, expected: [] },
  {
    name: 'a new nullable column',
    edit: (t) =>
      t.replace('    email = Column(', '    nickname = Column(String(50), nullable=True)\n    email = Column('),
    expected: ['add_column users.nickname'],
  },
  {
    name: 'a new model with a foreign key and an index',
    edit: (t) =>
      t.replace(
        'from sqlalchemy import Column, Integer, String',
        'from sqlalchemy import Column, ForeignKey, Integer, String',
      ) +
      '\n\nclass Order(Base):\n    __tablename__ = "orders"\n\n    id = Column(Integer, primary_key=True)\n    user_id = Column(Integer, ForeignKey("users.id"), nullable=False, index=True)\n',
    expected: ['create_index orders', 'create_table orders'],
  },
  {
    name: 'a removed column that had an index',
    edit: (t) => t.replace(/\n\s*# Added by the second revision[^\n]*\n\s*email = Column\([^\n]*\)/, ''),
    expected: ['drop_column users.email', 'drop_index users'],
  },
  {
    name: 'a column made nullable',
    edit: (t) => t.replace('name = Column(String(100), nullable=False)', 'name = Column(String(100), nullable=True)'),
    expected: ['alter_column users.name'],
  },
];

describe('drift check (alembic_lens_drift.py) against Alembic 1.8.1', function () {
  this.timeout(180000);

  before(async function () {
    const probe = await python(['-c', 'import alembic, sqlalchemy'], ROOT, 'sqlite://');
    if (probe.code !== 0)
      throw new Error(`${PYTHON} cannot import alembic (scripts/ensure-system.sh alembic):\n${probe.stderr}`);
    tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'alembic-lens-drift-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reports exactly what autogenerate writes, model change by model change (the differential)', async () => {
    const outcomes = await Promise.all(
      SCENARIOS.map(async (scenario, i) => {
        const checked = await sampleCopy(`check-${i}`);
        const generated = await sampleCopy(`autogen-${i}`);
        editModels(checked.dir, scenario.edit);
        editModels(generated.dir, scenario.edit);
        const { result, ran } = await drift(checked.dir, checked.url);
        const versions = path.join(generated.dir, 'alembic', 'versions');
        const before = new Set(fs.readdirSync(versions));
        await mustRun(['-m', 'alembic', 'revision', '--autogenerate', '-m', 'drift'], generated.dir, generated.url);
        const created = fs.readdirSync(versions).filter((f) => !before.has(f) && f.endsWith('.py'));
        assert.strictEqual(created.length, 1, `${scenario.name}: autogenerate wrote ${created.join(', ')}`);
        const ops = migrationOps(fs.readFileSync(path.join(versions, created[0]), 'utf8'));
        return {
          scenario,
          result,
          ran,
          autogenerated: uniqueSorted(
            ops.upgrade.map((o) => `${o.op} ${o.table}${o.column && /column/.test(o.op) ? `.${o.column}` : ''}`),
          ),
        };
      }),
    );
    for (const { scenario, result, ran, autogenerated } of outcomes) {
      assert.ok(result.ok, `${scenario.name}: the helper failed: ${JSON.stringify(result)}\n${ran.stderr}`);
      assert.strictEqual(
        ran.stdout.trim().split('\n').length,
        1,
        `${scenario.name}: stdout is one JSON line:\n${ran.stdout}`,
      );
      const reported = uniqueSorted(result.diffs.map(asOperation));
      assert.deepStrictEqual(autogenerated, scenario.expected, `${scenario.name}: what autogenerate wrote`);
      assert.deepStrictEqual(
        reported,
        autogenerated,
        `${scenario.name}: the helper reported ${JSON.stringify(result.diffs)}`,
      );
    }
    const added = outcomes[1].result as DriftResult & { ok: true };
    assert.deepStrictEqual(added.diffs, [
      {
        kind: 'add_column',
        table: 'users',
        column: 'nickname',
        detail: 'add column users.nickname (VARCHAR(50), nullable)',
      },
    ]);
  });

  it('"models changed" claims what autogenerate changes in tables, columns, nullability; clears once its revision exists', async () => {
    const outcomes = await Promise.all(
      SCENARIOS.map(async (scenario, i) => {
        const { dir, url } = await sampleCopy(`changed-${i}`);
        editModels(dir, scenario.edit);
        const claimed = modelsChanged(dir);
        const versions = path.join(dir, 'alembic', 'versions');
        const before = new Set(fs.readdirSync(versions));
        await mustRun(['-m', 'alembic', 'revision', '--autogenerate', '-m', 'models changed'], dir, url);
        const [created] = fs.readdirSync(versions).filter((f) => !before.has(f) && f.endsWith('.py'));
        const ops = migrationOps(fs.readFileSync(path.join(versions, created), 'utf8')).upgrade;
        const tableOps = ops
          .filter((o) => /^(create|drop)_table$|^(add|drop|alter)_column$/.test(o.op))
          .map((o) => `${o.op} ${o.table}${o.column ? `.${o.column}` : ''}`);
        return { scenario, claimed, autogenerated: uniqueSorted(tableOps), after: modelsChanged(dir) };
      }),
    );
    for (const { scenario, claimed, autogenerated, after } of outcomes) {
      assert.deepStrictEqual(claimed, autogenerated, `${scenario.name}: claimed before autogenerate`);
      assert.deepStrictEqual(after, [], `${scenario.name}: nothing claimed once autogenerate wrote its revision`);
    }
    const claimedAny = outcomes.map((o) => o.claimed.length > 0);
    assert.deepStrictEqual(claimedAny, [false, true, true, true, true], 'the scenarios changing a table are claimed');
  });

  it('compares types unless env.py turns compare_type off (1.8 autogenerate does not by default)', async () => {
    const { dir, url } = await sampleCopy('types');
    editModels(dir, (t) =>
      t.replace('name = Column(String(100), nullable=False)', 'name = Column(String(200), nullable=False)'),
    );
    const { result } = await drift(dir, url);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepStrictEqual(
      result.diffs.map((d) => [d.kind, d.column, d.database, d.models]),
      [['modify_type', 'name', 'VARCHAR(100)', 'VARCHAR(200)']],
    );
    const envPy = path.join(dir, 'alembic', 'env.py');
    fs.writeFileSync(
      envPy,
      fs
        .readFileSync(envPy, 'utf8')
        .replace(
          'target_metadata=target_metadata,\n            # SQLite',
          'target_metadata=target_metadata,\n            compare_type=False,\n            # SQLite',
        ),
    );
    const off = await drift(dir, url);
    assert.ok(off.result.ok && off.result.diffs.length === 0, JSON.stringify(off.result));
  });

  it('refuses a database that is not at head, with its own code, and writes nothing to it', async () => {
    const { dir, url } = await sampleCopy('behind', false);
    await mustRun(['-m', 'alembic', 'upgrade', '13c9c7d2277c'], dir, url);
    const { result, ran } = await drift(dir, url);
    assert.deepStrictEqual([result.ok, !result.ok && result.code], [false, 'not-up-to-date'], ran.stdout + ran.stderr);
    assert.match((result as { error: string }).error, /13c9c7d2277c/);
    const current = await mustRun(['-m', 'alembic', 'current'], dir, url);
    assert.match(current.stdout, /^13c9c7d2277c/m, 'still at the first revision');
  });

  it('never puts anything but the JSON on stdout: env.py prints, a broken model, a missing config', async () => {
    const { dir, url } = await sampleCopy('noisy');
    const envPy = path.join(dir, 'alembic', 'env.py');
    fs.writeFileSync(envPy, `print("hello from env.py")\n${fs.readFileSync(envPy, 'utf8')}`);
    const noisy = await drift(dir, url);
    assert.deepStrictEqual([noisy.result.ok, noisy.ran.stdout.trim().split('\n').length], [true, 1], noisy.ran.stdout);
    assert.match(noisy.ran.stderr, /hello from env\.py/);

    editModels(dir, (t) => t.replace('class User(Base):', 'class User(Base:'));
    const broken = await drift(dir, url);
    assert.strictEqual(broken.result.ok, false);
    assert.match((broken.result as { error: string }).error, /SyntaxError/);
    assert.strictEqual(broken.ran.stdout.trim().split('\n').length, 1, broken.ran.stdout);
    assert.doesNotMatch(broken.ran.stdout, /Traceback/);
    assert.match(broken.ran.stderr, /Traceback/, 'the traceback goes to stderr');

    const missing = await python([HELPER, '-c', 'nope.ini'], dir, url);
    assert.deepStrictEqual(parseDriftOutput(missing.stdout), {
      ok: false,
      error: `No config file 'nope.ini' found (in ${dir})`,
      code: 'error',
    });
    assert.strictEqual(missing.code, 1);
  });
});
