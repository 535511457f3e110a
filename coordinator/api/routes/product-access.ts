import { FleetError } from "../../../contracts/index.js";
import type { OperatorPrincipal } from "../../auth/principal.js";

/** A product's key acts on its own product only; a fleet-wide key on any. */
export function assertProductAccess(principal: OperatorPrincipal, productId: string): void {
  if (principal.productId === "*" || principal.productId === productId) return;
  throw new FleetError("FORBIDDEN", `this key acts for product ${principal.productId}, not ${productId}: use ${productId}'s key or a fleet-wide operator key`);
}

/** Pools serve every product, so only a fleet-wide key may pause or drain one. */
export function assertFleetWide(principal: OperatorPrincipal, what: string): void {
  if (principal.productId === "*") return;
  throw new FleetError("FORBIDDEN", `${what} affects every product: use a fleet-wide operator key (this one acts for product ${principal.productId})`);
}

/** Schedules belong to a product, so the product's own key manages them. */
export function productOfKey(principal: OperatorPrincipal, what: string): string {
  if (principal.productId !== "*") return principal.productId;
  throw new FleetError("FORBIDDEN", `${what} belongs to a product: use that product's operator key`);
}
