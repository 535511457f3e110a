import { useEffect, useRef, useState } from "preact/hooks";
import type { ArtifactListResponse, ArtifactView } from "../../../../contracts/index.js";
import { EmptyState, ErrorBox, Loading } from "../../components/feedback.js";
import { authHeaders, errorOf, type ApiError } from "../../data/api-client.js";
import { useApi } from "../../data/use-api.js";
import { formatCount } from "../../format/numbers.js";
import { Time } from "../../format/time.js";

/** Downloads through the API with the operator's token (never in a URL), then saves the bytes. */
async function download(artifact: ArtifactView): Promise<void> {
  const response = await fetch(artifact.download!, { headers: authHeaders({ accept: "*/*" }), cache: "no-store" });
  if (!response.ok) throw await errorOf(response);
  const url = URL.createObjectURL(await response.blob());
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = artifact.name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Every attempt's log and files, with their state, size, expiry and a download. */
export function ArtifactsPanel({ jobId, version }: { jobId: string; version: string }) {
  const listed = useApi<ArtifactListResponse>(`/fleet/jobs/${encodeURIComponent(jobId)}/artifacts`);
  const [failure, setFailure] = useState<ApiError | Error | undefined>(undefined);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else listed.reload();
  }, [version]);
  if (listed.error?.routeMissing === true) return null;
  const items = listed.data?.items ?? [];
  return (
    <section class="card" data-testid="artifacts">
      <header>
        <h2>Artifacts</h2>
        {listed.data === undefined ? null : <span class="muted">{listed.data.retentionDays === null ? "kept until deleted" : `kept ${listed.data.retentionDays} days`}</span>}
      </header>
      {listed.error !== undefined ? <ErrorBox error={listed.error} /> : null}
      {failure === undefined ? null : <ErrorBox error={failure} title="The download failed" />}
      {listed.data === undefined ? (
        listed.error === undefined ? <Loading what="the artifacts" /> : null
      ) : items.length === 0 ? (
        <EmptyState title="No artifacts yet">An attempt's log appears when a factory accepts the job; its files when it releases.</EmptyState>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th class="num">epoch</th>
              <th>name</th>
              <th>kind</th>
              <th>state</th>
              <th class="num">bytes</th>
              <th>uploaded</th>
              <th>expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((artifact) => (
              <tr key={artifact.id} data-artifact={artifact.id} data-state={artifact.state}>
                <td class="num">{artifact.epoch}</td>
                <td>{artifact.name}</td>
                <td>{artifact.kind}</td>
                <td>{artifact.state}</td>
                <td class="num">{formatCount(artifact.bytes)}</td>
                <td>{artifact.uploadedAt === null ? "–" : <Time value={artifact.uploadedAt} />}</td>
                <td>{artifact.expiresAt === null ? "–" : <Time value={artifact.expiresAt} />}</td>
                <td>
                  {artifact.download === null ? (
                    artifact.state === "external" && artifact.uri !== undefined && /^https?:\/\//.test(artifact.uri) ? (
                      <a href={artifact.uri} rel="noreferrer noopener" target="_blank">
                        open ↗
                      </a>
                    ) : (
                      <span class="muted">{artifact.state === "deleted" ? `deleted${artifact.deletedBy === undefined ? "" : ` by ${artifact.deletedBy}`}` : "–"}</span>
                    )
                  ) : (
                    <button
                      type="button"
                      data-download={artifact.id}
                      onClick={() => {
                        setFailure(undefined);
                        download(artifact).catch((error: unknown) => setFailure(error instanceof Error ? error : new Error(String(error))));
                      }}
                    >
                      Download
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
