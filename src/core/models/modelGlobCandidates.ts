// The choices of the Model Files view's "Choose Model Files...": each folder of a project that holds
// Python files of its own, as an `alembic.modelGlobs` glob relative to the folder the globs are matched
// from. The files are listed as the glob discovery lists them (no virtual environments, caches, hidden or
// test folders); Alembic's own script folder (env.py and the revisions) is left out.
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { listPythonFiles } from './projectFiles';

export interface ModelGlobCandidate {
  /** `app/models/*.py`, or `*.py` for the project folder itself. */
  glob: string;
  /** How many Python files the folder holds (not counting subfolders). */
  pythonFiles: number;
}

export function modelGlobCandidates(config: Pick<AlembicConfig, 'baseDir' | 'scriptLocation'>): ModelGlobCandidate[] {
  const script = config.scriptLocation && path.resolve(config.scriptLocation);
  const counts = new Map<string, number>();
  for (const file of listPythonFiles(config.baseDir)) {
    const folder = path.dirname(file);
    if (script && (folder === script || folder.startsWith(script + path.sep))) continue;
    counts.set(folder, (counts.get(folder) ?? 0) + 1);
  }
  return [...counts]
    .map(([folder, pythonFiles]) => {
      const relative = path.relative(config.baseDir, folder).split(path.sep).join('/');
      return { glob: relative ? `${relative}/*.py` : '*.py', pythonFiles };
    })
    .sort((a, b) => (a.glob < b.glob ? -1 : a.glob > b.glob ? 1 : 0));
}
