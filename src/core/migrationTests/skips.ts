// `# alembic-lens: test-skip stairway: reason` in a revision file: that revision opts out of a check.
// A project check (single-head, models-match, downgrade-to-base) named in any revision file is skipped
// for the project. Only comment lines count: a string that happens to hold the text does not.
import { isMigrationCheck, type MigrationCheck } from './results';

export interface TestSkip {
  check: MigrationCheck;
  reason: string;
  line: number;
}

const SKIP_COMMENT = /^\s*#\s*alembic-lens:\s*test-skip\s+([\w-]+(?:\s*,\s*[\w-]+)*)\s*(?::\s*(.*?))?\s*$/;

/** The skip comments of a revision file's text; unknown check names are reported, not ignored. */
export function readTestSkips(text: string): { skips: TestSkip[]; unknown: Array<{ name: string; line: number }> } {
  const skips: TestSkip[] = [];
  const unknown: Array<{ name: string; line: number }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = SKIP_COMMENT.exec(lines[i]);
    if (!m) continue;
    for (const name of m[1].split(',').map((n) => n.trim())) {
      if (isMigrationCheck(name)) skips.push({ check: name, reason: m[2] || 'no reason given', line: i + 1 });
      else unknown.push({ name, line: i + 1 });
    }
  }
  return { skips, unknown };
}
