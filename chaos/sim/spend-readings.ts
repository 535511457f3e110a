import { toMicroUsd } from "../../coordinator/lifecycle/run-cost.js";
import type { Coordinator } from "../../coordinator/service/coordinator.js";
import type { History } from "../history/history.js";

/**
 * An operator reads every budgeted product's burndown (GET /fleet/budgets/:productId/burndown):
 * the coordinator's spend per UTC day of the current window, from its memory. Read right after a
 * boot (spend rebuilt from the store) and after each drain (every job terminal, so every accrual
 * observed), where the spend must equal the finished runs' cost exactly.
 */
export function recordSpendReadings(history: History, coordinator: Coordinator): void {
  for (const { productId } of coordinator.productStates()) {
    if (coordinator.budget(productId).revision === 0) continue;
    const burndown = coordinator.burndown(productId);
    const byDay: Record<string, number> = {};
    for (const day of burndown.days) if (day.spentUsd !== 0) byDay[day.day] = toMicroUsd(day.spentUsd);
    history.instant({
      kind: "spend-reading",
      actor: "operator",
      productId,
      windowStartsAt: burndown.windowStartsAt,
      ...(burndown.windowEndsAt === null ? {} : { windowEndsAt: burndown.windowEndsAt }),
      spentMicro: toMicroUsd(burndown.spentUsd),
      byDay,
    });
  }
}
