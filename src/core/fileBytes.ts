// Reading a file the user's project names, which may be anything: a FIFO (opening it would wait for a
// writer), a device (/dev/zero never ends), or one of 10,000 revision files (each syscall counts).
import * as fs from 'node:fs';

/** Read into one scratch buffer first: no fstat and no large allocation per file (10,000 files show it). */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** A file's bytes, as fs.readFileSync gives them (a copy: the scratch buffer is reused). */
export function readFileBytes(file: string): Buffer {
  const bytes = readIntoScratch(file);
  return bytes.buffer === scratch.buffer ? Buffer.from(bytes) : bytes;
}

/**
 * What `use` makes of a file's bytes, which are valid only during the call (the next read reuses
 * their buffer): a file read only to be decoded is not copied first.
 */
export function withFileBytes<T>(file: string, use: (bytes: Buffer) => T): T {
  return use(readIntoScratch(file));
}

/** The bytes, in the scratch buffer when they fit, else in a buffer of their own. */
function readIntoScratch(file: string): Buffer {
  // Non-blocking: opening or reading a FIFO (or a link to one) must not wait forever for a writer.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    let length = 0;
    try {
      // A regular file reads short only at its end: no further read that would return 0 bytes.
      while (length < scratch.length) {
        const wanted = scratch.length - length;
        const got = fs.readSync(fd, scratch, length, wanted, length);
        length += got;
        if (got < wanted) break;
      }
    } catch (err) {
      if (fs.fstatSync(fd).isFile()) throw err;
    }
    // A file that reads empty, fails (ESPIPE) or fills the buffer may be a FIFO or a device (/dev/zero never
    // ends): only those need an fstat.
    if ((length === 0 || length === scratch.length) && !fs.fstatSync(fd).isFile()) {
      throw new Error('it is not a regular file (a FIFO, socket or device): Python would wait on it or fail');
    }
    // A larger file (or one growing under us) is read whole.
    if (length === scratch.length) return fs.readFileSync(fd);
    return scratch.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's text as UTF-8 (undecodable bytes replaced), read as safely as readFileBytes. */
export function readTextFile(file: string): string {
  return readFileBytes(file).toString('utf8');
}
