import type { OperatorRole, RateLimit } from "../../contracts/index.js";

/** Who is calling, as established from the credential (never from the request body). */
export type Principal = OperatorPrincipal | FactoryPrincipal | EnrollmentPrincipal;

/** Where a credential is kept: CREDENTIALS_FILE (the bootstrap, re-read on SIGHUP) or the store
 * (issued at run time through the API). */
export type CredentialSource = "file" | "store";

export interface OperatorPrincipal {
  kind: "operator";
  credentialId: string;
  /** The product this key acts for, or "*" for a fleet-wide operator. */
  productId: string;
  /** `load-tester`: the operator calls with a high request limit; it cannot manage credentials. */
  role: OperatorRole;
  source: CredentialSource;
  /** This key's own request limit, when it has one. */
  rateLimit?: RateLimit;
  /** The roles this key reviews as (review policies that name roles count only these). */
  reviewerRoles?: readonly string[];
}

export interface FactoryPrincipal {
  kind: "factory";
  credentialId: string;
  /** The one product whose jobs this factory may run (pool tokens never span products; only
   * in-process callers such as the simulator use "*"). */
  productId: string;
  pool: string;
  /** The factory instance; a lease is bound to it. */
  factoryId: string;
  /** true when the token belongs to this one factory (enrolled); false for a pool token shared by
   * instances that name themselves in X-Factory-Id. */
  bound?: boolean;
  source?: CredentialSource;
  rateLimit?: RateLimit;
}

/** An enrollment token: good for POST /fleet/factories/enroll only. */
export interface EnrollmentPrincipal {
  kind: "enrollment";
  credentialId: string;
  productId: string;
  pool: string;
}

export const ALL_PRODUCTS = "*";

/** The product filter for store reads: undefined means every product. */
export function productScope(principal: Principal): string | undefined {
  return principal.productId === ALL_PRODUCTS ? undefined : principal.productId;
}
