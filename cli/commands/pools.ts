import type { Command } from "commander";
import { type CliIo, type CommandContext, contextOf } from "../context.js";
import { positiveInteger } from "../durations.js";
import { paint, printJson, printJsonLine, renderTable } from "../output.js";

export interface PoolRow {
  name: string;
  capacityWindow: number;
  inFlightLeases: number;
  awaitingAccept: number;
  readyJobs?: number;
  desiredReplicas?: number | null;
  actualReplicas?: number | null;
  minReplicas: number;
  maxReplicas: number;
  subscriptionActiveMessages?: number | null;
  subscriptionDeadLetters?: number | null;
  health: string;
  healthReason?: string;
  paused: boolean;
  acceptLatencyAvgMs: number | null;
}

const dash = (value: number | null | undefined) => (value === null || value === undefined ? "-" : String(value));

export function poolTable(ctx: CommandContext, pools: readonly PoolRow[]): string {
  const health = (pool: PoolRow) => {
    const text = pool.paused ? "paused" : pool.health;
    const colour = pool.paused ? 33 : pool.health === "ok" ? 32 : pool.health === "degraded" ? 33 : 31;
    return `${paint(ctx.output, colour, text)}${pool.healthReason === undefined ? "" : ` (${pool.healthReason})`}`;
  };
  return renderTable(
    ["POOL", "CAPACITY", "IN FLIGHT", "AWAITING ACCEPT", "READY", "REPLICAS (desired/actual/max)", "MESSAGES", "DEAD LETTERS", "ACCEPT AVG", "HEALTH"],
    pools.map((pool) => [
      pool.name,
      String(pool.capacityWindow),
      String(pool.inFlightLeases),
      String(pool.awaitingAccept),
      dash(pool.readyJobs),
      `${dash(pool.desiredReplicas)}/${dash(pool.actualReplicas)}/${pool.maxReplicas}`,
      dash(pool.subscriptionActiveMessages),
      dash(pool.subscriptionDeadLetters),
      pool.acceptLatencyAvgMs === null ? "-" : `${pool.acceptLatencyAvgMs} ms`,
      health(pool),
    ]),
  );
}

export function registerPoolCommands(program: Command, io: CliIo): void {
  const pools = program.command("pools").description("Pools: capacity, in-flight work, replicas, subscription depth, dead letters, health");

  pools
    .command("ls")
    .description("Every pool with its scale figures")
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const { items } = await ctx.client.get<{ items: PoolRow[] }>("/fleet/pools");
      if (ctx.output.json) return printJson(ctx.output, { items });
      ctx.output.out(poolTable(ctx, items));
    });

  pools
    .command("watch")
    .description("A live view of every pool, redrawn on a terminal; --json prints one JSON line per refresh")
    .option("--interval <ms>", "refresh interval", "2000")
    .option("--count <n>", "stop after this many refreshes (default: until Ctrl-C)")
    .action(async (options: { interval: string; count?: string }, command: Command) => {
      const ctx = contextOf(command, io);
      const interval = positiveInteger(options.interval, "--interval", 600_000);
      const count = options.count === undefined ? Number.POSITIVE_INFINITY : positiveInteger(options.count, "--count");
      const redraw = ctx.output.color || (io.stdout.isTTY === true && !ctx.output.json);
      for (let refresh = 0; refresh < count && !io.signal.aborted; refresh++) {
        const { items } = await ctx.client.get<{ items: PoolRow[] }>("/fleet/pools");
        const at = new Date(io.now()).toISOString();
        if (ctx.output.json) printJsonLine(ctx.output, { at, items });
        else if (redraw) ctx.output.out(`\u001b[H\u001b[2J${ctx.client.url}  ${at}  (Ctrl-C to stop)\n\n${poolTable(ctx, items)}`);
        else ctx.output.out(`${at}\n${poolTable(ctx, items)}\n`);
        if (refresh + 1 < count) await io.sleep(interval, io.signal);
      }
    });
}
