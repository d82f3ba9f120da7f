// When each table (and each column) was created, last changed and dropped, over the project's
// upgrade operations in history order: what the model CodeLens shows. Reads the revision records
// (revisionRecord.ts), never the files.

import type { Revision, RevisionMap } from '../revisionMap';
import type { RevisionRecords } from '../revisionRecord';
import type { TableOp } from './migrationOps';

export interface TableEvent {
  revision: string;
  path: string;
  line: number;
  op: string;
  column?: string;
}

export interface ColumnHistory {
  column: string;
  added?: TableEvent;
  /** The latest change after it was added (alter_column, index, constraint); not its adding or dropping. */
  lastChanged?: TableEvent;
  dropped?: TableEvent;
  events: TableEvent[];
}

export interface TableHistory {
  table: string;
  schema?: string;
  /** The create_table (or the rename_table that gave the table this name); the latest if it was created again. */
  created?: TableEvent;
  /** The latest change after it was created: not its creation, not its dropping. */
  lastChanged?: TableEvent;
  /** The drop_table (or rename_table to another name) after the latest creation. */
  dropped?: TableEvent;
  renamedFrom?: string;
  renamedTo?: string;
  /** Every upgrade operation on the table, oldest first. */
  events: TableEvent[];
  columns: Map<string, ColumnHistory>;
}

/** The key of a table in tableHistory's map: `schema.table`, or the bare name without a schema. */
export function historyKey(table: string, schema?: string): string {
  return schema ? `${schema}.${table}` : table;
}

/**
 * Every table's history over the project's upgrade operations, oldest revision first (parents before
 * children). Kept by the project (see Project.derived): the same map until a revision file or the graph
 * changes.
 */
export function tableHistory(project: RevisionRecords): Map<string, TableHistory> {
  return project.derived('tableHistory', () =>
    tableHistoryOf(project.graph, (rev) => project.revisionRecord(rev.source)?.upgradeOps),
  );
}

/** The table histories of `graph`, with each revision's upgrade operations from `upgradeOps`. */
export function tableHistoryOf(
  graph: RevisionMap,
  upgradeOps: (rev: Revision) => readonly TableOp[] | undefined,
): Map<string, TableHistory> {
  const revisions = historyOrder(graph);
  const histories = new Map<string, TableHistory>();
  const historyOf = (table: string, schema?: string): TableHistory => {
    const key = historyKey(table, schema);
    let h = histories.get(key);
    if (!h) {
      h = { table, events: [], columns: new Map() };
      if (schema) h.schema = schema;
      histories.set(key, h);
    }
    return h;
  };
  const columnOf = (h: TableHistory, column: string): ColumnHistory => {
    let c = h.columns.get(column);
    if (!c) h.columns.set(column, (c = { column, events: [] }));
    return c;
  };
  for (const rev of revisions) {
    for (const op of upgradeOps(rev) ?? []) {
      const event: TableEvent = { revision: rev.id, path: rev.source.path, line: op.line, op: op.op };
      if (op.column) event.column = op.column;
      const h = historyOf(op.table, op.schema);
      h.events.push(event);
      switch (op.op) {
        case 'create_table':
          h.created = event;
          delete h.dropped;
          delete h.lastChanged;
          h.columns = new Map();
          for (const column of op.columns ?? []) {
            const c = columnOf(h, column);
            c.added = { ...event, column };
            c.events.push(c.added);
          }
          break;
        case 'drop_table':
          h.dropped = event;
          break;
        case 'rename_table': {
          h.dropped = event;
          if (!op.newName) break;
          h.renamedTo = op.newName;
          const renamed = historyOf(op.newName, op.schema);
          renamed.events.push(event);
          renamed.created = event;
          delete renamed.dropped;
          delete renamed.lastChanged;
          renamed.renamedFrom = op.table;
          renamed.columns = new Map(h.columns);
          break;
        }
        default: {
          h.lastChanged = event;
          const touched = op.column ? [op.column] : (op.columns ?? []);
          for (const column of touched) {
            const c = columnOf(h, column);
            const columnEvent = event.column === column ? event : { ...event, column };
            c.events.push(columnEvent);
            if (op.op === 'add_column') {
              c.added = columnEvent;
              delete c.dropped;
              delete c.lastChanged;
            } else if (op.op === 'drop_column') c.dropped = columnEvent;
            else c.lastChanged = columnEvent;
            if (op.op === 'alter_column' && op.newName) {
              c.dropped = columnEvent;
              const renamed = columnOf(h, op.newName);
              renamed.added = { ...event, column: op.newName };
              delete renamed.dropped;
              renamed.events.push(renamed.added);
            }
          }
        }
      }
    }
  }
  return histories;
}

/** Revisions parents first (down revisions and dependencies before their children), else in load order. */
export function historyOrder(graph: RevisionMap): Revision[] {
  const order: Revision[] = [];
  const state = new Map<Revision, 1 | 2>();
  for (const start of graph.revisions.values()) {
    if (state.has(start)) continue;
    // Iterative depth-first post-order: long histories would overflow the call stack.
    const stack: Array<{ rev: Revision; next: number }> = [{ rev: start, next: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const parents = top.rev.allDown;
      if (top.next < parents.length) {
        const parent = graph.get(parents[top.next++]);
        if (parent && !state.has(parent)) {
          state.set(parent, 1);
          stack.push({ rev: parent, next: 0 });
        }
        continue;
      }
      stack.pop();
      state.set(top.rev, 2);
      order.push(top.rev);
    }
  }
  return order;
}
