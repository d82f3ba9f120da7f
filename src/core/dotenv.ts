// `.env` files read the way python-dotenv reads them (what `load_dotenv()` and pydantic-settings see):
// `KEY=value`, `export KEY=value`, single quotes (only \' and \\ escapes), double quotes (C escapes),
// `#` comments, a ` #` comment after an unquoted value, and `${VAR}` / `${VAR:-default}` expansion,
// which python-dotenv applies to every value, single-quoted ones included.

import { readTextFile } from './fileBytes';
import { SIMPLE_ESCAPES } from './python/literals';

export interface DotenvOptions {
  /** The process environment, for `${VAR}` expansion. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * True (python-dotenv's `dotenv_values`): a variable defined earlier in the file wins over the
   * environment in `${VAR}`. False (`load_dotenv()`): the environment wins.
   */
  override?: boolean;
}

interface Entry {
  key: string;
  value: string;
}

/** Parses the text of a `.env` file. Lines it cannot read are skipped, as python-dotenv does. */
export function parseDotenv(text: string, options: DotenvOptions = {}): Record<string, string> {
  const entries = readEntries(text.replace(/^\ufeff/, ''));
  const values: Record<string, string> = {};
  const env = options.env ?? {};
  const override = options.override ?? true;
  for (const entry of entries) {
    const lookup = (name: string): string | undefined => {
      const fromFile = Object.hasOwn(values, name) ? values[name] : undefined;
      return override ? (fromFile ?? env[name]) : (env[name] ?? fromFile);
    };
    values[entry.key] = expandVariables(entry.value, lookup);
  }
  return values;
}

/** Reads and parses a `.env` file; undefined when it cannot be read. */
export function readDotenvFile(file: string, options: DotenvOptions = {}): Record<string, string> | undefined {
  let text: string;
  try {
    text = readTextFile(file);
  } catch {
    return undefined;
  }
  return parseDotenv(text, options);
}

/** python-dotenv's `${NAME}` / `${NAME:-default}`; an unknown name without a default is empty. */
function expandVariables(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(/\$\{([^}:]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    // A variable set to '' stays '': the default is only for unset ones.
    const found = lookup(name);
    return found !== undefined ? found : (fallback ?? '');
  });
}

function readEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  const n = text.length;
  let pos = 0;
  const skipToLineEnd = (): void => {
    while (pos < n && text[pos] !== '\n') pos++;
    pos++;
  };
  while (pos < n) {
    // Leading blanks, blank lines, comment lines.
    while (pos < n && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\r')) pos++;
    if (pos >= n) break;
    if (text[pos] === '\n' || text[pos] === '#') {
      skipToLineEnd();
      continue;
    }
    const exportPrefix = /^export[ \t]+/.exec(text.slice(pos, pos + 64));
    if (exportPrefix) pos += exportPrefix[0].length;

    let key: string;
    if (text[pos] === "'") {
      const close = text.indexOf("'", pos + 1);
      if (close < 0) {
        skipToLineEnd();
        continue;
      }
      key = text.slice(pos + 1, close);
      pos = close + 1;
    } else {
      const m = /^[^=#\s]+/.exec(text.slice(pos, pos + 4096));
      if (!m) {
        skipToLineEnd();
        continue;
      }
      key = m[0];
      pos += key.length;
    }
    while (pos < n && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    if (text[pos] !== '=') {
      // `KEY` alone (python-dotenv yields None, which sets nothing), or a line it cannot read.
      skipToLineEnd();
      continue;
    }
    pos++;
    while (pos < n && (text[pos] === ' ' || text[pos] === '\t')) pos++;

    const quote = text[pos];
    if (quote === "'" || quote === '"') {
      let value = '';
      let q = pos + 1;
      let closed = false;
      while (q < n) {
        const c = text[q];
        if (c === '\\' && q + 1 < n) {
          const e = text[q + 1];
          if (quote === '"' && e in SIMPLE_ESCAPES) {
            value += SIMPLE_ESCAPES[e];
            q += 2;
            continue;
          }
          if (quote === "'" && (e === "'" || e === '\\')) {
            value += e;
            q += 2;
            continue;
          }
          value += c;
          q++;
          continue;
        }
        if (c === quote) {
          closed = true;
          break;
        }
        value += c;
        q++;
      }
      if (!closed) {
        skipToLineEnd();
        continue;
      }
      pos = q + 1;
      // After the closing quote: blanks and an optional comment, nothing else.
      const rest = /^[ \t]*(?:#[^\n]*)?\r?(?:\n|$)/.exec(text.slice(pos, pos + 65536));
      if (!rest) {
        skipToLineEnd();
        continue;
      }
      pos += rest[0].length;
      entries.push({ key, value });
      continue;
    }
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const raw = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    entries.push({ key, value: raw.replace(/\s+#.*/, '').trimEnd() });
  }
  return entries;
}
