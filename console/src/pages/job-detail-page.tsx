import { useEffect, useState } from "preact/hooks";
import type { JobDoc } from "../../../contracts/index.js";
import { ErrorBox, FactsList, Loading, StageBadge } from "../components/feedback.js";
import { useApi, useDebounced } from "../data/use-api.js";
import { formatAbsolute, Time } from "../format/time.js";
import { link } from "../router.js";
import { DagGraph, type DagNode } from "./job/dag-graph.js";
import { ExplainPanel } from "./job/explain-panel.js";
import { ArtifactsPanel } from "./job/artifacts-panel.js";
import { JobActions } from "./job/job-actions.js";
import { LiveLog } from "./job/live-log.js";
import { ReviewPanel } from "./job/review-panel.js";
import { RunsTable } from "./job/runs-table.js";
import { Timeline } from "./job/timeline.js";
import { useJobTimeline } from "./job/use-job-timeline.js";
import { WhyPanel } from "./job/why-panel.js";

/** Stages in which a job waits to run: the ones "why is this job not running?" is about (and a
 * job resting at review or testing without a lease waits for people). */
const WAITING = new Set(["queued", "blocked", "assigned"]);
const RESTING = new Set(["review", "testing"]);

/** One job: its state, the live timeline, runs, graph, score and why it waits; the operator levers. */
export function JobDetailPage({ id }: { id: string }) {
  const job = useApi<JobDoc>(`/fleet/jobs/${encodeURIComponent(id)}`);
  const dag = useApi<{ root: string; nodes: DagNode[] }>(`/fleet/jobs/${encodeURIComponent(id)}/dag`);
  const { events, status } = useJobTimeline(id);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const refresh = useDebounced(() => {
    job.reload();
    dag.reload();
  }, 300);
  // Each new event means the job changed: read it again (active jobs come from the coordinator's memory).
  const lastSeq = events[events.length - 1]?.seq;
  useEffect(() => {
    if (lastSeq !== undefined && job.data !== undefined && lastSeq >= job.data.nextEventSeq) refresh();
  }, [lastSeq]);

  if (job.error !== undefined && job.data === undefined) {
    return (
      <section>
        <h1>Job {id}</h1>
        <ErrorBox error={job.error} />
        <p>
          Back to <a {...link("/jobs")}>the jobs</a>.
        </p>
      </section>
    );
  }
  const doc = job.data;
  if (doc === undefined) return <Loading what={`job ${id}`} />;
  const version = String(doc.updatedAt);
  // Every committed change adds an event: what the review and artifact panels reload on.
  const changes = `${doc.updatedAt}-${doc.nextEventSeq}`;
  return (
    <section class="job-detail" data-job={doc.id} data-stage={doc.stage}>
      <p class="crumbs">
        <a {...link("/jobs")}>Jobs</a> / {doc.idempotencyKey}
      </p>
      <header class="job-header">
        <div>
          <h1>
            {doc.title ?? doc.idempotencyKey} <StageBadge stage={doc.stage} />
          </h1>
          <p class="muted">
            <code>{doc.id}</code> · key {doc.idempotencyKey} · product {doc.productId} · {doc.kind}
          </p>
          {doc.stageReason === undefined ? null : <p class="stage-reason">{doc.stageReason}</p>}
        </div>
        <JobActions
          job={doc}
          onDone={(message) => {
            setNotice(message);
            job.reload();
          }}
        />
      </header>
      {notice === undefined ? null : (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {job.error === undefined ? null : <ErrorBox error={job.error} title="The job could not be read again; showing what was read before" />}
      <div class="card">
        <FactsList
          facts={{
            priority: doc.priority,
            capabilities: doc.capabilities,
            pool: doc.lease?.pool ?? doc.deadLetter?.pool ?? doc.runs[doc.runs.length - 1]?.pool ?? "none yet",
            leaseEpoch: doc.leaseEpoch,
            attempts: doc.attempts,
            retries: `${doc.retries} of ${doc.retry.max}`,
            dependencies: doc.deps.length === 0 ? "none" : `${doc.deps.length} (${doc.depsMode})`,
            submitted: formatAbsolute(doc.createdAt),
            queuedSince: formatAbsolute(doc.queuedAt),
            notBefore: doc.notBefore === undefined ? "–" : formatAbsolute(doc.notBefore),
            leaseExpires: doc.lease?.expiresAt === undefined ? "–" : formatAbsolute(doc.lease.expiresAt),
            budget: doc.budget === undefined ? "none" : doc.budget,
          }}
        />
        <p class="muted small">
          updated <Time value={doc.updatedAt} />
        </p>
      </div>
      <ReviewPanel
        job={doc}
        version={changes}
        onDone={(message) => {
          setNotice(message);
          job.reload();
        }}
      />
      {!WAITING.has(doc.stage) && !(RESTING.has(doc.stage) && doc.lease === undefined) ? null : (
        <section class="card">
          <header>
            <h2>Why is this job not running?</h2>
          </header>
          <WhyPanel jobId={doc.id} version={version} />
        </section>
      )}
      <div class="two-columns">
        <Timeline events={events} status={status} />
        <div>
          <RunsTable runs={doc.runs} />
          <section class="card">
            <header>
              <h2>Graph</h2>
            </header>
            {dag.error !== undefined ? <ErrorBox error={dag.error} /> : dag.data === undefined ? <Loading what="the graph" /> : <DagGraph root={dag.data.root} nodes={dag.data.nodes} />}
          </section>
        </div>
      </div>
      <LiveLog jobId={doc.id} epochs={doc.runs.map((run) => run.epoch)} />
      <ArtifactsPanel jobId={doc.id} version={changes} />
      <section class="card">
        <header>
          <h2>Explain: the score and every pool</h2>
        </header>
        <ExplainPanel jobId={doc.id} version={version} />
      </section>
    </section>
  );
}
