import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RequestQueue } from '../../src/request-queue.ts'

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('RequestQueue', () => {
  it('starts requests in arrival order, a few per turn of the event loop, so the loop goes round between them', async () => {
    const queue = new RequestQueue()
    const started: number[] = []
    for (let i = 0; i < 10; i++) queue.push(() => started.push(i))
    assert.deepEqual(started, [], 'nothing starts in the turn that read it')
    await turn()
    assert.deepEqual(started, [0, 1, 2, 3])
    assert.equal(queue.length, 6)
    await turn()
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7])
    await turn()
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.equal(queue.length, 0)
  })

  it('a turn also ends after ~2 ms of starting, and a request that throws does not stop the next', async (t) => {
    const written: string[] = []
    t.mock.method(process.stderr, 'write', (text: string) => (written.push(text), true))
    const queue = new RequestQueue()
    const started: string[] = []
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
    await turn()
    assert.deepEqual(started, ['slow'])
    await turn()
    assert.deepEqual(started, ['slow', 'next', 'after'])
    assert.match(written.join(''), /a request could not be started: broken/)
  })
})
