// Columns and tables as a model's source declares them: `Column(...)`, `mapped_column(...)`, `Mapped[...]`
// annotations, SQLModel fields, `Table(...)` objects, `__table_args__` schemas, and whether a column is nullable.
import { calleeName, dottedName, keyword, type PyExpr, stringValue } from '../python';
import { type ColumnType, columnType } from './columnTypes';

export interface ModelColumn {
  /** The database column name. */
  name: string;
  line: number;
  /** The Python attribute, when it differs from the column name (`Column("user_name", ...)`). */
  attribute?: string;
  /** When the source says: `nullable=`, `primary_key=True`, or `Mapped[Optional[...]]` against `Mapped[...]`. */
  nullable?: boolean;
  /** The type the `Column(...)` / `mapped_column(...)` call names, when it names one. */
  type?: ColumnType;
  /** Set for a column a mixin or base class declares: its line is in `path`, not in the model's file. */
  inheritedFrom?: string;
  path?: string;
}

export interface BodyColumn extends ModelColumn {
  /** Column(), mapped_column(), Mapped[...]: a column in any declarative class; else only in SQLModel. */
  declarative: boolean;
}

const NOT_COLUMNS = new Set([
  'relationship',
  'Relationship',
  'association_proxy',
  'synonym',
  'composite',
  'query_expression',
  'backref',
  'dynamic_loader',
  'hybrid_property',
]);
const SKIPPED_ATTRIBUTES = new Set([
  'metadata',
  'registry',
  'type_annotation_map',
  'model_config',
  'query',
  'query_class',
]);
const LIST_TYPES = new Set([
  'List',
  'list',
  'Set',
  'set',
  'Dict',
  'dict',
  'Sequence',
  'Iterable',
  'Collection',
  'FrozenSet',
  'frozenset',
  'Tuple',
  'tuple',
]);

export function stripFlag(c: BodyColumn): ModelColumn {
  const { declarative: _declarative, ...column } = c;
  return column;
}

export function schemaOf(value: PyExpr | undefined): string | undefined {
  if (!value) return undefined;
  const dict = value.k === 'dict' ? value : value.k === 'seq' ? value.items.find((i) => i.k === 'dict') : undefined;
  if (dict?.k !== 'dict') return undefined;
  const entry = dict.entries.find((e) => e.key && stringValue(e.key) === 'schema');
  return stringValue(entry?.value);
}

/** `Table("name", metadata, Column("id", ...), ..., schema="s")`. */
export function readTable(call: PyExpr & { k: 'call' }): { name?: string; schema?: string; columns: ModelColumn[] } {
  const columns: ModelColumn[] = [];
  for (const arg of call.args.slice(2)) {
    const callee = calleeName(arg);
    if (arg.k !== 'call' || (callee !== 'Column' && callee !== 'mapped_column')) continue;
    const name = stringValue(arg.args[0]) ?? stringValue(keyword(arg, 'name'));
    const nullable = columnNullable(arg);
    if (name === undefined) continue;
    const column: ModelColumn = nullable === undefined ? { name, line: arg.line } : { name, line: arg.line, nullable };
    const type = columnType(arg);
    if (type) column.type = type;
    columns.push(column);
  }
  return {
    name: stringValue(call.args[0]) ?? stringValue(keyword(call, 'name')),
    schema: stringValue(keyword(call, 'schema')),
    columns,
  };
}

/** One class-body assignment read as a column, or undefined. */
export function readColumn(
  target: string,
  annotation: PyExpr | undefined,
  value: PyExpr | undefined,
  line: number,
): BodyColumn | undefined {
  if (target.startsWith('__') || SKIPPED_ATTRIBUTES.has(target)) return undefined;
  const named = (dbName: string | undefined, declarative: boolean, call?: PyExpr): BodyColumn => {
    const renamed = dbName !== undefined && dbName !== '' && dbName !== target;
    const column: BodyColumn = renamed
      ? { name: dbName, attribute: target, line, declarative }
      : { name: target, line, declarative };
    const nullable = declarative ? columnNullable(call, annotation) : undefined;
    if (nullable !== undefined) column.nullable = nullable;
    const type = declarative ? columnType(call) : undefined;
    if (type) column.type = type;
    return column;
  };
  if (annotation && isClassVar(annotation)) return undefined;
  if (value?.k === 'call') {
    const callee = calleeName(value);
    if (callee === 'Column' || callee === 'mapped_column') {
      return named(stringValue(value.args[0]) ?? stringValue(keyword(value, 'name')), true, value);
    }
    if (callee === 'deferred' || callee === 'column_property') {
      const inner = value.args[0];
      const innerCallee = inner ? calleeName(inner) : undefined;
      const innerColumn = inner?.k === 'call' && (innerCallee === 'Column' || innerCallee === 'mapped_column');
      if (innerColumn) return named(stringValue(inner.args[0]), true, inner);
      return undefined;
    }
    if (callee && NOT_COLUMNS.has(callee)) return undefined;
    if (callee === 'Field') {
      const saColumn = keyword(value, 'sa_column');
      return named(saColumn?.k === 'call' ? stringValue(saColumn.args[0]) : undefined, false);
    }
    if (annotation && isMapped(annotation)) return undefined;
    return annotation ? named(undefined, false) : undefined;
  }
  if (!annotation) return undefined;
  if (isMapped(annotation)) {
    if (value) return undefined;
    return isRelationshipType(mappedInner(annotation)) ? undefined : named(undefined, true);
  }
  // A plain annotation is a column only in SQLModel (pydantic fields).
  return isRelationshipType(annotation) ? undefined : named(undefined, false);
}

/**
 * Whether a column accepts NULL, where the source says so: `nullable=True/False`, `primary_key=True`,
 * else a `Mapped[...]` annotation (Optional or `| None`: nullable). Undefined otherwise: a composite
 * primary key in `__table_args__`, for one, makes a plain `Column(...)` NOT NULL.
 */
export function columnNullable(call: PyExpr | undefined, annotation?: PyExpr): boolean | undefined {
  const nullable = call?.k === 'call' ? keyword(call, 'nullable') : undefined;
  if (nullable) {
    const literal = nullable.k === 'const' && (nullable.value === 'True' || nullable.value === 'False');
    return literal ? nullable.value === 'True' : undefined;
  }
  const primaryKey = call?.k === 'call' ? keyword(call, 'primary_key') : undefined;
  if (primaryKey?.k === 'const' && primaryKey.value === 'True') return false;
  if (!annotation || !isMapped(annotation)) return undefined;
  const inner = mappedInner(annotation);
  return inner && inner.k !== 'str' ? isOptional(inner) : undefined;
}

/** `Optional[X]`, `Union[X, None]`, `X | None`. */
function isOptional(type: PyExpr): boolean {
  if (type.k === 'bin' && type.op === '|') {
    return isNone(type.left) || isNone(type.right) || isOptional(type.left) || isOptional(type.right);
  }
  if (type.k !== 'sub') return false;
  const name = (dottedName(type.obj) ?? '').split('.').pop();
  if (name === 'Optional') return true;
  return name === 'Union' && type.index.k === 'seq' && type.index.items.some(isNone);
}

function isNone(expr: PyExpr): boolean {
  return expr.k === 'const' && expr.value === 'None';
}

function isClassVar(annotation: PyExpr): boolean {
  const obj = annotation.k === 'sub' ? annotation.obj : annotation;
  return (dottedName(obj) ?? '').endsWith('ClassVar');
}

function isMapped(annotation: PyExpr): boolean {
  const obj = annotation.k === 'sub' ? annotation.obj : annotation;
  const name = (dottedName(obj) ?? '').split('.').pop();
  return name === 'Mapped' || name === 'DynamicMapped' || name === 'WriteOnlyMapped';
}

function mappedInner(annotation: PyExpr): PyExpr | undefined {
  if (annotation.k !== 'sub') return undefined;
  const name = (dottedName(annotation.obj) ?? '').split('.').pop();
  if (name === 'DynamicMapped' || name === 'WriteOnlyMapped') return { k: 'name', id: 'list', line: annotation.line };
  return annotation.index;
}

/** `List["X"]`, `"X"`, `Optional["X"]`, `set[X]`: a relationship's annotation, not a column's. */
function isRelationshipType(expr: PyExpr | undefined): boolean {
  if (!expr) return false;
  if (expr.k === 'str') return true;
  if (expr.k === 'sub') {
    const name = (dottedName(expr.obj) ?? '').split('.').pop() ?? '';
    if (LIST_TYPES.has(name)) return true;
    if (name === 'Optional') return expr.index.k === 'str';
    if (name === 'Union') return expr.index.k === 'seq' && expr.index.items.some((i) => i.k === 'str');
  }
  if (expr.k === 'bin' && expr.op === '|') return expr.left.k === 'str' || expr.right.k === 'str';
  return false;
}
