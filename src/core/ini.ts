// An .ini reader with the rules of Python's configparser as Alembic uses it (ConfigParser with
// BasicInterpolation): `#`/`;` full-line comments only, `=` or `:` delimiters, case-insensitive keys,
// indented continuation lines, `[DEFAULT]`, strict duplicates, and `%(name)s` / `%%` interpolation.
import { type Problem, problem } from './problems';
import { secretRanges } from './secrets';

export interface IniOption {
  raw: string;
  /** 1-based line of the key. */
  line: number;
}

export interface IniFile {
  path: string;
  /** Section name (case-sensitive, as configparser keeps it) -> lower-cased key -> option. */
  sections: Map<string, Map<string, IniOption>>;
  /** `[DEFAULT]` plus the defaults the caller passed (Alembic passes `here`). */
  defaults: Map<string, IniOption>;
  problems: Problem[];
  /** Characters produced by interpolation so far, over every option read (see MAX_TOTAL_CHARS). */
  interpolatedChars: number;
}

const DEFAULT_SECTION = 'DEFAULT';
/** configparser's MAX_INTERPOLATION_DEPTH. */
const MAX_INTERPOLATION_DEPTH = 10;
// Python has no limits beyond the depth: ten levels that each repeat the one below ten times make
// configparser (and a naive reader) build gigabytes. No real value comes near these.
const MAX_VALUE_CHARS = 4 * 1024 * 1024;
const MAX_TOTAL_CHARS = 32 * 1024 * 1024;
const MAX_SUBSTITUTIONS = 100_000;

export function parseIni(text: string, path: string, defaults: Record<string, string> = {}): IniFile {
  const file: IniFile = { path, sections: new Map(), defaults: new Map(), problems: [], interpolatedChars: 0 };
  for (const [key, value] of Object.entries(defaults)) file.defaults.set(key.toLowerCase(), { raw: value, line: 0 });
  const seenSections = new Set<string>();
  const seenOptions = new Set<string>();
  const values = new Map<IniOption, string[]>();
  let current: Map<string, IniOption> | undefined;
  let currentName = '';
  let option: IniOption | undefined;
  let optionIndent = 0;

  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i];
    const stripped = line.trim();
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    if (!stripped || isComment) {
      // configparser keeps blank lines inside a multi-line value; comment lines are dropped.
      if (!isComment && option) values.get(option)!.push('');
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (current && option && indent > optionIndent) {
      values.get(option)!.push(stripped);
      continue;
    }
    optionIndent = indent;
    const header = /^\[(.+)\]/.exec(stripped);
    if (header) {
      currentName = header[1];
      option = undefined;
      if (currentName === DEFAULT_SECTION) {
        current = file.defaults;
      } else if (seenSections.has(currentName)) {
        file.problems.push(
          problem(
            'error',
            'ini-syntax',
            `Section '${currentName}' already exists (Python's configparser refuses duplicate sections).`,
            path,
            lineNo,
          ),
        );
        current = file.sections.get(currentName);
      } else {
        current = file.sections.get(currentName) ?? new Map();
        file.sections.set(currentName, current);
      }
      seenSections.add(currentName);
      continue;
    }
    if (!current) {
      file.problems.push(
        problem(
          'error',
          'ini-syntax',
          `File contains no section headers: line ${lineNo} (${JSON.stringify(stripped)}) comes before any [section].`,
          path,
          lineNo,
        ),
      );
      return file;
    }
    const delimiter = /^(.*?)\s*([=:])\s*(.*)$/.exec(stripped);
    if (!delimiter?.[1].trimEnd()) {
      file.problems.push(
        problem(
          'error',
          'ini-syntax',
          `Cannot parse line ${lineNo}: expected 'key = value' (${JSON.stringify(stripped)}).`,
          path,
          lineNo,
        ),
      );
      option = undefined;
      continue;
    }
    const key = delimiter[1].trimEnd().toLowerCase();
    const seenKey = `${currentName}\0${key}`;
    if (seenOptions.has(seenKey)) {
      file.problems.push(
        problem(
          'error',
          'ini-syntax',
          `Option '${key}' in section '${currentName}' already exists (line ${current.get(key)!.line}); Python's configparser refuses duplicates.`,
          path,
          lineNo,
        ),
      );
    }
    seenOptions.add(seenKey);
    option = { raw: '', line: lineNo };
    values.set(option, [delimiter[3].trim()]);
    current.set(key, option);
  }
  for (const [opt, parts] of values) opt.raw = parts.join('\n').trimEnd();
  return file;
}

export type InterpolationResult = { value: string } | { error: string };

/** A section's option with `%(name)s` interpolation against the section and the defaults. */
export function getOption(file: IniFile, section: string, key: string): InterpolationResult | undefined {
  const options = file.sections.get(section);
  const lower = key.toLowerCase();
  const option = options?.get(lower) ?? (options ? file.defaults.get(lower) : undefined);
  if (!option) return undefined;
  const lookup = (name: string): string | undefined => (options?.get(name) ?? file.defaults.get(name))?.raw;
  const budget: Budget = { chars: 0, substitutions: 0, fileChars: file.interpolatedChars, key, section };
  try {
    return { value: interpolate(option.raw, lookup, budget, 1) };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    file.interpolatedChars += budget.chars;
  }
}

/** What one option's interpolation has produced and done so far, against the caps. */
interface Budget {
  chars: number;
  substitutions: number;
  /** Produced by the file's earlier reads. */
  fileChars: number;
  key: string;
  section: string;
}

/** Counts `text` as output; throws past a cap. Only leaf text is counted, so `chars` is the final length. */
function spend(budget: Budget, text: string): string {
  budget.chars += text.length;
  const where = `option '${budget.key}' in section '${budget.section}'`;
  if (budget.chars > MAX_VALUE_CHARS) {
    throw new Error(
      `Value substitution too large: ${where} would interpolate to more than ${MAX_VALUE_CHARS / 1024 / 1024} MiB; alembic-lens stops there`,
    );
  }
  if (budget.fileChars + budget.chars > MAX_TOTAL_CHARS) {
    throw new Error(
      `Value substitution too large: reading ${where}, the options of this file would interpolate to more than ${MAX_TOTAL_CHARS / 1024 / 1024} MiB in total`,
    );
  }
  return text;
}

export function hasSection(file: IniFile, section: string): boolean {
  return file.sections.has(section);
}

function interpolate(raw: string, lookup: (name: string) => string | undefined, budget: Budget, depth: number): string {
  const { key, section } = budget;
  if (depth > MAX_INTERPOLATION_DEPTH)
    throw new Error(`Recursion limit exceeded in value substitution: option '${key}' in section '${section}'`);
  let out = '';
  let rest = raw;
  while (rest) {
    const p = rest.indexOf('%');
    if (p < 0) return out + spend(budget, rest);
    out += spend(budget, rest.slice(0, p));
    rest = rest.slice(p);
    const next = rest[1];
    if (next === '%') {
      out += spend(budget, '%');
      rest = rest.slice(2);
    } else if (next === '(') {
      if (++budget.substitutions > MAX_SUBSTITUTIONS) {
        throw new Error(
          `Value substitution too large: option '${key}' in section '${section}' needs more than ${MAX_SUBSTITUTIONS} substitutions; alembic-lens stops there`,
        );
      }
      const m = /^%\(([^)]+)\)s/.exec(rest);
      // A URL's password may hold the '%(': then the message says where, not what (configparser quotes it).
      const at = `at character ${raw.length - rest.length + 1} of its value, not quoted: it holds credentials`;
      if (!m) {
        const what = secretRanges(raw).length ? `(${at})` : JSON.stringify(clip(rest));
        throw new Error(`bad interpolation variable reference ${what} in option '${key}'`);
      }
      const name = m[1].toLowerCase();
      rest = rest.slice(m[0].length);
      const value = lookup(name);
      if (value === undefined) {
        const what = secretRanges(raw).length ? `(${at})` : `'${name}'`;
        throw new Error(
          `Bad value substitution: option '${key}' in section '${section}' contains an interpolation key ${what} which is not a valid option name`,
        );
      }
      out += value.includes('%') ? interpolate(value, lookup, budget, depth + 1) : spend(budget, value);
    } else {
      // The value is not quoted: it is often a URL whose password holds the '%' (configparser quotes it).
      throw new Error(
        `'%' must be followed by '%' or '(' in option '${key}' (character ${raw.length - rest.length + 1} of its value): ` +
          "write '%%' for a literal '%', e.g. a URL-encoded password's '%40' as '%%40'",
      );
    }
  }
  return out;
}

/** The start of a value quoted in a message: a hostile one may be megabytes long. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
