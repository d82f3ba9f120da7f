// A git repository read through the git CLI, never touching its work tree or index: commits, trees,
// blobs, merge bases, the log. Every failure is a GitError whose message says what is wrong and
// what to do about it, so that callers can show it as it is. git runs asynchronously: on a large
// history a read takes long enough to stall the extension host's event loop if waited for.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type GitErrorKind = 'no-git' | 'not-a-repository' | 'unknown-ref' | 'failed';

export class GitError extends Error {
  constructor(
    message: string,
    readonly kind: GitErrorKind,
  ) {
    super(message);
  }
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  id: string;
  /** Relative to the repository root, with `/`. */
  path: string;
}

interface Ran {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

export class GitRepository {
  private constructor(
    /** The work tree's root, links resolved. */
    readonly root: string,
    readonly shallow: boolean,
    private readonly gitCommand: string,
  ) {}

  /** The repository `dir` is in; throws a GitError when git is missing or `dir` is in none. */
  static async open(dir: string, gitCommand = 'git'): Promise<GitRepository> {
    const ran = await runGit(gitCommand, dir, ['rev-parse', '--show-toplevel', '--is-shallow-repository']);
    if (ran.status !== 0) {
      if (/not a git repository/i.test(ran.stderr)) {
        throw new GitError(`${dir} is not inside a git repository (git: ${firstLine(ran.stderr)})`, 'not-a-repository');
      }
      throw new GitError(`git cannot read the repository at ${dir}: ${firstLine(ran.stderr)}`, 'failed');
    }
    const [root, shallow] = ran.stdout.toString('utf8').trim().split('\n');
    if (!root) throw new GitError(`${dir} is inside a git directory, not a work tree`, 'not-a-repository');
    return new GitRepository(realpathOrSelf(root), shallow === 'true', gitCommand);
  }

  /** Runs git in the root; throws a GitError carrying git's own message when it fails. */
  async run(args: string[], input?: string): Promise<Buffer> {
    const ran = await runGit(this.gitCommand, this.root, args, input);
    if (ran.status !== 0) {
      throw new GitError(`git ${args[0]} failed: ${firstLine(ran.stderr) || `exit ${ran.status}`}`, 'failed');
    }
    return ran.stdout;
  }

  private async text(args: string[], input?: string): Promise<string> {
    return (await this.run(args, input)).toString('utf8');
  }

  /**
   * git's own line merge of one file's three versions (`git merge-file`, as `git merge` does it for a
   * file both sides changed): the merged text, and whether git left conflict markers in it.
   */
  async mergeFile(ours: Buffer, mergeBase: Buffer, theirs: Buffer): Promise<{ merged: Buffer; clean: boolean }> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { tmpdir } = require('node:os') as typeof import('node:os'); // loaded here: most runs never merge
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'alembic-lens-merge-'));
    try {
      const names = ['ours', 'base', 'theirs'].map((name) => path.join(dir, name));
      [ours, mergeBase, theirs].forEach((content, i) => fs.writeFileSync(names[i], content));
      const ran = await runGit(this.gitCommand, this.root, ['merge-file', '-p', '--quiet', ...names]);
      // The exit status counts the conflicts; a negative one (255 here) is an error.
      if (ran.status === null || ran.status > 127)
        throw new GitError(`git merge-file failed: ${firstLine(ran.stderr)}`, 'failed');
      return { merged: ran.stdout, clean: ran.status === 0 };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The commit a ref names, or undefined when there is none (an unborn branch, a typo). */
  async tryResolveCommit(ref: string): Promise<string | undefined> {
    const ran = await runGit(this.gitCommand, this.root, [
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`,
    ]);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim() : undefined;
  }

  /** The commit a ref names; a GitError that says what exists when it names none. */
  async resolveCommit(ref: string): Promise<string> {
    const commit = await this.tryResolveCommit(ref);
    if (commit) return commit;
    const known = (
      await this.text(['for-each-ref', '--count=12', '--format=%(refname:short)', 'refs/heads', 'refs/remotes'])
    )
      .split('\n')
      .filter((name) => name && !name.endsWith('/HEAD'));
    // A clone of one branch fetches into FETCH_HEAD only (its refspec names its own branch): name the ref to write.
    const branch = ref.replace(/^origin\//, '');
    const thenBase = ref === `origin/${branch}` ? '' : `, then \`--base origin/${branch}\``;
    const shallowHint = this.shallow
      ? ' This is a shallow clone, which has only the refs it was cloned with: fetch the base too ' +
        `(\`git fetch origin ${branch}:refs/remotes/origin/${branch}\`${thenBase}; or \`fetch-depth: 0\` in actions/checkout).`
      : '';
    const knownText = known.length ? ` Known branches: ${known.join(', ')}.` : ' The repository has no branches yet.';
    throw new GitError(`base ref '${ref}' does not exist in ${this.root}.${shallowHint}${knownText}`, 'unknown-ref');
  }

  /** The checked-out branch's short name, or undefined for a detached HEAD (or an unborn repository). */
  async currentBranch(): Promise<string | undefined> {
    const ran = await runGit(this.gitCommand, this.root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim() : undefined;
  }

  /** Where HEAD is, in one word: its commit and the branch it names (`HEAD` when detached); undefined when unborn. */
  async headState(): Promise<string | undefined> {
    const ran = await runGit(this.gitCommand, this.root, ['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD']);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim().replace('\n', ' ') : undefined;
  }

  /** The local branches with the commit each names and its committer date (Unix seconds), most recently committed first. */
  async localBranches(): Promise<{ name: string; commit: string; committed: number }[]> {
    const text = await this.text([
      'for-each-ref',
      '--sort=-committerdate',
      '--format=%(refname:short)%00%(objectname)%00%(committerdate:unix)',
      'refs/heads',
    ]);
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, commit, committed] = line.split('\0');
        return { name, commit, committed: Number(committed) };
      });
  }

  /**
   * The commits HEAD was at lately, newest first, from its reflog (`HEAD@{n}`), each with its committer date
   * (Unix seconds); none without a reflog.
   */
  async recentHeads(count: number): Promise<{ ref: string; commit: string; committed: number }[]> {
    const ran = await runGit(this.gitCommand, this.root, [
      'reflog',
      'show',
      `-n${count}`,
      '--format=%gd%x00%H%x00%ct',
      'HEAD',
    ]);
    if (ran.status !== 0) return [];
    return ran.stdout
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, commit, committed] = line.split('\0');
        return { ref, commit, committed: Number(committed) };
      });
  }

  /** A commit's author and author date (YYYY-MM-DD). */
  async commitFacts(commit: string): Promise<{ author: string; date: string }> {
    const [author, date] = (await this.text(['show', '-s', '--date=short', '--format=%an%x00%ad', commit, '--']))
      .trim()
      .split('\0');
    return { author, date };
  }

  /** The branch changes merge into: the remote's default branch (`origin/HEAD`), else `main`, else `master`. */
  async defaultBaseRef(): Promise<string | undefined> {
    const remoteHead = await runGit(this.gitCommand, this.root, [
      'symbolic-ref',
      '--quiet',
      '--short',
      'refs/remotes/origin/HEAD',
    ]);
    if (remoteHead.status === 0) return remoteHead.stdout.toString('utf8').trim();
    for (const branch of ['main', 'master']) if (await this.tryResolveCommit(`refs/heads/${branch}`)) return branch;
    return undefined;
  }

  /** The merge base of two commits; undefined when none is known (unrelated histories, a shallow clone). */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const ran = await runGit(this.gitCommand, this.root, ['merge-base', a, b]);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim() : undefined;
  }

  /** `ls-tree` of some folders at a commit (recursive); folders are root-relative with `/`. */
  async listTree(commit: string, folders: readonly string[], recursive: boolean): Promise<TreeEntry[]> {
    if (!folders.length) return [];
    const args = [
      'ls-tree',
      '-z',
      '--full-tree',
      ...(recursive ? ['-r'] : []),
      commit,
      '--',
      ...folders.map((f) => (f ? `${f}/` : '.')),
    ];
    return parseTree(await this.text(args));
  }

  /** The entries naming the folders themselves: their tree ids, which change when anything inside does. */
  async folderEntries(commit: string, folders: readonly string[]): Promise<TreeEntry[]> {
    if (!folders.length) return [];
    if (folders.includes('')) {
      const id = (await this.text(['rev-parse', `${commit}^{tree}`])).trim();
      return [{ mode: '040000', type: 'tree', id, path: '' }];
    }
    return parseTree(await this.text(['ls-tree', '-z', '--full-tree', commit, '--', ...folders]));
  }

  /** The contents of some blobs by id, in one `cat-file --batch`. */
  async readBlobs(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    (await this.readNamedBlobs(ids)).forEach((bytes, i) => bytes && out.set(ids[i], bytes));
    return out;
  }

  /** Objects named any way git understands (`<id>`, `<commit>^:<path>`), in order; undefined when missing. */
  async readNamedBlobs(names: readonly string[]): Promise<(Buffer | undefined)[]> {
    const usable = names.filter((name) => !name.includes('\n'));
    if (!usable.length) return names.map(() => undefined);
    // --buffer: one write per pipe-full, not one per object (each would be an event for the loop to handle).
    const data = await this.run(['cat-file', '--batch', '--buffer'], `${usable.join('\n')}\n`);
    const byName = new Map<string, Buffer | undefined>();
    let at = 0;
    for (const name of usable) {
      if (at >= data.length) break;
      const eol = data.indexOf(10, at);
      // Found: `<id> <type> <size>`; else `<name> missing` (names may contain spaces).
      const header = /^[0-9a-f]{40,64} \w+ (\d+)$/.exec(data.toString('utf8', at, eol));
      at = eol + 1;
      if (!header) continue;
      const size = Number(header[1]);
      byName.set(name, data.subarray(at, at + size));
      at += size + 1;
    }
    return names.map((name) => byName.get(name));
  }

  /**
   * The blob ids the work tree's files would get (`git add` filters applied), for absolute paths; a file
   * that is gone (a checkout the file watchers have not reported yet) has none, as git would fail on it.
   */
  async hashFiles(files: readonly string[]): Promise<Map<string, string>> {
    const present = files.filter((file) => isRegularFile(file) && !file.includes('\n'));
    if (!present.length) return new Map();
    const blobs = (await this.text(['hash-object', '--stdin-paths'], `${present.join('\n')}\n`)).trim().split('\n');
    return new Map(present.map((file, i) => [file, blobs[i]]));
  }

  /** A path relative to the root with `/`, or undefined when it is outside the work tree. */
  relative(file: string): string | undefined {
    const rel = path.relative(this.root, realpathOrSelf(file));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  absolute(relative: string): string {
    return path.join(this.root, ...relative.split('/'));
  }
}

/**
 * Runs `read` (reads of `repo` that belong together) and says whether HEAD stayed where it was meanwhile:
 * a commit or a branch switch during the read makes its answer a mix of two states, or a failure (a file
 * gone by the time git is asked). A failure is thrown only when HEAD stayed.
 */
export async function readWhileHeadStays<T>(
  repo: GitRepository,
  read: () => Promise<T>,
): Promise<{ moved: false; value: T } | { moved: true }> {
  const before = await repo.headState();
  let value: T;
  try {
    value = await read();
  } catch (err) {
    if ((await repo.headState()) !== before) return { moved: true };
    throw err;
  }
  return (await repo.headState()) === before ? { moved: false, value } : { moved: true };
}

function runGit(gitCommand: string, cwd: string, args: string[], input?: string): Promise<Ran> {
  // No optional locks: reading must never compete with the user's own git commands for index.lock.
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  return new Promise((resolve, reject) => {
    // Loaded here, not at the top: child_process takes ~4 ms to load, and most commands never run git.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(gitCommand, args, { cwd, env, windowsHide: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && !fs.existsSync(cwd)) {
        reject(new GitError(`${cwd} does not exist`, 'not-a-repository'));
      } else if (err.code === 'ENOENT') {
        reject(new GitError(`git is not installed (or not on PATH): '${gitCommand}' was not found`, 'no-git'));
      } else reject(new GitError(`git could not run: ${err.message}`, 'failed'));
    });
    child.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
    // A git that exits before reading all its input (a bad ref, a crash) says why in its exit status, not in EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function parseTree(text: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of text.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, id] = record.slice(0, tab).split(' ');
    entries.push({ mode, type: type as TreeEntry['type'], id, path: record.slice(tab + 1) });
  }
  return entries;
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')[0]
      ?.replace(/^(fatal|error): /, '') ?? ''
  );
}

function realpathOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** A regular file (through symlinks): git can hash it without blocking (a FIFO) or failing (gone). */
function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
