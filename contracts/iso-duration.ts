/** ISO 8601 durations as Service Bus writes them (PT1M, PT10M30S, P14D, P10675199DT2H48M5.4775807S). */
export function parseIsoDuration(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (match === null) throw new Error(`invalid ISO 8601 duration '${text}'`);
  const [, d, h, m, s] = match;
  return (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0)) * 1000;
}

/** The inverse, for replies. "Forever" (no TTL) is Service Bus's TimeSpan.MaxValue. */
export function formatIsoDuration(ms: number | undefined): string {
  if (ms === undefined) return "P10675199DT2H48M5.4775807S";
  let seconds = ms / 1000;
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  let time = "";
  if (hours > 0) time += `${hours}H`;
  if (minutes > 0) time += `${minutes}M`;
  if (seconds > 0 || (time === "" && days === 0)) time += `${Number(seconds.toFixed(3))}S`;
  return `P${days > 0 ? `${days}D` : ""}${time === "" ? "" : `T${time}`}`;
}
