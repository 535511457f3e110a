import { session } from "./session.js";

/** An API error exactly as the coordinator sent it: its code and a message that says what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** A route this coordinator does not serve (an API that another version adds). */
  get routeMissing(): boolean {
    return this.status === 404 && this.message.startsWith("no route ");
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}${path.includes("?") ? "&" : "?"}${text}`;
}

/** Headers every call carries: the operator token (from session storage), never in the URL. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token();
  return { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...extra };
}

/** Turns a refused response into an ApiError carrying the server's own code and message. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  const retryAfter = Number(response.headers.get("retry-after") ?? "");
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.message !== undefined) {
      return new ApiError(response.status, body.error.code ?? `HTTP_${response.status}`, body.error.message, body.error.details, retryAfterSeconds);
    }
  } catch {
    // Not the API's JSON error body: a proxy or a server in front of it answered.
  }
  return new ApiError(response.status, `HTTP_${response.status}`, `${response.status} ${response.statusText}${text === "" ? "" : `: ${text.slice(0, 300)}`}`, undefined, retryAfterSeconds);
}

export const UNREACHABLE_MESSAGE = "the coordinator did not answer (network error): check that it is running and reachable, then retry";

/** One JSON call to the coordinator's API. A 401 signs the operator out with the server's message. */
export async function api<T>(method: "GET" | "POST" | "PUT", path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers: authHeaders({ accept: "application/json", ...(options.body === undefined ? {} : { "content-type": "application/json" }) }),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "UNREACHABLE", UNREACHABLE_MESSAGE);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) session.signOut(error.message);
    throw error;
  }
  return (await response.json()) as T;
}
