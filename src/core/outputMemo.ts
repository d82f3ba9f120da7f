// The output of a read-only CLI command (heads, history, branches, show), kept beside the parse cache
// with the state of the project it was computed from. Run again with the same arguments on a project
// where the config reads the same, the same files are listed and none changed on disk, the command
// prints the kept output without restoring and linking every revision (on 10,000 revisions, most of
// `heads`). A kept output is bound to one generation of the parse cache's entries (ParseCache.
// storedGenerationOf): those entries record each file's stat, so the check is one stat per file, the
// least any cache can do to trust its files.
import type { AlembicConfig } from './config';
import type { ParseCache } from './parseCache';
import { readPrivateFile, writePrivateFile } from './privateDir';
import type { Problem } from './problems';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  code: number;
}

/** The outputs kept per project: one per distinct invocation, the most recent first. */
const MAX_KEPT = 8;

interface KeptOutputs {
  /** The parse cache header (with its generation) the outputs were computed with. */
  generation: string;
  outputs: [key: string, output: CommandOutput][];
}

/**
 * What an output depends on besides the revision files: how the command was invoked (its arguments, and
 * the working directory relative paths resolve against), the config as loaded (every value it resolved,
 * and its problems) and what listing the files found.
 */
export function outputKey(invocation: string, config: AlembicConfig, listingProblems: readonly Problem[]): string {
  return JSON.stringify([invocation, config, listingProblems]);
}

/** The kept output for `key`, when the cache's entries are exactly `files` as they are on disk now. */
export function recallOutput(cache: ParseCache, files: readonly string[], key: string): CommandOutput | undefined {
  // An empty history is no work to redo; and its problems come from more than the listing (subfolders).
  if (!files.length) return undefined;
  const generation = cache.storedGenerationOf(files);
  if (generation === undefined) return undefined;
  const kept = readKept(cache.outputsFile);
  if (kept?.generation !== generation) return undefined;
  return kept.outputs.find(([k]) => k === key)?.[1];
}

/** Keeps `output` for `key`, when the cache on disk now holds exactly `files` as this run read them. */
export function keepOutput(cache: ParseCache, files: readonly string[], key: string, output: CommandOutput): void {
  if (!files.length) return;
  const generation = cache.generationHolding(files);
  if (generation === undefined) return;
  const kept = readKept(cache.outputsFile);
  const others = kept?.generation === generation ? kept.outputs.filter(([k]) => k !== key) : [];
  const latest: KeptOutputs['outputs'][number] = [key, output];
  const outputs = [latest, ...others].slice(0, MAX_KEPT);
  try {
    writePrivateFile(cache.outputsFile, JSON.stringify({ generation, outputs } satisfies KeptOutputs));
  } catch {
    // a read-only cache folder only costs the next run's speed
  }
}

function readKept(file: string): KeptOutputs | undefined {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const kept = JSON.parse(text) as KeptOutputs;
    const valid =
      typeof kept.generation === 'string' &&
      Array.isArray(kept.outputs) &&
      kept.outputs.every(
        (entry) =>
          Array.isArray(entry) &&
          typeof entry[0] === 'string' &&
          typeof entry[1]?.stdout === 'string' &&
          typeof entry[1]?.stderr === 'string' &&
          typeof entry[1]?.code === 'number',
      );
    return valid ? kept : undefined;
  } catch {
    return undefined;
  }
}
