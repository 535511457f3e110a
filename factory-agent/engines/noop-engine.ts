import type { JobDoc } from "../../contracts/index.js";
import type { Engine, EngineContext, EngineOutcome } from "./port.js";

/**
 * Ships every job at once, with no stage report and no output: what the end-to-end benchmark
 * runs, so the figures measure the dispatch path (submit, assign, relay, receive, accept, settle,
 * release) and nothing of the work.
 */
export class NoopEngine implements Engine {
  readonly name = "noop";

  async run(_job: JobDoc, _context: EngineContext): Promise<EngineOutcome> {
    return { kind: "shipped" };
  }

  async checkpoint(): Promise<undefined> {
    return undefined;
  }
}
