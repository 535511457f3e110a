import { useState } from "preact/hooks";
import { TimeChart } from "../charts/time-chart.js";
import { ConfirmDialog, type ConfirmRequest } from "../components/confirm-dialog.js";
import { EmptyState, ErrorBox, Loading } from "../components/feedback.js";
import { api } from "../data/api-client.js";
import { useFleetEvents } from "../data/fleet-feed.js";
import { useApi } from "../data/use-api.js";
import { formatUsd } from "../format/numbers.js";
import { Time } from "../format/time.js";
import type { PoolRow } from "./overview-page.js";

interface Budget {
  productId: string;
  ceilingUsd?: number;
  spentUsd: number;
  window: string;
  paused: boolean;
  pausedReason?: string;
  updatedAt: string | number;
}

interface Burndown {
  ceilingUsd?: number;
  points: { at: string | number; spentUsd: number }[];
}

/** Per-product spend against its ceiling with the burn-down, and pause/resume of products and
 * pools: against the budget and pause routes, and a plain "not available" where they are missing. */
export function BudgetsPage({ scope }: { scope: string | undefined }) {
  const [product, setProduct] = useState(scope !== undefined && scope !== "*" ? scope : "");
  const [draft, setDraft] = useState(product);
  const effective = scope !== undefined && scope !== "*" ? scope : product;
  return (
    <section>
      <h1>Budgets and pause</h1>
      {scope === "*" ? (
        <form
          class="filters"
          onSubmit={(event) => {
            event.preventDefault();
            setProduct(draft.trim());
          }}
        >
          <label class="field">
            product
            <input value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} placeholder="demo" />
          </label>
          <div class="filter-buttons">
            <button type="submit" class="primary" disabled={draft.trim() === ""}>
              Show
            </button>
          </div>
        </form>
      ) : null}
      {effective === "" ? <p class="muted">A fleet-wide token sees every product: name the product whose budget to show.</p> : <ProductBudget productId={effective} />}
      <PoolPauses />
    </section>
  );
}

function ProductBudget({ productId }: { productId: string }) {
  const path = `/fleet/budgets/${encodeURIComponent(productId)}`;
  const budget = useApi<Budget>(path);
  const burndown = useApi<Burndown>(budget.data === undefined ? null : `${path}/burndown`);
  const [request, setRequest] = useState<ConfirmRequest | undefined>(undefined);
  useFleetEvents([], () => budget.reload());
  if (budget.error?.routeMissing === true) {
    return (
      <EmptyState title="Budgets are not available on this coordinator">
        It does not serve GET /fleet/budgets/:productId yet. Once it does, this page shows each product's spend against its ceiling, the burn-down and pause/resume.
      </EmptyState>
    );
  }
  if (budget.error !== undefined) return <ErrorBox error={budget.error} />;
  const data = budget.data;
  if (data === undefined) return <Loading what={`the budget of ${productId}`} />;
  const share = data.ceilingUsd === undefined || data.ceilingUsd === 0 ? undefined : Math.min(1, data.spentUsd / data.ceilingUsd);
  const toggle = () =>
    setRequest({
      title: `${data.paused ? "Resume" : "Pause"} product ${productId}?`,
      consequence: data.paused ? (
        <p>Resume lets the scheduler assign {productId}'s queued jobs again.</p>
      ) : (
        <p>Pause keeps {productId}'s queued jobs queued: nothing new is assigned until someone resumes. Jobs already running carry on.</p>
      ),
      confirmLabel: data.paused ? "Resume the product" : "Pause the product",
      withReason: !data.paused,
      danger: !data.paused,
      run: async (reason) => {
        await api("POST", `${path}/${data.paused ? "resume" : "pause"}`, { body: reason === undefined ? {} : { reason } });
        budget.reload();
      },
    });
  const points = burndown.data?.points ?? [];
  return (
    <section class="card" data-testid="budget">
      <header>
        <h2>Product {productId}</h2>
        <span class={data.paused ? "health health-paused" : "health health-ok"}>{data.paused ? `paused${data.pausedReason === undefined ? "" : `: ${data.pausedReason}`}` : "spending"}</span>
      </header>
      <p>
        {formatUsd(data.spentUsd)} spent {data.ceilingUsd === undefined ? "(no ceiling)" : `of ${formatUsd(data.ceilingUsd)}`} this {data.window === "total" ? "lifetime" : data.window.replace(/ly$/, "")}
        {" · "}updated <Time value={data.updatedAt} />
      </p>
      {share === undefined ? null : (
        <div class="spend-bar" aria-hidden="true" title={`${Math.round(share * 100)}% of the ceiling spent`}>
          <div style={{ width: `${(share * 100).toFixed(1)}%` }} class={share >= 1 ? "over" : share > 0.8 ? "near" : ""} />
        </div>
      )}
      {burndown.error === undefined ? null : burndown.error.routeMissing ? <p class="muted">No burn-down on this coordinator.</p> : <ErrorBox error={burndown.error} />}
      {points.length > 1 ? (
        <TimeChart
          title="spend over time"
          x={points.map((p) => new Date(p.at).getTime() / 1000)}
          xKind="time"
          left="USD"
          series={[
            { label: "spent (USD)", color: "#2a6fdb", values: points.map((p) => p.spentUsd) },
            ...(data.ceilingUsd === undefined ? [] : [{ label: "ceiling (USD)", color: "#d64541", dash: [6, 4], values: points.map(() => data.ceilingUsd!) }]),
          ]}
        />
      ) : null}
      <button type="button" onClick={toggle}>
        {data.paused ? "Resume product" : "Pause product"}
      </button>
      {request === undefined ? null : <ConfirmDialog request={request} onClose={() => setRequest(undefined)} />}
    </section>
  );
}

function PoolPauses() {
  const pools = useApi<{ items: PoolRow[] }>("/fleet/pools");
  const [request, setRequest] = useState<ConfirmRequest | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  if (pools.error !== undefined) return <ErrorBox error={pools.error} />;
  if (pools.data === undefined) return <Loading what="pools" />;
  const ask = (pool: PoolRow) =>
    setRequest({
      title: `${pool.paused ? "Resume" : "Pause"} pool ${pool.name}?`,
      consequence: pool.paused ? <p>Resume lets the scheduler assign work to {pool.name} again.</p> : <p>Pause stops new assignments to {pool.name}; its running jobs finish, and queued work waits or goes to another capable pool.</p>,
      confirmLabel: pool.paused ? "Resume the pool" : "Pause the pool",
      danger: !pool.paused,
      run: async () => {
        try {
          await api("POST", `/fleet/pools/${encodeURIComponent(pool.name)}/${pool.paused ? "resume" : "pause"}`, { body: {} });
        } catch (error) {
          if ((error as { routeMissing?: boolean }).routeMissing === true) setMissing(true);
          throw error;
        }
        pools.reload();
      },
    });
  return (
    <section class="card">
      <header>
        <h2>Pools</h2>
      </header>
      {missing ? <p class="muted">Pausing pools is not available on this coordinator (it does not serve /fleet/pools/:name/pause).</p> : null}
      <table class="table">
        <thead>
          <tr>
            <th>pool</th>
            <th>state</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {pools.data.items.map((pool) => (
            <tr key={pool.name}>
              <td>{pool.name}</td>
              <td>{pool.paused ? "paused" : "taking work"}</td>
              <td>
                <button type="button" onClick={() => ask(pool)}>
                  {pool.paused ? "Resume" : "Pause"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {request === undefined ? null : <ConfirmDialog request={request} onClose={() => setRequest(undefined)} />}
    </section>
  );
}
