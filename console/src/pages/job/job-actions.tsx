import { useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { ConfirmDialog, type ConfirmRequest } from "../../components/confirm-dialog.js";
import { api } from "../../data/api-client.js";

type Action = "requeue" | "reject" | "cancel" | "ship";

const FINISHED = new Set(["shipped", "failed", "dead_letter", "cancelled"]);
const HELD = new Set(["assigned", "building", "review", "testing"]);

/** What each action will do to a job in `stage`, said before the operator confirms. Whether the
 * move is allowed is the server's call: a refused one shows its 409 message as is. */
function consequence(action: Action, stage: string, key: string): ComponentChildren {
  const holder = HELD.has(stage) ? " The factory working on it loses its lease: its next call is refused." : "";
  switch (action) {
    case "requeue":
      if (stage === "shipped") return <p><strong>Requeue re-runs a shipped job.</strong> {key} goes back to the queue with a new lease epoch and its retries start over; a factory will build and ship it again.</p>;
      if (FINISHED.has(stage)) return <p>Requeue runs {key} again: it goes back to the queue with a new lease epoch and its retries start over.</p>;
      return <p>Requeue puts {key} back in the queue with a new lease epoch, without using a retry.{holder}</p>;
    case "reject":
      return <p>Reject ends {key} as <strong>failed</strong>; it will not run again unless someone requeues it.{holder}</p>;
    case "cancel":
      return <p>Cancel ends {key} as <strong>cancelled</strong>; it will not run, and jobs that depend on it stay blocked.{holder}</p>;
    case "ship":
      return <p>Ship marks {key} <strong>shipped</strong> now, without waiting for a factory (how a job passes the review gate); jobs that depend on it may start.{holder}</p>;
  }
}

const LABELS: Record<Action, string> = { requeue: "Requeue", reject: "Reject", cancel: "Cancel", ship: "Ship" };

/** The operator actions, each behind a confirmation that names what will happen. */
export function JobActions({ job, onDone }: { job: { id: string; idempotencyKey: string; stage: string }; onDone(message: string): void }) {
  const [request, setRequest] = useState<ConfirmRequest | undefined>(undefined);
  const ask = (action: Action) =>
    setRequest({
      title: `${LABELS[action]} ${job.idempotencyKey}?`,
      consequence: consequence(action, job.stage, job.idempotencyKey),
      confirmLabel: `${LABELS[action]} the job`,
      withReason: true,
      danger: action !== "ship",
      run: async (reason) => {
        const next = await api<{ stage: string }>("POST", `/fleet/jobs/${encodeURIComponent(job.id)}/actions/${action}`, { body: reason === undefined ? {} : { reason } });
        onDone(`${LABELS[action]}: the job is now ${next.stage.replace(/_/g, " ")}.`);
      },
    });
  return (
    <div class="actions" data-testid="job-actions">
      {(Object.keys(LABELS) as Action[]).map((action) => (
        <button key={action} type="button" onClick={() => ask(action)} data-action={action}>
          {LABELS[action]}
        </button>
      ))}
      {request === undefined ? null : <ConfirmDialog request={request} onClose={() => setRequest(undefined)} />}
    </div>
  );
}
