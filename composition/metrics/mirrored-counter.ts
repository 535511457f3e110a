import { Counter, type Registry } from "prom-client";

/**
 * A Prometheus counter fed from a monotonic total kept elsewhere (a component's stats): at each
 * scrape it increases by what the total grew since the last one, so `rate()` works and the
 * component keeps one source of truth. A total that went down (a restarted component) is taken
 * as a new start.
 */
export function mirroredCounter<L extends string>(options: {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registry: Registry;
  read: () => Iterable<[Partial<Record<L, string>>, number]>;
}): Counter<L> {
  const seen = new Map<string, number>();
  return new Counter<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [options.registry],
    collect() {
      for (const [labels, total] of options.read()) {
        const key = JSON.stringify(labels);
        const before = seen.get(key) ?? 0;
        const delta = total >= before ? total - before : total;
        seen.set(key, total);
        if (delta > 0) this.inc(labels as Record<L, string>, delta);
        else if (before === 0 && total === 0) this.inc(labels as Record<L, string>, 0);
      }
    },
  });
}
