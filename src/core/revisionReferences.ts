// Where a revision file names other revisions: the `revision`, `down_revision` and `depends_on`
// assignments (a string or a tuple, possibly over several lines) and the docstring's `Revision ID:` /
// `Revises:` lines. Text-level, so that it works on an unsaved buffer; resolution is the graph's.
import type { Project } from './project';
import type { Revision } from './revisionMap';

export type ReferenceKind = 'revision' | 'down_revision' | 'depends_on' | 'Revises' | 'Revision ID';

/** One revision identifier written in a file, with its place (0-based line, columns of the id itself). */
export interface IdReference {
  kind: ReferenceKind;
  id: string;
  line: number;
  start: number;
  end: number;
}

const ASSIGNMENT = /^(revision|down_revision|depends_on)\s*(?::[^=]*)?=(?!=)/;
const STRING = /(?:[bBuU]|)(['"])([^'"\\\n]*)\1/g;
const DOC_LINE = /^(\s*)(Revises|Revision ID):(.*)$/;

/** Every identifier the file's text names, in order. */
export function revisionReferences(text: string): IdReference[] {
  const lines = text.split(/\r?\n/);
  const out: IdReference[] = [];
  let firstAssignment = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const match = ASSIGNMENT.exec(lines[i]);
    if (!match) continue;
    firstAssignment = Math.min(firstAssignment, i);
    const kind = match[1] as ReferenceKind;
    // The value ends where its brackets close: `down_revision = (\n 'a',\n 'b',\n)`.
    let depth = 0;
    for (let j = i; j < lines.length; j++) {
      const code = stripComment(lines[j]);
      const from = j === i ? match[0].length : 0;
      for (const s of code.slice(from).matchAll(STRING)) {
        const start = from + s.index! + s[0].indexOf(s[1]) + 1;
        out.push({ kind, id: s[2], line: j, start, end: start + s[2].length });
      }
      depth += count(code.replace(STRING, ''), '([{') - count(code.replace(STRING, ''), ')]}');
      if (depth <= 0 && !code.trimEnd().endsWith('\\')) {
        i = j;
        break;
      }
    }
  }
  // The docstring comes before the assignments; `Revises:` repeats down_revision for humans.
  for (let i = 0; i < firstAssignment; i++) {
    const match = DOC_LINE.exec(lines[i]);
    if (!match) continue;
    const kind = match[2] as ReferenceKind;
    const offset = match[1].length + match[2].length + 1;
    for (const token of match[3].matchAll(/[^\s,()'"]+/g)) {
      const start = offset + token.index!;
      out.push({ kind, id: token[0], line: i, start, end: start + token[0].length });
    }
  }
  return out;
}

/** The identifier at a position (0-based line and character), if any. */
export function referenceAt(text: string, line: number, character: number): IdReference | undefined {
  return revisionReferences(text).find((r) => r.line === line && character >= r.start && character <= r.end);
}

/** Resolves an identifier the way Alembic does (full id, unique prefix of 4+ characters, branch label). */
export function resolveRevision(project: Project, id: string): { revision?: Revision; error?: string } {
  try {
    const revision = project.graph.getRevision(id);
    return revision ? { revision } : { error: `'${id}' names the base, not a revision.` };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function count(text: string, chars: string): number {
  let n = 0;
  for (const c of text) if (chars.includes(c)) n++;
  return n;
}
