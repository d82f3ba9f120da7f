// How a revision's `Create Date:` header is shown: to the minute. Alembic writes microseconds, which
// only make tooltips and pickers harder to read. Pure, so the graph webview can use it too.

/** "2024-03-01 14:02:11.123456" -> "2024-03-01 14:02"; anything else as written. */
export function shortDate(createDate: string | undefined): string {
  if (!createDate) return '';
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/.exec(createDate);
  return m ? `${m[1]} ${m[2]}` : createDate;
}
