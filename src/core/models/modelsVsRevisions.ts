// "Models changed since the last revision", decided from content: the tables and columns the models
// define (src/core/models/modelFiles.ts) against those the revisions create (revisionSchema.ts). A
// difference is claimed only where both sides are read for sure; raw SQL, names only Python computes,
// models the reader cannot follow and objects env.py filters out of autogenerate hold the claim back.
import { tokenizePython } from '../python';
import type { ModelDiscovery } from './modelFiles';
import type { RevisionSchema } from './revisionSchema';
import { historyKey } from './tableHistory';

export type SchemaDifferenceKind =
  | 'table-only-in-models'
  | 'column-only-in-models'
  | 'table-only-in-revisions'
  | 'column-only-in-revisions'
  | 'nullable-differs';

export interface SchemaDifference {
  kind: SchemaDifferenceKind;
  /** `schema.table`, or the bare table name. */
  table: string;
  column?: string;
  /** Where it is: the model's line, or the revision operation that created it. */
  path: string;
  line: number;
  /** "users.sku is in the models but in no revision". */
  message: string;
}

export interface ModelsComparison {
  differences: SchemaDifference[];
  /** Why some or all differences cannot be claimed (`file:line: reason`). */
  unsure: string[];
}

export interface CompareInput {
  discovery: ModelDiscovery;
  revisions: RevisionSchema;
  /** env.py's text: `include_object` / `include_name` hide objects from autogenerate that nobody can list. */
  envText?: string;
}

interface ModelTable {
  table: string;
  schema?: string;
  path: string;
  line: number;
  columns: Map<string, { path: string; line: number; nullable?: boolean }>;
  /** Some class mapped to it has columns the reader cannot list. */
  partial: boolean;
}

const AUTOGENERATE_FILTERS = new Set(['include_object', 'include_name']);

/** The differences between what the models define and what the revisions create, where they are sure. */
export function compareModelsWithRevisions(input: CompareInput): ModelsComparison {
  const { discovery, revisions } = input;
  const metadata = discovery.metadata;
  if (!metadata || metadata.expression === 'None') {
    return nothingClaimed('env.py names no target_metadata the reader can follow');
  }
  const filter = input.envText === undefined ? undefined : autogenerateFilter(input.envText);
  if (filter) {
    const envPy = discovery.envPy ?? 'env.py';
    return nothingClaimed(`${envPy}:${filter.line}: ${filter.name} decides what autogenerate compares`);
  }
  if (revisions.unsure) return nothingClaimed(revisions.unsure);
  const models = readModelTables(discovery);
  const differences = [
    ...modelSideDifferences(models.tables, revisions),
    ...revisionSideDifferences(models, discovery, revisions),
  ];
  return { differences, unsure: models.unsure };
}

function nothingClaimed(reason: string): ModelsComparison {
  return { differences: [], unsure: [reason] };
}

/** Tables, columns and nullability the models define that the revisions do not create. */
function modelSideDifferences(modelTables: Map<string, ModelTable>, revisions: RevisionSchema): SchemaDifference[] {
  const differences: SchemaDifference[] = [];
  for (const [key, model] of modelTables) {
    const created = revisions.tables.get(key);
    if (isUnsureName(revisions, model.table)) continue;
    if (!created) {
      if (nearMatch(key, model.table, [...revisions.tables.keys()])) continue;
      const message = `table ${key} is in the models but in no revision`;
      differences.push(difference('table-only-in-models', key, undefined, model, message));
      continue;
    }
    if (created.columnsUnsure) continue;
    for (const [column, at] of model.columns) {
      const createdColumn = created.columns.get(column);
      if (!createdColumn) {
        if (nearMatch(column, column, [...created.columns.keys()])) continue;
        const message = `${key}.${column} is in the models but in no revision`;
        differences.push(difference('column-only-in-models', key, column, at, message));
      } else if (differentNullability(at.nullable, createdColumn.nullable)) {
        const message =
          `${key}.${column} is ${nullability(at.nullable)} in the models ` +
          `but ${nullability(createdColumn.nullable)} in the revisions`;
        differences.push(difference('nullable-differs', key, column, at, message));
      }
    }
  }
  return differences;
}

/**
 * Tables and columns the revisions create that the models no longer define. This needs every model
 * read: a table the reader missed would look dropped.
 */
function revisionSideDifferences(
  models: { tables: Map<string, ModelTable>; unsure: string[] },
  discovery: ModelDiscovery,
  revisions: RevisionSchema,
): SchemaDifference[] {
  const differences: SchemaDifference[] = [];
  const modelSchemas = new Set([...models.tables.values()].map((t) => t.schema));
  const elsewhere = tablesOutsideTarget(discovery);
  for (const [key, created] of revisions.tables) {
    if (isUnsureName(revisions, created.table) || elsewhere.has(created.table.toLowerCase())) continue;
    const model = models.tables.get(key);
    if (!model) {
      // Autogenerate looks at other schemas only with include_schemas: a table there may be none of its business.
      const otherName = nearMatch(key, created.table, [...models.tables.keys()]);
      const maybeElsewhere = !modelSchemas.has(created.schema) || otherName;
      if (models.unsure.length || maybeElsewhere) continue;
      const { revision } = created.created;
      const message = `table ${key} is created by revision ${revision} but the models no longer define it`;
      differences.push(difference('table-only-in-revisions', key, undefined, created.created, message));
      continue;
    }
    if (model.partial || created.columnsUnsure) continue;
    for (const [column, at] of created.columns) {
      if (model.columns.has(column) || nearMatch(column, column, [...model.columns.keys()])) continue;
      const message = `${key}.${column} is created by revision ${at.revision} but the models no longer define it`;
      differences.push(difference('column-only-in-revisions', key, column, at, message));
    }
  }
  return differences;
}

function isUnsureName(revisions: RevisionSchema, table: string): boolean {
  return revisions.unsureNames.has(table.toLowerCase());
}

/** The tables of the models, by historyKey, with what keeps the list from being complete. */
function readModelTables(discovery: ModelDiscovery): { tables: Map<string, ModelTable>; unsure: string[] } {
  const tables = new Map<string, ModelTable>();
  const unsure = discovery.partial ? [discovery.partial] : [];
  for (const file of discovery.files) {
    for (const cls of file.classes) {
      if (cls.tableName === undefined) {
        unsure.push(`${file.path}:${cls.line}: ${cls.name} has a table name only Python can compute`);
        continue;
      }
      const key = historyKey(cls.tableName, cls.schema);
      let table = tables.get(key);
      if (!table) {
        table = { table: cls.tableName, path: file.path, line: cls.line, columns: new Map(), partial: false };
        if (cls.schema) table.schema = cls.schema;
        tables.set(key, table);
      }
      table.partial ||= !!cls.partial;
      for (const column of cls.columns) {
        const at = { path: column.path ?? file.path, line: column.line, nullable: column.nullable };
        table.columns.set(column.name, at);
      }
    }
  }
  return { tables, unsure };
}

/** Lower-case names of tables mapped into another MetaData, or by models env.py never imports. */
function tablesOutsideTarget(discovery: ModelDiscovery): Set<string> {
  const names = (discovery.otherTables ?? []).map((t) => t.table);
  for (const file of discovery.unimported ?? []) {
    for (const cls of file.classes) if (cls.tableName) names.push(cls.tableName);
  }
  return new Set(names.map((name) => name.toLowerCase()));
}

/** The same name in another case or schema: the reader cannot tell whether the database sees one or two. */
function nearMatch(key: string, name: string, others: string[]): boolean {
  const bare = name.toLowerCase();
  const same = (other: string): boolean => {
    const lower = other.toLowerCase();
    return lower === key.toLowerCase() || lower.split('.').pop() === bare;
  };
  return others.some((other) => other !== key && same(other));
}

/** The first `include_object` / `include_name` env.py mentions (passed to configure, or defined). */
function autogenerateFilter(envText: string): { name: string; line: number } | undefined {
  for (const line of tokenizePython(envText).lines) {
    const found = line.tokens.find((tk) => tk.t === 'name' && AUTOGENERATE_FILTERS.has(tk.v));
    if (found) return { name: found.v, line: found.line };
  }
  return undefined;
}

/** Both sides say, and say differently. */
function differentNullability(model: boolean | undefined, revisions: boolean | undefined): boolean {
  return model !== undefined && revisions !== undefined && model !== revisions;
}

function nullability(nullable: boolean | undefined): string {
  return nullable ? 'nullable' : 'NOT NULL';
}

function difference(
  kind: SchemaDifferenceKind,
  table: string,
  column: string | undefined,
  at: { path: string; line: number },
  message: string,
): SchemaDifference {
  return { kind, table, ...(column === undefined ? {} : { column }), path: at.path, line: at.line, message };
}
