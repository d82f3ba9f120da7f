// Where a Python interpreter is, without asking anyone: a project's virtual environment, or PATH.
// The extension's interpreter service and the CLI both look here.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `bin/python` (or `Scripts\python.exe`) of the first `.venv`, `venv` or `env` in `dirs`. */
export function findVenvPython(
  dirs: readonly string[],
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const exe = platform === 'win32' ? path.join('Scripts', 'python.exe') : path.join('bin', 'python');
  for (const dir of dirs) {
    for (const name of ['.venv', 'venv', 'env']) {
      const candidate = path.join(dir, name, exe);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The first of `names` found on PATH, as a full path. */
export function findOnPath(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  for (const name of names) {
    for (const dir of dirs) {
      for (const ext of exts) {
        const candidate = path.join(dir, name + ext);
        if (isExecutableFile(candidate)) return candidate;
      }
    }
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
