/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { readFileSync } from 'node:fs'
import { raw } from 'hono/html'
import { VERSION, definePlugin, sha256, type Actor, type Dataserve, type HtmlView } from '../../plugin-api.ts'
import { Layout, type Crumb } from './layout.tsx'
import { DatabasePage, IndexPage } from './pages/listings.tsx'
import { ErrorPage, QueryPage, RowPage } from './pages/record.tsx'
import { TablePage } from './pages/table.tsx'
import { cellOverrides, sources, usableLinks, usableUrl } from './extensions.ts'
import { contentSecurityPolicy, hasActorCookie, pageResponse, wantsHtml } from './respond.ts'

const CSS = readFileSync(new URL('./style.css', import.meta.url), 'utf8')
const COPY_JS = readFileSync(new URL('./copy.js', import.meta.url), 'utf8')
/** Static files are named by their hash, so they can be cached for good. */
const STYLESHEET = `/-/static/dataserve-${sha256(CSS).toString('hex').slice(0, 12)}.css`
const COPY_SCRIPT = `/-/static/copy-${sha256(COPY_JS).toString('hex').slice(0, 12)}.js`
const FOREVER = 'public, max-age=31536000, immutable'

/**
 * HTML pages for people, on Datasette's URLs without `.json`: the databases, a database,
 * a table with its filters, sort and pages, a row, a query — and errors as pages for
 * browsers. Rendered on the server with hono/jsx (which escapes everything), one small
 * stylesheet, no script. The tables plugin hands each page over through `renderHtml`.
 */
export default definePlugin({
  name: 'dataserve.html',
  version: VERSION,
  hooks: {
    registerRoutes: () => [
      {
        method: 'GET',
        path: STYLESHEET,
        handler: () => new Response(CSS, { headers: { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': FOREVER, 'X-Content-Type-Options': 'nosniff' } }),
      },
      {
        method: 'GET',
        path: COPY_SCRIPT,
        handler: () => new Response(COPY_JS, { headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': FOREVER, 'X-Content-Type-Options': 'nosniff' } }),
      },
    ],
    renderHtml: async ({ ds, request, actor, page }) => {
      if (page.view === 'error' && !wantsHtml(request)) return null
      const css = (await ds.plugins.hook.extraCssUrls({ ds, request, view: page.view })).flat().filter(usableUrl)
      const js = (await ds.plugins.hook.extraJsUrls({ ds, request, view: page.view })).flat().filter(usableUrl)
      // An embedded page (a signed `_embed` link, checked before any page is drawn) shows the page alone.
      const embed = request.url.includes('_embed=') ? new URL(request.url).searchParams.get('_embed') : null
      const parts = await pageParts(ds, request, actor, page, embed)
      // The copy button's script, on the pages that show a token or a formula to copy.
      if ((page.view === 'page' && page.html.includes('class="token"')) || (page.view === 'table' && page.importData !== null && embed === null)) js.push(COPY_SCRIPT)
      const node = (
        <Layout title={parts.title} crumbs={embed === null ? parts.crumbs : null} actor={actor} showLogout={actor !== null && hasActorCookie(request)} stylesheets={[STYLESHEET, ...css]} scripts={js}>
          {parts.body}
        </Layout>
      )
      const status = page.view === 'error' ? page.status : page.view === 'page' ? (page.status ?? 200) : page.view === 'query' && page.error !== null ? 400 : 200
      return pageResponse(await node.toString(), status, contentSecurityPolicy(sources(css), sources(js)))
    },
  },
})

async function pageParts(ds: Dataserve, request: Request, actor: Actor | null, page: HtmlView, embed: string | null) {
  const truncateAt = ds.settings.truncate_cells_html
  switch (page.view) {
    case 'index':
      return { title: 'dataserve', crumbs: [] as Crumb[], body: <IndexPage page={page} /> }
    case 'database':
      return { title: page.database, crumbs: [{ label: page.database, href: page.path }], body: <DatabasePage page={page} /> }
    case 'table':
      return {
        title: `${page.table}: ${page.database}`,
        crumbs: [
          { label: page.database, href: page.databasePath },
          { label: page.table, href: page.urls.clearFilters },
        ],
        body: (
          <TablePage
            page={page}
            embed={embed}
            truncateAt={truncateAt}
            actions={usableLinks((await ds.plugins.hook.tableActions({ ds, request, actor, database: page.database, table: page.table })).flat())}
            overrides={await cellOverrides(ds, request, page.database, page.table, page.columns, page.rows)}
          />
        ),
      }
    case 'row':
      return {
        title: `${page.table}: ${page.database}`,
        crumbs: [
          { label: page.database, href: page.tablePath.slice(0, page.tablePath.lastIndexOf('/')) },
          { label: page.table, href: page.tablePath },
        ],
        body: (
          <RowPage
            page={page}
            truncateAt={truncateAt}
            actions={usableLinks((await ds.plugins.hook.rowActions({ ds, request, actor, database: page.database, table: page.table, row: Object.fromEntries(page.columns.map((column, i) => [column, page.row[i]])) })).flat())}
            overrides={await cellOverrides(ds, request, page.database, page.table, page.columns, [page.row])}
          />
        ),
      }
    case 'query':
      return {
        title: `Query: ${page.database}`,
        crumbs: [{ label: page.database, href: page.databasePath }],
        body: <QueryPage page={page} truncateAt={truncateAt} overrides={await cellOverrides(ds, request, page.database, null, page.columns, page.rows)} />,
      }
    case 'error':
      return { title: `Error ${page.status}`, crumbs: [] as Crumb[], body: <ErrorPage page={page} /> }
    case 'page':
      return { title: page.title, crumbs: page.crumbs, body: raw(page.html) }
  }
}
