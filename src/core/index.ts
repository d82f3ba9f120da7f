// The Alembic knowledge of alembic-lens, free of any VS Code dependency.
export * from './problems';
export * from './config';
export * from './revisionFile';
export * from './revisionMap';
export * from './project';
export * from './tree';
export * from './alembicOutput';
export * from './databaseState';
export * from './migrationPlan';
export * from './databaseUrl';
export * from './urlSource';
export * from './dotenv';
export * from './alembicCommand';
export * from './revisionBody';
// versionTable.ts is imported directly where needed: it pulls in knex and the database drivers.
