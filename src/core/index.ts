// The Alembic knowledge of alembic-lens, free of any VS Code dependency.

export * from './alembicCommand';
export * from './alembicOutput';
export * from './config';
export * from './databaseState';
export * from './databaseUrl';
export * from './dotenv';
export * from './migrationPlan';
export * from './problems';
export * from './project';
export * from './revisionFile';
export * from './revisionMap';
export * from './revisionRecord';
export * from './tree';
export * from './urlSource';
// versionTable.ts is imported directly where needed: it pulls in knex and the database drivers.
