// node:crypto takes 10–25 ms to load (it brings Node's stream modules along): `heads` and the other read
// commands never need it, so it is loaded on first use.
import type * as Crypto from 'node:crypto';

let crypto: typeof Crypto | undefined;

function load(): typeof Crypto {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  crypto ??= require('node:crypto') as typeof Crypto;
  return crypto;
}

/** `bytes` random bytes as hex, unguessable (temporary file names, revision ids). */
export function randomHex(bytes: number): string {
  return load().randomBytes(bytes).toString('hex');
}

/** The first `length` hex digits of the SHA-1 of `text`. */
export function sha1Hex(text: string, length = 40): string {
  return load().createHash('sha1').update(text).digest('hex').slice(0, length);
}
