import { isTerminal, type JobDoc, type JobTotals, TERMINAL_STAGE_NAMES, type TerminalStage } from "../../contracts/index.js";
import type { StoreCountQuery, StorePort } from "../../store/port.js";

type Terminal = Record<TerminalStage, number>;

const FLEET = "\u0000fleet";
const MAX_RECOUNTS = 3;

/**
 * Jobs per stage without a scan per request. Active jobs are counted from every committed change
 * (the index rebuild replays each active job once). Terminal jobs are counted from the store once
 * (fleet-wide when the coordinator starts, per product on its first request) and then kept in
 * step with every commit into and out of a terminal stage (a replay moves a dead letter back).
 *
 * A count races the commits that land while it runs: a commit into or out of a terminal stage of
 * that scope during the count makes it count again (at most three times), so the counters start
 * from a figure no commit moved under them.
 */
export class JobTotalsBook {
  private readonly active = new Map<string, Map<string, number>>();
  private readonly terminal = new Map<string, Terminal>();
  private readonly counting = new Map<string, { dirty: boolean; done: Promise<void> }>();

  constructor(private readonly store: StorePort) {}

  /** Counts the fleet-wide terminal totals. Call once, after the index rebuild. */
  async start(): Promise<void> {
    await this.ensure(FLEET, undefined);
  }

  observe(previous: JobDoc | undefined, next: JobDoc): void {
    if (previous !== undefined && !isTerminal(previous.stage)) this.shiftActive(previous.productId, previous.stage, -1);
    if (!isTerminal(next.stage)) this.shiftActive(next.productId, next.stage, 1);
    const from = previous !== undefined && isTerminal(previous.stage) ? (previous.stage as TerminalStage) : undefined;
    const to = isTerminal(next.stage) ? (next.stage as TerminalStage) : undefined;
    if (from === to) return;
    for (const scope of [FLEET, next.productId]) {
      const pending = this.counting.get(scope);
      if (pending !== undefined) {
        pending.dirty = true;
        continue;
      }
      const counts = this.terminal.get(scope);
      if (counts === undefined) continue;
      if (from !== undefined) counts[from] = Math.max(0, counts[from] - 1);
      if (to !== undefined) counts[to]++;
    }
  }

  /** Totals for one product, or the whole fleet when `productScope` is undefined. */
  async totals(productScope: string | undefined): Promise<JobTotals> {
    const scope = productScope ?? FLEET;
    await this.ensure(scope, productScope);
    return { active: Object.fromEntries(this.active.get(scope) ?? []), terminal: { ...this.terminal.get(scope)! } };
  }

  /**
   * The terminal totals of one product (or the fleet) as counted so far, from memory: never waits,
   * never reads the store while they are known. Undefined while they are not (the store refused the
   * count at start, or it is under way); then a count starts in the background, one at a time.
   */
  countedTerminal(productScope: string | undefined): Readonly<Terminal> | undefined {
    const scope = productScope ?? FLEET;
    const counts = this.terminal.get(scope);
    if (counts === undefined) this.ensure(scope, productScope).catch(() => undefined);
    return counts;
  }

  private shiftActive(productId: string, stage: string, by: number): void {
    for (const scope of [FLEET, productId]) {
      let stages = this.active.get(scope);
      if (stages === undefined) {
        stages = new Map();
        this.active.set(scope, stages);
      }
      const count = (stages.get(stage) ?? 0) + by;
      if (count <= 0) stages.delete(stage);
      else stages.set(stage, count);
    }
  }

  private async ensure(scope: string, productId: string | undefined): Promise<void> {
    if (this.terminal.has(scope)) return;
    const pending = this.counting.get(scope);
    if (pending !== undefined) return pending.done;
    const entry = { dirty: false, done: Promise.resolve() };
    // Registered before the first count starts, so every commit from then on marks it dirty.
    this.counting.set(scope, entry);
    entry.done = this.countUntilSteady(scope, productId, entry);
    return entry.done;
  }

  private async countUntilSteady(scope: string, productId: string | undefined, entry: { dirty: boolean }): Promise<void> {
    try {
      for (let attempt = 1; ; attempt++) {
        entry.dirty = false;
        const counts = await this.count(productId);
        if (!entry.dirty || attempt >= MAX_RECOUNTS) {
          // In the same turn as the counters appear, so no commit falls between the two.
          this.terminal.set(scope, counts);
          this.counting.delete(scope);
          return;
        }
      }
    } catch (error) {
      this.counting.delete(scope);
      throw error;
    }
  }

  private async count(productId: string | undefined): Promise<Terminal> {
    const counts = await Promise.all(
      TERMINAL_STAGE_NAMES.map((stage) => {
        const query: StoreCountQuery = {
          where: [{ field: "stage", op: "=", value: stage }, ...(productId === undefined ? [] : [{ field: "productId", op: "=" as const, value: productId }])],
        };
        return this.store.count("jobs", query);
      }),
    );
    return Object.fromEntries(TERMINAL_STAGE_NAMES.map((stage, i) => [stage, counts[i] ?? 0])) as Terminal;
  }
}
