// `# alembic-lens: ignore[rule, ...]` (or bare `ignore`, every rule) at the end of a line or alone on
// the line above silences that line; `# alembic-lens: ignore-file[rule]` (or bare `ignore-file`)
// anywhere silences the file. Only real comments count: the same text inside a string does not.
import type { Problem, Severity } from '../problems';
import { type LintOptions, severityOf } from './rules';

export interface Suppressions {
  /** Rules ignored in the whole file; `*` for all. */
  file: Set<string>;
  /** Line -> rules ignored on it; `*` for all. */
  lines: Map<number, Set<string>>;
}

const DIRECTIVE = /alembic-lens\s*:\s*ignore(-file)?\b(?:\s*\[([^\]]*)\])?/g;

/** The suppression comments of a Python file. */
export function pythonSuppressions(text: string): Suppressions {
  return fromComments(pythonComments(text));
}

/** The suppression comments of an ini file (full-line `#` or `;` comments, as configparser reads them). */
export function iniSuppressions(text: string): Suppressions {
  const comments: SourceComment[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const m = /^\s*[#;](.*)$/.exec(line);
    if (m) comments.push({ line: i + 1, text: m[1], alone: true });
  });
  return fromComments(comments);
}

export function isSuppressed(suppressions: Suppressions, code: string, line: number): boolean {
  const hit = (rules: Set<string> | undefined): boolean => !!rules && (rules.has('*') || rules.has(code));
  return hit(suppressions.file) || hit(suppressions.lines.get(line));
}

/**
 * Gives each problem the severity its rule has under `options`, and drops the problems of rules
 * that are off or suppressed by a comment of their file (`suppressionsOf(path)`).
 */
export function applyLintOptions(
  problems: Problem[],
  options: LintOptions,
  suppressionsOf: (path: string) => Suppressions | undefined,
): Problem[] {
  const out: Problem[] = [];
  for (const p of problems) {
    const severity = severityOf(p.code, options);
    if (severity === 'off') continue;
    const suppressions = suppressionsOf(p.path);
    if (suppressions && isSuppressed(suppressions, p.code, p.line)) continue;
    out.push(severity === p.severity ? p : { ...p, severity: severity as Severity });
  }
  return out;
}

export interface SourceComment {
  line: number;
  text: string;
  /** Nothing but whitespace before it on its line. */
  alone: boolean;
}

function fromComments(comments: SourceComment[]): Suppressions {
  const result: Suppressions = { file: new Set(), lines: new Map() };
  for (const comment of comments) {
    for (const m of comment.text.matchAll(DIRECTIVE)) {
      const rules =
        m[2] === undefined
          ? ['*']
          : m[2]
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean);
      if (!rules.length) continue;
      if (m[1]) {
        for (const r of rules) result.file.add(r);
        continue;
      }
      // A trailing comment covers its own line; a comment alone on its line covers the next one too.
      const lines = comment.alone ? [comment.line, comment.line + 1] : [comment.line];
      for (const line of lines) {
        const set = result.lines.get(line) ?? new Set<string>();
        for (const r of rules) set.add(r);
        result.lines.set(line, set);
      }
    }
  }
  return result;
}

/** Every `#` comment of a Python source, skipping strings (single, triple, with prefixes and escapes). */
export function pythonComments(text: string): SourceComment[] {
  const comments: SourceComment[] = [];
  const n = text.length;
  let line = 1;
  let lineHasCode = false;
  for (let i = 0; i < n; i++) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      lineHasCode = false;
      continue;
    }
    if (ch === '#') {
      let end = i;
      while (end < n && text[end] !== '\n' && text[end] !== '\r') end++;
      comments.push({ line, text: text.slice(i + 1, end), alone: !lineHasCode });
      i = end - 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const triple = text[i + 1] === ch && text[i + 2] === ch;
      let j = i + (triple ? 3 : 1);
      for (; j < n; j++) {
        const c = text[j];
        if (c === '\\') {
          if (text[j + 1] === '\n') line++;
          j++;
          continue;
        }
        if (c === '\n') {
          if (!triple) {
            j--; // unterminated: the newline ends it, and is counted by the outer loop
            break;
          }
          line++;
          continue;
        }
        if (c === ch && (!triple || (text[j + 1] === ch && text[j + 2] === ch))) {
          j += triple ? 2 : 0;
          break;
        }
      }
      i = j;
      lineHasCode = true;
      continue;
    }
    if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\f') lineHasCode = true;
  }
  return comments;
}
