import type { CellRendering, Dataserve, MenuLink } from '../../plugin-api.ts'
import { escapeHtml, type CellOverrides } from './cell.ts'

/** A URL a page may load or link: a path on this server, or https. Anything else (javascript:, data:, //host) is dropped. */
export function usableUrl(url: unknown): url is string {
  return typeof url === 'string' && ((url.startsWith('/') && !url.startsWith('//')) || /^https:\/\/[^\s"'<>]+$/.test(url))
}

export const usableLinks = (links: unknown[]): MenuLink[] =>
  links.filter((link): link is MenuLink => typeof link === 'object' && link !== null && usableUrl((link as MenuLink).href) && typeof (link as MenuLink).label === 'string')

/** The sources a Content-Security-Policy names for these URLs: 'self' for paths, the origin of the rest. */
export function sources(urls: readonly string[]): string[] {
  const found = new Set<string>()
  for (const url of urls) found.add(url.startsWith('/') ? "'self'" : new URL(url).origin)
  return [...found]
}

/**
 * The cells plugins draw (`renderCell`), asked only when some plugin implements it: the
 * default cells are a fast loop, and a hook call per cell is not free.
 */
export async function cellOverrides(ds: Dataserve, request: Request, database: string, table: string | null, columns: readonly string[], rows: readonly unknown[][]): Promise<CellOverrides> {
  if (ds.plugins.hook.renderCell.callOrder().length === 0) return null
  const drawn: (string | undefined)[][] = []
  for (const row of rows) {
    const line: (string | undefined)[] = []
    for (let c = 0; c < row.length; c++) {
      const answer = (await ds.plugins.hook.renderCell({ ds, request, database, table, column: columns[c]!, value: row[c] })) as CellRendering | undefined
      line.push(answer === undefined || answer === null ? undefined : typeof answer === 'string' ? escapeHtml(answer) : typeof answer.html === 'string' ? answer.html : undefined)
    }
    drawn.push(line)
  }
  return drawn
}
