// `# alembic-lens: ignore[rule, ...]` (or bare `ignore`, every rule) at the end of a line or alone on
// the line above silences that line; `# alembic-lens: ignore-file[rule]` (or bare `ignore-file`)
// anywhere silences the file. A statement over several lines is one unit: the comment on any of its
// lines, or alone above it, silences all of them (a finding is at its first line, the comment often at
// its last). Only real comments count: the same text inside a string does not. A rule name no rule has
// (a typo) would silence nothing without a word: it is a problem of its own (unknown-ignore-rule).
import { editDistance } from '../editDistance';
import { atMostWarning, type Problem, problem } from '../problems';
import { isLintRule, LINT_RULES, type LintOptions, severityOf } from './rules';

export interface Suppressions {
  /** Rules ignored in the whole file; `*` for all. */
  file: Set<string>;
  /** Line -> rules ignored on it; `*` for all. */
  lines: Map<number, Set<string>>;
  /** The statements over several lines that a comment silences, whole. */
  spans: Array<{ from: number; to: number; rules: Set<string> }>;
  /** The rule names of directives that no lint rule has, where they are written. */
  unknown: Array<{ line: number; rule: string; directive: string }>;
}

const DIRECTIVE = /alembic-lens\s*:\s*ignore(-file)?\b(?:\s*\[([^\]]*)\])?/g;

/** The suppression comments of a Python file. */
export function pythonSuppressions(text: string): Suppressions {
  const { comments, statements } = scanPython(text);
  return fromComments(comments, statements);
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
  return (
    hit(suppressions.file) ||
    hit(suppressions.lines.get(line)) ||
    suppressions.spans.some((span) => span.from <= line && line <= span.to && hit(span.rules))
  );
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
    const configured = severityOf(p.code, options);
    if (configured === 'off') continue;
    const severity = p.tentative ? atMostWarning(configured) : configured;
    const suppressions = suppressionsOf(p.path);
    if (suppressions && isSuppressed(suppressions, p.code, p.line)) continue;
    out.push(severity === p.severity ? p : { ...p, severity });
  }
  return out;
}

/**
 * Whether the text says `alembic-lens` anywhere. Searched as `-lens`, then the word before it: the
 * search for a pattern starting with the frequent `a` is several times slower over a big file.
 */
export function mentionsTool(text: string): boolean {
  for (let at = text.indexOf('-lens', 7); at >= 0; at = text.indexOf('-lens', at + 1))
    if (text.startsWith('alembic', at - 7)) return true;
  return false;
}

/** A problem at each rule name of `suppressions` that no lint rule has: that name silences nothing. */
export function unknownRuleProblems(suppressions: Suppressions | undefined, file: string): Problem[] {
  return (suppressions?.unknown ?? []).map(({ line, rule, directive }) => {
    const near = closestRule(rule);
    return problem(
      'warning',
      'unknown-ignore-rule',
      `\`${directive}\` names '${rule}', which is no alembic-lens rule: it silences nothing.${near ? ` Did you mean '${near}'?` : ''} ` +
        'The rules are listed by `alembic-lens check --rules`.',
      file,
      line,
    );
  });
}

/** The rule names of a line's directives that no rule has and that are near one: where each is, and the rule. */
export function misspeltRules(line: string): Array<{ start: number; end: number; rule: string; meant: string }> {
  const found: Array<{ start: number; end: number; rule: string; meant: string }> = [];
  for (const m of line.matchAll(DIRECTIVE)) {
    if (m[2] === undefined) continue;
    let at = m.index! + m[0].indexOf('[', m[0].indexOf('ignore')) + 1;
    for (const piece of m[2].split(',')) {
      const rule = piece.trim();
      const start = at + piece.indexOf(rule);
      at += piece.length + 1;
      const meant = rule && !isLintRule(rule) ? closestRule(rule) : undefined;
      if (meant) found.push({ start, end: start + rule.length, rule, meant });
    }
  }
  return found;
}

/** The rule a misspelled name most likely meant: the nearest by edit distance, if near enough. */
function closestRule(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const { code } of LINT_RULES) {
    const distance = editDistance(name.toLowerCase(), code);
    if (distance < bestDistance) [best, bestDistance] = [code, distance];
  }
  return best;
}

export interface SourceComment {
  line: number;
  text: string;
  /** Nothing but whitespace before it on its line. */
  alone: boolean;
}

/** The first and last line of each statement that spans several lines, in order. */
type StatementLines = Array<[number, number]>;

function fromComments(comments: SourceComment[], statements: StatementLines = []): Suppressions {
  const result: Suppressions = { file: new Set(), lines: new Map(), spans: [], unknown: [] };
  const statementAt = (line: number): [number, number] | undefined => {
    let lo = 0;
    let hi = statements.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [from, to] = statements[mid];
      if (line < from) hi = mid - 1;
      else if (line > to) lo = mid + 1;
      else return statements[mid];
    }
    return undefined;
  };
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
      for (const rule of rules) {
        if (rule !== '*' && !isLintRule(rule)) result.unknown.push({ line: comment.line, rule, directive: m[0] });
      }
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
      // Inside a statement over several lines, or alone right above one: the whole statement.
      const inside = statementAt(comment.line);
      const below = comment.alone && !inside ? statementAt(comment.line + 1) : undefined;
      const span = inside ?? (below?.[0] === comment.line + 1 ? below : undefined);
      if (span) result.spans.push({ from: span[0], to: span[1], rules: new Set(rules) });
    }
  }
  return result;
}

/** Every `#` comment of a Python source, skipping strings (single, triple, with prefixes and escapes). */
export function pythonComments(text: string): SourceComment[] {
  return scanPython(text).comments;
}

/** The comments of a Python source, and the lines of its statements that span several lines. */
function scanPython(text: string): { comments: SourceComment[]; statements: StatementLines } {
  const comments: SourceComment[] = [];
  const statements: StatementLines = [];
  const n = text.length;
  let line = 1;
  let lineHasCode = false;
  // The logical line: open brackets and a trailing backslash continue it onto the next line.
  let depth = 0;
  let continued = false;
  let start: number | undefined;
  const endStatement = (): void => {
    if (start !== undefined && start < line) statements.push([start, line]);
    start = undefined;
  };
  for (let i = 0; i < n; i++) {
    const ch = text[i];
    if (ch === '\n') {
      if (depth <= 0 && !continued) endStatement();
      continued = false;
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
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') continue;
    if (ch === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      continued = true;
      continue;
    }
    start ??= line;
    lineHasCode = true;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === '"' || ch === "'") {
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
    }
  }
  endStatement();
  return { comments, statements };
}
