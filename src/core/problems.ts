// Problems found while reading a project: never thrown, always collected with the place they are about.
// A message may quote what it is about (an ini line, a value, a path): database credentials in it are
// masked here, where every problem is made, so that no view, report or log shows them.
import { maskSecrets } from './secrets';

export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  severity: Severity;
  /** Stable machine-readable code, e.g. `missing-down-revision`. */
  code: string;
  message: string;
  /** Absolute path of the file the problem is about. */
  path: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, when known. */
  column?: number;
  /** Other places the problem is about: the model line a migration contradicts. */
  related?: RelatedPlace[];
  /**
   * It rests on what could not be known (how a merge conflict is resolved, a fork point not fetched):
   * a warning at most, whatever severity its rule has.
   */
  tentative?: boolean;
}

/** A tentative problem's severity: a warning at most. */
export function atMostWarning(severity: Severity): Severity {
  return severity === 'error' ? 'warning' : severity;
}

export interface RelatedPlace {
  path: string;
  line: number;
  message: string;
}

export function problem(
  severity: Severity,
  code: string,
  message: string,
  path: string,
  line = 1,
  column?: number,
): Problem {
  const shown = maskSecrets(message);
  return column === undefined
    ? { severity, code, message: shown, path, line }
    : { severity, code, message: shown, path, line, column };
}

/**
 * Problems Alembic stops on before any command runs: it imports every revision file (a syntax error is
 * a traceback) and links every revision (a missing one is a KeyError, a cycle a CycleDetected).
 */
const HISTORY_BREAKING = new Set(['syntax-error', 'unreadable-file', 'missing-revision', 'cycle']);

/** The problems that make every Alembic command of the project fail, in their order. */
export function historyBreakers(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error' && HISTORY_BREAKING.has(p.code));
}
