import { BadRequestError } from '../../plugin-api.ts'

/** Pragma functions that only read (`select * from pragma_table_info('t')`). */
const ALLOWED_PRAGMA_FUNCTIONS = [
  'database_list', 'foreign_key_list', 'function_list', 'index_info', 'index_list', 'index_xinfo',
  'module_list', 'pragma_list', 'table_info', 'table_xinfo', 'table_list',
]
const ALLOWED_START = /^(select\b|with\b|explain\s+(query\s+plan\s+)?(select|with)\b)/
const DISALLOWED_PRAGMA = new RegExp(`pragma(?!_(${ALLOWED_PRAGMA_FUNCTIONS.join('|')})\\b)`)

/**
 * Datasette's rule for user SQL: one SELECT, WITH or EXPLAIN statement, no PRAGMA
 * statements. The SQL process also opens databases read-only and checks that SQLite
 * considers the statement read-only, so this is the first of three locks, not the only one.
 */
export function validateReadOnlySql(sql: string): void {
  const text = stripComments(sql).trim().toLowerCase()
  if (text === '') throw new BadRequestError('SQL query is empty')
  if (!ALLOWED_START.test(text)) throw new BadRequestError('Statement must be a SELECT')
  if (DISALLOWED_PRAGMA.test(withoutStrings(text))) {
    throw new BadRequestError(`Statement contained a disallowed PRAGMA. Allowed pragma functions are ${ALLOWED_PRAGMA_FUNCTIONS.join(', ')}`)
  }
}

/** `:name` parameters in the SQL, outside strings, comments and quoted identifiers. */
export function namedParameters(sql: string): string[] {
  const names: string[] = []
  for (const match of withoutStrings(stripComments(sql)).matchAll(/(?<![:\w]):([A-Za-z_]\w*)/g)) {
    if (!names.includes(match[1]!)) names.push(match[1]!)
  }
  return names
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?(\*\/|$)/g, ' ')
}

function withoutStrings(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]/g, "''")
}
