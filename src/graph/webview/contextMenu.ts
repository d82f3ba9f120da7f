// The graph's context menu: which actions a row offers (as the revision's state allows) and the menu itself,
// keyboard included.
import { movesTo, type RevisionState } from '../../core/databaseState';
import type { GraphNode } from '../../core/graphLayout';
import type { FromWebview, RevisionAction } from '../protocol';

export interface MenuItem {
  label: string;
  run: () => void;
}

export interface MenuContext {
  state?: RevisionState;
  /** Workspace Trust: an untrusted workspace gets no action that runs Alembic. */
  trusted: boolean;
  selectedHeads: string[];
  post(message: FromWebview): void;
}

export function menuItems(node: GraphNode, ctx: MenuContext): Array<MenuItem | 'separator'> {
  const { post, state } = ctx;
  if (node.kind === 'run') {
    return [
      { label: `Expand ${node.members?.length ?? ''} Revisions`, run: () => post({ type: 'expand', runs: [node.id] }) },
    ];
  }
  const action = (a: RevisionAction) => () => post({ type: 'action', action: a, id: node.id });
  const items: Array<MenuItem | 'separator'> = [{ label: 'Open File', run: () => post({ type: 'open', id: node.id }) }];
  if (ctx.trusted) {
    items.push('separator');
    const moves = movesTo(state);
    if (moves.upgrade) items.push({ label: 'Upgrade to Revision', run: action('upgrade') });
    if (moves.downgrade) items.push({ label: 'Downgrade to Revision', run: action('downgrade') });
    items.push({ label: 'Stamp Revision…', run: action('stamp') });
    if (state !== 'applied' && state !== 'current') items.push({ label: 'Show SQL for Upgrade', run: action('sql') });
  }
  items.push('separator', { label: 'Copy Revision Id', run: action('copyId') });
  const heads = ctx.selectedHeads;
  if (ctx.trusted && heads.length >= 2 && heads.includes(node.id))
    items.push({ label: `Merge ${heads.length} Selected Heads`, run: () => post({ type: 'merge', ids: heads }) });
  if (node.run)
    items.push('separator', { label: 'Collapse Run', run: () => post({ type: 'collapse', runs: [node.run!] }) });
  return items;
}

/** Shows the menu at (x, y), kept inside the window; `onEscape` gives the focus back. */
export function showMenu(
  menu: HTMLElement,
  items: Array<MenuItem | 'separator'>,
  x: number,
  y: number,
  onEscape: () => void,
): void {
  const buttons: HTMLButtonElement[] = [];
  menu.replaceChildren(
    ...items.map((item) => {
      if (item === 'separator') {
        const sep = document.createElement('div');
        sep.className = 'separator';
        sep.setAttribute('role', 'separator');
        return sep;
      }
      const button = document.createElement('button');
      button.className = 'menu-item';
      button.setAttribute('role', 'menuitem');
      button.textContent = item.label;
      button.addEventListener('click', () => {
        hideMenu(menu);
        item.run();
      });
      buttons.push(button);
      return button;
    }),
  );
  menu.hidden = false;
  const rect = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(0, Math.min(x, window.innerWidth - rect.width - 4))}px`;
  menu.style.top = `${Math.max(0, Math.min(y, window.innerHeight - rect.height - 4))}px`;
  buttons[0]?.focus();
  menu.onkeydown = (e) => {
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      buttons[(i + (e.key === 'ArrowDown' ? 1 : buttons.length - 1)) % buttons.length]?.focus();
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      hideMenu(menu);
      onEscape();
    }
  };
}

export function hideMenu(menu: HTMLElement): void {
  if (!menu.hidden) menu.hidden = true;
}
