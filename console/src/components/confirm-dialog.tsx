import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface ConfirmRequest {
  title: string;
  /** What will happen, in plain words: the operator reads this before anything is done. */
  consequence: ComponentChildren;
  confirmLabel: string;
  /** Ask for an optional reason recorded with the action. */
  withReason?: boolean;
  /** The reason field's label, and whether the action needs one (a review comment). */
  reasonLabel?: string;
  reasonRequired?: boolean;
  danger?: boolean;
  run(reason: string | undefined): Promise<void>;
}

/** A modal confirmation naming what will happen; shows the API's error if the action is refused. */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await request.run(reason.trim() === "" ? undefined : reason.trim());
      onClose();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="confirm" onClose={onClose} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{request.title}</h2>
      <div class="consequence">{request.consequence}</div>
      {request.withReason === true ? (
        <label class="field">
          {request.reasonLabel ?? "reason (recorded on the job's timeline, optional)"}
          <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={request.reasonRequired === true ? 2000 : 500} />
        </label>
      ) : null}
      {error === undefined ? null : (
        <p class="error-inline" role="alert">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="button" onClick={onClose} disabled={busy}>
          Keep as is
        </button>
        <button type="button" class={request.danger === true ? "danger" : "primary"} onClick={() => void confirm()} disabled={busy || (request.reasonRequired === true && reason.trim() === "")}>
          {busy ? "working..." : request.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
