import { useState } from "preact/hooks";
import { ErrorBox } from "../components/feedback.js";
import { ApiError, errorOf, UNREACHABLE_MESSAGE } from "../data/api-client.js";
import { session } from "../data/session.js";

/** Asks for an operator token once; it is checked against the API, then kept for this tab only. */
export function LoginPage({ reason }: { reason: string | undefined }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch("/fleet/metrics", { headers: { authorization: `Bearer ${token.trim()}` }, cache: "no-store" });
      if (!response.ok) throw await errorOf(response);
      session.signIn(token);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "UNREACHABLE", UNREACHABLE_MESSAGE));
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form class="card login-card" onSubmit={(event) => void submit(event)}>
        <h1>Fleet Dispatch console</h1>
        <p>
          Sign in with an operator token. <code>npm start</code> prints two: one for product <code>demo</code> and a fleet-wide one. The token stays in
          this tab's session storage and is sent only in the Authorization header.
        </p>
        {reason === undefined ? null : <ErrorBox error={new ApiError(401, "UNAUTHENTICATED", reason)} title="Signed out" />}
        <label class="field">
          operator token
          <input type="password" name="token" autoComplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
        </label>
        {error === undefined ? null : <ErrorBox error={error} title="That token was not accepted" />}
        <button type="submit" class="primary" disabled={busy || token.trim() === ""}>
          {busy ? "checking..." : "Sign in"}
        </button>
      </form>
    </div>
  );
}
