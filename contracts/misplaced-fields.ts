/**
 * Fields people send that the API does not take, with where the intent belongs instead. An unknown
 * field found here is explained ("unknown field 'pool': jobs are routed by capabilities ..."); any
 * other unknown field is simply named.
 */
export const MISPLACED_FIELDS: Readonly<Record<string, string>> = {
  pool: "jobs are routed by capabilities: list what the job needs in 'capabilities' and the coordinator picks the pool",
  queue: "jobs are routed by capabilities: list what the job needs in 'capabilities' and the coordinator picks the pool",
  product: "the product comes from the token, never from the body",
  productId: "the product comes from the token, never from the body",
  id: "a job's id is derived from its idempotency key: send 'idempotencyKey'",
  jobId: "a job's id is derived from its idempotency key: send 'idempotencyKey'",
  key: "send the key as 'idempotencyKey'",
  stage: "the stage is set by the coordinator and the factories, never at submit",
  status: "the stage is set by the coordinator and the factories, never at submit",
  body: "the job's text goes in 'bodyMd' (markdown)",
  description: "the job's text goes in 'bodyMd' (markdown)",
  prompt: "the job's text goes in 'bodyMd' (markdown)",
  markdown: "the job's text goes in 'bodyMd' (markdown)",
  dependencies: "dependencies go in 'deps', as idempotency keys of jobs of the same product",
  dependsOn: "dependencies go in 'deps', as idempotency keys of jobs of the same product",
  depends_on: "dependencies go in 'deps', as idempotency keys of jobs of the same product",
  capability: "capabilities go in 'capabilities', a list",
  tags: "capabilities go in 'capabilities', a list; there are no free-form tags",
  labels: "capabilities go in 'capabilities', a list; there are no free-form labels",
  retries: "retries are set in 'retry': { max, backoffSeconds, backoffMaxSeconds }",
  maxRetries: "retries are set in 'retry': { max, backoffSeconds, backoffMaxSeconds }",
  timeout: "a job's time limit is 'budget': { wallSeconds }",
  timeoutSeconds: "a job's time limit is 'budget': { wallSeconds }",
  cost: "spending limits go in 'budget': { usd, tokens, wallSeconds }",
  usd: "spending limits go in 'budget': { usd, tokens, wallSeconds }",
  branch: "the branch to start from is 'baseBranch'",
  repository: "the repository goes in 'repo' (owner/name or a clone URL)",
  prio: "the priority goes in 'priority': low, medium, high or critical",
};
