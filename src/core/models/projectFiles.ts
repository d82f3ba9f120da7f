// The project's Python files: listed the way model discovery reads a project (no virtualenvs, caches or
// tests), matched against `alembic.modelGlobs`, and shown relative to the project.
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

/** At most this many project files are read looking for models nobody imports. */
export const MAX_SCANNED_FILES = 5000;

const SKIPPED_DIRS = new Set([
  '__pycache__',
  'node_modules',
  'site-packages',
  'dist-packages',
  'venv',
  'env',
  'virtualenv',
  'build',
  'dist',
  'tests',
  'test',
]);

/**
 * The .py files under `root`, skipping hidden folders, virtualenvs, caches and test folders, and the
 * folders of `skipped` (the migrations: thousands of revision files, none of them a model).
 */
export function listPythonFiles(root: string, skipped: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 10 || out.length >= MAX_SCANNED_FILES * 2) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (depth > 0 && entries.some((e) => e.name === 'pyvenv.cfg')) return;
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name) && !skipped.includes(full)) {
          walk(full, depth + 1);
        }
      } else if (entry.isFile() && entry.name.endsWith('.py')) out.push(full);
    }
  };
  walk(root, 0);
  return out;
}

export function isTestFile(file: string): boolean {
  const base = path.basename(file);
  if (/^test_.*\.py$|_test\.py$|^conftest\.py$/.test(base)) return true;
  return file.split(path.sep).some((part) => part === 'tests' || part === 'test');
}

/**
 * An `alembic.modelGlobs` pattern as a test of a path relative to the project (forward slashes): `*` and `?`
 * within a folder, `**` across folders, `{a,b}`; `[`, `(`, `|`, `+` and a leading `!` are literal; dotfiles match.
 */
export function globMatcher(glob: string): (relativePath: string) => boolean {
  // picomatch passes `(`, `)` and `|` through to its RegExp: escaped, they are the characters.
  const pattern = glob.replace(/\\/g, '/').replace(/^\.\//, '').replace(/[()|]/g, '\\$&');
  const isMatch = picomatch(pattern, { dot: true, noextglob: true, nobracket: true, nonegate: true });
  return (relativePath) => isMatch(relativePath);
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export function relative(base: string, file: string): string {
  const rel = path.relative(base, file);
  return rel && !rel.startsWith('..') ? toPosix(rel) : file;
}

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
