// `npm run bench:migrations`: the stairway over a generated history of N revisions (default 100),
// on SQLite and on a throwaway PostgreSQL server, timed end to end (scratch database made and dropped,
// one Python process, env.py run three times per revision). Each revision creates a table or adds a
// column and its downgrade undoes it, so every stairway passes. Prints the figures, writes
// test-output/bench-migrations.json. Not a test: nothing here fails on time.
//
// Options: --revisions 100   --no-postgres
// Environment: ALEMBIC_PYTHON, the Python with Alembic installed (default /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseDatabaseUrl } from '../../src/core/databaseUrl';
import { countResults, runMigrationTests } from '../../src/core/migrationTests';
import { loadProject } from '../../src/core/project';
import { interpreterCommand } from '../../src/core/runMode';
import { startPostgres } from '../support/postgres';
import { type RevisionSpec, revisionText } from '../support/tempProject';

const root = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const python = process.env.ALEMBIC_PYTHON ?? '/usr/bin/python3';
const helperScript = path.join(root, 'media', 'python', 'alembic_lens_migtest.py');

/** Revision i: every tenth creates a table, the others add a column to the last table made. */
function revisions(count: number): RevisionSpec[] {
  const specs: RevisionSpec[] = [];
  let table = '';
  for (let i = 0; i < count; i++) {
    const id = `r${String(i).padStart(4, '0')}`;
    const down = i ? specs[i - 1].id : null;
    if (i % 10 === 0) {
      table = `t${i}`;
      specs.push({
        id,
        down,
        upgrade: [`op.create_table('${table}', sa.Column('id', sa.Integer(), primary_key=True))`],
        downgrade: [`op.drop_table('${table}')`],
      });
    } else {
      specs.push({
        id,
        down,
        upgrade: [`op.add_column('${table}', sa.Column('c${i}', sa.String(20), nullable=True))`],
        downgrade: [`with op.batch_alter_table('${table}') as batch:`, `    batch.drop_column('c${i}')`],
      });
    }
  }
  return specs;
}

function makeProject(dir: string, count: number, iniUrl: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const init = spawnSync(python, ['-m', 'alembic', 'init', 'alembic'], { cwd: dir, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`alembic init failed: ${init.stderr}`);
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(ini, fs.readFileSync(ini, 'utf8').replace(/^sqlalchemy\.url = .*$/m, `sqlalchemy.url = ${iniUrl}`));
  for (const spec of revisions(count))
    fs.writeFileSync(path.join(dir, 'alembic', 'versions', `${spec.id}_rev.py`), revisionText(spec));
  return ini;
}

async function bench(label: string, ini: string, serverUrl: string, count: number): Promise<Record<string, unknown>> {
  const parsed = parseDatabaseUrl(serverUrl, path.dirname(ini));
  if (!parsed.ok) throw new Error(parsed.error);
  const started = performance.now();
  const run = await runMigrationTests({
    project: loadProject(ini),
    alembicCommand: interpreterCommand(python),
    helperScript,
    server: parsed.url,
    checks: ['stairway'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const seconds = (performance.now() - started) / 1000;
  const counts = countResults(run.results);
  if (run.fatal || counts.passed !== count) throw new Error(`${label}: ${JSON.stringify(run.fatal ?? counts)}`);
  const helperSeconds = run.results.reduce((sum, r) => sum + (r.seconds ?? 0), 0);
  const row = {
    database: label,
    revisions: count,
    totalSeconds: round(seconds),
    perRevisionMs: round((seconds * 1000) / count),
    stairwayStepMs: round((helperSeconds * 1000) / count),
  };
  console.log(
    `${label.padEnd(12)} ${count} revisions: ${row.totalSeconds} s in all, ${row.perRevisionMs} ms per revision (${row.stairwayStepMs} ms in its up/down/up steps)`,
  );
  return row;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const countIndex = args.indexOf('--revisions');
  const count = countIndex >= 0 ? Number(args[countIndex + 1]) : 100;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-bench-migrations-'));
  const rows: Array<Record<string, unknown>> = [];
  try {
    const sqliteIni = makeProject(path.join(dir, 'sqlite'), count, 'sqlite:///%(here)s/app.db');
    rows.push(await bench('SQLite', sqliteIni, `sqlite:///${path.join(dir, 'sqlite', 'app.db')}`, count));
    if (!args.includes('--no-postgres')) {
      const pg = await startPostgres();
      try {
        const url = pg.url('postgres');
        const pgIni = makeProject(path.join(dir, 'postgresql'), count, url.replace(/%/g, '%%'));
        rows.push(await bench('PostgreSQL', pgIni, url, count));
      } finally {
        pg.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out = path.join(root, 'test-output', 'bench-migrations.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ python, rows }, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
