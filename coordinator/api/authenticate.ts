import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { FleetError } from "../../contracts/index.js";
import type { CredentialRegistry, PresentedKind } from "../auth/credentials.js";
import type { EnrollmentPrincipal, FactoryPrincipal, OperatorPrincipal, Principal } from "../auth/principal.js";
import type { RateLimiter } from "./rate-limiter.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when authentication refused the request: the kind of credential it presented. */
    authRefusal?: PresentedKind;
  }
}

export type Role = "operator" | "factory" | "enrollment" | "any";

const GUARD = Symbol("fleet.guard");
type Guard = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & { [GUARD]: Role };

/**
 * The hook that establishes the caller from its token, applies its request limit and enforces the
 * route's role. Routes list it as a preHandler; `authenticateBeforeParsing` moves it to onRequest,
 * so it runs before the body is read or validated: a caller without a valid token learns nothing
 * about the body a route expects, and pays for its attempts (per source address) before any work.
 */
export function requireRole(credentials: CredentialRegistry, role: Role, limiter?: RateLimiter): Guard {
  const guard = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (request.principal === undefined) {
      const header = request.headers["x-factory-id"];
      const result = await credentials.verify(request.headers.authorization, typeof header === "string" ? header : undefined);
      if ("code" in result) {
        // A store that cannot confirm a token (503) is not a refusal of the caller.
        if (result.code !== "STORE_UNAVAILABLE") request.authRefusal = result.presented;
        if (result.code === "UNAUTHENTICATED") limiter?.admitUnauthenticated(request.ip);
        throw new FleetError(result.code, result.message);
      }
      limiter?.admit(result);
      request.principal = result;
    }
    const principal = request.principal;
    const allowed = role === "any" ? principal.kind !== "enrollment" : principal.kind === role;
    if (!allowed) {
      request.authRefusal = principal.kind;
      throw new FleetError("FORBIDDEN", `this call is for ${role === "any" ? "operators and factories" : `${role}s`}; the token belongs to ${articled(principal.kind)}`);
    }
  };
  return Object.assign(guard, { [GUARD]: role });
}

/** onRoute hook: moves each route's role guard from preHandler to onRequest (see requireRole). */
export function authenticateBeforeParsing(route: RouteOptions): void {
  const preHandlers = toArray(route.preHandler);
  const guards = preHandlers.filter(isGuard);
  if (guards.length === 0) return;
  route.preHandler = preHandlers.filter((hook) => !isGuard(hook));
  route.onRequest = [...toArray(route.onRequest), ...guards];
}

/**
 * Whether authentication refused this answered request, and the kind of credential presented:
 * every 401 (the guard's, or an enrollment token used up between the check and the enrollment),
 * and the guard's 403s (a token of the wrong kind for the route, or an X-Factory-Id that is not its
 * factory's). A 403 a route raises itself (another product's budget) is a permission, not an
 * authentication failure; a refused caller that is then rate limited is answered 429 and not counted.
 */
export function authFailureOf(request: FastifyRequest, status: number): PresentedKind | undefined {
  if (status === 401) return request.authRefusal ?? request.principal?.kind ?? "unknown";
  if (status === 403) return request.authRefusal;
  return undefined;
}

export function operatorOf(request: FastifyRequest): OperatorPrincipal {
  const principal = request.principal;
  if (principal?.kind !== "operator") throw new FleetError("FORBIDDEN", "operator credential required");
  return principal;
}

export function factoryOf(request: FastifyRequest): FactoryPrincipal {
  const principal = request.principal;
  if (principal?.kind !== "factory") throw new FleetError("FORBIDDEN", "factory credential required");
  return principal;
}

export function enrollmentOf(request: FastifyRequest): EnrollmentPrincipal {
  const principal = request.principal;
  if (principal?.kind !== "enrollment") throw new FleetError("FORBIDDEN", "an enrollment token is required");
  return principal;
}

function isGuard(hook: unknown): hook is Guard {
  return typeof hook === "function" && GUARD in hook;
}

// biome-ignore lint/suspicious/noExplicitAny: Fastify types route hooks loosely; they are only moved here.
function toArray(hooks: any): any[] {
  if (hooks === undefined || hooks === null) return [];
  return Array.isArray(hooks) ? [...hooks] : [hooks];
}

function articled(kind: Principal["kind"]): string {
  return kind === "operator" ? "an operator" : kind === "enrollment" ? "an enrollment token" : "a factory";
}
