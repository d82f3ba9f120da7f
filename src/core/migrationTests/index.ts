// Migration tests (stairway, single-head, models-match, downgrade-to-base) on a throwaway database.
export * from './container';
export * from './results';
export * from './runMigrationTests';
export * from './scratchDatabase';
export * from './skips';
