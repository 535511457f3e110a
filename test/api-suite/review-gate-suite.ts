import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ErrorBody, type JobDoc, JobDocument, ProductReviewPolicyView, ReviewView, WhyAnswer } from "../../contracts/index.js";
import { mintToken } from "../../coordinator/auth/credentials.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";
import { type MakeStore, spec } from "./suite-context.js";

const alice = mintToken("op-alice");
const bob = mintToken("op-bob");
const loader = mintToken("op-load");
const REVIEWERS = {
  operators: [
    { id: "op-alice", productId: "acme", secretSha256: alice.secretSha256, revoked: false, reviewerRoles: ["maintainer"] },
    { id: "op-bob", productId: "acme", secretSha256: bob.secretSha256, revoked: false, reviewerRoles: ["maintainer", "security"] },
    { id: "op-load", productId: "acme", role: "load-tester" as const, secretSha256: loader.secretSha256, revoked: false, reviewerRoles: ["maintainer"] },
  ],
};

/** The review gate over HTTP: policies, requests, decisions, and where each moves the job. */
export function reviewGateSuite(makeStore: MakeStore): void {
  describe("the review gate", () => {
    let h: ApiHarness;
    let made: Awaited<ReturnType<MakeStore>>;
    beforeEach(async () => {
      made = await makeStore();
      h = await startApiHarness(made.store, undefined, { credentials: REVIEWERS });
    });
    afterEach(async () => {
      await h.close();
      await made.cleanup();
    });

    const as = (token: string) => ({ token });
    const matches = async <T>(schema: z.ZodType<T>, response: { statusCode: number; body: string; json(): unknown }, status = 200): Promise<T> => {
      expect(response.statusCode, response.body).toBe(status);
      const parsed = schema.safeParse(response.json());
      expect(parsed.success, parsed.error?.message).toBe(true);
      return parsed.data as T;
    };
    const submit = async (key: string, extra: Record<string, unknown> = {}) => (await h.call("POST", "/fleet/jobs", { body: spec(key, extra) })).json().job as JobDoc;
    const getJob = async (id: string) => (await h.call("GET", `/fleet/jobs/${id}`)).json() as JobDoc;
    /** Assigns, accepts and releases the job as shipped, with a deliverable. */
    const pass = async (id: string) => {
      await h.tick();
      const job = await getJob(id);
      expect(job.stage).toBe("assigned");
      expect((await h.call("POST", `/fleet/jobs/${id}/lease/accept`, { as: "general", factoryId: "f-1", body: { leaseEpoch: job.leaseEpoch } })).statusCode).toBe(200);
      const released = await h.call("POST", `/fleet/jobs/${id}/lease/release`, {
        as: "general",
        factoryId: "f-1",
        body: { leaseEpoch: job.leaseEpoch, outcome: "shipped", branch: `fleet/${job.idempotencyKey}/${job.leaseEpoch}`, commit: "0123abc", prUrl: "https://git.example/acme/api/pull/9" },
      });
      expect(released.statusCode, released.body).toBe(200);
      return released.json() as { stage: string };
    };
    const decide = (id: string, token: string, verdict: string, comment?: string) => h.call("POST", `/fleet/jobs/${id}/review`, { ...as(token), body: { verdict, ...(comment === undefined ? {} : { comment }) } });

    it("sets, shows and resets a product's policy; another product's key may not touch it", async () => {
      const fresh = await matches(ProductReviewPolicyView, await h.call("GET", "/fleet/review-policies/acme"));
      expect(fresh).toMatchObject({ policy: { approvals: 0, roles: [], autoship: true }, sources: { approvals: "default" }, updatedAt: null, updatedBy: null });
      const set = await matches(ProductReviewPolicyView, await h.call("PUT", "/fleet/review-policies/acme", { body: { approvals: 1, roles: ["security", "maintainer"], autoship: false } }));
      expect(set).toMatchObject({ policy: { approvals: 1, roles: ["maintainer", "security"], autoship: false }, updatedBy: "op-acme" });
      // The policy lives on the product's control document, beside its budget: setting one keeps the other.
      await h.call("PUT", "/fleet/budgets/acme", { body: { ceilingUsd: 50 } });
      expect((await h.call("GET", "/fleet/budgets/acme")).json().ceilingUsd).toBe(50);
      const writes = made.store.stats().ops.replace;
      await matches(ProductReviewPolicyView, await h.call("PUT", "/fleet/review-policies/acme", { body: { approvals: 1 } }));
      expect(made.store.stats().ops.replace).toBe(writes);
      const reset = await matches(ProductReviewPolicyView, await h.call("PUT", "/fleet/review-policies/acme", { body: { roles: null } }));
      expect(reset).toMatchObject({ policy: { approvals: 1, roles: [], autoship: false }, sources: { roles: "default", approvals: "product" } });
      expect((await h.call("GET", "/fleet/budgets/acme")).json().ceilingUsd).toBe(50);
      expect((await h.call("GET", "/fleet/review-policies/acme", { as: "otherOperator" })).statusCode).toBe(403);
      expect((await h.call("PUT", "/fleet/review-policies/acme", { body: { approvals: 11 } })).statusCode).toBe(400);
    });

    it("holds a passing job at review until distinct reviewers with the role reach quorum, then ships it", async () => {
      const job = await submit("gated", { review: { approvals: 2, roles: ["maintainer"] } });
      expect((await pass(job.id)).stage).toBe("review");
      const view = await matches(ReviewView, await h.call("GET", `/fleet/jobs/${job.id}/review`));
      expect(view).toMatchObject({
        awaitingReview: true,
        policy: { approvals: 2, roles: ["maintainer"], autoship: true },
        sources: { approvals: "job", roles: "job", autoship: "default" },
        round: { number: 1, state: "awaiting", epoch: 1, approvals: { counted: 0, needed: 2 } },
        deliverable: { branch: "fleet/gated/1", commit: "0123abc", prUrl: "https://git.example/acme/api/pull/9" },
      });
      const why = await matches(WhyAnswer, await h.call("GET", `/fleet/jobs/${job.id}/why`));
      expect(why).toMatchObject({ waiting: true, reasons: [{ code: "awaiting_review" }] });
      expect(why.summary).toContain("0 of 2 approvals from maintainer");

      // The operator key holds no reviewer role; the gate is not the operator's to skip either.
      const noRole = await decide(job.id, h.tokens.operator, "approve");
      expect(noRole.statusCode).toBe(403);
      expect(noRole.json().error.message).toContain("role maintainer; op-acme holds none");
      const forced = await h.call("POST", `/fleet/jobs/${job.id}/actions/ship`, { body: {} });
      expect(forced.statusCode).toBe(409);
      expect(forced.json().error.message).toContain("awaits its reviewers");
      const tester = await decide(job.id, loader.token, "approve");
      expect(tester.statusCode).toBe(403);
      expect(tester.json().error.message).toContain("load-tester");

      const first = await matches(JobDocument, await decide(job.id, alice.token, "approve", "reads well"));
      expect(first).toMatchObject({ stage: "review", stageReason: "awaiting review: 1 of 2 approvals from maintainer" });
      const writes = made.store.stats().ops.replace;
      await matches(JobDocument, await decide(job.id, alice.token, "approve", "reads well"));
      expect(made.store.stats().ops.replace).toBe(writes);
      const done = await matches(JobDocument, await decide(job.id, bob.token, "approve"));
      expect(done).toMatchObject({ stage: "shipped", stageReason: "approved by op-alice, op-bob", review: { state: "approved" } });
      const events = (await h.call("GET", `/fleet/jobs/${job.id}/events`)).json().items as { type: string; actor: string; data?: Record<string, unknown> }[];
      expect(events.map((e) => e.type).slice(-6)).toEqual(["accepted", "review.awaiting", "review.decision", "review.decision", "review.approved", "shipped"]);
      expect(events.filter((e) => e.type === "review.decision").map((e) => e.data?.reviewer)).toEqual(["op-alice", "op-bob"]);
      const late = await decide(job.id, alice.token, "reject", "too late");
      expect(late.statusCode).toBe(409);
      expect(late.json().error.message).toContain("does not await a review");
    });

    it("sends a job back on a request for changes, from the reviewed branch, and opens a new round when it passes again", async () => {
      const job = await submit("rework", { review: { approvals: 1 }, baseBranch: "main" });
      await pass(job.id);
      const bare = await decide(job.id, alice.token, "request_changes");
      expect(bare.statusCode).toBe(400);
      expect(bare.json().error.message).toContain("comment");
      const back = await matches(JobDocument, await decide(job.id, alice.token, "request_changes", "rename the route"));
      expect(back).toMatchObject({
        stage: "queued",
        leaseEpoch: 2,
        retries: 0,
        checkpoint: { ref: "fleet/rework/1", commit: "0123abc", base: "main" },
        review: { state: "changes_requested", round: 1 },
      });
      expect((await pass(job.id)).stage).toBe("review");
      const view = await matches(ReviewView, await h.call("GET", `/fleet/jobs/${job.id}/review`));
      expect(view.round).toMatchObject({ number: 2, epoch: 3, state: "awaiting", decisions: [] });
      expect(view.deliverable?.branch).toBe("fleet/rework/3");
    });

    it("fails a rejected job with the reviewer and the reason", async () => {
      const job = await submit("nope", { review: { approvals: 1 } });
      await pass(job.id);
      const failed = await matches(JobDocument, await decide(job.id, bob.token, "reject", "wrong approach"));
      expect(failed).toMatchObject({ stage: "failed", stageReason: "rejected by op-bob: wrong approach", review: { state: "rejected" } });
    });

    it("rests a passing job at testing when autoship is off, before and after quorum, until a person ships it", async () => {
      await h.call("PUT", "/fleet/review-policies/acme", { body: { autoship: false } });
      const plain = await submit("rests");
      expect((await pass(plain.id)).stage).toBe("testing");
      const why = await matches(WhyAnswer, await h.call("GET", `/fleet/jobs/${plain.id}/why`));
      expect(why.reasons[0]?.code).toBe("awaiting_ship");
      expect((await matches(JobDocument, await h.call("POST", `/fleet/jobs/${plain.id}/actions/ship`, { body: {} }))).stage).toBe("shipped");

      const reviewed = await submit("rests-reviewed", { review: { approvals: 1 } });
      await pass(reviewed.id);
      const approved = await matches(JobDocument, await decide(reviewed.id, alice.token, "approve"));
      expect(approved).toMatchObject({ stage: "testing", stageReason: "approved by op-alice; waiting for a person to ship it (autoship is off)" });
    });

    it("takes review requests: at once for a resting job, on release for a running one, never for a finished one", async () => {
      await h.call("PUT", "/fleet/review-policies/acme", { body: { autoship: false } });
      const resting = await submit("resting");
      await pass(resting.id);
      const asked = await matches(JobDocument, await h.call("POST", `/fleet/jobs/${resting.id}/review/request`, { body: { approvals: 1, roles: ["security"], comment: "touches auth" } }));
      expect(asked).toMatchObject({ stage: "review", review: { state: "awaiting", openedBy: "op-acme", policy: { roles: ["security"] } } });
      expect((await decide(resting.id, alice.token, "approve")).statusCode).toBe(403);
      expect((await matches(JobDocument, await decide(resting.id, bob.token, "approve"))).stage).toBe("testing");

      const queued = await submit("queued");
      const bodyless = await h.server.inject({ method: "POST", url: `/fleet/jobs/${queued.id}/review/request`, headers: { authorization: `Bearer ${h.tokens.operator}` } });
      expect(bodyless.statusCode, bodyless.body).toBe(200);
      expect(bodyless.json()).toMatchObject({ stage: "queued", reviewPolicy: { approvals: 1 } });
      expect((await pass(queued.id)).stage).toBe("review");

      const done = await submit("done");
      await h.call("POST", `/fleet/jobs/${done.id}/actions/cancel`, { body: {} });
      const refused = await h.call("POST", `/fleet/jobs/${done.id}/review/request`, { body: {} });
      expect(refused.statusCode).toBe(409);
      await matches(ErrorBody, refused, 409);
      expect((await h.call("POST", `/fleet/jobs/${done.id}/review/request`, { body: {}, as: "otherOperator" })).statusCode).toBe(404);
      expect((await h.call("POST", `/fleet/jobs/${done.id}/review`, { token: null, body: { verdict: "bogus" } })).statusCode).toBe(401);
    });

    it("keeps a product's policy across a coordinator restart, and applies it to the next release", async () => {
      await h.call("PUT", "/fleet/review-policies/acme", { body: { approvals: 1 } });
      const job = await submit("after-restart");
      await h.close();
      h = await startApiHarness(made.store, undefined, { credentials: REVIEWERS, clock: h.clock });
      expect((await matches(ProductReviewPolicyView, await h.call("GET", "/fleet/review-policies/acme"))).policy.approvals).toBe(1);
      expect((await pass(job.id)).stage).toBe("review");
      // The gate survives a restart too: the job still awaits its reviewer.
      await h.close();
      h = await startApiHarness(made.store, undefined, { credentials: REVIEWERS, clock: h.clock });
      expect((await matches(JobDocument, await decide(job.id, alice.token, "approve"))).stage).toBe("shipped");
    });
  });
}
