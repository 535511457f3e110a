/** Who is calling, as established from the credential (never from the request body). */
export type Principal = OperatorPrincipal | FactoryPrincipal;

export interface OperatorPrincipal {
  kind: "operator";
  credentialId: string;
  /** The product this key acts for, or "*" for a fleet-wide operator. */
  productId: string;
}

export interface FactoryPrincipal {
  kind: "factory";
  credentialId: string;
  /** The product whose jobs this factory may run, or "*" for a pool shared by every product. */
  productId: string;
  pool: string;
  /** The factory instance; a lease is bound to it. */
  factoryId: string;
}

export const ALL_PRODUCTS = "*";

/** The product filter for store reads: undefined means every product. */
export function productScope(principal: Principal): string | undefined {
  return principal.productId === ALL_PRODUCTS ? undefined : principal.productId;
}
