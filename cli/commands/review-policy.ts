import type { Command } from "commander";
import type { ProductReviewPolicyView } from "../../contracts/index.js";
import { type CliIo, contextOf } from "../context.js";
import { usageError } from "../exit-codes.js";
import { printJson } from "../output.js";

/** `fleet review-policy show|set PRODUCT`: what a product's jobs need before they ship. */
export function registerReviewPolicyCommands(program: Command, io: CliIo): void {
  const policy = program.command("review-policy").description("A product's review gate: approvals, reviewer roles and autoship (a job's own policy wins per field)");

  const print = (ctx: ReturnType<typeof contextOf>, view: ProductReviewPolicyView) => {
    if (ctx.output.json) return printJson(ctx.output, view);
    const p = view.policy;
    ctx.output.out(
      `${view.productId}: ${p.approvals === 0 ? "no approvals needed" : `${p.approvals} approval${p.approvals === 1 ? "" : "s"}${p.roles.length === 0 ? " from any reviewer" : ` from ${p.roles.join(" or ")}`}`}, autoship ${p.autoship ? "on" : "off"} (${view.updatedBy === null ? "the defaults" : `set by ${view.updatedBy} at ${view.updatedAt}`})`,
    );
  };

  policy
    .command("show")
    .description("The product's review policy")
    .argument("<product>", "product id")
    .action(async (product: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      print(ctx, await ctx.client.get<ProductReviewPolicyView>(`/fleet/review-policies/${encodeURIComponent(product)}`));
    });

  policy
    .command("set")
    .description("Change the product's review policy; fields left out keep their value, 'default' takes the default again")
    .argument("<product>", "product id")
    .option("--approvals <n|default>", "approvals a job needs before it ships (0: no review gate)")
    .option("--roles <roles|default>", "only reviewers with one of these roles, comma-separated")
    .option("--autoship <on|off|default>", "on: a passing job ships by itself; off: it rests at testing for a person")
    .action(async (product: string, options: { approvals?: string; roles?: string; autoship?: string }, command: Command) => {
      const ctx = contextOf(command, io);
      const body: Record<string, unknown> = {};
      if (options.approvals !== undefined) {
        if (options.approvals === "default") body.approvals = null;
        else if (/^\d+$/.test(options.approvals) && Number(options.approvals) <= 10) body.approvals = Number(options.approvals);
        else throw usageError(`--approvals must be a whole number from 0 to 10 or 'default', not '${options.approvals}'`);
      }
      if (options.roles !== undefined) body.roles = options.roles === "default" ? null : options.roles.split(",").map((role) => role.trim()).filter((role) => role !== "");
      if (options.autoship !== undefined) {
        if (!["on", "off", "default"].includes(options.autoship)) throw usageError(`--autoship must be on, off or default, not '${options.autoship}'`);
        body.autoship = options.autoship === "default" ? null : options.autoship === "on";
      }
      if (Object.keys(body).length === 0) throw usageError("say what to change: --approvals, --roles or --autoship");
      const response = await ctx.client.request<ProductReviewPolicyView>("PUT", `/fleet/review-policies/${encodeURIComponent(product)}`, { body });
      print(ctx, response.body);
    });
}
