import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  errorResponse,
  errorResponses,
  JobDocument,
  JobIdParams,
  OptionalRequestReviewBody,
  ProductIdParams,
  ProductReviewPolicyView,
  PutReviewPolicyBody,
  ReviewView,
  SubmitReviewBody,
} from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { assertProductAccess } from "./product-access.js";

/** The review gate: a job's review state, requests for review, reviewers' decisions, and each product's policy. */
export function registerReviewRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const conflict = errorResponse(409, "ILLEGAL_TRANSITION: the job does not await a review (or is finished); the message says where it is and what to do");

  api.get(
    "/fleet/jobs/:id/review",
    {
      schema: { tags: ["reviews"], summary: "The job's review gate: the policy in force, the latest round, its decisions and what is under review", params: JobIdParams, response: { 200: ReviewView, ...errorResponses(400, 401, 403, 404, 429, 503) } },
      preHandler: operator,
    },
    async (request) => ctx.coordinator.reviewView(productScope(operatorOf(request)), request.params.id),
  );

  api.post(
    "/fleet/jobs/:id/review/request",
    {
      schema: {
        tags: ["reviews"],
        summary: "Ask for reviews before the job ships: a job resting at testing goes to review at once; a running one awaits its reviewers when it passes",
        description: "The body is optional: none, an empty body or {} ask for the job's policy with at least one approval. Asking again for what is in force changes nothing.",
        params: JobIdParams,
        body: OptionalRequestReviewBody,
        response: { 200: JobDocument, ...errorResponses(400, 401, 403, 404, 429, 503), ...conflict },
      },
      preHandler: operator,
    },
    async (request) => ctx.coordinator.requestReview(operatorOf(request), request.params.id, request.body),
  );

  api.post(
    "/fleet/jobs/:id/review",
    {
      schema: {
        tags: ["reviews"],
        summary: "Decide as the authenticated reviewer: approve, request_changes (requeued from the reviewed work) or reject (failed); changes and rejections need a comment",
        params: JobIdParams,
        body: SubmitReviewBody,
        response: {
          200: JobDocument,
          ...errorResponses(400, 401, 404, 429, 503),
          ...errorResponse(403, "FORBIDDEN: the policy names reviewer roles this key does not hold, or it is a load-tester key"),
          ...conflict,
        },
      },
      preHandler: operator,
    },
    async (request) => {
      const job = await ctx.coordinator.review(operatorOf(request), request.params.id, request.body);
      ctx.kick();
      return job;
    },
  );

  const policyErrors = errorResponses(400, 401, 403, 429, 503);
  api.get(
    "/fleet/review-policies/:productId",
    { schema: { tags: ["reviews"], summary: "The product's review policy: approvals, reviewer roles, autoship (defaults where unset)", params: ProductIdParams, response: { 200: ProductReviewPolicyView, ...policyErrors } }, preHandler: operator },
    async (request) => {
      assertProductAccess(operatorOf(request), request.params.productId);
      return ctx.coordinator.productReviewPolicy(request.params.productId);
    },
  );

  api.put(
    "/fleet/review-policies/:productId",
    {
      schema: {
        tags: ["reviews"],
        summary: "Set the product's review policy; fields left out keep their value, null takes the default again. A job's own policy wins per field",
        params: ProductIdParams,
        body: PutReviewPolicyBody,
        response: { 200: ProductReviewPolicyView, ...policyErrors },
      },
      preHandler: operator,
    },
    async (request) => {
      const principal = operatorOf(request);
      assertProductAccess(principal, request.params.productId);
      return ctx.coordinator.putProductReviewPolicy(request.params.productId, request.body, principal.credentialId);
    },
  );
}
