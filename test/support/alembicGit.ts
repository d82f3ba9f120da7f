// Real Alembic projects in real git repositories, for the team tests: `alembic init` committed on
// main, `alembic revision` with the ids Alembic generates, and the Alembic and alembic-lens command lines.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { git } from './gitRepo';
import { tempDir } from './tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
/** The Debian interpreter that has alembic 1.8.1 + SQLAlchemy. */
export const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function alembic(cwd: string, ...args: string[]): Ran {
  const ran = spawnSync(PYTHON, ['-m', 'alembic', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (ran.error) throw ran.error;
  return ran;
}

export function mustAlembic(cwd: string, ...args: string[]): string {
  const ran = alembic(cwd, ...args);
  if (ran.status !== 0) throw new Error(`alembic ${args.join(' ')} exited ${ran.status}: ${ran.stdout}${ran.stderr}`);
  return ran.stdout;
}

/** `alembic revision -m MESSAGE ...`; returns the new revision's id (from Alembic's "Generating .../ID_slug.py"). */
export function revision(cwd: string, message: string, ...args: string[]): string {
  const out = mustAlembic(cwd, 'revision', '-m', message, ...args);
  const id = /Generating .*[\\/]([0-9a-f]{12})_[^\\/]*\.py/.exec(out)?.[1];
  assert.ok(id, `no revision id in: ${out}`);
  return id!;
}

/** The ids `alembic heads` prints, sorted. */
export function alembicHeads(cwd: string): string[] {
  return mustAlembic(cwd, 'heads')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[0])
    .sort();
}

export function lens(cwd: string, ...args: string[]): Ran {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
}

/** A project made by `alembic init` in a new git repository, with `sqlalchemy.url` set (SQLite app.db by default). */
export function initRepository(url = 'sqlite:///app.db'): string {
  const dir = path.join(tempDir('alembic-lens-teams-'), 'app');
  fs.mkdirSync(dir);
  git(dir, 'init', '-q');
  mustAlembic(dir, 'init', 'alembic');
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(
    ini,
    fs
      .readFileSync(ini, 'utf8')
      .replace(/^sqlalchemy\.url = .*$/m, () => `sqlalchemy.url = ${url.replace(/%/g, '%%')}`),
  );
  fs.writeFileSync(path.join(dir, '.gitignore'), 'app.db\n__pycache__/\n');
  return dir;
}
