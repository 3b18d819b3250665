import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ApiError } from '../api/client.ts';

export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/** A provisioning status (COMPLETED…) or a step status (completed…) as a labelled badge. */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status.replace('_', ' ')}</span>;
}

/** A COMPLETED tenant whose engine records differ from what the steps ensure (its last verification). */
export function DriftBadge() {
  return (
    <span class="badge badge-drifted" title="The last verification found records that differ from what the steps ensure">
      DRIFTED
    </span>
  );
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <span class="progress">
      <progress max={100} value={value} aria-label={label} />
      <span class="progress-text">{Math.round(value)}%</span>
    </span>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div class="error-note" role="alert">
      {e ? <code class="code">{e.code}</code> : null} {e ? e.detail : String(error instanceof Error ? error.message : error)}
      {e?.hint ? <div class="hint">{e.hint}</div> : null}
    </div>
  );
}

/**
 * A modal confirmation (the native <dialog>: focus moves in, Escape cancels, focus returns).
 * Shown while `open`; Confirm calls onConfirm, Cancel or Escape onCancel; `busy` disables Confirm
 * while the change it asked for is on its way.
 */
export function ConfirmDialog(props: { open: boolean; title: string; children: ComponentChildren; confirmLabel: string; onConfirm: () => void; onCancel: () => void; busy?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={(e) => (e.preventDefault(), props.onCancel())}>
      <h2 id={titleId}>{props.title}</h2>
      <div>{props.children}</div>
      <div class="dialog-buttons">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={props.onConfirm} disabled={props.busy} autofocus>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}
