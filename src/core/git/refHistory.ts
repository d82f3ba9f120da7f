// A project's revision history as it is at a git ref (a branch, a tag, a commit), read from git
// without touching the work tree: `git ls-tree` lists the version folders at the ref, `git cat-file
// --batch` reads their blobs, and the same reader as for files on disk (readRevisionBytes, then
// RevisionMap) turns them into revisions. The version folders are the work tree's configuration's.
// Results are cached by the folders' tree ids, parsed files by blob id; a read in progress is shared
// by the callers that ask for it meanwhile (git runs asynchronously, and the editor asks often).
import type { AlembicConfig } from '../config';
import type { Problem } from '../problems';
import { readRevisionBytes, sortLoadOrder } from '../project';
import { isRevisionFileName, type RevisionFileResult, type RevisionSource } from '../revisionFile';
import { RevisionMap } from '../revisionMap';
import { GitError, type GitRepository, type TreeEntry } from './gitRepository';

export interface RefHistory {
  /** The ref as given, and the commit it named when read. */
  ref: string;
  commit: string;
  /** The revision files at the ref, as absolute paths where they would be in the work tree, in load order. */
  files: string[];
  /** Absolute path -> blob id. */
  blobs: ReadonlyMap<string, string>;
  /** What the reader found in each file (files that are no revision are absent). */
  sources: ReadonlyMap<string, RevisionSource>;
  graph: RevisionMap;
  /** The files' problems, then the graph's. */
  problems: Problem[];
}

type TreeHistory = Omit<RefHistory, 'ref' | 'commit'>;

const SYMLINK = '120000';

export class RefHistoryReader {
  /** By tree ids; a promise, so that a read in progress is not started again. A failed read is dropped. */
  private readonly byTrees = new Map<string, Promise<TreeHistory>>();
  /** The reads in progress by commit (their tree ids not known yet); dropped once settled. */
  private readonly reading = new Map<string, Promise<TreeHistory>>();
  private readonly byBlob = new Map<string, RevisionFileResult>();
  /** The version folders, relative to the repository root. */
  readonly folders: readonly string[];

  constructor(
    readonly repo: GitRepository,
    readonly config: AlembicConfig,
  ) {
    this.folders = config.versionLocations.map((location) => {
      const relative = repo.relative(location);
      if (relative === undefined) {
        throw new GitError(
          `the version location ${location} is outside the git repository at ${repo.root}: its history at a ref cannot be read`,
          'failed',
        );
      }
      return relative;
    });
  }

  /** Lends the reader a file already read (from the work tree): the same blob at the same path is not read again. */
  remember(blob: string, file: string, result: RevisionFileResult): void {
    const key = cacheKey(blob, file);
    if (!this.byBlob.has(key)) this.byBlob.set(key, result);
  }

  /** The history at `ref`; throws a GitError when the ref names no commit. */
  async read(ref: string): Promise<RefHistory> {
    const commit = await this.repo.resolveCommit(ref);
    return { ref, commit, ...(await this.readCommit(commit)) };
  }

  /** The history at a commit; callers asking while the same commit is read share that read. */
  readCommit(commit: string): Promise<TreeHistory> {
    let reading = this.reading.get(commit);
    if (!reading) {
      reading = this.readCommitTrees(commit);
      this.reading.set(commit, reading);
      const done = (): void => {
        this.reading.delete(commit);
      };
      reading.then(done, done);
    }
    return reading;
  }

  private async readCommitTrees(commit: string): Promise<TreeHistory> {
    const folderTrees = (await this.repo.folderEntries(commit, this.folders)).filter((entry) => entry.type === 'tree');
    const key = `${this.config.recursiveVersionLocations}\0${folderTrees.map((e) => `${e.path}:${e.id}`).join('\0')}`;
    const cached = this.byTrees.get(key);
    if (cached) return cached;
    const history = this.readTrees(
      commit,
      folderTrees.map((e) => e.path),
    );
    this.byTrees.set(key, history);
    // A failure (git gone, a commit pruned) is not the answer for these trees: the next read tries again.
    history.catch(() => {
      if (this.byTrees.get(key) === history) this.byTrees.delete(key);
    });
    return history;
  }

  private async readTrees(commit: string, presentFolders: string[]): Promise<TreeHistory> {
    const recursive = this.config.recursiveVersionLocations;
    const entries = (await this.repo.listTree(commit, presentFolders, recursive)).filter((e) =>
      this.isRevisionEntry(e, presentFolders),
    );
    const blobs = new Map<string, string>();
    for (const entry of entries) blobs.set(this.repo.absolute(entry.path), entry.id);
    const files = sortLoadOrder(
      [...blobs.keys()],
      this.folders.map((f) => this.repo.absolute(f)),
    );
    const unread = [
      ...new Set(files.filter((f) => !this.byBlob.has(cacheKey(blobs.get(f)!, f))).map((f) => blobs.get(f)!)),
    ];
    const contents = await this.repo.readBlobs(unread);
    const sources = new Map<string, RevisionSource>();
    const fileProblems: Problem[] = [];
    for (const file of files) {
      const blob = blobs.get(file)!;
      const key = cacheKey(blob, file);
      let result = this.byBlob.get(key);
      if (!result) {
        const bytes = contents.get(blob);
        if (!bytes) throw new GitError(`git cat-file did not return blob ${blob} (${file})`, 'failed');
        result = readRevisionBytes(file, bytes);
        this.byBlob.set(key, result);
      }
      if (result.source) sources.set(file, result.source);
      fileProblems.push(...result.problems);
    }
    const graph = new RevisionMap([...sources.values()]);
    return { files, blobs, sources, graph, problems: [...fileProblems, ...graph.problems] };
  }

  private isRevisionEntry(entry: TreeEntry, folders: string[]): boolean {
    return (
      entry.type === 'blob' &&
      entry.mode !== SYMLINK &&
      isVersionFilePath(entry.path, folders, this.config.recursiveVersionLocations)
    );
  }
}

/** Whether Alembic loads a root-relative path as a revision file of these version folders. */
export function isVersionFilePath(file: string, folders: readonly string[], recursive: boolean): boolean {
  const slash = file.lastIndexOf('/');
  const folder = slash < 0 ? '' : file.slice(0, slash);
  if (!isRevisionFileName(file.slice(slash + 1))) return false;
  if (!recursive) return folders.includes(folder);
  return (
    folders.some((f) => !f || folder === f || folder.startsWith(`${f}/`)) && !file.split('/').includes('__pycache__')
  );
}

function cacheKey(blob: string, file: string): string {
  return `${blob}\0${file}`;
}
