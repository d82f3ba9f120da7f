// The Alembic knowledge of alembic-lens, free of any VS Code dependency.
export * from './problems';
export * from './config';
export * from './revisionFile';
export * from './revisionMap';
export * from './project';
export * from './tree';
export * from './alembicOutput';
export * from './databaseState';
