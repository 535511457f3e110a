import { useState } from "preact/hooks";
import { navigate } from "../router.js";
import { WhyPanel } from "./job/why-panel.js";
import { link } from "../router.js";

/** "Why is this job not running?" for any job id: the same answer GET /fleet/jobs/:id/why gives. */
export function WhyPage({ jobId }: { jobId: string }) {
  const [draft, setDraft] = useState(jobId);
  return (
    <section>
      <h1>Why is this job not running?</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/why?job=${encodeURIComponent(draft.trim())}`);
        }}
      >
        <label class="field wide">
          job id
          <input value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} placeholder="j-..." />
        </label>
        <div class="filter-buttons">
          <button type="submit" class="primary" disabled={draft.trim() === ""}>
            Ask
          </button>
        </div>
      </form>
      {jobId === "" ? (
        <p class="muted">Paste a job id (from the jobs table or the API). The coordinator answers in one sentence, with the facts behind it.</p>
      ) : (
        <section class="card">
          <header>
            <h2>
              <a {...link(`/jobs/${encodeURIComponent(jobId)}`)}>{jobId}</a>
            </h2>
          </header>
          <WhyPanel jobId={jobId} />
        </section>
      )}
    </section>
  );
}
