import { useEffect, useRef, useState } from "preact/hooks";
import type { ReviewView } from "../../../../contracts/index.js";
import { ConfirmDialog, type ConfirmRequest } from "../../components/confirm-dialog.js";
import { EmptyState, ErrorBox, Loading } from "../../components/feedback.js";
import { api } from "../../data/api-client.js";
import { useApi } from "../../data/use-api.js";
import { Time } from "../../format/time.js";

type Verdict = "approve" | "request_changes" | "reject";

const FINISHED = new Set(["shipped", "failed", "dead_letter", "cancelled"]);

/** What each decision does, said before the reviewer confirms (the server decides whether it may). */
function consequence(verdict: Verdict, view: ReviewView, key: string) {
  const round = view.round;
  const left = round === null ? 0 : round.approvals.needed - round.approvals.counted;
  switch (verdict) {
    case "approve":
      return (
        <p>
          Approve the attempt under review as yourself.{" "}
          {left <= 1 ? (view.policy.autoship ? <strong>This reaches quorum: {key} ships.</strong> : <strong>This reaches quorum: {key} rests at testing until someone ships it.</strong>) : `${left - 1} more approval${left - 1 === 1 ? "" : "s"} will be needed after yours.`}
        </p>
      );
    case "request_changes":
      return (
        <p>
          Send {key} back: it runs again with a new lease epoch from the reviewed work{view.deliverable?.branch === undefined ? "" : ` (branch ${view.deliverable.branch})`}, and the next attempt reads your comment. No retry is used.
        </p>
      );
    case "reject":
      return (
        <p>
          Reject ends {key} as <strong>failed</strong>, with your comment as the reason; it will not run again unless someone requeues it.
        </p>
      );
  }
}

const LABELS: Record<Verdict, string> = { approve: "Approve", request_changes: "Request changes", reject: "Reject" };

/** The review gate on the job page: the policy in force, the round, what is under review, every
 * decision, and the reviewer's buttons (each behind a confirmation). */
export function ReviewPanel({ job, version, onDone }: { job: { id: string; idempotencyKey: string; stage: string }; version: string; onDone(message: string): void }) {
  const review = useApi<ReviewView>(`/fleet/jobs/${encodeURIComponent(job.id)}/review`);
  const [request, setRequest] = useState<ConfirmRequest | undefined>(undefined);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else review.reload();
  }, [version]);
  if (review.error?.routeMissing === true) return null;
  const view = review.data;
  const decide = (verdict: Verdict) =>
    setRequest({
      title: `${LABELS[verdict]}: ${job.idempotencyKey}`,
      consequence: consequence(verdict, view!, job.idempotencyKey),
      confirmLabel: LABELS[verdict],
      withReason: true,
      reasonLabel: verdict === "approve" ? "comment (recorded on the job's timeline, optional)" : "comment (required: the next attempt or the record reads it)",
      reasonRequired: verdict !== "approve",
      danger: verdict === "reject",
      run: async (comment) => {
        const next = await api<{ stage: string; stageReason?: string }>("POST", `/fleet/jobs/${encodeURIComponent(job.id)}/review`, { body: { verdict, ...(comment === undefined ? {} : { comment }) } });
        onDone(`${LABELS[verdict]}: the job is now ${next.stage.replace(/_/g, " ")}${next.stageReason === undefined ? "" : ` (${next.stageReason})`}.`);
        review.reload();
      },
    });
  const ask = () =>
    setRequest({
      title: `Request a review of ${job.idempotencyKey}`,
      consequence: <p>{job.stage === "testing" ? "The job passed and rests at testing: it goes to review now, awaiting at least one approval." : "The job keeps running; when its run passes it waits for at least one approval before it may ship."}</p>,
      confirmLabel: "Request a review",
      withReason: true,
      reasonLabel: "comment for the reviewers (optional)",
      run: async (comment) => {
        const next = await api<{ stage: string }>("POST", `/fleet/jobs/${encodeURIComponent(job.id)}/review/request`, { body: comment === undefined ? {} : { comment } });
        onDone(`Review requested: the job is ${next.stage.replace(/_/g, " ")}.`);
        review.reload();
      },
    });
  return (
    <section class="card" data-testid="review" data-awaiting={view?.awaitingReview === true ? "yes" : "no"}>
      <header>
        <h2>Review</h2>
        {view === undefined ? null : (
          <span class="muted">
            {view.policy.approvals === 0 ? "no approvals needed" : `${view.policy.approvals} approval${view.policy.approvals === 1 ? "" : "s"}`}
            {view.policy.roles.length === 0 ? "" : ` from ${view.policy.roles.join(" or ")}`}, autoship {view.policy.autoship ? "on" : "off"}
          </span>
        )}
      </header>
      {review.error !== undefined ? <ErrorBox error={review.error} /> : null}
      {view === undefined ? (
        review.error === undefined ? <Loading what="the review" /> : null
      ) : (
        <>
          {view.round === null ? (
            <EmptyState title="Not reviewed">
              {view.policy.approvals === 0 ? "This job ships without a review. Request one to hold it for a reviewer." : "The review opens when a run of the job passes."}
            </EmptyState>
          ) : (
            <>
              <p class="review-state" data-testid="review-state">
                Round {view.round.number}: <strong>{view.round.state.replace(/_/g, " ")}</strong>, {view.round.approvals.counted} of {view.round.approvals.needed} approvals (attempt of epoch {view.round.epoch}, opened <Time value={view.round.openedAt} /> by {view.round.openedBy})
              </p>
              {view.deliverable === null ? null : (
                <p data-testid="review-deliverable">
                  Under review: {view.deliverable.branch === undefined ? null : <code>{view.deliverable.branch}</code>} {view.deliverable.commit === undefined ? null : <code>{view.deliverable.commit.slice(0, 12)}</code>}{" "}
                  {view.deliverable.prUrl === undefined ? null : (
                    <a href={view.deliverable.prUrl} rel="noreferrer noopener" target="_blank">
                      pull request ↗
                    </a>
                  )}
                </p>
              )}
              {view.round.decisions.length === 0 ? (
                <p class="muted">No decision yet.</p>
              ) : (
                <table class="table" data-testid="review-decisions">
                  <thead>
                    <tr>
                      <th>reviewer</th>
                      <th>roles</th>
                      <th>decision</th>
                      <th>when</th>
                      <th>comment</th>
                    </tr>
                  </thead>
                  <tbody>
                    {view.round.decisions.map((decision) => (
                      <tr key={decision.reviewer}>
                        <td>
                          <code>{decision.reviewer}</code>
                        </td>
                        <td>{decision.roles.join(", ") || "–"}</td>
                        <td>{decision.verdict.replace(/_/g, " ")}</td>
                        <td>
                          <Time value={decision.at} />
                        </td>
                        <td class="message">{decision.comment ?? "–"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
          <div class="actions" data-testid="review-actions">
            {view.awaitingReview ? (
              (Object.keys(LABELS) as Verdict[]).map((verdict) => (
                <button key={verdict} type="button" data-verdict={verdict} onClick={() => decide(verdict)} class={verdict === "approve" ? "primary" : undefined}>
                  {LABELS[verdict]}
                </button>
              ))
            ) : FINISHED.has(job.stage) ? null : (
              <button type="button" data-verdict="request" onClick={ask}>
                Request a review
              </button>
            )}
          </div>
        </>
      )}
      {request === undefined ? null : <ConfirmDialog request={request} onClose={() => setRequest(undefined)} />}
    </section>
  );
}
