// Migration test results: what media/python/alembic_lens_migtest.py reports (one JSON object per
// line), read into typed events, and the results said as a compiler says errors, for the CLI and CI.
import * as path from 'node:path';

export const MIGRATION_CHECKS = ['stairway', 'single-head', 'models-match', 'downgrade-to-base'] as const;
export type MigrationCheck = (typeof MIGRATION_CHECKS)[number];
export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface MigrationTestResult {
  check: MigrationCheck;
  /** The revision tested (stairway), or the one a project check's failure is about; null for the project. */
  revision: string | null;
  status: TestStatus;
  message: string;
  /** Where the failure is: the line of the revision file that raised, else the revision itself. */
  path?: string;
  line?: number;
  seconds?: number;
}

/** Why a run stopped before its checks could say anything: the CLI's exit 2. */
export type FatalCode = 'refused' | 'no-alembic' | 'unreachable' | 'error' | 'cancelled';

export interface FatalError {
  code: FatalCode;
  message: string;
  path?: string;
  line?: number;
}

export type HelperEvent =
  | { kind: 'begin'; check: MigrationCheck; revision: string | null }
  | { kind: 'result'; result: MigrationTestResult }
  | { kind: 'fatal'; fatal: FatalError }
  | { kind: 'done' };

export function isMigrationCheck(value: unknown): value is MigrationCheck {
  return typeof value === 'string' && (MIGRATION_CHECKS as readonly string[]).includes(value);
}

/** One line of the helper's stdout as an event; undefined for anything that is not one of its objects. */
export function parseHelperLine(line: string): HelperEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const revision = typeof raw.revision === 'string' ? raw.revision : null;
  const str = (key: string): string | undefined => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  const num = (key: string): number | undefined => (typeof raw[key] === 'number' ? (raw[key] as number) : undefined);
  switch (raw.event) {
    case 'begin':
      return isMigrationCheck(raw.check) ? { kind: 'begin', check: raw.check, revision } : undefined;
    case 'result': {
      if (!isMigrationCheck(raw.check)) return undefined;
      const status =
        raw.status === 'passed' || raw.status === 'failed' || raw.status === 'skipped' ? raw.status : 'failed';
      const result: MigrationTestResult = { check: raw.check, revision, status, message: str('message') ?? '' };
      const where = { path: str('path'), line: num('line'), seconds: num('seconds') };
      for (const [key, value] of Object.entries(where))
        if (value !== undefined) Object.assign(result, { [key]: value });
      return { kind: 'result', result };
    }
    case 'fatal': {
      const codes: FatalCode[] = ['refused', 'no-alembic', 'unreachable', 'error'];
      const code = codes.find((c) => c === raw.code) ?? 'error';
      const fatal: FatalError = { code, message: str('message') ?? 'the migration tests could not run' };
      if (str('path')) fatal.path = str('path');
      if (num('line') !== undefined) fatal.line = num('line');
      return { kind: 'fatal', fatal };
    }
    case 'done':
      return { kind: 'done' };
    default:
      return undefined;
  }
}

/** Splits a stream into lines as it comes: feed chunks, get whole lines. */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    return lines;
  }

  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function countResults(results: readonly MigrationTestResult[]): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/**
 * The last line of `alembic-lens test`: prefixed, so that CI logs never mistake it for the test
 * runner's own `N passed, N failed` line.
 */
export function summaryLine(counts: TestCounts): string {
  return `alembic-lens test: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
}

/** `path:line: error: <check> <revision>: message`, path relative to `cwd` when inside it. */
export function formatFailure(result: MigrationTestResult, cwd: string): string {
  return `${where(result, cwd)}: error: ${subjectOf(result)}: ${result.message}`;
}

/**
 * `path:line: note: <check> <revision> skipped: reason`: a skip says why (a skip comment's reason, or
 * what stopped the run before it), as a note, which CI problem matchers do not count as an error.
 */
export function formatSkip(result: MigrationTestResult, cwd: string): string {
  return `${where(result, cwd)}: note: ${subjectOf(result)} skipped: ${result.message || 'no reason given'}`;
}

function where(result: MigrationTestResult, cwd: string): string {
  return `${result.path ? shownPath(result.path, cwd) : '<project>'}:${result.line ?? 1}`;
}

function subjectOf(result: MigrationTestResult): string {
  return result.revision ? `${result.check} ${result.revision}` : result.check;
}

/** A path relative to `cwd` when inside it, else as given. */
export function shownPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
