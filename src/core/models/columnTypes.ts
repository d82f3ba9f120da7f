// Column types as a model or a revision writes them (`String(100)`, `sa.BigInteger()`), reduced to what
// autogenerate compares: a family of equivalent SQLAlchemy types, and a string length. Only types both
// sides name plainly are compared; a custom type, a variant or a type held in a variable is left alone.
import { calleeName, keyword, type PyExpr, renderExpr } from '../python';

export interface ColumnType {
  /** As written: `sa.String(length=100)`. */
  written: string;
  /** The family of equivalent types (`string`, `bigint`...); undefined for types the reader does not know. */
  family?: string;
  /** String types: the length, when written as a number. */
  length?: number;
  /** A string type written without any length (`sa.String()`, `sa.VARCHAR`): VARCHAR with no limit on PostgreSQL. */
  unbounded?: boolean;
  /** Numeric types: precision and scale when written as numbers (NUMERIC(p) has scale 0); none for a bare NUMERIC. */
  precision?: number;
  scale?: number;
  /** Arguments besides the length (a collation...): the type is more than its family. */
  extra?: boolean;
}

const FAMILIES: Record<string, string> = {
  String: 'string',
  VARCHAR: 'string',
  Unicode: 'string',
  NVARCHAR: 'string',
  AutoString: 'string',
  Text: 'text',
  TEXT: 'text',
  UnicodeText: 'text',
  Integer: 'integer',
  INTEGER: 'integer',
  INT: 'integer',
  BigInteger: 'bigint',
  BIGINT: 'bigint',
  SmallInteger: 'smallint',
  SMALLINT: 'smallint',
  Boolean: 'boolean',
  BOOLEAN: 'boolean',
  DateTime: 'datetime',
  DATETIME: 'datetime',
  Date: 'date',
  DATE: 'date',
  Time: 'time',
  TIME: 'time',
  Numeric: 'numeric',
  NUMERIC: 'numeric',
  DECIMAL: 'numeric',
  Float: 'float',
  FLOAT: 'float',
  Uuid: 'uuid',
  UUID: 'uuid',
  JSON: 'json',
  JSONB: 'jsonb',
  LargeBinary: 'binary',
  BYTEA: 'binary',
  BLOB: 'binary',
};
const STRING_FAMILIES = new Set(['string']);
/** Positional arguments of Column() that are not its type. */
const NOT_TYPES = new Set(['ForeignKey', 'Sequence', 'Identity', 'Computed', 'CheckConstraint', 'FetchedValue']);

/** The type argument of `Column(...)` / `mapped_column(...)`: `type_=`, else the first positional that is not the name. */
export function columnTypeExpr(call: PyExpr | undefined): PyExpr | undefined {
  if (call?.k !== 'call') return undefined;
  const named = keyword(call, 'type_');
  if (named) return named;
  const first = call.args.find((arg) => arg.k !== 'str');
  if (!first || (first.k !== 'name' && first.k !== 'attr' && first.k !== 'call')) return undefined;
  const callee = first.k === 'call' ? calleeName(first) : lastName(first);
  return callee && NOT_TYPES.has(callee) ? undefined : first;
}

/** The type of a `Column(...)` call, when it names one. */
export function columnType(call: PyExpr | undefined): ColumnType | undefined {
  const expr = columnTypeExpr(call);
  return expr && typeOfExpr(expr);
}

/**
 * A type expression (`sa.String(length=100)`, `sa.Text()`) as a ColumnType. `numbers`: the module's integer
 * constants, for a length written as a name (`String(MAX_LENGTH)`).
 */
export function typeOfExpr(expr: PyExpr, numbers?: ReadonlyMap<string, number>): ColumnType {
  const name = expr.k === 'call' ? calleeName(expr) : lastName(expr);
  const type: ColumnType = { written: renderExpr(expr) };
  // `String(50).with_variant(...)` is named after its method: unknown, like any type the table lacks.
  const family = name && Object.hasOwn(FAMILIES, name) ? FAMILIES[name] : undefined;
  if (!family) return type;
  type.family = family;
  if (expr.k !== 'call') {
    if (STRING_FAMILIES.has(family)) type.unbounded = true;
    return type;
  }
  if (family === 'numeric') return numericType(type, expr, numbers);
  const length = keyword(expr, 'length') ?? expr.args[0];
  if (expr.args.length > 1 || expr.kwargs.some((kw) => kw.name !== 'length')) type.extra = true;
  if (STRING_FAMILIES.has(family)) {
    if (!length) type.unbounded = true;
    else type.length = integerValue(length, numbers);
  }
  return type;
}

/** `Numeric(10, 2)`, `Numeric(precision=10, scale=2)`; asdecimal only changes what Python gets back. */
function numericType(
  type: ColumnType,
  expr: PyExpr & { k: 'call' },
  numbers?: ReadonlyMap<string, number>,
): ColumnType {
  const precision = keyword(expr, 'precision') ?? expr.args[0];
  const scale = keyword(expr, 'scale') ?? expr.args[1];
  const known = new Set(['precision', 'scale', 'asdecimal']);
  if (expr.args.length > 2 || expr.kwargs.some((kw) => !known.has(kw.name))) type.extra = true;
  if (!precision) return scale ? { ...type, extra: true } : type;
  type.precision = integerValue(precision, numbers);
  type.scale = scale ? integerValue(scale, numbers) : 0;
  if (type.precision === undefined || type.scale === undefined) type.extra = true;
  return type;
}

/** A non-negative integer literal (`5_000_000`) or a module constant holding one. */
export function integerValue(expr: PyExpr, numbers?: ReadonlyMap<string, number>): number | undefined {
  if (expr.k === 'num' && /^\d+(_\d+)*$/.test(expr.value)) return Number(expr.value.replaceAll('_', ''));
  if (expr.k === 'name') return numbers?.get(expr.id);
  return undefined;
}

/**
 * A string type made longer, or made Text: PostgreSQL changes only its catalog (no rewrite, no value can
 * fail to convert); MySQL may still copy the table.
 */
export function isStringWidening(from: ColumnType | undefined, to: ColumnType | undefined): boolean {
  if (from?.family !== 'string' || from.length === undefined || !to) return false;
  if (to.family === 'text') return true;
  // A length only Python knows (`String(NAME_LENGTH)`) may be shorter.
  return to.family === 'string' && (!!to.unbounded || (to.length !== undefined && to.length >= from.length));
}

/**
 * A change PostgreSQL makes in its catalog only, without rewriting or scanning the table: VARCHAR and TEXT
 * are binary-compatible, so TEXT or an unbounded VARCHAR from either, or a VARCHAR at least as long as
 * before. A limit added to TEXT or to an unbounded VARCHAR checks every row; a collation is more than that.
 */
export function isPostgresNoRewrite(from: ColumnType | undefined, to: ColumnType | undefined): boolean {
  if (!from || !to || from.extra || to.extra) return false;
  if (from.family === 'numeric' && to.family === 'numeric') return isNumericWidening(from, to);
  const fromKnown =
    from.family === 'text' || (from.family === 'string' && (from.unbounded || from.length !== undefined));
  if (!fromKnown) return false;
  if (to.family === 'text' || (to.family === 'string' && to.unbounded)) return true;
  return isStringWidening(from, to);
}

/**
 * More digits at the same scale, or no limit at all: PostgreSQL (9.2 and later) keeps every value as it is
 * stored and changes only the catalog. A bare NUMERIC made NUMERIC(p, s) rounds every row.
 */
function isNumericWidening(from: ColumnType, to: ColumnType): boolean {
  if (to.precision === undefined) return true;
  if (from.precision === undefined) return false;
  return to.scale === from.scale && to.precision >= from.precision;
}

/** What autogenerate (with compare_type) would see differ between the model's type and the revision's. */
export function typeDifference(model: ColumnType, revision: ColumnType): string | undefined {
  if (!model.family || !revision.family) return undefined;
  if (model.family !== revision.family)
    return `type ${model.written} in the model, ${revision.written} in the revision`;
  if (model.length !== undefined && revision.length !== undefined && model.length !== revision.length)
    return `length ${model.length} in the model (${model.written}), ${revision.length} in the revision (${revision.written})`;
  return undefined;
}

function lastName(expr: PyExpr): string | undefined {
  if (expr.k === 'name') return expr.id;
  if (expr.k === 'attr') return expr.name;
  return undefined;
}
