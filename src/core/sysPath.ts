// The folders Python imports a project's modules from when Alembic runs it: prepend_sys_path, the
// folder Alembic runs in, and, for `script_location = pkg:dir`, the folder the package `pkg` is in.
import * as path from 'node:path';
import type { AlembicConfig } from './config';
import { cachedDiskProbe } from './python';

/** Alembic's prepend_sys_path entries, absolute (split on spaces, commas and the path separator). */
function prependSysPath(config: AlembicConfig): string[] {
  const value = config.option('prepend_sys_path');
  if (!value) return [];
  const separator = config.option('path_separator');
  const parts =
    separator === 'newline' ? value.split('\n') : separator === ';' ? value.split(';') : value.split(/, *| +|:|;|\n/);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => path.resolve(config.baseDir, p));
}

/**
 * The folder a `pkg:dir` script_location's package is imported from: Alembic imports `pkg`, so that
 * folder is on sys.path (an installed package, or a `src/` layout). Undefined for a plain path.
 */
export function scriptPackageRoot(config: AlembicConfig): string | undefined {
  const value = config.option('script_location')?.trim();
  // `C:\x` and `C:/x` are Windows paths, not resources.
  const resource = value && /^([A-Za-z_][\w.]*):(?![\\/])(.*)$/.exec(value);
  if (!resource || !config.scriptLocation) return undefined;
  const depth = resource[2].split(/[\\/]/).filter(Boolean).length + resource[1].split('.').length;
  let dir = path.resolve(config.scriptLocation);
  for (let i = 0; i < depth; i++) dir = path.dirname(dir);
  return dir;
}

/** Where the project's imports are looked up, in Python's order, without duplicates. */
export function projectImportRoots(config: AlembicConfig): string[] {
  const roots = [...prependSysPath(config), config.baseDir, path.dirname(path.resolve(config.configFile))];
  const packageRoot = scriptPackageRoot(config);
  if (packageRoot) roots.push(packageRoot);
  return roots.map((d) => path.resolve(d)).filter((d, i, all) => all.indexOf(d) === i);
}

/**
 * The folders above the outermost packages that hold the config file and the script location: OpenStack
 * keeps `alembic.ini` inside its package (`neutron/db/migration/alembic.ini`), and Python imports `neutron`
 * from the checkout's root because the project is installed (editable) there. After the project's roots.
 */
export function enclosingPackageRoots(config: AlembicConfig): string[] {
  const out: string[] = [];
  const { isFile } = cachedDiskProbe();
  for (const start of [path.dirname(path.resolve(config.configFile)), config.scriptLocation]) {
    if (!start) continue;
    let dir = path.resolve(start);
    if (!isFile(path.join(dir, '__init__.py'))) continue;
    while (path.dirname(dir) !== dir && isFile(path.join(path.dirname(dir), '__init__.py'))) dir = path.dirname(dir);
    if (!out.includes(path.dirname(dir))) out.push(path.dirname(dir));
  }
  return out;
}

/** Where the project's modules are looked up: its own roots, then the folders above its enclosing packages. */
export function moduleSearchRoots(config: AlembicConfig): string[] {
  const roots = projectImportRoots(config);
  return [...roots, ...enclosingPackageRoots(config).filter((root) => !roots.includes(root))];
}
