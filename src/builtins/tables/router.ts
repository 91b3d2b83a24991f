import { getDatabase, type Ctx } from './context.ts'
import { databaseView } from './views/database.ts'
import { indexView } from './views/index.ts'
import { queryView } from './views/query.ts'
import { blobView, rowView } from './views/row.ts'
import { databaseSchemaView, instanceSchemaView, tableSchemaView } from './views/schema.ts'
import { tableView } from './views/table.ts'
import { NotFoundError, tildeDecode, tildeEncode, urlFor } from '../../plugin-api.ts'

type Format = 'json' | 'csv' | 'md' | 'blob' | null

/**
 * Dispatches Datasette's URL scheme: `/.json`, `/DB.json`, `/DB/-/query.json`,
 * `/DB/TABLE.json|.csv`, `/DB/TABLE/PK.json`. Each path segment is split on raw `/` first,
 * then percent- and tilde-decoded, so names holding `/` or `.` (encoded as `~2F`, `~2E`)
 * cannot be confused with the structure of the path.
 */
export async function route(c: Ctx): Promise<Response> {
  const url = c.req.url
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const q = url.indexOf('?', start)
  const raw = url.slice(start, q === -1 ? undefined : q)
  const segments = raw.split('/').slice(1)
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop()
  const last = segments.length - 1
  const match = /^(.*)\.(json|csv|md|blob)$/.exec(segments[last]!)
  const format: Format = match ? (match[2] as 'json' | 'csv' | 'md' | 'blob') : null
  if (match) segments[last] = match[1]!
  const parts = segments.map(decodeSegment)
  // `.md` is for the schema pages only.
  const schemaFormat = format === 'md' ? 'md' : format === null || format === 'json' ? 'json' : null
  const isSchema = (at: number) => parts.length === at + 2 && parts[at] === '-' && parts[at + 1] === 'schema' && schemaFormat !== null

  if (parts.length === 1 && parts[0] === '') return format === 'csv' || format === 'md' || format === 'blob' ? notFound() : indexView(c, format ?? 'html')
  if (isSchema(0)) return instanceSchemaView(c, schemaFormat!)
  // `/-/…` is the instance's own namespace: a path nobody registered is a plain 404.
  if (parts[0] === '-') return notFound()
  const db = getDatabase(c.get('ds'), parts[0]!)
  if (isSchema(1)) return databaseSchemaView(c, db, schemaFormat!)
  if (isSchema(2)) return tableSchemaView(c, db, parts[1]!, schemaFormat!)
  if (format === 'md') return notFound()
  // `.blob` is for one cell of one row only (`/DB/TABLE/PK.blob?_blob_column=C`).
  if (format === 'blob') return parts.length === 3 && parts[1] !== '-' ? blobView(c, db, parts[1]!, segments[2]!) : notFound()
  if (parts.length === 1) {
    if (format === 'csv') return notFound()
    if (new URL(url).searchParams.has('sql')) {
      // Datasette's old query URL: send it to the query page, keeping the arguments.
      return c.redirect(urlFor(c, {}, `/${tildeEncode(db.name)}/-/query${format ? `.${format}` : ''}`), 302)
    }
    return databaseView(c, db, format ?? 'html')
  }
  if (parts.length === 3 && parts[1] === '-' && parts[2] === 'query') return queryView(c, db, format ?? 'html')
  if (parts[1] === '-') return notFound()
  if (parts.length === 2) return tableView(c, db, parts[1]!, format ?? 'html')
  if (parts.length === 3 && format !== 'csv') return rowView(c, db, parts[1]!, segments[2]!, format ?? 'html')
  return notFound()
}

function decodeSegment(segment: string): string {
  let decoded = segment
  try {
    decoded = decodeURIComponent(segment)
  } catch {
    // a stray % is a literal %
  }
  return tildeDecode(decoded)
}

function notFound(): never {
  throw new NotFoundError('Not found')
}
