// Folders that hold other people's files (dependencies, environments, builds, caches): never the
// project's own config, models or revisions, so the workspace scans skip them.

export const DEPENDENCY_FOLDERS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.venv',
  'venv',
  'env',
  '.tox',
  '.nox',
  'site-packages',
  '__pycache__',
  'build',
  'dist',
]);

/** Whether a path (best relative to the workspace folder, whose own path may pass through a `build`) is in one. */
export function inDependencyFolder(file: string): boolean {
  return file.split(/[\\/]/).some((name) => DEPENDENCY_FOLDERS.has(name));
}
