import type { Logger } from "pino";
import type { Timers } from "../contracts/index.js";
import type { CoordinatorPort } from "./coordinator-port.js";

/** Liveness for the coordinator, well inside its stale threshold (the seed system flapped because
 * its heartbeat was slower than its 90-second threshold; the default here is 15 s). */
export function startHeartbeat(
  client: CoordinatorPort,
  everyMs: number,
  load: () => { load: number; seats: number },
  logger: Logger,
  timers: Timers,
  onDrain?: (directive: { reason: string; message: string }) => void,
): () => void {
  let inFlight = false;
  const beat = async () => {
    if (inFlight) return;
    inFlight = true;
    try {
      const result = await client.heartbeat({ ...load(), health: "ok" });
      if (!result.ok) logger.warn({ code: result.code, message: result.message }, "heartbeat not accepted");
      else if (result.value.drain !== undefined) onDrain?.(result.value.drain);
    } finally {
      inFlight = false;
    }
  };
  void beat();
  const timer = timers.setInterval(() => void beat(), everyMs);
  timer.unref();
  return () => timers.clearInterval(timer);
}
