const SPECIAL = /[&<>"']/
const SPECIAL_ALL = /[&<>"']/g
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Text made safe for HTML content and quoted attributes. Most values need nothing, so it
 * tests before it replaces.
 *
 * @example
 * renderCell: ({ value }) => ({ html: `<img src="${escapeHtml(String(value))}" alt="">` })
 */
export function escapeHtml(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (char) => ENTITIES[char]!) : text
}
