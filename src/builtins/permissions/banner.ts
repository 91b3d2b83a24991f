import type { Dataserve } from '../../plugin-api.ts'

/** The startup line: the permission mode, and what an anonymous visitor may see (asked of the hooks, so it is true whatever set it). */
export async function permissionsBanner(ds: Dataserve): Promise<string> {
  const noFile = ds.configFile === '<no config file>'
  const mode = ds.settings.default_allow
    ? `DEFAULT ALLOW (--default-allow): every database, table and SQL query is PUBLIC unless ${noFile ? 'a rule denies it (no config file is in use)' : `${ds.configFile} denies it`}`
    : `default deny: only what ${noFile ? 'a config file (-c)' : ds.configFile} allows is visible`
  return `dataserve: permissions: ${mode}; anonymous visitors may see ${await anonymousAccess(ds)}`
}

/** What an anonymous request may do, in a few words, for the startup banner. */
async function anonymousAccess(ds: Dataserve): Promise<string> {
  if (!(await ds.allowed({ actor: null, action: 'view-instance' }))) return 'nothing'
  let databases = 0
  let sql = 0
  for (const name of ds.databases.keys()) {
    if (await ds.allowed({ actor: null, action: 'view-database', resource: name })) databases++
    if (await ds.allowed({ actor: null, action: 'execute-sql', resource: name })) sql++
  }
  return `the instance and ${databases} of ${ds.databases.size} database${ds.databases.size === 1 ? '' : 's'}${sql > 0 ? `, and run SQL in ${sql}` : ''}`
}

