import { CliError, EXIT, type ExitCode } from "./exit-codes.js";
import type { Connection } from "./config.js";

/** An error answer of the API: `{ error: { code, message, hint?, details? } }`. */
export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
  details?: unknown;
}

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    exitCode: ExitCode,
    next: string | undefined,
    /** From Retry-After (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(exitCode, body.message, next);
    this.name = "ApiError";
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Statuses that are an answer here rather than an error (e.g. 404 to probe a route). */
  accept?: readonly number[];
  signal?: AbortSignal;
}

/**
 * The CLI's one way to the coordinator: the public REST API, JSON in and out, the token as a
 * bearer token. Non-2xx answers become ApiError with the server's message and an exit code.
 */
export class FleetClient {
  constructor(private readonly connection: Connection) {}

  get url(): string {
    return this.connection.url;
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>("GET", path, options)).body;
  }

  async post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>("POST", path, { ...options, ...(body === undefined ? {} : { body }) })).body;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (response.ok || options.accept?.includes(response.status)) return { status: response.status, body: body as T, headers: response.headers };
    throw toApiError(response.status, body, response.headers);
  }

  /** The raw response (for streams). Connection failures become a CliError naming the URL. */
  async fetch(method: string, path: string, options: RequestOptions & { headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.connection.token !== undefined) headers.authorization = `Bearer ${this.connection.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(`${this.connection.url}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        EXIT.failure,
        `cannot reach the coordinator at ${this.connection.url} (${cause?.code ?? cause?.message ?? (error as Error).message})`,
        `check --url or FLEET_URL (now from ${this.connection.source.url}), and that the coordinator runs (npm start)`,
      );
    }
  }
}

function toApiError(status: number, body: unknown, headers: Headers): ApiError {
  const error = (body as { error?: Partial<ApiErrorBody> } | undefined)?.error;
  const parsed: ApiErrorBody = {
    code: typeof error?.code === "string" ? error.code : `HTTP_${status}`,
    message: typeof error?.message === "string" ? error.message : `the coordinator answered ${status}${typeof body === "string" && body !== "" ? `: ${body.slice(0, 200)}` : ""}`,
    ...(typeof error?.hint === "string" ? { hint: error.hint } : {}),
    ...(error?.details === undefined ? {} : { details: error.details }),
  };
  const retryAfter = Number(headers.get("retry-after") ?? Number.NaN);
  return new ApiError(status, parsed, exitCodeOf(status), nextStepOf(status, parsed, headers), Number.isFinite(retryAfter) ? retryAfter : undefined);
}

function exitCodeOf(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 400 || status === 413) return EXIT.usage;
  return EXIT.failure;
}

/** What to do next, from the CLI's side (the server's message already says what is wrong). */
function nextStepOf(status: number, body: ApiErrorBody, headers: Headers): string | undefined {
  switch (status) {
    case 401:
      return "pass --token, set FLEET_TOKEN, or add the token to your profile (npm start prints fresh operator tokens)";
    case 403:
      return "use an operator token of the job's product (a fleet-wide token can read everything but cannot submit)";
    case 404:
      return body.code === "NOT_FOUND" && body.message.startsWith("no route") ? "this coordinator is older than this CLI; upgrade it" : "list what exists with 'fleet jobs ls' (or 'fleet dlq ls')";
    case 409:
      return "see where it is with 'fleet jobs get ID' or 'fleet jobs why ID'";
    case 429:
      return `the coordinator limits requests per caller; retry after ${headers.get("retry-after") ?? "a few"} seconds`;
    default:
      return status >= 500 ? "retry shortly; if it persists, check the coordinator's logs" : undefined;
  }
}
