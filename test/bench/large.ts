// The bench's large cases (`npm run bench -- --large`): a 100,000-revision history (cached CLI
// `heads`, CLI `check`) and a project with one 50 MB revision file (CLI `check`, uncached, with its
// peak memory), and two hostile shapes for information (one upgrade() of 40,000 operations, a merge of
// 100,000 parents). Each runs the built CLI with a cache folder of its own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateHistory } from './history';
import { peakMemoryMB, type Stats, stats, timeProcess, waitPastRacyWindow } from './measure';

export interface LargeResult {
  revisions: number;
  generateMs: number;
  cachedHeadsMs?: Stats;
  checkMs?: Stats;
  checkPeakMB?: number;
  hugeFileMB: number;
  hugeCheckMs?: Stats;
  hugeCheckPeakMB?: number;
  /** Hostile shapes (info, each linear now): one upgrade() of OPERATIONS operations, a merge of PARENTS parents. */
  manyOperationsCheckMs?: Stats;
  manyParentsHeadsMs?: Stats;
  warnings: string[];
}

/** The hostile shapes' sizes: a lint that compared each operation with every other took minutes on these. */
export const OPERATIONS = 40_000;
export const PARENTS = 100_000;

/** `runs` timed runs after one untimed (warming) run; undefined and a warning if one fails. */
function timed(
  label: string,
  cli: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  runs: number,
  warnings: string[],
): Stats | undefined {
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = timeProcess(process.execPath, [cli, ...args], cwd, env);
    // `check` exits 1 when it finds errors; only a crash (or a usage error) is a failure here.
    if (r.error || r.status === null || r.status > 1) {
      warnings.push(
        `${label} failed (${r.error?.message ?? `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`})`,
      );
      return undefined;
    }
    if (i > 0) samples.push(r.ms);
  }
  return stats(samples);
}

/** A revision whose upgrade() inserts rows, one op.execute per row, to `megabytes` of text. */
function hugeRevision(id: string, down: string, megabytes: number): string {
  const lines = [
    `"""load reference data\n\nRevision ID: ${id}\nRevises: ${down}\nCreate Date: 2024-01-01 00:00:00.000000\n\n"""`,
    'from alembic import op',
    '',
    '',
    `revision = '${id}'`,
    `down_revision = '${down}'`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade() -> None:',
  ];
  let size = lines.join('\n').length;
  for (let row = 0; size < megabytes * 1024 * 1024; row++) {
    const line = `    op.execute("INSERT INTO reference_data (id, code, label) VALUES (${row}, 'code-${row}', 'a label for row ${row} of the reference table')")`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('', '', 'def downgrade() -> None:', "    op.execute('DELETE FROM reference_data')", '');
  return lines.join('\n');
}

/** A data migration's upgrade(): OPERATIONS operations of the kinds the lint compares with each other. */
function manyOperations(down: string): string {
  const kinds = [
    (i: number) => `op.add_column('t', sa.Column('c${i}', sa.String(), nullable=False))`,
    (i: number) => `op.alter_column('t', 'c${i}', nullable=False)`,
    (i: number) => `op.drop_column('t', 'd${i}')`,
    (i: number) => `op.execute("UPDATE t SET c${i} = 1 WHERE c${i} IS NULL")`,
    (i: number) => `op.create_foreign_key('fk${i}', 't', 'u', ['c${i}'], ['id'])`,
  ];
  const body = Array.from({ length: OPERATIONS }, (_, i) => `    ${kinds[i % kinds.length](i)}`).join('\n');
  const header = `revision = 'eeeeeeeeeeee'\ndown_revision = '${down}'\nbranch_labels = None\ndepends_on = None\n`;
  return `from alembic import op\nimport sqlalchemy as sa\n\n${header}\n\ndef upgrade():\n${body}\n\n\ndef downgrade():\n    pass\n`;
}

/** The time of a command that exits 1 on what it finds (errors of a hostile file), after one warming run. */
function timedAnyExit(cli: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, runs: number): Stats {
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = timeProcess(process.execPath, [cli, ...args], cwd, env);
    if (i > 0) samples.push(r.ms);
  }
  return stats(samples);
}

export function benchLarge(
  cli: string,
  seed: number,
  megabytes: number,
  revisions: number,
  keep: boolean,
): LargeResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-bench-large-'));
  const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') };
  const warnings: string[] = [];
  try {
    const started = Date.now();
    const history = generateHistory(path.join(dir, 'history'), revisions, seed);
    const result: LargeResult = { revisions, generateMs: Date.now() - started, hugeFileMB: megabytes, warnings };
    const huge = path.join(dir, 'huge');
    const small = generateHistory(huge, 20, seed);
    fs.writeFileSync(
      path.join(small.versionsDir, 'ffffffffffff_load_reference_data.py'),
      hugeRevision('ffffffffffff', small.heads[0], megabytes),
    );
    waitPastRacyWindow();

    const config = ['-c', history.configPath];
    result.cachedHeadsMs = timed('CLI heads (100,000, cached)', cli, [...config, 'heads'], dir, env, 3, warnings);
    result.checkMs = timed('CLI check (100,000)', cli, [...config, 'check'], dir, env, 2, warnings);
    result.checkPeakMB = peakMemoryMB(process.execPath, [cli, ...config, 'check'], dir, env);

    // Run from the project's folder, as a user does: from `dir`, prepend_sys_path's `.` would make the model
    // scan read the unrelated 100,000-revision history beside it (about 0.7 s that is not the file's).
    const hugeArgs = ['-c', small.configPath, 'check', '--no-cache'];
    result.hugeCheckMs = timed(`CLI check (${megabytes} MB file)`, cli, hugeArgs, huge, env, 2, warnings);
    result.hugeCheckPeakMB = peakMemoryMB(process.execPath, [cli, ...hugeArgs], huge, env);

    const hostile = generateHistory(path.join(dir, 'hostile'), 2, seed);
    fs.writeFileSync(path.join(hostile.versionsDir, 'eeeeeeeeeeee_data.py'), manyOperations(hostile.heads[0]));
    const parents = Array.from({ length: PARENTS }, (_, i) => `'r${i}'`).join(', ');
    fs.writeFileSync(
      path.join(hostile.versionsDir, 'dddddddddddd_merge.py'),
      `revision = 'dddddddddddd'\ndown_revision = (${parents})\nbranch_labels = None\ndepends_on = None\n`,
    );
    waitPastRacyWindow();
    // From the project's folder too (see above).
    const hostileArgs = ['-c', hostile.configPath, '--no-cache'];
    const hostileDir = path.dirname(hostile.configPath);
    result.manyOperationsCheckMs = timedAnyExit(cli, [...hostileArgs, 'check'], hostileDir, env, 2);
    result.manyParentsHeadsMs = timedAnyExit(cli, [...hostileArgs, 'heads'], hostileDir, env, 2);
    return result;
  } finally {
    if (keep) console.log(`[bench] kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
