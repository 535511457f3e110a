import { useEffect, useState } from "preact/hooks";

/** The API speaks ISO 8601 in newer views and epoch milliseconds in job documents: accept both. */
export type TimeValue = string | number | null | undefined;

export function toDate(value: TimeValue): Date | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** "12 Jan 2027, 14:03:07" in the viewer's local time zone. */
export function formatAbsolute(value: TimeValue): string {
  const date = toDate(value);
  return date === undefined ? "" : absolute.format(date);
}

export function formatClock(value: TimeValue): string {
  const date = toDate(value);
  return date === undefined ? "" : clock.format(date);
}

/** "3 min ago", "in 20 s", "just now". */
export function formatRelative(value: TimeValue, now = Date.now()): string {
  const date = toDate(value);
  if (date === undefined) return "";
  const seconds = Math.round((date.getTime() - now) / 1000);
  const magnitude = Math.abs(seconds);
  if (magnitude < 5) return "just now";
  const [amount, unit] =
    magnitude < 60 ? [magnitude, "s"] : magnitude < 3600 ? [Math.round(magnitude / 60), "min"] : magnitude < 86_400 ? [Math.round(magnitude / 3600), "h"] : [Math.round(magnitude / 86_400), "d"];
  return seconds < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** A duration in ms as "850 ms", "12.3 s", "4 min 10 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

let ticker: ReturnType<typeof setInterval> | undefined;
const tickers = new Set<() => void>();

/** Re-renders every 15 s so relative times stay true. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tickers.add(tick);
    if (ticker === undefined) {
      ticker = setInterval(() => {
        for (const t of tickers) t();
      }, 15_000);
    }
    return () => {
      tickers.delete(tick);
    };
  }, []);
  return now;
}

/** A time shown relative ("3 min ago"), with the absolute local time on hover. */
export function Time({ value }: { value: TimeValue }) {
  useNow();
  const now = Date.now();
  const date = toDate(value);
  if (date === undefined) return <span class="muted">–</span>;
  return (
    <time dateTime={date.toISOString()} title={formatAbsolute(date.getTime())}>
      {formatRelative(date.getTime(), now)}
    </time>
  );
}
