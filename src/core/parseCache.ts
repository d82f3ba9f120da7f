// A cache of parsed revision files on disk, so that a command-line run on a large history reads only
// the files that changed since the last run. An entry is used only when the file's size, mtime,
// ctime (both in ns), inode and device are all unchanged: the ctime changes on every write and
// cannot be set back, so an edit whose mtime was restored (touch -d, cp -p) is still seen.
// One file per project, in a folder only this user can write (see privateDir.ts).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { preparePrivateDir, readPrivateFile, writePrivateFile } from './privateDir';
import type { Problem } from './problems';
import { messageOf, type RevisionFileResult } from './revisionFile';

/** Bump when the parser's output or this file's layout changes: old caches are then ignored. */
const FORMAT = 4;
/**
 * A file changed this recently may change again within the same timestamp tick without its size
 * changing (git calls this "racily clean"): such files are parsed again next time, not cached.
 */
const RACY_MS = 2000;
/** Caches of projects whose config file is gone are removed once there are more than this many. */
const MAX_CACHES = 32;

/** `revision, down, depends_on, labels, longdoc, createDate, lines` (a tuple: small to store and to parse). */
type StoredSource = [string, string[], string[], string[], string, string | null, number, number, number, number];
/** `[name, stat key, source or 0, problems without their path, grammar checked 0/1]`. */
type StoredEntry = [string, string, StoredSource | 0, Omit<Problem, 'path'>[], 0 | 1];

interface Entry {
  key: string;
  racy: boolean;
  result: RevisionFileResult;
}

export class ParseCache {
  /** Why the cache folder is not used (then every file is parsed), when it is not. */
  readonly refusal?: string;
  private entries = new Map<string, Entry>();
  /** Entries as read from disk by stored name, turned into Entry objects when first asked for. */
  private stored = new Map<string, StoredEntry>();
  private dirty = false;
  private readonly file: string;
  /** Paths under the config's folder are stored relative to it. */
  private readonly base: string;

  constructor(
    private readonly cacheDir: string,
    private readonly configFile: string,
    section: string,
  ) {
    const key = `${configFile}\0${section}`;
    this.file = path.join(cacheDir, `revisions-${createHash('sha1').update(key).digest('hex').slice(0, 16)}.json`);
    this.base = path.dirname(configFile) + path.sep;
    const check = preparePrivateDir(cacheDir);
    if (!check.ok) {
      this.refusal = `not using the cache folder: ${check.reason}`;
      return;
    }
    const text = readPrivateFile(this.file);
    if (text === undefined) return;
    try {
      const newline = text.indexOf('\n');
      const header = JSON.parse(text.slice(0, newline));
      if (header.format !== FORMAT || header.configFile !== configFile) return;
      for (const entry of JSON.parse(text.slice(newline + 1)) as StoredEntry[]) this.stored.set(entry[0], entry);
    } catch {
      // an unreadable cache: start empty
    }
  }

  /** The cached result when the file on disk is unchanged, else the freshly parsed one. */
  read(file: string, parse: () => RevisionFileResult): RevisionFileResult {
    if (this.refusal) return parse();
    let stat: fs.BigIntStats;
    try {
      stat = fs.statSync(file, { bigint: true });
    } catch {
      return parse();
    }
    const key = `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}:${stat.dev}`;
    const hit = this.entries.get(file) ?? this.restore(file);
    if (hit && hit.key === key) return hit.result;
    const result = parse();
    // biome-ignore lint/complexity/useMathMinMax: the times are bigints, which Math.max does not take
    const racy = isRacy(stat.mtimeMs > stat.ctimeMs ? stat.mtimeMs : stat.ctimeMs);
    this.entries.set(file, { key, racy, result });
    // A file too recent to be saved (see RACY_MS) is no reason to rewrite the cache.
    if (!racy) this.dirty = true;
    return result;
  }

  private restore(file: string): Entry | undefined {
    const stored = this.stored.get(this.nameOf(file));
    if (!stored) return undefined;
    const entry: Entry = { key: stored[1], racy: false, result: expand(file, stored) };
    this.entries.set(file, entry);
    return entry;
  }

  /** Replaces a file's cached result (after a further check), keeping its stat. */
  update(file: string, result: RevisionFileResult): void {
    const entry = this.entries.get(file);
    if (!entry) return;
    entry.result = result;
    if (!entry.racy) this.dirty = true;
  }

  /** Writes the cache for the files still present (atomically); failures only cost speed. */
  save(present: Iterable<string>): void {
    if (this.refusal) return;
    const keep = new Set(present);
    for (const file of keep) if (!this.entries.has(file)) this.restore(file);
    const keptNames = new Set([...keep].map((file) => this.nameOf(file)));
    if ([...this.stored.keys()].some((name) => !keptNames.has(name))) this.dirty = true;
    if ([...this.entries.keys()].some((file) => !keep.has(file))) this.dirty = true;
    if (!this.dirty) return;
    const entries: StoredEntry[] = [];
    for (const [file, entry] of this.entries) {
      if (keep.has(file) && !entry.racy) entries.push(compact(this.nameOf(file), entry));
    }
    try {
      const header = JSON.stringify({ format: FORMAT, configFile: this.configFile });
      writePrivateFile(this.file, `${header}\n${JSON.stringify(entries)}`);
      this.dirty = false;
      this.pruneStale();
    } catch {
      // a read-only cache folder is not an error
    }
  }

  private nameOf(file: string): string {
    return file.startsWith(this.base) ? file.slice(this.base.length) : file;
  }

  private pruneStale(): void {
    const caches = fs.readdirSync(this.cacheDir).filter((name) => /^revisions-.*\.json$/.test(name));
    if (caches.length <= MAX_CACHES) return;
    for (const name of caches) {
      const file = path.join(this.cacheDir, name);
      try {
        const header = readPrivateFile(file)?.split('\n', 1)[0];
        const configFile = header && JSON.parse(header).configFile;
        if (typeof configFile !== 'string' || !fs.existsSync(configFile)) fs.rmSync(file, { force: true });
      } catch {
        // another process may be pruning too
      }
    }
  }
}

function compact(name: string, { key, result }: Entry): StoredEntry {
  const s = result.source;
  const source: StoredSource | 0 = s
    ? [
        s.revision,
        s.downRevisions,
        s.dependsOn,
        s.branchLabels,
        s.longdoc,
        s.createDate ?? null,
        s.revisionLine,
        s.downRevisionLine,
        s.dependsOnLine ?? 0,
        s.branchLabelsLine ?? 0,
      ]
    : 0;
  const problems = result.problems.map(({ path: _path, ...rest }) => rest);
  return [name, key, source, problems, result.grammarChecked ? 1 : 0];
}

function expand(file: string, [, , stored, problems, grammarChecked]: StoredEntry): RevisionFileResult {
  const result: RevisionFileResult = { problems: problems.map((p) => ({ ...p, path: file })) };
  if (grammarChecked) result.grammarChecked = true;
  if (stored) {
    const [revision, downRevisions, dependsOn, branchLabels, longdoc, createDate] = stored;
    const [revisionLine, downRevisionLine, dependsOnLine, branchLabelsLine] = stored.slice(6) as number[];
    // The same keys in the same order as readRevisionFile's: one object shape for the graph code.
    result.source = {
      revision,
      downRevisions,
      dependsOn,
      branchLabels,
      message: messageOf(longdoc),
      longdoc,
      createDate: createDate ?? undefined,
      path: file,
      revisionLine,
      downRevisionLine,
      dependsOnLine: dependsOnLine || undefined,
      branchLabelsLine: branchLabelsLine || undefined,
    };
  }
  return result;
}

function isRacy(changedMs: bigint): boolean {
  return Number(changedMs) >= Date.now() - RACY_MS;
}
