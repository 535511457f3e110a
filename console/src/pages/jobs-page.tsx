import { useEffect, useState } from "preact/hooks";
import { EmptyState, ErrorBox, Loading, StageBadge } from "../components/feedback.js";
import { useFleetEvents } from "../data/fleet-feed.js";
import { useApi, useDebounced } from "../data/use-api.js";
import { formatCount, formatUsd, stageLabel } from "../format/numbers.js";
import { Time, type TimeValue } from "../format/time.js";
import { link, navigate } from "../router.js";
import type { PoolRow } from "./overview-page.js";

/** One row of GET /fleet/jobs (the summary view: never the full document). */
export interface JobSummary {
  id: string;
  idempotencyKey: string;
  title?: string;
  stage: string;
  priority: string;
  productId: string;
  pool?: string | null;
  leaseEpoch: number;
  attempts: number;
  retries: number;
  capabilities: string[];
  createdAt: TimeValue;
  updatedAt: TimeValue;
  queuedAt?: TimeValue;
  costUsd?: number | null;
}

interface JobList {
  items: JobSummary[];
  continuation?: string;
  totals?: { active: Record<string, number>; terminal: Record<string, number> };
}

const STAGES = ["queued", "blocked", "assigned", "building", "review", "testing", "shipped", "failed", "dead_letter", "cancelled"];
const PRIORITIES = ["critical", "high", "medium", "low"];
const FILTERS = ["pool", "priority", "capability", "keyPrefix", "q", "submittedAfter", "submittedBefore", "sort"] as const;
const SORTS = [
  { value: "", label: "newest first" },
  { value: "createdAt", label: "oldest first" },
  { value: "-updatedAt", label: "recently updated" },
  { value: "-priority", label: "priority, highest first" },
  { value: "priority", label: "priority, lowest first" },
];

/** The jobs table: stage tabs with counts, filters, sort and paging on the list API's summary view;
 * refreshed by the fleet stream. Filters live in the URL (a link shares a view; no token in it). */
export function JobsPage({ query, scope }: { query: URLSearchParams; scope: string | undefined }) {
  const stage = query.get("stage") ?? "";
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const limit = Number(query.get("limit") ?? "50");
  // Continuation tokens of the pages before this one, for "newer".
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const continuation = pages[pages.length - 1];
  const key = query.toString();
  useEffect(() => setPages([undefined]), [key]);
  const list = useApi<JobList>("/fleet/jobs", { stage, ...filters, limit, continuation });
  const pools = useApi<{ items: PoolRow[] }>("/fleet/pools");
  const refresh = useDebounced(list.reload, 1500);
  useFleetEvents(["job.stage"], () => refresh());

  const setQuery = (changes: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [name, value] of Object.entries(changes)) {
      if (value === "") next.delete(name);
      else next.set(name, value);
    }
    const text = next.toString();
    navigate(`/jobs${text === "" ? "" : `?${text}`}`, { replace: true });
  };
  const totals = list.data?.totals;
  const count = (name: string) => totals?.active[name] ?? totals?.terminal[name];
  const all = totals === undefined ? undefined : [...Object.values(totals.active), ...Object.values(totals.terminal)].reduce((a, b) => a + b, 0);
  const filtered = FILTERS.some((name) => name !== "sort" && filters[name] !== "");

  return (
    <section>
      <h1>Jobs</h1>
      <div class="tabs" role="tablist">
        <Tab label="all" count={all} active={stage === ""} onClick={() => setQuery({ stage: "" })} />
        {STAGES.map((name) => (
          <Tab key={name} label={stageLabel(name)} count={count(name)} active={stage === name} onClick={() => setQuery({ stage: name })} />
        ))}
        {stage !== "" && !STAGES.includes(stage) ? <Tab label={stage.split(",").map(stageLabel).join(", ")} count={undefined} active onClick={() => undefined} /> : null}
      </div>
      <FilterForm filters={filters} pools={pools.data?.items.map((p) => p.name) ?? []} limit={limit} onApply={setQuery} />
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined && list.error === undefined ? <Loading what="jobs" /> : null}
      {list.data !== undefined && list.data.items.length === 0 ? (
        <EmptyState title={filtered || stage !== "" ? "No job matches" : "No jobs yet"}>
          {filtered || stage !== "" ? "Widen the filters or pick another stage." : "Submit one with POST /fleet/jobs (see /docs), or run npm start -- --demo for a demo workload."}
        </EmptyState>
      ) : null}
      {list.data !== undefined && list.data.items.length > 0 ? (
        <>
          <table class="table jobs-table">
            <thead>
              <tr>
                <th>key</th>
                <th>title</th>
                <th>stage</th>
                <th>priority</th>
                {scope === "*" ? <th>product</th> : null}
                <th>pool</th>
                <th class="num">attempts</th>
                <th class="num">retries</th>
                <th class="num">cost</th>
                <th>submitted</th>
                <th>updated</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((job) => (
                <tr key={job.id} data-job={job.id}>
                  <td>
                    <a {...link(`/jobs/${encodeURIComponent(job.id)}`)}>{job.idempotencyKey}</a>
                  </td>
                  <td>{job.title ?? <span class="muted">untitled</span>}</td>
                  <td>
                    <StageBadge stage={job.stage} />
                  </td>
                  <td>
                    <span class={`priority priority-${job.priority}`}>{job.priority}</span>
                  </td>
                  {scope === "*" ? <td>{job.productId}</td> : null}
                  <td>{job.pool ?? <span class="muted">–</span>}</td>
                  <td class="num">{formatCount(job.attempts)}</td>
                  <td class="num">{formatCount(job.retries)}</td>
                  <td class="num">{job.costUsd === undefined ? <span class="muted">–</span> : formatUsd(job.costUsd)}</td>
                  <td>
                    <Time value={job.createdAt} />
                  </td>
                  <td>
                    <Time value={job.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="pager">
            <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
              Previous page
            </button>
            <span class="muted">
              page {pages.length} · {list.data.items.length} shown{list.loading ? " · refreshing" : ""}
            </span>
            <button type="button" disabled={list.data.continuation === undefined} onClick={() => setPages([...pages, list.data!.continuation])}>
              Next page
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}

function Tab({ label, count, active, onClick }: { label: string; count: number | undefined; active: boolean; onClick(): void }) {
  return (
    <button type="button" role="tab" aria-selected={active} class={`tab${active ? " active" : ""}`} onClick={onClick}>
      {label}
      {count === undefined ? null : <span class="count">{formatCount(count)}</span>}
    </button>
  );
}

function FilterForm({ filters, pools, limit, onApply }: { filters: Record<string, string>; pools: string[]; limit: number; onApply(changes: Record<string, string>): void }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const field = (name: string) => ({
    value: draft[name] ?? "",
    onInput: (event: Event) => setDraft({ ...draft, [name]: (event.target as HTMLInputElement).value }),
  });
  const priorities = new Set((draft.priority ?? "").split(",").filter(Boolean));
  const togglePriority = (priority: string) => {
    const next = new Set(priorities);
    if (next.has(priority)) next.delete(priority);
    else next.add(priority);
    setDraft({ ...draft, priority: PRIORITIES.filter((p) => next.has(p)).join(",") });
  };
  // datetime-local is the viewer's local time; the API takes ISO 8601.
  const toIso = (local: string) => (local === "" ? "" : new Date(local).toISOString());
  const toLocal = (iso: string) => {
    if (iso === "") return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  return (
    <form
      class="filters"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <label class="field">
        pool
        <select {...field("pool")} onChange={(e) => setDraft({ ...draft, pool: (e.target as HTMLSelectElement).value })}>
          <option value="">any</option>
          {pools.map((pool) => (
            <option key={pool} value={pool}>
              {pool}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="field">
        <legend>priority</legend>
        {PRIORITIES.map((priority) => (
          <label key={priority} class="check">
            <input type="checkbox" checked={priorities.has(priority)} onChange={() => togglePriority(priority)} />
            {priority}
          </label>
        ))}
      </fieldset>
      <label class="field">
        capability
        <input {...field("capability")} placeholder="lang:ts" />
      </label>
      <label class="field">
        idempotency key starts with
        <input {...field("keyPrefix")} />
      </label>
      <label class="field">
        title contains
        <input {...field("q")} type="search" />
      </label>
      <label class="field">
        submitted after
        <input type="datetime-local" value={toLocal(draft.submittedAfter ?? "")} onInput={(e) => setDraft({ ...draft, submittedAfter: toIso((e.target as HTMLInputElement).value) })} />
      </label>
      <label class="field">
        submitted before
        <input type="datetime-local" value={toLocal(draft.submittedBefore ?? "")} onInput={(e) => setDraft({ ...draft, submittedBefore: toIso((e.target as HTMLInputElement).value) })} />
      </label>
      <label class="field">
        sort
        <select value={draft.sort ?? ""} onChange={(e) => setDraft({ ...draft, sort: (e.target as HTMLSelectElement).value })}>
          {SORTS.map((sort) => (
            <option key={sort.value} value={sort.value}>
              {sort.label}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        per page
        <select value={String(limit)} onChange={(e) => onApply({ ...draft, limit: (e.target as HTMLSelectElement).value })}>
          {[25, 50, 100, 200].map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={() => onApply(Object.fromEntries(FILTERS.map((name) => [name, ""])))}>
          Clear
        </button>
      </div>
    </form>
  );
}
