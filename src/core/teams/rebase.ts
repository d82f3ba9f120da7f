// The usual team fix for a fork made by a merge: this branch's first new revision builds on the base's
// head instead. Two lines change: the `down_revision` assignment and the docstring's `Revises:` line
// (kept in step so that the header does not lie). Only a single-parent, one-line `down_revision` is
// rewritten; anything else (a merge revision, a value on several lines) gets no edit.
import type { RevisionSource } from '../revisionFile';

export interface LineEdit {
  /** 1-based line, replaced as a whole. */
  line: number;
  text: string;
}

const DOWN_REVISION = /^(down_revision\s*(?::[^=]*)?=\s*)(['"])([^'"\\]*)\2(\s*(?:#.*)?)$/;
const REVISES = /^(Revises:[ \t]*)(.*)$/;

/** The line edits that make `source` build on `target`, or undefined when the file is not in a shape to rewrite. */
export function rebaseEdits(text: string, source: RevisionSource, target: string): LineEdit[] | undefined {
  if (source.downRevisions.length !== 1) return undefined;
  const lines = text.split(/\r?\n/);
  const down = DOWN_REVISION.exec(lines[source.downRevisionLine - 1] ?? '');
  if (!down || down[3] !== source.downRevisions[0]) return undefined;
  const edits: LineEdit[] = [
    { line: source.downRevisionLine, text: `${down[1]}${down[2]}${target}${down[2]}${down[4]}` },
  ];
  // The header is the module docstring, above the assignments.
  const header = Math.min(source.revisionLine, source.downRevisionLine) - 1;
  for (let i = 0; i < header; i++) {
    const revises = REVISES.exec(lines[i]);
    if (revises && revises[2].trim() === source.downRevisions[0]) {
      edits.push({ line: i + 1, text: `${revises[1]}${target}` });
      break;
    }
  }
  return edits;
}
