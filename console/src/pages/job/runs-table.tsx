import { Fragment } from "preact";
import type { Run } from "../../../../contracts/index.js";
import { EmptyState } from "../../components/feedback.js";
import { formatCount, formatUsd } from "../../format/numbers.js";
import { formatDuration, Time } from "../../format/time.js";

/** Every attempt with its result, cost and what it delivered (its log and files: the artifacts panel). */
export function RunsTable({ runs }: { runs: Run[] }) {
  const costs = runs.map((run) => run.insights?.costUsd).filter((cost): cost is number => cost !== undefined);
  return (
    <section class="card" data-testid="runs">
      <header>
        <h2>Runs</h2>
        <span class="muted">{costs.length === 0 ? "no cost reported" : `cost reported by the runs: ${formatUsd(costs.reduce((a, b) => a + b, 0))}`}</span>
      </header>
      {runs.length === 0 ? (
        <EmptyState title="Not attempted yet">A run appears when a factory accepts the job.</EmptyState>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th class="num">attempt</th>
              <th class="num">epoch</th>
              <th>pool / factory</th>
              <th>result</th>
              <th>started</th>
              <th class="num">took</th>
              <th class="num">cost</th>
              <th class="num">tokens in / out</th>
              <th>message</th>
            </tr>
          </thead>
          <tbody>
            {[...runs].reverse().map((run) => (
              <Fragment key={run.epoch}>
                <tr>
                  <td class="num">{run.attempt}</td>
                  <td class="num">{run.epoch}</td>
                  <td>
                    {run.pool} / <code>{run.factoryId}</code>
                  </td>
                  <td>
                    <span class={`result result-${run.result}`}>{run.result.replace(/_/g, " ")}</span>
                  </td>
                  <td>
                    <Time value={run.startedAt} />
                  </td>
                  <td class="num">{run.endedAt === undefined ? <span class="muted">running</span> : formatDuration(run.endedAt - run.startedAt)}</td>
                  <td class="num">{formatUsd(run.insights?.costUsd)}</td>
                  <td class="num">
                    {formatCount(run.insights?.tokensIn)} / {formatCount(run.insights?.tokensOut)}
                  </td>
                  <td class="message">{run.message ?? <span class="muted">–</span>}</td>
                </tr>
                {run.branch !== undefined || run.commit !== undefined || run.prUrl !== undefined ? (
                  <tr class="artifacts" data-testid="deliverable">
                    <td colSpan={9}>
                      delivered: {run.branch === undefined ? null : <code>{run.branch}</code>} {run.commit === undefined ? null : <code>{run.commit.slice(0, 12)}</code>}{" "}
                      {run.prUrl === undefined ? null : (
                        <a href={run.prUrl} rel="noreferrer noopener" target="_blank">
                          pull request ↗
                        </a>
                      )}
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
