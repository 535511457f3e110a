import { useEffect, useRef } from "preact/hooks";
import { ErrorBox, FactsList, Loading } from "../../components/feedback.js";
import { useApi } from "../../data/use-api.js";

export interface WhyAnswer {
  jobId: string;
  stage: string;
  sentence: string;
  reasons: { code: string; facts: Record<string, unknown> }[];
}

/** "Why is this job not running?" in the server's own words, with the facts behind the sentence. */
export function WhyPanel({ jobId, version }: { jobId: string; version?: string }) {
  const why = useApi<WhyAnswer>(`/fleet/jobs/${encodeURIComponent(jobId)}/why`);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else why.reload();
  }, [version]);
  if (why.error?.routeMissing === true) {
    return (
      <div class="empty-state" data-testid="why-unavailable">
        <strong>Not available on this coordinator</strong>
        <p>It does not serve GET /fleet/jobs/:id/why yet; upgrade it. Meanwhile the explain panel lists why each pool cannot take the job.</p>
      </div>
    );
  }
  if (why.error !== undefined) return <ErrorBox error={why.error} />;
  if (why.data === undefined) return <Loading what="the answer" />;
  return (
    <div class="why" data-testid="why">
      <p class="why-sentence">{why.data.sentence}</p>
      {why.data.reasons.length === 0 ? null : (
        <ul class="why-reasons">
          {why.data.reasons.map((reason) => (
            <li key={reason.code}>
              <code>{reason.code}</code>
              <FactsList facts={reason.facts} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
