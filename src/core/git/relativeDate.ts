// "2 days ago": how long ago a commit was, in git's own words (`git log --date=relative`, date.c's
// show_date_relative), so that what alembic-lens says matches what `git log` says of the same commit.

/** How long before `nowSeconds` the time `thenSeconds` was (both Unix seconds), as git says it. */
export function relativeDate(thenSeconds: number, nowSeconds: number): string {
  const count = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const ago = (n: number, unit: string): string => `${count(n, unit)} ago`;
  if (nowSeconds < thenSeconds) return 'in the future';
  let diff = Math.floor(nowSeconds - thenSeconds);
  if (diff < 90) return ago(diff, 'second');
  // Each step rounds to the nearest unit, as git's integer arithmetic does.
  diff = Math.floor((diff + 30) / 60);
  if (diff < 90) return ago(diff, 'minute');
  diff = Math.floor((diff + 30) / 60);
  if (diff < 36) return ago(diff, 'hour');
  diff = Math.floor((diff + 12) / 24); // days from here on
  if (diff < 14) return ago(diff, 'day');
  if (diff < 70) return ago(Math.floor((diff + 3) / 7), 'week');
  if (diff < 365) return ago(Math.floor((diff + 15) / 30), 'month');
  if (diff < 1825) {
    const totalMonths = Math.floor((diff * 12 * 2 + 365) / (365 * 2));
    const years = Math.floor(totalMonths / 12);
    const months = totalMonths % 12;
    return months ? `${count(years, 'year')}, ${ago(months, 'month')}` : ago(years, 'year');
  }
  return ago(Math.floor((diff + 183) / 365), 'year');
}
