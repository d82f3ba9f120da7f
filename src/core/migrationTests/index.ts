// Migration tests (stairway, single-head, models-match, downgrade-to-base) on a throwaway database.
export * from './results';
export * from './skips';
export * from './scratchDatabase';
export * from './runMigrationTests';
