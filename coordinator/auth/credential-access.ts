import { FleetError } from "../../contracts/index.js";
import { ALL_PRODUCTS, type OperatorPrincipal, type Principal } from "./principal.js";

/**
 * Who may manage which credentials. Operator keys with role `operator` manage the credentials of
 * their product (a fleet-wide key: of every product, and fleet-wide keys); load testers manage
 * none. A credential may always rotate or revoke itself. Anything out of reach is NOT_FOUND, as
 * other products' jobs are: the caller learns nothing about it.
 */
export function managesProduct(caller: Principal, productId: string): caller is OperatorPrincipal {
  return caller.kind === "operator" && caller.role === "operator" && (caller.productId === ALL_PRODUCTS || caller.productId === productId);
}

export function mayActOnOperatorKey(caller: Principal, key: { id: string; productId: string }): boolean {
  return (caller.kind === "operator" && caller.credentialId === key.id) || managesProduct(caller, key.productId);
}

export function mayActOnFactory(caller: Principal, factory: { factoryId: string; productId: string }): boolean {
  return (caller.kind === "factory" && caller.factoryId === factory.factoryId && caller.productId === factory.productId) || managesProduct(caller, factory.productId);
}

/** The caller manages credentials at all (an operator key with role `operator`). */
export function assertCredentialManager(caller: Principal): OperatorPrincipal {
  if (caller.kind !== "operator" || caller.role !== "operator") {
    throw new FleetError("FORBIDDEN", `managing credentials needs an operator key with role 'operator'; this ${caller.kind === "operator" ? `key has role '${caller.role}'` : "token is not an operator key"}`);
  }
  return caller;
}

/** The product a new credential is for: the caller's own unless a fleet-wide caller names one. */
export function productForNewCredential(caller: OperatorPrincipal, requested: string | undefined, allowFleetWide: boolean): string {
  if (caller.productId !== ALL_PRODUCTS) {
    if (requested !== undefined && requested !== caller.productId) {
      throw new FleetError("FORBIDDEN", `a key for product '${caller.productId}' can issue credentials for that product only, not '${requested}'`);
    }
    return caller.productId;
  }
  if (requested === undefined && !allowFleetWide) {
    throw new FleetError("VALIDATION", "name the product (productId): factory credentials never span products", {
      fields: [{ field: "body.productId", message: "required with a fleet-wide key" }],
    });
  }
  const product = requested ?? ALL_PRODUCTS;
  if (product === ALL_PRODUCTS && !allowFleetWide) {
    throw new FleetError("VALIDATION", "factory credentials never span products: name one product", { fields: [{ field: "body.productId", message: "must name one product" }] });
  }
  return product;
}
