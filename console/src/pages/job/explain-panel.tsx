import { useEffect, useRef } from "preact/hooks";
import { ErrorBox, Loading } from "../../components/feedback.js";
import { useApi } from "../../data/use-api.js";

interface ScoreTerms {
  age: number;
  priority: number;
  retries: number;
  capabilities: number;
  starvation: number;
}

interface Explanation {
  jobId: string;
  stage: string;
  chosenPool: string | null;
  starvationAfterMs: number;
  weights: { weights: Record<string, number>; sources: Record<string, string> };
  pools: {
    pool: string;
    eligible: boolean;
    hasHeadroom: boolean;
    exclusions: { reason: string; missing?: string[]; inFlight?: number; capacity?: number }[];
    score: { total: number; terms: ScoreTerms; inputs: { ageMinutes: number; priorityRank: number; retries: number; capabilityBonus: number; starving: boolean } } | null;
    ranking: { total: number } | null;
    chosen: boolean;
  }[];
}

const round = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));

/** Every term of the job's score against every pool, and why a pool is out: the server's numbers. */
export function ExplainPanel({ jobId, version }: { jobId: string; version: string }) {
  const explain = useApi<Explanation>(`/fleet/jobs/${encodeURIComponent(jobId)}/explain`);
  // The score moves with the job (stage, retries, age): ask again whenever the job changed.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else explain.reload();
  }, [version]);
  if (explain.error !== undefined) return <ErrorBox error={explain.error} title="The explanation could not be read" />;
  const data = explain.data;
  if (data === undefined) return <Loading what="the explanation" />;
  return (
    <div data-testid="explain">
      <p>
        {data.chosenPool === null ? "No pool would take this job now." : (
          <>
            Scored against pool <strong>{data.chosenPool}</strong>, the one it would go to now.
          </>
        )}{" "}
        <span class="muted">
          Weights:{" "}
          {Object.entries(data.weights.weights)
            .map(([name, value]) => `${name} ${value} (${data.weights.sources[name] ?? "default"})`)
            .join(", ")}
          .
        </span>
      </p>
      <table class="table">
        <thead>
          <tr>
            <th>pool</th>
            <th>eligible</th>
            <th>headroom</th>
            <th class="num">age</th>
            <th class="num">priority</th>
            <th class="num">retries</th>
            <th class="num">capabilities</th>
            <th class="num">starvation</th>
            <th class="num">job score</th>
            <th class="num">pool ranking</th>
            <th>why not</th>
          </tr>
        </thead>
        <tbody>
          {data.pools.map((pool) => (
            <tr key={pool.pool} class={pool.chosen ? "chosen" : ""}>
              <td>
                {pool.pool}
                {pool.chosen ? " (chosen)" : ""}
              </td>
              <td>{pool.eligible ? "yes" : "no"}</td>
              <td>{pool.hasHeadroom ? "yes" : "no"}</td>
              {pool.score === null ? (
                <td colSpan={6} class="muted">
                  not scored (fails the hard filter)
                </td>
              ) : (
                <>
                  <td class="num" title={`${round(pool.score.inputs.ageMinutes)} min queued`}>
                    {round(pool.score.terms.age)}
                  </td>
                  <td class="num" title={`rank ${pool.score.inputs.priorityRank}`}>
                    {round(pool.score.terms.priority)}
                  </td>
                  <td class="num" title={`${pool.score.inputs.retries} retries`}>
                    {round(pool.score.terms.retries)}
                  </td>
                  <td class="num" title={`bonus ${round(pool.score.inputs.capabilityBonus)}`}>
                    {round(pool.score.terms.capabilities)}
                  </td>
                  <td class="num" title={pool.score.inputs.starving ? "starving: competes as critical" : "not starving"}>
                    {round(pool.score.terms.starvation)}
                  </td>
                  <td class="num">
                    <strong>{round(pool.score.total)}</strong>
                  </td>
                </>
              )}
              <td class="num">{pool.ranking === null ? "–" : round(pool.ranking.total)}</td>
              <td>{pool.exclusions.length === 0 ? <span class="muted">–</span> : pool.exclusions.map(exclusionText).join("; ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function exclusionText(exclusion: Explanation["pools"][number]["exclusions"][number]): string {
  switch (exclusion.reason) {
    case "missing-capabilities":
      return `lacks ${exclusion.missing?.join(", ") ?? "capabilities"}`;
    case "no-headroom":
      return `full (${exclusion.inFlight ?? "?"} of ${exclusion.capacity ?? "?"} in flight)`;
    default:
      return exclusion.reason.replace(/-/g, " ");
  }
}
