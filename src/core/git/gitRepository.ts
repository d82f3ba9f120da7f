// A git repository read through the git CLI, never touching its work tree or index: commits, trees,
// blobs, merge bases, the log. Every failure is a GitError whose message says what is wrong and
// what to do about it, so that callers can show it as it is.
import { spawnSync } from 'node:child_process';
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

/** Big enough for the blobs of a large history in one `cat-file --batch`. */
const MAX_OUTPUT = 1 << 30;

export class GitRepository {
  private constructor(
    /** The work tree's root, links resolved. */
    readonly root: string,
    readonly shallow: boolean,
    private readonly gitCommand: string,
  ) {}

  /** The repository `dir` is in; throws a GitError when git is missing or `dir` is in none. */
  static open(dir: string, gitCommand = 'git'): GitRepository {
    const ran = runGit(gitCommand, dir, ['rev-parse', '--show-toplevel', '--is-shallow-repository']);
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
  run(args: string[], input?: string): Buffer {
    const ran = runGit(this.gitCommand, this.root, args, input);
    if (ran.status !== 0) {
      throw new GitError(`git ${args[0]} failed: ${firstLine(ran.stderr) || `exit ${ran.status}`}`, 'failed');
    }
    return ran.stdout;
  }

  private text(args: string[], input?: string): string {
    return this.run(args, input).toString('utf8');
  }

  /** The commit a ref names, or undefined when there is none (an unborn branch, a typo). */
  tryResolveCommit(ref: string): string | undefined {
    const ran = runGit(this.gitCommand, this.root, [
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`,
    ]);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim() : undefined;
  }

  /** The commit a ref names; a GitError that says what exists when it names none. */
  resolveCommit(ref: string): string {
    const commit = this.tryResolveCommit(ref);
    if (commit) return commit;
    const known = this.text(['for-each-ref', '--count=12', '--format=%(refname:short)', 'refs/heads', 'refs/remotes'])
      .split('\n')
      .filter((name) => name && !name.endsWith('/HEAD'));
    const shallowHint = this.shallow
      ? ' This is a shallow clone, which has only the refs it was cloned with: fetch the base too ' +
        `(\`git fetch origin ${ref.replace(/^origin\//, '')}\`, or \`fetch-depth: 0\` in actions/checkout).`
      : '';
    const knownText = known.length ? ` Known branches: ${known.join(', ')}.` : ' The repository has no branches yet.';
    throw new GitError(`base ref '${ref}' does not exist in ${this.root}.${shallowHint}${knownText}`, 'unknown-ref');
  }

  /** The checked-out branch's short name, or undefined for a detached HEAD (or an unborn repository). */
  currentBranch(): string | undefined {
    const ran = runGit(this.gitCommand, this.root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim() : undefined;
  }

  /** The local branches with the commit each names, most recently committed first. */
  localBranches(): { name: string; commit: string }[] {
    return this.text([
      'for-each-ref',
      '--sort=-committerdate',
      '--format=%(refname:short)%00%(objectname)',
      'refs/heads',
    ])
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, commit] = line.split('\0');
        return { name, commit };
      });
  }

  /** The commits HEAD was at lately, newest first, from its reflog (`HEAD@{n}`); none without a reflog. */
  recentHeads(count: number): { ref: string; commit: string }[] {
    const ran = runGit(this.gitCommand, this.root, ['reflog', 'show', `-n${count}`, '--format=%gd%x00%H', 'HEAD']);
    if (ran.status !== 0) return [];
    return ran.stdout
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, commit] = line.split('\0');
        return { ref, commit };
      });
  }

  /** A commit's author and author date (YYYY-MM-DD). */
  commitFacts(commit: string): { author: string; date: string } {
    const [author, date] = this.text(['show', '-s', '--date=short', '--format=%an%x00%ad', commit, '--'])
      .trim()
      .split('\0');
    return { author, date };
  }

  /** The branch changes merge into: the remote's default branch (`origin/HEAD`), else `main`, else `master`. */
  defaultBaseRef(): string | undefined {
    const remoteHead = runGit(this.gitCommand, this.root, [
      'symbolic-ref',
      '--quiet',
      '--short',
      'refs/remotes/origin/HEAD',
    ]);
    if (remoteHead.status === 0) return remoteHead.stdout.toString('utf8').trim();
    return ['main', 'master'].find((branch) => this.tryResolveCommit(`refs/heads/${branch}`));
  }

  /** The merge base of two commits; undefined when none is known (unrelated histories, a shallow clone). */
  mergeBase(a: string, b: string): string | undefined {
    const ran = runGit(this.gitCommand, this.root, ['merge-base', a, b]);
    return ran.status === 0 ? ran.stdout.toString('utf8').trim() : undefined;
  }

  /** `ls-tree` of some folders at a commit (recursive); folders are root-relative with `/`. */
  listTree(commit: string, folders: readonly string[], recursive: boolean): TreeEntry[] {
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
    return parseTree(this.text(args));
  }

  /** The entries naming the folders themselves: their tree ids, which change when anything inside does. */
  folderEntries(commit: string, folders: readonly string[]): TreeEntry[] {
    if (!folders.length) return [];
    if (folders.includes('')) {
      return [{ mode: '040000', type: 'tree', id: this.text(['rev-parse', `${commit}^{tree}`]).trim(), path: '' }];
    }
    return parseTree(this.text(['ls-tree', '-z', '--full-tree', commit, '--', ...folders]));
  }

  /** The contents of some blobs by id, in one `cat-file --batch`. */
  readBlobs(ids: readonly string[]): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    this.readNamedBlobs(ids).forEach((bytes, i) => bytes && out.set(ids[i], bytes));
    return out;
  }

  /** Objects named any way git understands (`<id>`, `<commit>^:<path>`), in order; undefined when missing. */
  readNamedBlobs(names: readonly string[]): (Buffer | undefined)[] {
    const usable = names.filter((name) => !name.includes('\n'));
    if (!usable.length) return names.map(() => undefined);
    const data = this.run(['cat-file', '--batch'], `${usable.join('\n')}\n`);
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

  /** The blob ids the work tree's files would get (`git add` filters applied), for absolute paths. */
  hashFiles(files: readonly string[]): string[] {
    if (!files.length) return [];
    return this.text(['hash-object', '--stdin-paths'], `${files.join('\n')}\n`)
      .trim()
      .split('\n');
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

function runGit(gitCommand: string, cwd: string, args: string[], input?: string): Ran {
  // No optional locks: reading must never compete with the user's own git commands for index.lock.
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  const ran = spawnSync(gitCommand, args, { cwd, input, env, maxBuffer: MAX_OUTPUT, windowsHide: true });
  if (ran.error) {
    const code = (ran.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !fs.existsSync(cwd)) throw new GitError(`${cwd} does not exist`, 'not-a-repository');
    if (code === 'ENOENT') {
      throw new GitError(`git is not installed (or not on PATH): '${gitCommand}' was not found`, 'no-git');
    }
    throw new GitError(`git could not run: ${ran.error.message}`, 'failed');
  }
  return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr.toString('utf8') };
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
