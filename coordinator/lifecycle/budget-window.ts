import type { BudgetWindow } from "../../contracts/index.js";

const DAY_MS = 86_400_000;

/** The window a budget's spend counts in: [start, end), `end` undefined for `none`. */
export interface BudgetWindowBounds {
  start: number;
  end: number | undefined;
}

/** `YYYY-MM-DD` of the UTC day `ms` falls on. */
export function utcDayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 00:00 UTC of a `YYYY-MM-DD` day. */
export function utcDayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/**
 * The window of `window` kind anchored at the day `windowStart` that contains `now`. Windows
 * repeat in both directions from the anchor (a `now` before the anchor falls in an earlier window),
 * so the answer never depends on when the budget was written. Monthly windows start on the
 * anchor's day of the month, or on the month's last day when it is shorter (an anchor on the 31st
 * starts February's window on the 28th or 29th). `none` is one window from the anchor on; before
 * the anchor it is the empty window [anchor, anchor), so nothing before the anchor counts.
 * Pure: `now` is an argument.
 */
export function budgetWindowAt(window: BudgetWindow, windowStart: string, now: number): BudgetWindowBounds {
  const anchor = utcDayStart(windowStart);
  switch (window) {
    case "none":
      return { start: anchor, end: now < anchor ? anchor : undefined };
    case "daily":
    case "weekly": {
      const period = window === "daily" ? DAY_MS : 7 * DAY_MS;
      const k = Math.floor((now - anchor) / period);
      return { start: anchor + k * period, end: anchor + (k + 1) * period };
    }
    case "monthly": {
      const a = new Date(anchor);
      const anchorMonth = a.getUTCFullYear() * 12 + a.getUTCMonth();
      const anchorDay = a.getUTCDate();
      const n = new Date(now);
      let k = n.getUTCFullYear() * 12 + n.getUTCMonth() - anchorMonth;
      if (monthlyStart(anchorMonth + k, anchorDay) > now) k--;
      return { start: monthlyStart(anchorMonth + k, anchorDay), end: monthlyStart(anchorMonth + k + 1, anchorDay) };
    }
  }
}

/** The UTC days of a window up to and including `now`'s day (at most `limit`), oldest first. */
export function daysOfWindow(bounds: BudgetWindowBounds, now: number, limit = 400): string[] {
  const days: string[] = [];
  const last = bounds.end === undefined ? now : Math.min(now, bounds.end - 1);
  for (let at = bounds.start; at <= last && days.length < limit; at += DAY_MS) days.push(utcDayOf(at));
  return days;
}

function monthlyStart(monthIndex: number, day: number): number {
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, lastDay));
}
