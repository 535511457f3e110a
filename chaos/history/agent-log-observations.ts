import { z } from "zod";
import type { History } from "./history.js";

/** Log messages with which the shipped agent says the coordinator fenced it out of an attempt
 * (factory-agent/run-assignment.ts). */
const FENCED_MESSAGES: readonly string[] = ["lease lost to a newer epoch; dropping the attempt without releasing", "release rejected: the job was reassigned meanwhile"];

/** The fields of an attempt's log line (pino JSON; the attempt's child logger adds jobId and epoch). */
const AttemptLogLine = z.object({ msg: z.string(), jobId: z.string(), epoch: z.number().int(), time: z.number() });

/**
 * Records what an agent process said about being fenced, from its log: live runs cannot watch its
 * calls, but the agent logs each fencing with the attempt it was fenced out of and the time.
 */
export function recordFencedFromLog(history: History, agentId: string, log: string): number {
  let recorded = 0;
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) continue;
    const parsed = AttemptLogLine.safeParse(parseJson(line));
    if (!parsed.success || !FENCED_MESSAGES.includes(parsed.data.msg)) continue;
    history.instant({ kind: "observe", what: "fenced", actor: agentId, jobId: parsed.data.jobId, epoch: parsed.data.epoch }, parsed.data.time);
    recorded++;
  }
  return recorded;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
