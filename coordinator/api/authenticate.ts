import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { FleetError } from "../../contracts/index.js";
import type { CredentialRegistry } from "../auth/credentials.js";
import type { EnrollmentPrincipal, FactoryPrincipal, OperatorPrincipal, Principal } from "../auth/principal.js";
import type { RateLimiter } from "./rate-limiter.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
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
        if (result.code === "UNAUTHENTICATED") limiter?.admitUnauthenticated(request.ip);
        throw new FleetError(result.code, result.message);
      }
      limiter?.admit(result);
      request.principal = result;
    }
    const principal = request.principal;
    const allowed = role === "any" ? principal.kind !== "enrollment" : principal.kind === role;
    if (!allowed) {
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
