/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { rowsHtml, type CellOverrides } from './cell.ts'

/** A plain result table: column names over the rows (query results, an embedded table). */
export function ResultTable({ columns, rows, truncateAt, overrides }: { columns: readonly string[]; rows: readonly unknown[][]; truncateAt: number; overrides: CellOverrides }) {
  return (
    <div class="table-wrap">
      <table class="rows">
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col">{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>{rowsHtml(rows, truncateAt, { overrides })}</tbody>
      </table>
    </div>
  )
}
