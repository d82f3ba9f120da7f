// Problems found while reading a project: never thrown, always collected with the place they are about.

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
  return column === undefined
    ? { severity, code, message, path, line }
    : { severity, code, message, path, line, column };
}
