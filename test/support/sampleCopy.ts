// The copy of migrations-sample a test works on: the files git tracks, never what a run left in the
// repo's copy (app.db after `npm start` and an upgrade, __pycache__, a .venv, a revision written by hand).
// Outside a git checkout (a tarball), the same with a fixed list of what .gitignore leaves out.
//
//   node out/test/support/sampleCopy.js DEST [SOURCE]   (used by scripts/vscode-test.sh)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
export const SAMPLE = path.join(ROOT, 'migrations-sample');

/** What a run leaves in a project and git ignores: databases, bytecode, virtualenvs, local settings. */
const UNTRACKED =
  /(^|[\\/])(__pycache__|\.venv|venv|\.env|\.pytest_cache|\.mypy_cache)$|\.(db|db-wal|db-shm|db-journal|sqlite3?|pyc)$/;

/** The files git tracks under `dir` (relative paths), or undefined outside a git checkout. */
export function trackedFiles(dir: string): string[] | undefined {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--', '.'], { cwd: dir, encoding: 'utf8' });
  if (listed.error || listed.status !== 0) return undefined;
  return listed.stdout.split('\0').filter(Boolean);
}

/** Copies the sample's tracked files to `to` (created); returns `to`. */
export function copySample(to: string, from = SAMPLE): string {
  const files = trackedFiles(from);
  if (!files) {
    fs.cpSync(from, to, { recursive: true, filter: (src) => !UNTRACKED.test(src) });
    return to;
  }
  fs.mkdirSync(to, { recursive: true });
  for (const file of files) {
    const source = path.join(from, file);
    if (!fs.existsSync(source)) continue; // deleted in the work tree: the copy has what the checkout has
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(source, path.join(to, file));
  }
  return to;
}

/** Rewrites the copy's app/models.py with `edit`, which must change it. */
export function editModels(dir: string, edit: (text: string) => string): void {
  const file = path.join(dir, 'app', 'models.py');
  const before = fs.readFileSync(file, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`the edit changed nothing in ${file}`);
  fs.writeFileSync(file, after);
}

if (require.main === module) {
  const [to, from] = process.argv.slice(2);
  if (!to) {
    console.error('usage: node sampleCopy.js DEST [SOURCE]');
    process.exit(2);
  }
  copySample(path.resolve(to), from ? path.resolve(from) : SAMPLE);
}
