import { Cron } from "croner";
import { FleetError } from "../../contracts/index.js";

/**
 * Cron expressions (five fields: minute hour day-of-month month day-of-week) read in an IANA time
 * zone, through croner. Only ever asked "what is the next run after this instant": croner is
 * built paused and without a callback, so it starts no timer, and every answer is a pure function
 * of its arguments (the simulator's virtual clock drives schedules like any other deadline).
 */
function compile(expression: string, timeZone: string): Cron {
  try {
    const cron = new Cron(expression, { timezone: timeZone, paused: true, mode: "5-part" });
    // An unknown time zone only shows when a date is converted.
    cron.nextRun(new Date(0));
    return cron;
  } catch (error) {
    throw new FleetError("VALIDATION", `invalid schedule: ${(error as Error).message}`, { field: "cron" });
  }
}

/** Throws VALIDATION naming the problem when the expression or time zone is bad. */
export function assertValidCron(expression: string, timeZone: string): void {
  compile(expression, timeZone);
}

/** The first run strictly after `afterMs`, or undefined when the expression has no future run. */
export function nextOccurrence(expression: string, timeZone: string, afterMs: number): number | undefined {
  return compile(expression, timeZone).nextRun(new Date(afterMs))?.getTime();
}

/** The next `count` runs strictly after `afterMs`. */
export function nextOccurrences(expression: string, timeZone: string, afterMs: number, count: number): number[] {
  return compile(expression, timeZone)
    .nextRuns(count, new Date(afterMs))
    .map((date) => date.getTime());
}
