/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { MenuLink } from '../../plugin-api.ts'

/** A page's menu of links plugins added (`tableActions`, `rowActions`); nothing when there are none. */
export function Actions({ label, links }: { label: string; links: MenuLink[] }) {
  if (links.length === 0) return null
  return (
    <nav class="actions" aria-label={label}>
      <ul class="links">
        {links.map((link) => (
          <li>
            <a href={link.href}>{link.label}</a>
            {link.description ? <span class="meta"> {link.description}</span> : null}
          </li>
        ))}
      </ul>
    </nav>
  )
}
