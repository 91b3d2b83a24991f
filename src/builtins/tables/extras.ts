import { listParam, type Ctx } from './context.ts'
import { BadRequestError, urlFor } from '../../plugin-api.ts'

/** Where an `?_extra=` can be asked for. */
export type ExtraScope = 'table' | 'row' | 'query'

interface ExtraInfo {
  description: string
  scopes: readonly ExtraScope[]
}

const ALL: readonly ExtraScope[] = ['table', 'row', 'query']

/**
 * The `?_extra=` blocks dataserve serves, with Datasette's names and descriptions (the
 * HTML-only ones, such as display_rows, are not served as JSON). The views resolve them.
 */
const EXTRAS = new Map<string, ExtraInfo>([
  ['count', { description: 'Total count of rows matching these filters', scopes: ['table'] }],
  ['count_sql', { description: 'SQL query string used to calculate the total count for the current table view, including active filters.', scopes: ['table'] }],
  ['count_truncated', { description: 'True if the count hit the counting limit, meaning the real number of matching rows is at least the reported count.', scopes: ['table'] }],
  ['facet_results', { description: 'Results of facets calculated against this data.', scopes: ['table'] }],
  ['facets_timed_out', { description: 'List of names of facet calculations that exceeded the facet time limit.', scopes: ['table'] }],
  ['suggested_facets', { description: 'Suggestions for facets that might return interesting results.', scopes: ['table'] }],
  ['human_description_en', { description: 'Human-readable description of the filters', scopes: ['table'] }],
  ['columns', { description: 'List of column names returned by this table, row or query.', scopes: ALL }],
  ['all_columns', { description: 'List of all column names in the table, regardless of _col= or _nocol= filtering.', scopes: ['table'] }],
  ['primary_keys', { description: 'List of primary key column names for this table, or an empty list if the table has no explicit primary key.', scopes: ['table', 'row'] }],
  ['column_details', { description: 'SQLite schema details for columns in this table.', scopes: ['table', 'row'] }],
  ['is_view', { description: 'True if this is a view, False if it is a table', scopes: ['table'] }],
  ['query', { description: 'Details of the underlying SQL query as a dictionary with sql and params keys.', scopes: ALL }],
  ['metadata', { description: 'Metadata dictionary for the table, database or query.', scopes: ALL }],
  ['database', { description: 'Database name', scopes: ALL }],
  ['table', { description: 'Table name', scopes: ['table', 'row'] }],
  ['database_color', { description: 'Color assigned to the database', scopes: ALL }],
  ['table_definition', { description: 'SQL schema for this table', scopes: ['table'] }],
  ['view_definition', { description: 'SQL schema for this view', scopes: ['table'] }],
  ['private', { description: 'Boolean indicating if this is a private resource', scopes: ALL }],
  ['expandable_columns', { description: 'List of foreign key columns that can be expanded with labels.', scopes: ['table'] }],
  ['foreign_key_tables', { description: 'List of tables that link to this row using foreign keys.', scopes: ['row'] }],
  ['next_url', { description: 'URL of the next page of results (always included).', scopes: ['table'] }],
  ['sort', { description: 'The column the rows are sorted by, ascending.', scopes: ['table'] }],
  ['sort_desc', { description: 'The column the rows are sorted by, descending.', scopes: ['table'] }],
  ['extras', { description: 'List of ?_extra= blocks that can be used on this page', scopes: ALL }],
])

/** The extras a request asked for (`_extra=a,b&_extra=c`); an unknown one is a 400 listing the others. */
export function requestedExtras(query: URLSearchParams, scope: ExtraScope): Set<string> {
  const extras = new Set(listParam(query, '_extra'))
  for (const extra of extras) {
    if (!EXTRAS.get(extra)?.scopes.includes(scope)) throw new BadRequestError(`Unknown _extra: ${extra} (available: ${namesFor(scope).join(', ')})`)
  }
  return extras
}

function namesFor(scope: ExtraScope): string[] {
  return [...EXTRAS].filter(([, info]) => info.scopes.includes(scope)).map(([name]) => name)
}

/** `_extra=extras`: every extra of this page, whether it is selected, and the URL that toggles it. */
export function extrasListing(c: Ctx, scope: ExtraScope, selected: ReadonlySet<string>) {
  return namesFor(scope).map((name) => {
    const others = [...selected].filter((extra) => extra !== name)
    const toggled = selected.has(name) ? others : [...selected, name]
    return {
      name,
      description: EXTRAS.get(name)!.description,
      toggle_url: urlFor(c, { _extra: toggled.length > 0 ? toggled.join(',') : null }),
      selected: selected.has(name),
    }
  })
}
