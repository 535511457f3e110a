import type { FastifyReply, FastifyRequest } from "fastify";
import { FleetError } from "../../contracts/index.js";
import type { CredentialRegistry } from "../auth/credentials.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { FactoryPrincipal, OperatorPrincipal, Principal } from "../auth/principal.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type Role = "operator" | "factory" | "any";

/** preHandler that establishes the caller from its token and enforces the route's role. */
export function requireRole(credentials: CredentialRegistry, role: Role, limiter?: RateLimiter) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const factoryHeader = request.headers["x-factory-id"];
    const result = credentials.authenticate(request.headers.authorization, typeof factoryHeader === "string" ? factoryHeader : undefined);
    if ("code" in result) throw new FleetError(result.code, result.message);
    if (role !== "any" && result.kind !== role) {
      throw new FleetError("FORBIDDEN", `this call is for ${role}s; the token belongs to a ${result.kind}`);
    }
    request.principal = result;
    limiter?.take(result.kind === "factory" ? `${result.credentialId}/${result.factoryId}` : result.credentialId);
  };
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
