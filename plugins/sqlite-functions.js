// An example plugin in plain JavaScript: adds SQL functions to every connection.
// Mistakes a compiler would catch in TypeScript (a misspelt hook, an argument that does
// not exist) are reported when the plugin is loaded.

/** @type {import('dataserve').Plugin} */
export default {
  name: 'sqlite-functions',
  hooks: {
    prepareConnection: ({ connection }) => {
      connection.function('reverse_string', { deterministic: true }, (text) =>
        text == null ? null : [...String(text)].reverse().join(''),
      )
    },
  },
}
