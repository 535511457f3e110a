/** The sum of every sample of a metric in Prometheus text (all label sets), 0 when absent. */
export function metricTotal(text: string, name: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const value = Number(rest.slice(rest.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** The samples of a metric by the value of one label. */
export function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`^${name}\\{[^}]*${label}="([^"]*)"[^}]*\\} (\\S+)`);
  for (const line of text.split("\n")) {
    const match = pattern.exec(line);
    if (match !== null) out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}
