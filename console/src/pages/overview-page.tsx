import { useEffect, useMemo, useState } from "preact/hooks";
import type { PoolHistoryResponse, PoolScaleSample } from "../../../contracts/event-stream.js";
import { TimeChart } from "../charts/time-chart.js";
import { EmptyState, ErrorBox, Loading } from "../components/feedback.js";
import { useFleetEvents } from "../data/fleet-feed.js";
import { useApi, useDebounced } from "../data/use-api.js";
import { formatCount } from "../format/numbers.js";
import { formatDuration, Time } from "../format/time.js";
import { link } from "../router.js";

/** A pool as GET /fleet/pools reports it. */
export interface PoolRow {
  name: string;
  capabilities: string[];
  workload: string;
  trigger: string;
  seats: number;
  minReplicas: number;
  maxReplicas: number;
  capacityWindow: number;
  inFlightLeases: number;
  awaitingAccept: number;
  health: string;
  healthReason?: string;
  paused: boolean;
  acceptLatencyAvgMs: number | null;
  desiredReplicas?: number | null;
  actualReplicas?: number | null;
  subscriptionActiveMessages?: number | null;
  subscriptionDeadLetters?: number | null;
}

interface QueueState {
  ready: number;
  backingOff: number;
  leases: number;
  byStage: Record<string, number>;
}

/** The fleet at a glance: totals, then a card per pool with its last hour charted, live. */
export function OverviewPage() {
  const pools = useApi<{ items: PoolRow[] }>("/fleet/pools");
  const history = useApi<PoolHistoryResponse>("/fleet/pools/history");
  const queue = useApi<QueueState>("/fleet/queue-state");
  const [live, setLive] = useState<PoolScaleSample[]>([]);
  const reloadPools = useDebounced(pools.reload, 1000);
  const reloadQueue = useDebounced(queue.reload, 2000);
  // The history carries the last hour's endings; it is larger, so it reloads less often.
  const reloadHistory = useDebounced(history.reload, 15_000);
  useEffect(() => setLive([]), [history.data]);
  useFleetEvents(["pool.scale", "job.stage"], (event) => {
    if (event === undefined) {
      pools.reload();
      history.reload();
      queue.reload();
      return;
    }
    if (event.type === "pool.scale") {
      setLive((current) => [...current.slice(-2000), event.data]);
      reloadPools();
    } else {
      reloadQueue();
      reloadHistory();
    }
  });

  const series = useMemo(() => {
    const byPool = new Map<string, PoolScaleSample[]>();
    for (const entry of history.data?.pools ?? []) byPool.set(entry.pool, [...entry.samples]);
    for (const sample of live) {
      const list = byPool.get(sample.pool) ?? [];
      if (list.length === 0 || list[list.length - 1]!.at < sample.at) list.push(sample);
      byPool.set(sample.pool, list);
    }
    const since = new Date(Date.now() - (history.data?.windowMs ?? 3_600_000)).toISOString();
    for (const [pool, list] of byPool) byPool.set(pool, list.filter((s) => s.at >= since));
    return byPool;
  }, [history.data, live]);

  const latest = (pool: string) => {
    const list = series.get(pool);
    return list === undefined ? undefined : list[list.length - 1];
  };

  return (
    <section>
      <h1>Fleet overview</h1>
      <FleetTotals queue={queue.data} lastHour={history.data?.lastHour} />
      {queue.error === undefined ? null : <ErrorBox error={queue.error} />}
      {pools.error === undefined ? null : <ErrorBox error={pools.error} />}
      {history.error === undefined || history.error.routeMissing ? null : <ErrorBox error={history.error} title="The pool history could not be read" />}
      {pools.data === undefined && pools.error === undefined ? <Loading what="pools" /> : null}
      {pools.data?.items.length === 0 ? (
        <EmptyState title="No pools in the topology">Add a pool to topology/fleet.yaml (or TOPOLOGY_FILE) and restart the coordinator.</EmptyState>
      ) : null}
      <div class="pool-grid">
        {(pools.data?.items ?? []).map((pool) => (
          <PoolCard key={pool.name} pool={pool} sample={latest(pool.name)} samples={series.get(pool.name) ?? []} historyMissing={history.error?.routeMissing === true} />
        ))}
      </div>
    </section>
  );
}

function FleetTotals({ queue, lastHour }: { queue: QueueState | undefined; lastHour: PoolHistoryResponse["lastHour"] | undefined }) {
  const stage = (name: string) => queue?.byStage[name] ?? 0;
  const running = stage("building") + stage("review") + stage("testing");
  const tiles: { label: string; value: number | undefined; hint: string; to?: string }[] = [
    { label: "ready", value: queue?.ready, hint: "queued and schedulable now", to: "/jobs?stage=queued" },
    { label: "backing off", value: queue?.backingOff, hint: "queued, waiting for a retry backoff" },
    { label: "blocked", value: queue === undefined ? undefined : stage("blocked"), hint: "waiting for dependencies", to: "/jobs?stage=blocked" },
    { label: "assigned", value: queue === undefined ? undefined : stage("assigned"), hint: "waiting for a factory to accept", to: "/jobs?stage=assigned" },
    { label: "running", value: queue === undefined ? undefined : running, hint: "building, review or testing", to: "/jobs?stage=building,review,testing" },
    { label: "shipped (1 h)", value: lastHour?.shipped, hint: "shipped in the last hour", to: "/jobs?stage=shipped" },
    { label: "failed (1 h)", value: lastHour?.failed, hint: "failed in the last hour", to: "/jobs?stage=failed" },
    { label: "dead-lettered (1 h)", value: lastHour?.deadLettered, hint: "dead-lettered in the last hour", to: "/dead-letters" },
  ];
  return (
    <div class="totals" data-testid="fleet-totals">
      {tiles.map((tile) => {
        const body = (
          <>
            <span class="total-value">{formatCount(tile.value)}</span>
            <span class="total-label">{tile.label}</span>
          </>
        );
        return tile.to === undefined ? (
          <div key={tile.label} class="total" title={tile.hint}>
            {body}
          </div>
        ) : (
          <a key={tile.label} class="total" title={tile.hint} {...link(tile.to)}>
            {body}
          </a>
        );
      })}
    </div>
  );
}

function PoolCard({ pool, sample, samples, historyMissing }: { pool: PoolRow; sample: PoolScaleSample | undefined; samples: PoolScaleSample[]; historyMissing: boolean }) {
  // The newest sample (pushed live) wins over the pool list, which reloads less often.
  const desired = sample?.desiredReplicas ?? pool.desiredReplicas ?? null;
  const actual = sample?.actualReplicas ?? pool.actualReplicas ?? null;
  const depth = sample?.subscriptionActiveMessages ?? pool.subscriptionActiveMessages ?? null;
  const inFlight = sample?.inFlightLeases ?? pool.inFlightLeases;
  const awaiting = sample?.awaitingAccept ?? pool.awaitingAccept;
  const health = pool.paused ? "paused" : pool.health;
  const x = samples.map((s) => new Date(s.at).getTime() / 1000);
  const chartSeries = [
    { label: "desired replicas", color: "#7b61c9", step: true, values: samples.map((s) => s.desiredReplicas) },
    { label: "actual replicas", color: "#1f7a4d", step: true, values: samples.map((s) => s.actualReplicas) },
    { label: "in-flight leases", color: "#c77d12", step: true, dash: [4, 3], values: samples.map((s) => s.inFlightLeases) },
    { label: "subscription depth", color: "#2a6fdb", axis: "right" as const, values: samples.map((s) => s.subscriptionActiveMessages) },
  ];
  return (
    <article class="card pool-card" data-pool={pool.name}>
      <header>
        <h2>{pool.name}</h2>
        <span class={`health health-${health}`} title={pool.healthReason ?? ""}>
          {health}
          {pool.healthReason === undefined ? "" : `: ${pool.healthReason}`}
        </span>
      </header>
      <p class="muted small">
        {pool.workload} · {pool.trigger} · {pool.seats} seat{pool.seats === 1 ? "" : "s"} each · {pool.minReplicas} to {pool.maxReplicas} replicas ·{" "}
        {pool.capabilities.join(", ")}
      </p>
      <dl class="pool-figures">
        <Figure name="desired replicas" value={formatCount(desired)} testid="desired" />
        <Figure name="actual replicas" value={formatCount(actual)} testid="actual" />
        <Figure name="subscription depth" value={formatCount(depth)} testid="depth" />
        <Figure name="in-flight leases" value={`${formatCount(inFlight)} of ${formatCount(pool.capacityWindow)}`} testid="in-flight" hint="assigned or running, of the capacity window" />
        <Figure name="awaiting accept" value={formatCount(awaiting)} testid="awaiting" />
        <Figure name="dead letters" value={formatCount(pool.subscriptionDeadLetters)} testid="dead-letters" hint="in the subscription's dead-letter queue" />
        <Figure name="accept latency" value={formatDuration(pool.acceptLatencyAvgMs)} testid="accept-latency" hint="average, assignment to accept" />
      </dl>
      {historyMissing ? (
        <EmptyState title="No history on this coordinator">It does not serve GET /fleet/pools/history; upgrade it to chart the last hour.</EmptyState>
      ) : samples.length < 2 ? (
        <EmptyState title="Collecting samples">The coordinator samples every pool every few seconds; the chart of the last hour fills in from now.</EmptyState>
      ) : (
        <TimeChart title={`${pool.name}: last hour`} x={x} xKind="time" series={chartSeries} left="replicas / leases" right="messages" height={200} integer />
      )}
      {samples.length > 0 ? (
        <p class="muted small">
          last sample <Time value={samples[samples.length - 1]!.at} />
        </p>
      ) : null}
    </article>
  );
}

function Figure({ name, value, testid, hint }: { name: string; value: string; testid: string; hint?: string }) {
  return (
    <div title={hint ?? ""}>
      <dt>{name}</dt>
      <dd data-figure={testid}>{value}</dd>
    </div>
  );
}
