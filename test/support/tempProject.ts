// Writes small Alembic projects into temporary folders for tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RevisionSpec {
  id: string;
  down?: string | string[] | null;
  labels?: string | string[];
  dependsOn?: string | string[];
  message?: string;
  file?: string;
  createDate?: string;
  /** Body lines of upgrade() and downgrade(), indented by the template (default: pass). */
  upgrade?: string[];
  downgrade?: string[];
}

// Temporary projects live as long as the test process: removed when it exits. Every test file bundles
// its own copy of this module: one list and one exit handler for all of them.
const CREATED = Symbol.for('alembic-lens.tempDirs');
const shared = globalThis as { [CREATED]?: string[] };
const created: string[] = shared[CREATED] ?? (shared[CREATED] = removedOnExit());

function removedOnExit(): string[] {
  const dirs: string[] = [];
  process.on('exit', () => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return dirs;
}

export function tempDir(prefix = 'alembic-lens-'): string {
  // Real path: version locations are reported with links resolved, as current Alembic does.
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

function pyValue(value: string | string[] | null | undefined): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  return `(${value.map((v) => JSON.stringify(v)).join(', ')}${value.length === 1 ? ',' : ''})`;
}

/** A revision file in the shape of Alembic's generic template. */
export function revisionText(spec: RevisionSpec): string {
  return [
    `"""${spec.message ?? `revision ${spec.id}`}`,
    '',
    `Revision ID: ${spec.id}`,
    `Revises: ${Array.isArray(spec.down) ? spec.down.join(', ') : (spec.down ?? '')}`,
    `Create Date: ${spec.createDate ?? '2024-01-01 00:00:00.000000'}`,
    '',
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    '',
    `revision = ${JSON.stringify(spec.id)}`,
    `down_revision = ${pyValue(spec.down)}`,
    `branch_labels = ${pyValue(spec.labels)}`,
    `depends_on = ${pyValue(spec.dependsOn)}`,
    '',
    '',
    'def upgrade() -> None:',
    ...(spec.upgrade ?? ['pass']).map((l) => (l ? `    ${l}` : '')),
    '',
    '',
    'def downgrade() -> None:',
    ...(spec.downgrade ?? ['pass']).map((l) => (l ? `    ${l}` : '')),
    '',
  ].join('\n');
}

/** Writes alembic.ini + alembic/versions/<revisions>; returns the ini path. */
export function writeProject(
  dir: string,
  revisions: RevisionSpec[],
  ini = '[alembic]\nscript_location = alembic\n',
): string {
  const versions = path.join(dir, 'alembic', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), ini);
  for (const spec of revisions)
    fs.writeFileSync(path.join(versions, spec.file ?? `${spec.id}_rev.py`), revisionText(spec));
  return path.join(dir, 'alembic.ini');
}

/** Files changed in the last 2 s are never cached (racily clean): tests and the bench that need a warm cache wait. */
export function waitPastRacyWindow(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
}

/** The line of upgrade()'s first body line in a revisionText file, where a lint test's first operation is. */
export const FIRST_UPGRADE_LINE = revisionText({ id: 'x' }).split('\n').indexOf('def upgrade() -> None:') + 2;
