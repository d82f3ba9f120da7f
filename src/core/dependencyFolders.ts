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
