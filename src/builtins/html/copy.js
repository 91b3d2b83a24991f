// Progressive: a "Copy" button after every read-only token field (a new token, the IMPORTDATA
// formula). Without JavaScript the field is still there to select and copy by hand.
for (const field of document.querySelectorAll('input.token[readonly]')) {
  const button = document.createElement('button')
  button.type = 'button'
  button.textContent = 'Copy'
  button.setAttribute('aria-label', 'Copy to the clipboard')
  button.addEventListener('click', async () => {
    field.select()
    try {
      await navigator.clipboard.writeText(field.value)
      button.textContent = 'Copied'
    } catch {
      button.textContent = 'Press Ctrl+C'
    }
  })
  field.after(' ', button)
}
