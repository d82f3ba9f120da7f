// The one masking function: every text that can reach a view, a log, a message or the command line
// goes through `maskSecrets`. It hides the credentials of anything URL-like and password-like
// `key=value` pairs without being told the URL, and every secret of the URLs parsed so far.
//
// A URL's credentials are everything between the first `:` after `scheme://user` and the last `@` of
// the line: a password may hold `@`, `/`, `:`, `#`, spaces, and so may what a driver echoes of it.

const PASSWORD_KEYS = /^(password|passwd|pwd|pass|sslpassword|secret|token|access_token|api_key|apikey)$/i;
/** `key=`: at the start, or after a query, ODBC or DSN separator (the value is not consumed). */
const KEY_PATTERN = /(?<=^|[?&;\s'"(,{])([^=&;\s?'"(,{]+)=/g;
const MASK = '***';
/** `scheme://`, or a scheme followed by other slashes (or none), as in a mistyped URL: `postgresql:/`. */
const SCHEME = /:\/\/|(?<![\p{L}\p{N}_.+-])[A-Za-z][A-Za-z0-9]*(?:\+[A-Za-z0-9_]+)?:(?!\/\/)[/\\]*/gu;
/** Secrets at least this long are hidden wherever they appear; shorter ones only as whole words. */
const ANYWHERE_LENGTH = 6;
const REMEMBERED_MAX = 64;

/** Secrets of URLs seen so far, oldest first; bounded, as URLs come and go with settings and files. */
const remembered = new Set<string>();

export type Range = [start: number, end: number];

/** The spans of one line that hold credentials: `user:<here>@host`, `password=<here>&...`. */
export function secretRanges(line: string): Range[] {
  const ranges: Range[] = [];
  for (const scheme of line.matchAll(SCHEME)) {
    const from = scheme.index! + scheme[0].length;
    // SQLAlchemy's user name stops at `:` or `/`; the password runs to the last `@`. A malformed URL
    // (`postgresql:/u:pw@h`, `postgresql:u:pw@h`) is read the same way, with a user name of one word.
    const wellFormed = scheme[0].endsWith('://');
    const userEnd = from + (wellFormed ? /^[^:/]*/ : /^[^:/\\\s'"@]*/).exec(line.slice(from))![0].length;
    const lastAt = line.lastIndexOf('@');
    if (line[userEnd] === ':' && lastAt > userEnd) ranges.push([userEnd + 1, lastAt]);
  }
  for (const m of line.matchAll(KEY_PATTERN)) {
    if (!PASSWORD_KEYS.test(decodeQueryText(m[1]))) continue;
    const start = m.index! + m[0].length;
    const amp = line.indexOf('&', start);
    const end = amp < 0 ? line.length : amp;
    if (end > start) ranges.push([start, end]);
  }
  return mergeRanges(ranges);
}

function mergeRanges(ranges: Range[]): Range[] {
  const merged: Range[] = [];
  for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

function maskLine(line: string): string {
  let out = '';
  let pos = 0;
  for (const [start, end] of secretRanges(line)) {
    out += line.slice(pos, start) + MASK;
    pos = end;
  }
  return out + line.slice(pos);
}

/** Python's `unquote_plus`, for query keys and values: malformed escapes stay as written. */
function decodeQueryText(text: string): string {
  return percentDecode(text.replace(/\+/g, ' '));
}

/** Python's `urllib.parse.unquote`: %XX as UTF-8, malformed escapes kept as written. */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Remembers the secrets written in `url` (or in any text holding URLs): each credentials span and
 * password value as written and decoded, and the pieces of a span between its `@`s, which is what a
 * driver shows when it takes the text after the first `@` for the host.
 */
export function rememberSecrets(url: string): void {
  for (const line of url.split(/\r?\n/)) {
    for (const [start, end] of secretRanges(line)) {
      const span = line.slice(start, end);
      for (const secret of [span, percentDecode(span), decodeQueryText(span), ...span.split('@')]) remember(secret);
    }
  }
}

/** A span worth hiding: not empty, not already `***`, with a letter or digit (not lone punctuation). */
function isSecretLike(secret: string): boolean {
  return secret !== MASK && /[\p{L}\p{N}]/u.test(secret);
}

function remember(secret: string): void {
  if (!isSecretLike(secret)) return;
  remembered.delete(secret);
  remembered.add(secret);
  if (remembered.size > REMEMBERED_MAX) remembered.delete(remembered.values().next().value!);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `text` with each of `secrets` (as written, and URL-encoded) replaced by `***`, longest first. */
function hideEach(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      if (!out.includes(form)) continue;
      // A short password must not turn every such letter of a message into `***`.
      out =
        form.length >= ANYWHERE_LENGTH
          ? out.split(form).join(MASK)
          : out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(form)}(?![\\p{L}\\p{N}])`, 'gu'), MASK);
    }
  }
  return out;
}

/**
 * `text` with every database secret replaced by `***`: URL credentials and password-like values
 * (found by their shape, whatever URL they belong to), and the secrets of `urls` and of every URL
 * parsed before.
 */
export function maskSecrets(text: string, ...urls: Array<string | undefined>): string {
  for (const url of urls) if (url) rememberSecrets(url);
  // Every problem's message passes here: credentials need an `@` (a URL's) or an `=` (a password key's),
  // and an encoded one a `%`; most messages have none of them.
  const masked = /[@=]/.test(text) ? text.split('\n').map(maskLine).join('\n') : text;
  const encoded = text.includes('%') ? encodedSecrets(text) : [];
  return remembered.size || encoded.length ? hideEach(masked, new Set([...remembered, ...encoded])) : masked;
}

/** The secrets that show their shape only once decoded: `?dsn=host%3Dh password%3Dpw` holds `pw`. */
function encodedSecrets(text: string): string[] {
  const secrets: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('%')) continue;
    const decoded = decodeQueryText(line);
    for (const [start, end] of secretRanges(decoded)) {
      const secret = decoded.slice(start, end);
      if (isSecretLike(secret)) secrets.push(secret);
    }
  }
  return secrets;
}
