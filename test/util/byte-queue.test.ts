import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ByteQueue } from '../../src/util/byte-queue.js'

function queueOf(...parts: string[]): ByteQueue {
  const q = new ByteQueue()
  for (const p of parts) q.push(Buffer.from(p))
  return q
}

describe('ByteQueue', () => {
  it('length, peek across chunks', () => {
    const q = queueOf('ab', '', 'cde', 'f')
    assert.equal(q.length, 6)
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((i) => String.fromCharCode(q.peek(i))),
      ['a', 'b', 'c', 'd', 'e', 'f'],
    )
    assert.equal(q.peek(6), -1)
    assert.equal(q.peek(-1), -1)
  })

  it('indexOf with from and limit, across chunks', () => {
    const q = queueOf('ab\n', 'cd', 'e\nf')
    const LF = 0x0a
    assert.equal(q.indexOf(LF), 2)
    assert.equal(q.indexOf(LF, 3), 6)
    assert.equal(q.indexOf(LF, 3, 6), -1)
    assert.equal(q.indexOf(LF, 3, 7), 6)
    assert.equal(q.indexOf(LF, 7), -1)
    assert.equal(q.indexOf(LF, 0, 100), 2)
    q.skip(1)
    assert.equal(q.indexOf(LF), 1)
    assert.equal(q.indexOf(0x66), 6)
  })

  it('consume returns a view within one chunk and a copy across chunks', () => {
    const first = Buffer.from('hello')
    const second = Buffer.from('world')
    const q = new ByteQueue()
    q.push(first)
    q.push(second)
    const view = q.consume(3)
    assert.equal(view.toString(), 'hel')
    assert.equal(view.buffer, first.buffer)
    assert.equal(view.byteOffset, first.byteOffset)
    const across = q.consume(4)
    assert.equal(across.toString(), 'lowo')
    first[3] = 0x21 // a copy does not see later writes to the chunks
    second[0] = 0x21
    assert.equal(across.toString(), 'lowo')
    assert.equal(first.toString(), 'hel!o')
    assert.equal(q.length, 3)
    assert.equal(q.consume(10).toString(), 'rld')
    assert.equal(q.length, 0)
    assert.equal(q.consume(1).length, 0)
  })

  it('skip and clear', () => {
    const q = queueOf('abc', 'def')
    q.skip(4)
    assert.equal(q.consume(2).toString(), 'ef')
    q.push(Buffer.from('xyz'))
    q.clear()
    assert.equal(q.length, 0)
    assert.equal(q.peek(0), -1)
  })

  it('accepts Uint8Array', () => {
    const q = new ByteQueue()
    q.push(new Uint8Array([1, 2, 3]))
    assert.deepEqual(q.consume(3), Buffer.from([1, 2, 3]))
  })

  it('many small chunks (compaction) keep order', () => {
    const q = new ByteQueue()
    for (let i = 0; i < 1000; i++) q.push(Buffer.of(i & 0xff))
    for (let i = 0; i < 1000; i++) assert.equal(q.consume(1)[0], i & 0xff)
  })

  it('property: behaves like one concatenated buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 10 }),
        fc.array(fc.tuple(fc.constantFrom('consume', 'skip', 'indexOf', 'peek'), fc.nat(12), fc.nat(12), fc.nat(255)), { maxLength: 20 }),
        (chunks, ops) => {
          const q = new ByteQueue()
          let model = Buffer.alloc(0)
          for (const c of chunks) {
            q.push(c)
            model = Buffer.concat([model, c])
          }
          for (const [op, a, b, byte] of ops) {
            assert.equal(q.length, model.length)
            if (op === 'consume') {
              assert.deepEqual(q.consume(a), model.subarray(0, a))
              model = model.subarray(Math.min(a, model.length))
            } else if (op === 'skip') {
              q.skip(a)
              model = model.subarray(Math.min(a, model.length))
            } else if (op === 'peek') {
              assert.equal(q.peek(a), a < model.length ? model[a] : -1)
            } else {
              const end = Math.min(b, model.length)
              const found = a >= end ? -1 : model.subarray(a, end).indexOf(byte)
              assert.equal(q.indexOf(byte, a, b), found === -1 ? -1 : found + a)
            }
          }
        },
      ),
    )
  })
})
