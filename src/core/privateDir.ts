// Reading and writing files in a per-user cache folder that other users cannot tamper with: the
// folder must be the user's and not writable by group or others (else it is refused, with the
// reason); files are read without following links and written through a temporary file created
// exclusively, under a random name, without following links, then renamed into place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomHex } from './lazyCrypto';

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;
const WRITABLE_BY_OTHERS = 0o022;
// O_NOFOLLOW does not exist on Windows, where the owner and mode checks do not apply either.
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** The per-user cache folder, as other developer tools place theirs ($XDG_CACHE_HOME, else ~/.cache). */
export function userCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homeDir(), '.cache'), 'alembic-lens');
}

export type PrivateDirCheck = { ok: true } | { ok: false; reason: string };

/**
 * Creates `dir` (mode 0700) when missing and checks that it is safe to trust: a real directory,
 * owned by this user, not writable by group or others. A safe folder with a looser read mode is
 * tightened to 0700.
 */
export function preparePrivateDir(dir: string): PrivateDirCheck {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) return { ok: false, reason: `${dir} is not a directory` };
    const uid = process.getuid?.();
    if (uid === undefined) return { ok: true };
    if (stat.uid !== uid) return { ok: false, reason: `${dir} belongs to user id ${stat.uid}, not to you (${uid})` };
    if (stat.mode & WRITABLE_BY_OTHERS) {
      const who = stat.mode & 0o002 ? 'others' : 'its group';
      return { ok: false, reason: `${dir} is writable by ${who} (mode ${modeString(stat.mode)})` };
    }
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) fs.chmodSync(dir, PRIVATE_DIR_MODE);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `${dir} cannot be used: ${(err as Error).message}` };
  }
}

/** The file's text, or undefined when it is missing, a link, not a regular file or not this user's. */
export function readPrivateFile(file: string): string | undefined {
  return readPrivateBytes(file)?.toString('utf8');
}

/** The file's bytes, under the same conditions as readPrivateFile. */
export function readPrivateBytes(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NO_FOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || stat.mode & WRITABLE_BY_OTHERS) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` atomically; the temporary file is new (O_EXCL), unguessable and never a link. */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomHex(12)}.tmp`);
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NO_FOLLOW;
  const fd = fs.openSync(tmp, flags, PRIVATE_FILE_MODE);
  try {
    try {
      fs.writeFileSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function modeString(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** The user's home: HOME, as os.homedir() reads it first; node:os (~4 ms to load) only without it. */
function homeDir(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return process.env.HOME || (require('node:os') as typeof import('node:os')).homedir();
}
