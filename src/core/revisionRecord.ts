// One revision file read once for everything past the graph: a single decode and tokenization gives
// its upgrade() operations (the table history), its schema facts (the revision schema), whether
// upgrade() is empty (the empty-autogenerate check), where down_revision and depends_on name their
// ids (navigation) and its lint findings. The record keeps only that
// small derived data, never the text or its tokens: a history of 100,000 files keeps 100,000 records.
// The Project owns the records (Project.revisionRecord) and drops one when its file changes.
import { lintKey, revisionFindings } from './lint/revisionRules';
import type { LintOptions } from './lint/rules';
import { type CreatedColumn, createdColumns } from './lint/rules/modelRules';
import { applyLintOptions, pythonSuppressions, type Suppressions } from './lint/suppressions';
import { type MigrationCall, parseMigration, type TableOp } from './models/migrationOps';
import { type SchemaFacts, schemaFacts } from './models/revisionSchema';
import type { Problem } from './problems';
import { readPythonModule, tokenizePython } from './python';
import type { RevisionSource } from './revisionFile';
import type { RevisionMap } from './revisionMap';
import { type IdReference, revisionReferences } from './revisionReferences';

/** A revision's lint problems (severities and suppressions applied) for the options of `key` (lintKey). */
export interface RevisionLint {
  key: string;
  problems: Problem[];
}

/** A table operation as the record keeps it: no parsed call, only what the model rules compare. */
export interface RecordedOp extends TableOp {
  /** add_column and create_table: the columns they create (name, nullability, type). */
  created?: CreatedColumn[];
}

export interface RevisionRecord {
  /** upgrade()'s table operations (without their parsed calls), in source order. */
  upgradeOps: RecordedOp[];
  /** upgrade() holds nothing but `pass`, `...` or a docstring; undefined when there is no upgrade(). */
  upgradeEmpty?: boolean;
  schema: SchemaFacts;
  /** The ids down_revision and depends_on name, with their columns (0-based lines); empty without a loaded source. */
  parentRefs: IdReference[];
  lint: RevisionLint;
  /** Its `alembic-lens: ignore` comments, for the findings made past the record (the model rules); none: undefined. */
  suppressions?: Suppressions;
}

/** What the records are read from: a Project, or anything that keeps records for a graph. */
export interface RevisionRecords {
  readonly graph: RevisionMap;
  /** The record of a loaded revision; undefined when its file is not (or no longer) loaded. */
  revisionRecord(source: RevisionSource): RevisionRecord | undefined;
  /** A value computed from every record, kept until a revision file or the graph changes. */
  derived<T>(name: string, compute: () => T): T;
}

/** What the module variables already told about the file (the graph's read), to avoid reading them again. */
export type KnownModule = Pick<RevisionSource, 'longdoc' | 'downRevisions'> &
  Partial<Pick<RevisionSource, 'downRevisionLine' | 'dependsOnLine'>>;

/**
 * Reads one revision file's text: tokenized once, its operations, schema facts and lint findings
 * (under `options`) derived from those tokens, which are then let go.
 */
export function buildRevisionRecord(
  file: string,
  text: string,
  options: LintOptions = {},
  known?: KnownModule,
): RevisionRecord {
  const source = tokenizePython(text);
  const migration = parseMigration(source);
  const module = known ?? moduleOf(text);
  const message = module.longdoc.split('\n')[0]?.trim() || undefined;
  const input = { path: file, source, migration, message, isMerge: module.downRevisions.length > 1 };
  const raw = revisionFindings(input, options);
  // Every directive names the tool: a file without that word has none (most files, and no scan).
  const suppressions = text.includes('alembic-lens') ? pythonSuppressions(text) : undefined;
  const problems = raw.length ? applyLintOptions(raw, options, () => suppressions) : raw;
  const upgrade = migration.upgrade;
  return {
    upgradeOps: (upgrade?.ops ?? []).map(recordedOp),
    upgradeEmpty: upgrade?.empty,
    schema: schemaFacts(file, source, upgrade),
    parentRefs: [
      ...referencesAt(text, module.downRevisionLine, 'down_revision'),
      ...referencesAt(text, module.dependsOnLine, 'depends_on'),
    ],
    lint: { key: lintKey(options), problems },
    suppressions,
  };
}

/** The record of a file that cannot be read: nothing is claimed about it. */
export function unreadableRecord(file: string, options: LintOptions, why = 'cannot be read'): RevisionRecord {
  const schema = { steps: [], ddlWords: [], unsure: `${file}: ${why}` };
  return { upgradeOps: [], schema, parentRefs: [], lint: lintOf([], options) };
}

function recordedOp(call: MigrationCall): RecordedOp {
  const { call: _call, arg: _arg, ...op } = call;
  const created = createdColumns(call);
  return created ? { ...op, created } : op;
}

function lintOf(problems: Problem[], options: LintOptions): RevisionLint {
  return { key: lintKey(options), problems };
}

/** The lint problems of one revision file's text (an unsaved editor), severities and suppressions applied. */
export function lintRevision(text: string, path: string, options: LintOptions = {}): Problem[] {
  return buildRevisionRecord(path, text, options).lint.problems;
}

/** Lines read from an assignment on: enough for any tuple of revision ids written one per line. */
const ASSIGNMENT_LINES = 200;

/** The ids the assignment of `kind` at 1-based `line` names, read from that line on, not from the whole text. */
function referencesAt(text: string, line: number | undefined, kind: IdReference['kind']): IdReference[] {
  if (line === undefined) return [];
  let start = 0;
  for (let i = 1; i < line && start >= 0; i++) start = nextLine(text, start);
  if (start < 0) return [];
  let end = start;
  for (let i = 0; i < ASSIGNMENT_LINES && end >= 0; i++) end = nextLine(text, end);
  const refs = revisionReferences(text.slice(start, end < 0 ? text.length : end));
  return refs.filter((ref) => ref.kind === kind).map((ref) => ({ ...ref, line: ref.line + line - 1 }));
}

/** The offset after the next line break from `at`, or -1 at the end of the text. */
function nextLine(text: string, at: number): number {
  const newline = text.indexOf('\n', at);
  return newline < 0 ? -1 : newline + 1;
}

/** The docstring and down_revision of a text without a loaded revision source (an unsaved editor). */
function moduleOf(text: string): KnownModule {
  const module = readPythonModule(text, new Set(['down_revision']));
  const down = module.assignments.pop()?.value;
  const downRevisions = down?.kind === 'seq' ? down.items.map((item) => (item.kind === 'str' ? item.value : '')) : [];
  return { longdoc: (module.docstring ?? '').trim(), downRevisions };
}
