// Models and what migrations do to their tables: model discovery from env.py, revision operations, table history.

export * from './migrationOps';
export * from './modelFiles';
