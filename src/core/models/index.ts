// Models and what migrations do to their tables: model discovery from env.py, revision operations, table history.

export * from './migrationOps';
export { camelToSnake, type DeclarativeBaseInfo, type ModelClass, parseModelModule } from './modelClasses';
export { columnNullable, type ModelColumn } from './modelColumns';
export * from './modelFiles';
export { globMatcher, listPythonFiles } from './projectFiles';
export * from './tableHistory';
