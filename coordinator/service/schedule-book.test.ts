import { describe, expect, it } from "vitest";
import { FleetError, PutScheduleBody } from "../../contracts/index.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { StoreError } from "../../store/port.js";
import { FleetEvents } from "./fleet-events.js";
import { ScheduleBook, type ScheduleHost } from "./schedule-book.js";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

async function book(submit: ScheduleHost["submit"]) {
  const store = new MemoryStore();
  await store.init();
  const submitted: string[] = [];
  const host: ScheduleHost = {
    submit: async (productId, body) => {
      submitted.push(body.idempotencyKey!);
      return submit(productId, body);
    },
    isActive: () => false,
    assertRoutable: () => undefined,
  };
  const schedules = new ScheduleBook(store, host, new FleetEvents());
  await schedules.put("acme", "tick", PutScheduleBody.parse({ cron: "*/5 * * * *", job: { bodyMd: "x" }, overlap: "allow" }), T0);
  return { store, schedules, submitted, host };
}

describe("the schedule book", () => {
  it("catches up every missed occurrence in order, each with its own key, bounded per pass", async () => {
    const { schedules, submitted } = await book(async () => ({ jobId: "j", outcome: "created" }));
    await schedules.runDue(T0 + 20 * MINUTE);
    expect(submitted).toEqual([0, 5, 10, 15, 20].map((m) => `schedule:tick:${T0 + m * MINUTE}`));
    expect(schedules.get("acme", "tick").nextRunAt).toBe(T0 + 25 * MINUTE);
    expect(schedules.nextDeadline()).toBe(T0 + 25 * MINUTE);
  });

  it("keeps an occurrence due when the store refuses, and submits it on the next pass", async () => {
    let fail = true;
    const { schedules, submitted } = await book(async () => {
      if (fail) throw new StoreError("unavailable", "down");
      return { jobId: "j", outcome: "created" };
    });
    await schedules.runDue(T0);
    expect(schedules.get("acme", "tick")).toMatchObject({ submitted: 0, nextRunAt: T0 });
    fail = false;
    await schedules.runDue(T0 + 1000);
    expect(schedules.get("acme", "tick")).toMatchObject({ submitted: 1, nextRunAt: T0 + 5 * MINUTE });
    expect(submitted).toEqual([`schedule:tick:${T0}`, `schedule:tick:${T0}`]);
  });

  it("records an occurrence whose job is refused as skipped, with the reason, instead of retrying it forever", async () => {
    const { schedules } = await book(async () => {
      throw new FleetError("VALIDATION", "no pool offers every capability (gpu)");
    });
    await schedules.runDue(T0);
    expect(schedules.get("acme", "tick")).toMatchObject({ submitted: 0, skipped: 1, lastError: "no pool offers every capability (gpu)", nextRunAt: T0 + 5 * MINUTE });
  });

  it("reloads its schedules and their next runs from the store after a restart", async () => {
    const { store, schedules, host } = await book(async () => ({ jobId: "j", outcome: "created" }));
    await schedules.runDue(T0);
    const restarted = new ScheduleBook(store, host, new FleetEvents());
    expect(await restarted.load()).toBe(1);
    expect(restarted.nextDeadline()).toBe(T0 + 5 * MINUTE);
    expect(restarted.get("acme", "tick", 3).nextRuns).toEqual([T0 + 5 * MINUTE, T0 + 10 * MINUTE, T0 + 15 * MINUTE]);
  });
});
