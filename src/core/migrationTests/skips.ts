// `# alembic-lens: test-skip stairway: reason` in a revision file: that revision opts out of a check.
// A project check (single-head, models-match, downgrade-to-base) named in any revision file is skipped
// for the project. Only real comments count, alone on their line or after code; the same text in a
// string or a docstring does not.
import { pythonComments } from '../lint/suppressions';
import { isMigrationCheck, type MigrationCheck } from './results';

export interface TestSkip {
  check: MigrationCheck;
  reason: string;
  line: number;
}

/** A comment's text after its `#`. */
const SKIP_COMMENT = /^\s*alembic-lens:\s*test-skip\s+([\w-]+(?:\s*,\s*[\w-]+)*)\s*(?::\s*(.*?))?\s*$/;

/** The skip comments of a revision file's text; unknown check names are reported, not ignored. */
export function readTestSkips(text: string): { skips: TestSkip[]; unknown: Array<{ name: string; line: number }> } {
  const skips: TestSkip[] = [];
  const unknown: Array<{ name: string; line: number }> = [];
  // The lint's comment reader: it skips strings (triple-quoted, prefixed, escaped) as Python's tokenizer does.
  for (const comment of pythonComments(text)) {
    const m = SKIP_COMMENT.exec(comment.text);
    if (!m) continue;
    for (const name of m[1].split(',').map((n) => n.trim())) {
      if (isMigrationCheck(name)) skips.push({ check: name, reason: m[2] || 'no reason given', line: comment.line });
      else unknown.push({ name, line: comment.line });
    }
  }
  return { skips, unknown };
}
