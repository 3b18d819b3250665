import type { ComponentChildren } from 'preact';

/** A form control with its visible label (the <label> wraps it, so no id is needed). */
export function Field({ label, optional, class: cls, children }: { label: string; optional?: boolean; class?: string; children: ComponentChildren }) {
  return (
    <label class={cls}>
      <span>
        {label}
        {optional ? <span class="muted small"> (optional)</span> : null}
      </span>
      {children}
    </label>
  );
}

export type Option<V extends string> = V | { value: V; label: string };

/** A labelled <select> of string values. */
export function SelectField<V extends string>(props: { label: string; value: V; options: ReadonlyArray<Option<V>>; onChange: (value: V) => void; name?: string; autofocus?: boolean }) {
  return (
    <Field label={props.label}>
      <select name={props.name} value={props.value} autofocus={props.autofocus} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value as V)}>
        {props.options.map((o) => (typeof o === 'string' ? <option value={o}>{o}</option> : <option value={o.value}>{o.label}</option>))}
      </select>
    </Field>
  );
}
