// The output of a read-only CLI command (heads, history, branches, show), kept beside the parse cache
// with the state of the project it was computed from. Run again with the same arguments on a project
// where the config reads the same, the same files are listed and none changed on disk, the command
// prints the kept output without restoring and linking every revision (on 10,000 revisions, most of
// `heads`). A kept output is bound to one generation of the parse cache's entries (ParseCache.
// storedGenerationOf): those entries record each file's stat, so the check is one stat per file, the
// least any cache can do to trust its files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicConfig } from './config';
import { fnv1a64, type ParseCache } from './parseCache';
import { readPrivateFile, writePrivateFile } from './privateDir';
import type { Problem } from './problems';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  code: number;
}

/** Outputs kept per project, one file each (a `heads` reads only its own): the most recent are kept. */
const MAX_KEPT = 8;

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
  const kept = readKept(outputFile(cache, key));
  return kept?.generation === generation && kept.digest === digestOf(key) ? kept.output : undefined;
}

/** Keeps `output` for `key`, when the cache on disk now holds exactly `files` as this run read them. */
export function keepOutput(cache: ParseCache, files: readonly string[], key: string, output: CommandOutput): void {
  if (!files.length) return;
  const generation = cache.generationHolding(files);
  if (generation === undefined) return;
  try {
    // The first line as the parse cache's files have it: its pruning reads the config file there.
    const header = JSON.stringify({ configFile: cache.configFile, generation });
    writePrivateFile(outputFile(cache, key), `${header}\n${JSON.stringify({ digest: digestOf(key), output })}`);
    pruneKept(cache);
  } catch {
    // a read-only cache folder only costs the next run's speed
  }
}

function outputFile(cache: ParseCache, key: string): string {
  return `${cache.outputsPrefix}${fnv1a64(key)}.json`;
}

/**
 * The key as stored: 128 bits of two FNV-1a hashes, not the key, which may hold a password (a `--url`
 * argument, a URL in pyproject.toml). Not node:crypto, which every run would load (10–25 ms).
 */
function digestOf(key: string): string {
  return fnv1a64(key) + fnv1a64(`${key.length}\0${key}`);
}

interface Kept {
  generation: string;
  digest: string;
  output: CommandOutput;
}

function readKept(file: string): Kept | undefined {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const newline = text.indexOf('\n');
    const { generation } = JSON.parse(text.slice(0, newline));
    const { digest, output } = JSON.parse(text.slice(newline + 1));
    const valid =
      typeof generation === 'string' &&
      typeof digest === 'string' &&
      typeof output?.stdout === 'string' &&
      typeof output.stderr === 'string' &&
      typeof output.code === 'number';
    return valid ? { generation, digest, output } : undefined;
  } catch {
    return undefined;
  }
}

/** Removes this project's oldest kept outputs beyond MAX_KEPT. */
function pruneKept(cache: ParseCache): void {
  const folder = path.dirname(cache.outputsPrefix);
  const prefix = path.basename(cache.outputsPrefix);
  const kept = fs
    .readdirSync(folder)
    .filter((name) => name.startsWith(prefix))
    .map((name) => ({ file: path.join(folder, name), mtimeMs: modifiedMs(path.join(folder, name)) }));
  if (kept.length <= MAX_KEPT) return;
  kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { file } of kept.slice(MAX_KEPT)) fs.rmSync(file, { force: true });
}

/** A file's modification time; 0 (the oldest, removed first) for one gone or a dangling link. */
function modifiedMs(file: string): number {
  try {
    return fs.lstatSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
