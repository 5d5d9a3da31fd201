import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../src/errors.js'
import { RtspHeaders } from '../../src/rtsp/headers.js'

describe('RtspHeaders', () => {
  it('case-insensitive lookup, original casing and order kept', () => {
    const h = new RtspHeaders([
      ['CSeq', '1'],
      ['user-agent', 'Lavf60.16.100'],
      ['SESSION', 'abc'],
    ])
    assert.equal(h.get('cseq'), '1')
    assert.equal(h.get('User-Agent'), 'Lavf60.16.100')
    assert.equal(h.get('session'), 'abc')
    assert.equal(h.get('missing'), undefined)
    assert.ok(h.has('Cseq'))
    assert.ok(!h.has('Range'))
    assert.deepEqual(
      [...h.entries()],
      [
        ['CSeq', '1'],
        ['user-agent', 'Lavf60.16.100'],
        ['SESSION', 'abc'],
      ],
    )
    assert.equal(h.size, 3)
  })

  it('from a record', () => {
    const h = new RtspHeaders({ CSeq: '2', 'Content-Type': 'application/sdp' })
    assert.deepEqual(
      [...h],
      [
        ['CSeq', '2'],
        ['Content-Type', 'application/sdp'],
      ],
    )
  })

  it('from another RtspHeaders', () => {
    const a = new RtspHeaders({ A: '1' }).append('a', '2')
    assert.deepEqual(
      [...new RtspHeaders(a)],
      [
        ['A', '1'],
        ['a', '2'],
      ],
    )
  })

  it('append keeps repeats in order; get returns the first; getAll all', () => {
    const h = new RtspHeaders().append('WWW-Authenticate', 'Digest realm="r"').append('www-authenticate', 'Basic realm="r"')
    assert.equal(h.get('WWW-Authenticate'), 'Digest realm="r"')
    assert.deepEqual(h.getAll('Www-Authenticate'), ['Digest realm="r"', 'Basic realm="r"'])
  })

  it('set replaces all, at the position of the first', () => {
    const h = new RtspHeaders([
      ['A', '1'],
      ['X', 'old1'],
      ['B', '2'],
      ['x', 'old2'],
    ])
    assert.equal(h.set('X', 'new'), h)
    assert.deepEqual(
      [...h],
      [
        ['A', '1'],
        ['X', 'new'],
        ['B', '2'],
      ],
    )
    h.set('C', '3')
    assert.deepEqual([...h].at(-1), ['C', '3'])
  })

  it('delete removes every casing', () => {
    const h = new RtspHeaders([
      ['Session', 'a'],
      ['CSeq', '1'],
      ['session', 'b'],
    ])
    h.delete('SESSION')
    assert.deepEqual([...h], [['CSeq', '1']])
    h.delete('nothing')
    assert.equal(h.size, 1)
  })

  it('clone is independent', () => {
    const a = new RtspHeaders({ A: '1' })
    const b = a.clone().set('A', '2')
    assert.equal(a.get('a'), '1')
    assert.equal(b.get('a'), '2')
  })

  it('toJSON joins repeats', () => {
    assert.deepEqual(new RtspHeaders().append('Public', 'OPTIONS').append('Public', 'PLAY').toJSON(), { Public: 'OPTIONS, PLAY' })
  })

  it('rejects names that are not tokens and values that would inject lines', () => {
    for (const name of ['', 'Bad Name', 'X:Y', 'Née']) {
      assert.throws(
        () => new RtspHeaders().append(name, 'v'),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_INVALID_HEADER',
      )
    }
    for (const value of ['a\r\nX-Evil: 1', 'a\nb', 'a\0']) {
      assert.throws(() => new RtspHeaders().set('X', value), ParseError)
    }
    assert.throws(() => new RtspHeaders({ 'a b': 'c' }), ParseError)
  })
})
