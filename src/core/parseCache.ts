// A cache of parsed revision files on disk, keyed by path and checked by size, mtime and inode, so
// that a command-line run on a large history reads only the files that changed since the last run.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { messageOf, RevisionFileResult } from './revisionFile';

/** Bump when the parser's output changes shape or meaning: old caches are then ignored. */
const FORMAT = 3;
/**
 * A file modified this recently may be modified again within the same mtime tick without its size
 * changing (git calls this "racily clean"): such files are parsed again next time, not cached.
 */
const RACY_MS = 2000;
/** Caches of projects whose config file is gone are removed once there are more than this many. */
const MAX_CACHES = 32;

/** On disk: `[size, mtimeMs, ino, result]`, the result without what the key already says (paths, message). */
type StoredEntry = [number, number, number, RevisionFileResult];

interface Entry {
  size: number;
  mtimeMs: number;
  ino: number;
  result: RevisionFileResult;
}

export class ParseCache {
  private entries = new Map<string, Entry>();
  /** Entries as read from disk, turned into Entry objects when first asked for. */
  private stored: Record<string, StoredEntry> = {};
  private dirty = false;
  private readonly file: string;

  constructor(private readonly cacheDir: string, private readonly configFile: string, section: string) {
    const key = `${configFile}\0${section}`;
    this.file = path.join(cacheDir, `revisions-${createHash('sha1').update(key).digest('hex').slice(0, 16)}.json`);
    try {
      const data = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      if (data.format === FORMAT) this.stored = data.entries;
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
  }

  /** The cached result when the file on disk is unchanged, else the freshly parsed one. */
  read(file: string, parse: () => RevisionFileResult): RevisionFileResult {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return parse();
    }
    const hit = this.entries.get(file) ?? this.restore(file);
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs && hit.ino === stat.ino) return hit.result;
    const result = parse();
    this.entries.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, result });
    // A file too recent to be saved (see RACY_MS) is no reason to rewrite the cache.
    if (!isRacy(stat.mtimeMs)) this.dirty = true;
    return result;
  }

  private restore(file: string): Entry | undefined {
    const stored = this.stored[file];
    if (!stored) return undefined;
    const [size, mtimeMs, ino, result] = stored;
    const entry: Entry = { size, mtimeMs, ino, result: expand(file, result) };
    this.entries.set(file, entry);
    return entry;
  }

  /** Replaces a file's cached result (after a further check), keeping its stat. */
  update(file: string, result: RevisionFileResult): void {
    const entry = this.entries.get(file);
    if (!entry) return;
    entry.result = result;
    if (!isRacy(entry.mtimeMs)) this.dirty = true;
  }

  /** Writes the cache for the files still present (atomically); failures only cost speed. */
  save(present: Iterable<string>): void {
    const keep = new Set(present);
    for (const file of keep) if (!this.entries.has(file)) this.restore(file);
    if (Object.keys(this.stored).some((file) => !keep.has(file))) this.dirty = true;
    for (const file of this.entries.keys()) {
      if (!keep.has(file)) {
        this.entries.delete(file);
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    const entries: Record<string, StoredEntry> = {};
    for (const [file, entry] of this.entries) {
      if (!isRacy(entry.mtimeMs)) entries[file] = [entry.size, entry.mtimeMs, entry.ino, compact(entry.result)];
    }
    try {
      fs.mkdirSync(this.cacheDir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, configFile: this.configFile, entries }));
      fs.renameSync(tmp, this.file);
      this.dirty = false;
      this.pruneStale();
    } catch {
      // a read-only cache folder is not an error
    }
  }

  private pruneStale(): void {
    const caches = fs.readdirSync(this.cacheDir).filter((name) => /^revisions-.*\.json$/.test(name));
    if (caches.length <= MAX_CACHES) return;
    for (const name of caches) {
      const file = path.join(this.cacheDir, name);
      try {
        const head = readHead(file, 4096);
        const configFile = /"configFile":("(?:[^"\\]|\\.)*")/.exec(head)?.[1];
        if (!configFile || !fs.existsSync(JSON.parse(configFile))) fs.rmSync(file, { force: true });
      } catch {
        // another process may be pruning too
      }
    }
  }
}

/** The first bytes of a file: the config path is written before the (large) entries. */
function readHead(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

function compact(result: RevisionFileResult): RevisionFileResult {
  return {
    ...result,
    source: result.source && { ...result.source, path: '', message: '' },
    problems: result.problems.map((p) => ({ ...p, path: '' })),
  };
}

/** Fills in what compact() left out; the object was just parsed from JSON, so it is changed in place. */
function expand(file: string, result: RevisionFileResult): RevisionFileResult {
  if (result.source) {
    result.source.path = file;
    result.source.message = messageOf(result.source.longdoc);
  }
  for (const p of result.problems) p.path = file;
  return result;
}

function isRacy(mtimeMs: number): boolean {
  return mtimeMs >= Date.now() - RACY_MS;
}
