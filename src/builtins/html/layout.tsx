/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx'
import type { Actor } from '../../plugin-api.ts'

export interface Crumb {
  label: string
  href: string
}

/** Every page: a title, the stylesheet, where you are, who you are (and log-out for a cookie session, as Datasette shows it). No crumbs: an embedded page, shown alone. */
export function Layout({ title, crumbs, actor, showLogout, stylesheets, scripts, children }: { title: string; crumbs: Crumb[] | null; actor: Actor | null; showLogout: boolean; stylesheets: string[]; scripts: string[]; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        {/* No favicon request (a 404 in every browser's console) */}
        <link rel="icon" href="data:," />
        {stylesheets.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        {scripts.map((src) => (
          <script src={src} defer></script>
        ))}
      </head>
      <body>
        {crumbs === null ? null : (
        <header class="site">
          <nav aria-label="Breadcrumb">
            <ol>
              <li>
                <a href="/">home</a>
              </li>
              {crumbs.map((crumb) => (
                <li>
                  <a href={crumb.href}>{crumb.label}</a>
                </li>
              ))}
            </ol>
          </nav>
          <div class="actor">
            {actor ? (
              <>
                <span>
                  Signed in as <strong>{String(actor.id)}</strong>
                </span>
                {showLogout ? (
                  <form method="post" action="/-/logout">
                    <button type="submit">Log out</button>
                  </form>
                ) : null}
              </>
            ) : (
              <span>Not signed in</span>
            )}
          </div>
        </header>
        )}
        <main id="main">{children}</main>
      </body>
    </html>
  )
}
