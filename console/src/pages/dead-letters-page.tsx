import { Fragment } from "preact";
import { useState } from "preact/hooks";
import type { JobEvent, Run } from "../../../contracts/index.js";
import { ConfirmDialog, type ConfirmRequest } from "../components/confirm-dialog.js";
import { EmptyState, ErrorBox, Loading } from "../components/feedback.js";
import { api, type ApiError } from "../data/api-client.js";
import { useFleetEvents } from "../data/fleet-feed.js";
import { useApi, useDebounced } from "../data/use-api.js";
import { formatCount } from "../format/numbers.js";
import { Time } from "../format/time.js";
import { link, navigate } from "../router.js";
import type { z } from "zod";
import type { DeadLetterSummarySchema } from "../../../contracts/api-responses.js";

/** One dead letter as GET /fleet/dlq lists it (contracts/api-responses.ts). */
type DeadLetter = z.infer<typeof DeadLetterSummarySchema>;

interface BulkPreview {
  dryRun: true;
  matched: number;
  items: DeadLetter[];
}

interface BulkResult {
  dryRun: false;
  matched: number;
  replayed: string[];
  failed: { jobId: string; error: string }[];
}

type Bulk = { kind: "replay"; preview: BulkPreview } | { kind: "discard"; preview: DeadLetter[] } | { kind: "done"; text: string; failed: { jobId: string; error: string }[] };

const BULK_MAX = 500;

/** Dead letters grouped by reason and pool, each with its cause; replay or discard one, or all that
 * a filter matches after a dry-run preview that lists them. */
export function DeadLettersPage({ query }: { query: URLSearchParams }) {
  const filter = { pool: query.get("pool") ?? "", reason: query.get("reason") ?? "", source: query.get("source") ?? "" };
  const list = useApi<{ items: DeadLetter[]; continuation?: string }>("/fleet/dlq", { ...filter, limit: 500 });
  const [request, setRequest] = useState<ConfirmRequest | undefined>(undefined);
  const [bulk, setBulk] = useState<Bulk | undefined>(undefined);
  const [bulkError, setBulkError] = useState<ApiError | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const refresh = useDebounced(list.reload, 1000);
  useFleetEvents(["dead_letter", "dead_letter.discarded"], () => refresh());

  const setFilter = (changes: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [name, value] of Object.entries(changes)) {
      if (value === "") next.delete(name);
      else next.set(name, value);
    }
    setBulk(undefined);
    navigate(`/dead-letters${next.toString() === "" ? "" : `?${next}`}`, { replace: true });
  };
  const items = list.data?.items ?? [];
  const groups = new Map<string, { reason: string; pool: string; count: number }>();
  for (const item of items) {
    const key = `${item.reason}\u0000${item.pool ?? ""}`;
    const group = groups.get(key) ?? { reason: item.reason, pool: item.pool ?? "", count: 0 };
    group.count++;
    groups.set(key, group);
  }
  const bodyFilter = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ""));
  const describeFilter = Object.keys(bodyFilter).length === 0 ? "every dead letter" : `dead letters with ${Object.entries(bodyFilter).map(([k, v]) => `${k} ${v}`).join(", ")}`;

  const previewReplay = async () => {
    setBulkError(undefined);
    try {
      setBulk({ kind: "replay", preview: await api<BulkPreview>("POST", "/fleet/dlq/replay", { body: { filter: bodyFilter, dryRun: true, max: BULK_MAX } }) });
    } catch (error) {
      setBulkError(error as ApiError);
    }
  };
  const runReplay = async () => {
    setBulkError(undefined);
    try {
      const result = await api<BulkResult>("POST", "/fleet/dlq/replay", { body: { filter: bodyFilter, dryRun: false, max: BULK_MAX } });
      setBulk({ kind: "done", text: `Replayed ${result.replayed.length} of ${result.matched}.`, failed: result.failed });
      list.reload();
    } catch (error) {
      setBulkError(error as ApiError);
    }
  };
  // There is no bulk discard route: the preview is the filtered list, and each entry is discarded
  // through its own route, so each refusal is reported with the server's message.
  const runDiscard = async (targets: DeadLetter[]) => {
    const failed: { jobId: string; error: string }[] = [];
    for (const item of targets) {
      try {
        await api("POST", `/fleet/dlq/${encodeURIComponent(item.jobId)}/discard`, { body: { reason: "discarded in bulk from the console" } });
      } catch (error) {
        failed.push({ jobId: item.jobId, error: (error as Error).message });
      }
    }
    setBulk({ kind: "done", text: `Discarded ${targets.length - failed.length} of ${targets.length}.`, failed });
    list.reload();
  };

  const replayOne = (item: DeadLetter) =>
    setRequest({
      title: `Replay ${item.idempotencyKey}?`,
      consequence: <p>Replay puts the job back in the queue with a new lease epoch and its retries starting over; it runs once more. It leaves this list.</p>,
      confirmLabel: "Replay the job",
      run: async () => {
        await api("POST", `/fleet/dlq/${encodeURIComponent(item.jobId)}/replay`, { body: {} });
        list.reload();
      },
    });
  const discardOne = (item: DeadLetter) =>
    setRequest({
      title: `Discard ${item.idempotencyKey}?`,
      consequence: <p>Discard removes the dead letter from this view; the job keeps its record and stays dead-lettered. It will not run.</p>,
      confirmLabel: "Discard the dead letter",
      withReason: true,
      danger: true,
      run: async (reason) => {
        await api("POST", `/fleet/dlq/${encodeURIComponent(item.jobId)}/discard`, { body: reason === undefined ? {} : { reason } });
        list.reload();
      },
    });

  return (
    <section>
      <h1>Dead letters</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label class="field">
          pool
          <input value={filter.pool} onChange={(e) => setFilter({ pool: (e.target as HTMLInputElement).value.trim() })} placeholder="any" />
        </label>
        <label class="field">
          reason
          <input value={filter.reason} onChange={(e) => setFilter({ reason: (e.target as HTMLInputElement).value.trim() })} placeholder="any" />
        </label>
        <label class="field">
          source
          <select value={filter.source} onChange={(e) => setFilter({ source: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            <option value="broker">broker</option>
            <option value="retries">retries exhausted</option>
            <option value="operator">operator</option>
          </select>
        </label>
        <div class="filter-buttons">
          <button type="button" onClick={() => void previewReplay()} disabled={items.length === 0} data-bulk="replay">
            Preview bulk replay
          </button>
          <button type="button" onClick={() => setBulk({ kind: "discard", preview: items.slice(0, BULK_MAX) })} disabled={items.length === 0} data-bulk="discard">
            Preview bulk discard
          </button>
          {Object.keys(bodyFilter).length > 0 ? (
            <button type="button" onClick={() => setFilter({ pool: "", reason: "", source: "" })}>
              Clear filter
            </button>
          ) : null}
        </div>
      </form>
      {bulkError === undefined ? null : <ErrorBox error={bulkError} />}
      {bulk === undefined ? null : <BulkPanel bulk={bulk} what={describeFilter} onReplay={() => void runReplay()} onDiscard={(targets) => void runDiscard(targets)} onClose={() => setBulk(undefined)} />}
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined && list.error === undefined ? <Loading what="dead letters" /> : null}
      {list.data !== undefined && items.length === 0 ? (
        <EmptyState title={Object.keys(bodyFilter).length === 0 ? "No dead letters" : "No dead letter matches"}>
          {Object.keys(bodyFilter).length === 0
            ? "Nothing has been dead-lettered (or everything was replayed or discarded). Jobs land here when the broker gives up on a message or a job runs out of retries."
            : "Clear the filter to see every dead letter."}
        </EmptyState>
      ) : null}
      {groups.size === 0 ? null : (
        <section class="card">
          <header>
            <h2>By reason and pool</h2>
            <span class="muted">{list.data?.continuation === undefined ? `${items.length} in all` : `the newest ${items.length}`}</span>
          </header>
          <table class="table groups">
            <thead>
              <tr>
                <th>reason</th>
                <th>pool</th>
                <th class="num">count</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {[...groups.values()]
                .sort((a, b) => b.count - a.count)
                .map((group) => (
                  <tr key={`${group.reason}/${group.pool}`} data-group={`${group.reason}/${group.pool}`}>
                    <td>{group.reason}</td>
                    <td>{group.pool === "" ? <span class="muted">none</span> : group.pool}</td>
                    <td class="num">{formatCount(group.count)}</td>
                    <td>
                      <button type="button" class="link-button" onClick={() => setFilter({ reason: group.reason, pool: group.pool })}>
                        show only these
                      </button>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      )}
      {items.length === 0 ? null : (
        <table class="table dlq-table">
          <thead>
            <tr>
              <th>job</th>
              <th>reason</th>
              <th>pool</th>
              <th>source</th>
              <th class="num">retries</th>
              <th>dead-lettered</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <Fragment key={item.jobId}>
                <tr data-dead-letter={item.jobId}>
                  <td>
                    <a {...link(`/jobs/${encodeURIComponent(item.jobId)}`)}>{item.idempotencyKey}</a>
                    {item.title === undefined ? null : <div class="muted small">{item.title}</div>}
                  </td>
                  <td>
                    {item.reason}
                    {item.description === undefined ? null : <div class="muted small">{item.description}</div>}
                  </td>
                  <td>{item.pool ?? <span class="muted">–</span>}</td>
                  <td>{item.source}</td>
                  <td class="num">{item.retries}</td>
                  <td>
                    <Time value={item.at} />
                  </td>
                  <td>
                    <div class="row-actions">
                    <button type="button" class="link-button" onClick={() => setOpen(open === item.jobId ? undefined : item.jobId)}>
                      {open === item.jobId ? "hide cause" : "cause"}
                    </button>
                    <button type="button" onClick={() => replayOne(item)} data-action="replay">
                      Replay
                    </button>
                    <button type="button" onClick={() => discardOne(item)} data-action="discard">
                      Discard
                    </button>
                    </div>
                  </td>
                </tr>
                {open === item.jobId ? (
                  <tr class="cause-row">
                    <td colSpan={7}>
                      <Cause jobId={item.jobId} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {request === undefined ? null : <ConfirmDialog request={request} onClose={() => setRequest(undefined)} />}
    </section>
  );
}

function BulkPanel({ bulk, what, onReplay, onDiscard, onClose }: { bulk: Bulk; what: string; onReplay(): void; onDiscard(targets: DeadLetter[]): void; onClose(): void }) {
  if (bulk.kind === "done") {
    return (
      <section class="card bulk" data-testid="bulk-result">
        <header>
          <h2>{bulk.text}</h2>
          <button type="button" class="link-button" onClick={onClose}>
            close
          </button>
        </header>
        {bulk.failed.length === 0 ? null : (
          <ul>
            {bulk.failed.map((failure) => (
              <li key={failure.jobId}>
                <code>{failure.jobId}</code>: {failure.error}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  }
  const items = bulk.kind === "replay" ? bulk.preview.items : bulk.preview;
  const verb = bulk.kind === "replay" ? "replay" : "discard";
  return (
    <section class="card bulk" data-testid="bulk-preview">
      <header>
        <h2>
          Dry run: {verb} would change {items.length} {items.length === 1 ? "job" : "jobs"}
        </h2>
        <button type="button" class="link-button" onClick={onClose}>
          cancel
        </button>
      </header>
      <p>
        Nothing has been done yet. These are {what}
        {bulk.kind === "replay" ? " (the server's dry run)" : " (the list above)"}.{" "}
        {bulk.kind === "replay" ? "Each goes back to the queue with a new epoch and its retries reset, and runs once more." : "Each leaves this view; its record is kept and it will not run."}
      </p>
      <ul class="preview-list">
        {items.map((item) => (
          <li key={item.jobId}>
            {item.idempotencyKey} <span class="muted">({item.reason}{item.pool === undefined ? "" : `, ${item.pool}`})</span>
          </li>
        ))}
      </ul>
      <button type="button" class="danger" disabled={items.length === 0} onClick={() => (bulk.kind === "replay" ? onReplay() : onDiscard(items))} data-confirm-bulk={verb}>
        {bulk.kind === "replay" ? `Replay these ${items.length}` : `Discard these ${items.length}`}
      </button>
    </section>
  );
}

/** What killed it: the last run's message (crash output) and the job's last event. */
function Cause({ jobId }: { jobId: string }) {
  const detail = useApi<{ runs: Run[] }>(`/fleet/dlq/${encodeURIComponent(jobId)}`);
  const events = useApi<{ items: JobEvent[] }>(`/fleet/jobs/${encodeURIComponent(jobId)}/events`);
  if (detail.error !== undefined) return <ErrorBox error={detail.error} />;
  if (detail.data === undefined) return <Loading what="the cause" />;
  const run = detail.data.runs[detail.data.runs.length - 1];
  const last = events.data?.items[events.data.items.length - 1];
  return (
    <div class="cause">
      <p>
        <strong>last run:</strong>{" "}
        {run === undefined ? "never accepted by a factory" : `attempt ${run.attempt} on ${run.pool} (${run.factoryId}) ended ${run.result.replace(/_/g, " ")}`}
      </p>
      {run?.message === undefined ? null : <pre class="crash">{run.message}</pre>}
      {last === undefined ? null : (
        <p>
          <strong>last event:</strong> #{last.seq} {last.type} by {last.actor} <Time value={last.at} />
          {last.data === undefined ? "" : ` - ${Object.entries(last.data).map(([k, v]) => `${k}: ${String(v)}`).join(", ")}`}
        </p>
      )}
    </div>
  );
}
