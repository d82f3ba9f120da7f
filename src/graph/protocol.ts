// The messages between the revision graph panel (extension host) and its webview, both ways. The one
// place that defines them: graphPanel.ts and webview/main.ts import these types.
import type { RevisionState } from '../core/databaseState';
import type { GraphLayout } from '../core/graphLayout';

/** Everything the webview draws. */
export interface GraphView {
  /** Increases with every view sent, so that the webview's reports can be matched to a view. */
  version: number;
  project: string;
  layout: GraphLayout;
  /** Database state per revision id; undefined when the database state is not known. */
  states?: Record<string, RevisionState>;
  /** The database line, as the Revisions view words it ("at 92404fb, up to date"). */
  database: string;
  /** Actions that run Alembic are offered only in a trusted workspace. */
  trusted: boolean;
  /** Shown instead of the graph when there is nothing to draw (the project went away). */
  notice?: string;
}

export type ToWebview = { type: 'view'; view: GraphView; reveal?: string } | { type: 'reveal'; id: string };

/** The actions of a revision's context menu; each maps to one of the extension's commands. */
export type RevisionAction = 'upgrade' | 'downgrade' | 'stamp' | 'sql' | 'copyId';

/** What the webview reports after drawing (the tests read it through the extension's API). */
export interface RenderedReport {
  version: number;
  rows: number;
  /** Node ids of the rows in the DOM. */
  visible: string[];
  selected: string[];
  /** Ids of the toolbar buttons that are disabled (an action that cannot apply now). */
  disabled: string[];
  /** The legend's entries as shown. */
  legend: string[];
}

export type FromWebview =
  | { type: 'ready' }
  | { type: 'open'; id: string }
  | { type: 'action'; action: RevisionAction; id: string }
  | { type: 'merge'; ids: string[] }
  | { type: 'expand'; runs: string[] }
  | { type: 'collapse'; runs: string[] }
  | { type: 'expandAll'; expand: boolean }
  | { type: 'export' }
  | ({ type: 'rendered' } & RenderedReport);
