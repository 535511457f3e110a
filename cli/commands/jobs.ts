import type { Command } from "commander";
import type { CliIo } from "../context.js";
import { registerActions } from "./jobs-actions.js";
import { registerInspect } from "./jobs-inspect.js";
import { registerList } from "./jobs-list.js";
import { registerSubmit } from "./jobs-submit.js";
import { registerWatch } from "./jobs-watch.js";
import { registerJobArtifacts } from "./jobs-artifacts.js";
import { registerReview } from "./jobs-review.js";

export function registerJobCommands(program: Command, io: CliIo): void {
  const jobs = program.command("jobs").description("Submit, list, inspect, watch and act on jobs");
  registerSubmit(jobs, io);
  registerList(jobs, io);
  registerInspect(jobs, io);
  registerWatch(jobs, io);
  registerActions(jobs, io);
  registerReview(jobs, io);
  registerJobArtifacts(jobs, io);
}
