import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { describe, it } from 'node:test'
import { allocateUdpPair, bindUdpPair } from '../../src/transport/udp-pair.js'

/** Binds `port` on loopback, or undefined when it is taken. */
async function hold(port: number): Promise<dgram.Socket | undefined> {
  const s = dgram.createSocket('udp4')
  return new Promise((resolve) => {
    s.once('error', () => {
      s.close()
      resolve(undefined)
    })
    s.bind(port, '127.0.0.1', () => resolve(s))
  })
}

describe('RTP/RTCP port pairs', () => {
  it('ephemeral pairs: RTP even, RTCP the next port, both bound, whichever parity the OS gave first', async () => {
    const pairs = []
    for (let i = 0; i < 40; i++) pairs.push(await allocateUdpPair('udp4', '127.0.0.1', undefined, 0))
    try {
      for (const p of pairs) {
        assert.equal(p.rtpPort % 2, 0)
        assert.equal(p.rtcpPort, p.rtpPort + 1)
        assert.equal(p.rtp.address().port, p.rtpPort)
        assert.equal(p.rtcp.address().port, p.rtcpPort)
      }
      assert.equal(new Set(pairs.map((p) => p.rtpPort)).size, pairs.length)
    } finally {
      for (const p of pairs) p.close()
    }
  })

  it('a fixed port: the pair only when both ports are free', async () => {
    // An even port whose pair is free, found by asking for one and releasing it.
    const probe = await allocateUdpPair('udp4', '127.0.0.1', undefined, 0)
    const port = probe.rtpPort
    probe.close()
    const blocker = await hold(port + 1)
    assert.ok(blocker, 'the RTCP port can be held')
    try {
      assert.equal(await bindUdpPair('udp4', '127.0.0.1', port), undefined, 'RTCP port taken: no pair')
    } finally {
      blocker.close()
    }
    assert.equal(await bindUdpPair('udp4', '127.0.0.1', port + 1), undefined, 'an odd fixed port is never RTP (nor paired downwards)')
    const pair = await bindUdpPair('udp4', '127.0.0.1', port)
    assert.ok(pair)
    assert.equal(pair.rtcpPort, port + 1)
    pair.close()
    // The RTP socket of the refused attempt was released: the port binds again.
    const again = await hold(port)
    assert.ok(again)
    again.close()
  })
})
