import type { ComponentChildren, JSX } from 'preact';

/** One column: its header, and what a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
}

/**
 * The pages' table: a caption for screen readers, column headers, the first column as the row
 * header, and each cell labelled with its column (data-label) so that at phone width (styles.css)
 * every row becomes a card of "label value" lines.
 */
export function DataTable<T>(props: {
  caption: string;
  columns: Array<Column<T>>;
  rows: readonly T[];
  /** Attributes of a row's <tr> (data-*, class). */
  rowProps?: (row: T) => JSX.HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  /** Shown in one full-width cell when there is no row; nothing when absent. */
  empty?: ComponentChildren;
  class?: string;
}) {
  const { columns } = props;
  return (
    <div class="table-wrap">
      <table class={props.class}>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col">{c.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr {...props.rowProps?.(row)}>
              {columns.map((c, i) =>
                i === 0 ? (
                  <th scope="row" data-label={c.header}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td data-label={c.header}>{c.cell(row)}</td>
                ),
              )}
            </tr>
          ))}
          {props.rows.length === 0 && props.empty ? (
            <tr>
              <td colSpan={columns.length} class="muted">
                {props.empty}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
