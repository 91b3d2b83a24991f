import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getJson, runCli, serve } from '../helpers.ts'
import { authFiles, basic } from './fixtures.ts'

describe('basic-auth and api-key from the command line', () => {
  it('`dataserve hash-password` reads stdin and prints a hash that users: accepts; the password is never printed', async () => {
    const run = runCli(['hash-password', '--cost', '12'])
    run.child.stdin.end('pässwörd mit Leerzeichen\n')
    assert.equal(await run.exited, 0, run.stderr())
    const hash = run.stdout().trim()
    assert.match(hash, /^\$scrypt\$ln=12,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    assert.doesNotMatch(run.stdout() + run.stderr(), /pässwörd/)
    const { db, config } = authFiles(`plugins:\n  basic-auth:\n    users:\n      jürgen: "${hash}"\n`)
    const server = await serve({ databases: [{ path: db }], configFile: config })
    assert.equal((await getJson(server, '/-/actor.json', { headers: { authorization: basic('jürgen', 'pässwörd mit Leerzeichen') } })).body.actor.id, 'jürgen')
    assert.equal((await server.get('/-/actor.json', { headers: { authorization: basic('jürgen', 'pässwörd mit Leerzeichen\n') } })).status, 401, 'the newline that ended stdin is not part of it')
  })

  it('hash-password refuses an empty password (exit 1) and a bad --cost (exit 2)', async () => {
    const empty = runCli(['hash-password'])
    empty.child.stdin.end('\n')
    assert.equal(await empty.exited, 1)
    assert.match(empty.stderr(), /the password is empty/)
    const cost = runCli(['hash-password', '--cost', '40'])
    cost.child.stdin.end('x\n')
    assert.equal(await cost.exited, 2)
    assert.match(cost.stderr(), /--cost needs a whole number from 10 to 20/)
  })

  it('no password, key or Authorization value reaches the logs; the banner says what protects the server', async () => {
    const KEY = 'log-test-key-9f8e7d6c5b4a'
    const { db, config } = authFiles(`plugins:\n  basic-auth:\n    users:\n      viewer: Sekr1t-Passw0rd\n  api-key:\n    key: ${KEY}\n`)
    const run = runCli([db, '-c', config, '--port', '0'])
    const url = await run.url
    const get = (headers: Record<string, string>) => fetch(new URL('sales/orders.json', url), { headers }).then((response) => response.status)
    assert.equal(await get({ authorization: basic('viewer', 'Sekr1t-Passw0rd') }), 200)
    assert.equal(await get({ authorization: basic('viewer', 'Sekr1t-Passw0rd-wrong') }), 401)
    assert.equal(await get({ 'x-api-key': KEY }), 200)
    assert.equal(await get({ 'x-api-key': KEY + 'x' }), 401)
    assert.equal(await get({ authorization: 'Basic !!!' + basic('viewer', 'Sekr1t-Passw0rd').slice(6) }), 401)
    run.child.kill('SIGTERM')
    await run.exited
    const logs = run.stdout() + run.stderr()
    assert.match(logs, /GET \/sales\/orders\.json 401/, 'the access log is on')
    assert.match(logs, /basic-auth: 1 account\(s\), realm "dataserve"/)
    assert.match(logs, /api-key: 1 key\(s\) in the X-API-Key header/)
    assert.match(logs, /serve over HTTPS/)
    for (const secret of ['Sekr1t', KEY, basic('viewer', 'Sekr1t-Passw0rd').slice(6), Buffer.from('viewer:Sekr1t').toString('base64').slice(0, 12)]) {
      assert.ok(!logs.includes(secret), `${secret.slice(0, 4)}… found in the logs`)
    }
  })
})
