import type { Command } from "commander";
import type { JobDoc, ReviewView } from "../../contracts/index.js";
import { type CliIo, type CommandContext, contextOf } from "../context.js";
import { positiveInteger } from "../durations.js";
import { usageError } from "../exit-codes.js";
import { bold, paintStage, printJson, renderTable } from "../output.js";

interface ReviewOptions {
  approve?: boolean;
  requestChanges?: boolean;
  reject?: boolean;
  request?: boolean;
  comment?: string;
  approvals?: string;
  roles?: string;
}

/** `fleet jobs review ID`: show the review gate, ask for reviews, or decide as the token's operator. */
export function registerReview(jobs: Command, io: CliIo): void {
  jobs
    .command("review")
    .description("Show a job's review gate, or decide on it as the token's reviewer: --approve, --request-changes or --reject (with --comment); --request asks for reviews")
    .argument("<id>", "job id (j-...)")
    .option("--approve", "approve the attempt under review (quorum ships it, or rests it at testing when autoship is off)")
    .option("--request-changes", "send the job back to run again from the reviewed work (needs --comment)")
    .option("--reject", "fail the job (needs --comment)")
    .option("--request", "ask for reviews before the job ships")
    .option("--comment <text>", "why, recorded on the job's timeline and read by the next attempt")
    .option("--approvals <n>", "with --request: approvals needed (default: the job's policy, at least 1)")
    .option("--roles <roles>", "with --request: only reviewers with one of these roles, comma-separated")
    .addHelpText("after", "\nExamples:\n  fleet jobs review j-4b1c...            the gate, its round and its decisions\n  fleet jobs review j-4b1c... --approve --comment 'reads well'\n  fleet jobs review j-4b1c... --request-changes --comment 'rename the route'\n  fleet jobs review j-4b1c... --request --approvals 2 --roles maintainer,security")
    .action(async (id: string, options: ReviewOptions, command: Command) => {
      const ctx = contextOf(command, io);
      const path = `/fleet/jobs/${encodeURIComponent(id)}/review`;
      const verdicts = [options.approve === true ? "approve" : undefined, options.requestChanges === true ? "request_changes" : undefined, options.reject === true ? "reject" : undefined].filter(
        (verdict): verdict is string => verdict !== undefined,
      );
      if (verdicts.length + (options.request === true ? 1 : 0) > 1) throw usageError("choose one of --approve, --request-changes, --reject and --request");
      if ((options.approvals !== undefined || options.roles !== undefined) && options.request !== true) throw usageError("--approvals and --roles go with --request");
      if (options.request === true) {
        const body = {
          ...(options.approvals === undefined ? {} : { approvals: positiveInteger(options.approvals, "--approvals", 10) }),
          ...(options.roles === undefined ? {} : { roles: options.roles.split(",").map((role) => role.trim()).filter((role) => role !== "") }),
          ...(options.comment === undefined ? {} : { comment: options.comment }),
        };
        const job = await ctx.client.post<JobDoc>(`${path}/request`, body);
        if (ctx.output.json) return printJson(ctx.output, job);
        ctx.output.out(`${job.id} (${job.idempotencyKey}) is ${paintStage(ctx.output, job.stage)}${job.stageReason === undefined ? "" : `: ${job.stageReason}`}`);
        return;
      }
      const verdict = verdicts[0];
      if (verdict !== undefined) {
        if (verdict !== "approve" && (options.comment === undefined || options.comment.trim() === "")) {
          throw usageError(`--${verdict === "reject" ? "reject" : "request-changes"} needs --comment saying why`, "the next attempt reads it");
        }
        const job = await ctx.client.post<JobDoc>(path, { verdict, ...(options.comment === undefined ? {} : { comment: options.comment }) });
        if (ctx.output.json) return printJson(ctx.output, job);
        ctx.output.out(`${job.id} (${job.idempotencyKey}) is now ${paintStage(ctx.output, job.stage)}${job.stageReason === undefined ? "" : `: ${job.stageReason}`}`);
        return;
      }
      if (options.comment !== undefined) throw usageError("--comment goes with --approve, --request-changes, --reject or --request");
      const view = await ctx.client.get<ReviewView>(path);
      if (ctx.output.json) return printJson(ctx.output, view);
      printReview(ctx, view);
    });
}

/** The gate in a few lines: the policy, the round's count, what is under review, the decisions. */
export function printReview(ctx: CommandContext, view: ReviewView): void {
  const out = ctx.output;
  const { policy, sources } = view;
  out.out(
    `policy     ${policy.approvals === 0 ? "no approvals needed" : `${policy.approvals} approval${policy.approvals === 1 ? "" : "s"}`}${policy.roles.length === 0 ? "" : ` from ${policy.roles.join(" or ")}`}, autoship ${policy.autoship ? "on" : "off"} (approvals from the ${sources.approvals}, roles from the ${sources.roles}, autoship from the ${sources.autoship})`,
  );
  if (view.round === null) {
    out.out(`review     none yet${view.awaitingReview ? "" : ` (the job is ${paintStage(out, view.stage)})`}`);
    return;
  }
  const round = view.round;
  out.out(`round      ${round.number}: ${round.state.replace(/_/g, " ")}, ${round.approvals.counted} of ${round.approvals.needed} approvals, attempt of epoch ${round.epoch}, opened ${round.openedAt} by ${round.openedBy}`);
  if (view.deliverable !== null) {
    const d = view.deliverable;
    out.out(`under review ${[d.branch, d.commit?.slice(0, 12), d.prUrl].filter((part) => part !== undefined).join("  ")}`);
  }
  if (round.decisions.length > 0) {
    out.out(`\n${bold(out, "decisions")}`);
    out.out(renderTable(["REVIEWER", "ROLES", "VERDICT", "AT", "COMMENT"], round.decisions.map((d) => [d.reviewer, d.roles.join(",") || "-", d.verdict.replace(/_/g, " "), d.at, d.comment ?? "-"])));
  }
}
