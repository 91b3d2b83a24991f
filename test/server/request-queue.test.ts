import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RequestQueue } from '../../src/request-queue.ts'

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('RequestQueue', () => {
  it('starts requests in arrival order; with many waiting, four per turn of the event loop, so the loop goes round between them', async () => {
    const queue = new RequestQueue()
    const started: number[] = []
    for (let i = 0; i < 28; i++) queue.push(() => started.push(i))
    assert.deepEqual(started, [0, 1, 2, 3], 'four start at once while nothing waits; the rest wait for the turn')
    assert.equal(queue.length, 24)
    await turn()
    assert.equal(started.length, 8)
    await turn()
    assert.equal(started.length, 12)
    // Sixteen or fewer waiting start together.
    await turn()
    assert.deepEqual(started, Array.from({ length: 28 }, (_, i) => i))
    assert.equal(queue.length, 0)
  })

  it('a few waiting start in one turn; right after a connection is accepted, one per turn (more may be waiting to be accepted)', async () => {
    const queue = new RequestQueue()
    const started: number[] = []
    for (let i = 0; i < 10; i++) queue.push(() => started.push(i))
    await turn()
    assert.equal(started.length, 10)
    queue.accepted()
    for (let i = 0; i < 20; i++) queue.push(() => started.push(i))
    assert.equal(started.length, 10, 'a connection just accepted: nothing at once')
    await turn()
    assert.equal(started.length, 11, 'one, then the loop goes round to accept')
    await turn()
    assert.equal(started.length, 15, 'no new connection: four again')
  })

  it('a turn also ends after ~2 ms of starting, and a request that throws does not stop the next', async (t) => {
    const written: string[] = []
    t.mock.method(process.stderr, 'write', (text: string) => (written.push(text), true))
    const queue = new RequestQueue()
    const started: string[] = []
    queue.accepted() // all wait for the turn
    queue.push(() => {
      const until = performance.now() + 3
      while (performance.now() < until);
      started.push('slow')
    })
    queue.push(() => started.push('next'))
    queue.push(() => {
      throw new Error('broken')
    })
    queue.push(() => started.push('after'))
    for (let i = 0; i < 16; i++) queue.push(() => {})
    await turn()
    assert.deepEqual(started, ['slow'])
    await turn()
    assert.deepEqual(started, ['slow', 'next', 'after'])
    assert.match(written.join(''), /a request could not be started: broken/)
  })
})
