// Which revision files a git merge of two sides keeps, and from which side, decided as git's three-way
// merge decides it: against the merge base (the commit where the sides forked), by content. A file
// only one side changed since the fork comes from that side; a file one side deleted unchanged is
// gone; a file renamed on one side is where that side put it, with the other side's edits. Renames
// are found by what Alembic reads: the same revision id (or the same content) under a new name.

/** One side's revision files: path -> blob id, and the revision id a file declares. */
export interface MergeSide {
  blobs: ReadonlyMap<string, string>;
  revisionOf(file: string): string | undefined;
}

export interface MergedFile {
  /** Whose version the merge keeps, and that version's path on its side. */
  side: 'ours' | 'theirs';
  file: string;
}

export interface VersionFileMerge {
  /** By the path where the merge puts each file. */
  files: Map<string, MergedFile>;
  /** Paths one side changed and the other deleted: git stops there for a resolution. */
  conflicts: string[];
  /**
   * Files both sides changed (kept as ours in `files`): git merges their lines, and stops only where the
   * same lines changed. Each with its path on our side, on theirs, and in the merge base.
   */
  bothChanged: Array<{ path: string; ours: string; theirs: string; base: string }>;
}

/** Without a merge base (a shallow clone, unrelated histories) a file on either side is kept, ours first. */
export function mergeVersionFiles(ours: MergeSide, theirs: MergeSide, mergeBase?: MergeSide): VersionFileMerge {
  const base = mergeBase?.blobs ?? new Map<string, string>();
  const oursByBasePath = byBasePath(ours, mergeBase);
  const theirsByBasePath = byBasePath(theirs, mergeBase);
  const files = new Map<string, MergedFile>();
  const conflicts: string[] = [];
  const bothChanged: VersionFileMerge['bothChanged'] = [];
  for (const basePath of new Set([...oursByBasePath.keys(), ...theirsByBasePath.keys()])) {
    const oursFile = oursByBasePath.get(basePath);
    const theirsFile = theirsByBasePath.get(basePath);
    const oursBlob = oursFile === undefined ? undefined : ours.blobs.get(oursFile);
    const theirsBlob = theirsFile === undefined ? undefined : theirs.blobs.get(theirsFile);
    const baseBlob = base.get(basePath);
    // A rename on either side moves the merged file.
    const mergedPath =
      oursFile !== undefined && oursFile !== basePath
        ? oursFile
        : theirsFile !== undefined && theirsFile !== basePath
          ? theirsFile
          : basePath;
    const keep = (side: 'ours' | 'theirs'): void => {
      files.set(mergedPath, { side, file: side === 'ours' ? oursFile! : theirsFile! });
    };
    const conflict = (side: 'ours' | 'theirs'): void => {
      keep(side);
      if (mergeBase) conflicts.push(mergedPath);
    };
    if (oursFile !== undefined && theirsFile !== undefined) {
      if (oursBlob === theirsBlob || theirsBlob === baseBlob) keep('ours');
      else if (oursBlob === baseBlob) keep('theirs');
      else {
        keep('ours');
        if (baseBlob !== undefined)
          bothChanged.push({ path: mergedPath, ours: oursFile, theirs: theirsFile, base: basePath });
        else if (mergeBase) conflicts.push(mergedPath); // added on both sides, differently
      }
    } else if (oursFile !== undefined) {
      // Added here; or deleted there: gone if unchanged here (and not moved), else a modify/delete conflict.
      if (baseBlob === undefined) keep('ours');
      else if (oursBlob !== baseBlob || oursFile !== basePath) conflict('ours');
    } else if (theirsFile !== undefined) {
      if (baseBlob === undefined) keep('theirs');
      else if (theirsBlob !== baseBlob || theirsFile !== basePath) conflict('theirs');
    }
  }
  return { files, conflicts, bothChanged };
}

/** A side's files by the merge base's path they continue: a renamed file under its old path. */
function byBasePath(side: MergeSide, mergeBase: MergeSide | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const renames = mergeBase ? renamesSinceBase(side, mergeBase) : new Map<string, string>();
  for (const file of side.blobs.keys()) out.set(renames.get(file) ?? file, file);
  return out;
}

/** file on this side -> its path in the merge base, for the files this side renamed since. */
function renamesSinceBase(side: MergeSide, mergeBase: MergeSide): Map<string, string> {
  const goneByBlob = new Map<string, string>();
  const goneByRevision = new Map<string, string>();
  for (const [file, blob] of mergeBase.blobs) {
    if (side.blobs.has(file)) continue;
    goneByBlob.set(blob, file);
    const revision = mergeBase.revisionOf(file);
    if (revision !== undefined) goneByRevision.set(revision, file);
  }
  const renames = new Map<string, string>();
  if (!goneByBlob.size) return renames;
  const taken = new Set<string>();
  for (const [file, blob] of side.blobs) {
    if (mergeBase.blobs.has(file)) continue;
    const revision = side.revisionOf(file);
    const from = goneByBlob.get(blob) ?? (revision === undefined ? undefined : goneByRevision.get(revision));
    if (from === undefined || taken.has(from)) continue;
    taken.add(from);
    renames.set(file, from);
  }
  return renames;
}
