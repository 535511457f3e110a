import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  CreatedOperatorKeyResponse,
  CreateOperatorKeyBody,
  CredentialIdParams,
  errorResponse,
  errorResponses,
  OperatorKeyListResponse,
  RevokedCredentialResponse,
  RotatedTokenResponse,
  RotateTokenBody,
} from "../../../contracts/index.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** Operator keys issued at run time (CREDENTIALS_FILE holds the bootstrap ones). */
export function registerOperatorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  // 403 also answers a load-tester key (it manages no credentials) and a key from CREDENTIALS_FILE
  // (changed there, not here).
  const keyErrors = { ...errorResponses(400, 401, 403, 429, 503), ...errorResponse(404, "NOT_FOUND: no active operator key of that id visible to this credential") };

  api.post(
    "/fleet/operators",
    {
      schema: {
        tags: ["credentials"],
        summary: "Issue an operator key (role operator or load-tester) for the caller's product; the token is shown once",
        body: CreateOperatorKeyBody,
        response: {
          201: CreatedOperatorKeyResponse,
          ...errorResponses(400, 401, 403, 429, 503),
          ...errorResponse(409, "ALREADY_EXISTS: the id is taken; pick another, or leave it out and let the coordinator choose one"),
        },
      },
      onRequest: operator,
    },
    async (request, reply) => reply.status(201).send(await ctx.credentialBook.createOperatorKey(operatorOf(request), request.body)),
  );

  api.get(
    "/fleet/operators",
    {
      schema: {
        tags: ["credentials"],
        summary: "Operator keys in the caller's scope, from the file and the store (never their secrets)",
        response: { 200: OperatorKeyListResponse, ...errorResponses(401, 403, 429, 503) },
      },
      onRequest: operator,
    },
    async (request) => ctx.credentialBook.listOperatorKeys(operatorOf(request)),
  );

  api.post(
    "/fleet/operators/:id/token/rotate",
    {
      schema: {
        tags: ["credentials"],
        summary: "New secret for an operator key (its own holder or a manager of its product); the previous one works for graceSeconds",
        params: CredentialIdParams,
        body: RotateTokenBody.nullish(), // a POST without a body is a request for the defaults
        response: { 200: RotatedTokenResponse, ...keyErrors },
      },
      onRequest: operator,
    },
    async (request) => ctx.credentialBook.rotateOperatorKey(operatorOf(request), request.params.id, request.body?.graceSeconds ?? RotateTokenBody.parse({}).graceSeconds),
  );

  api.post(
    "/fleet/operators/:id/token/revoke",
    {
      schema: {
        tags: ["credentials"],
        summary: "Revoke an operator key on every coordinator within a second",
        params: CredentialIdParams,
        response: { 200: RevokedCredentialResponse, ...keyErrors },
      },
      onRequest: operator,
    },
    async (request) => ctx.credentialBook.revokeOperatorKey(operatorOf(request), request.params.id),
  );
}
