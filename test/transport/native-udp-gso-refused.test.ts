// A kernel that refuses UDP GSO at send time: the native sender turns GSO off for the process and sends
// the same datagrams without it, in the same call, none lost or reordered. The refusal is real: a
// socket with SO_NO_CHECK (no UDP checksum) makes the kernel answer a GSO send with EINVAL. Node cannot
// set that option, so Python takes a copy of the socket's descriptor (pidfd_getfd, Linux 5.6, needs
// ptrace rights over this process) and sets it; where that is not possible the test is skipped. The
// work runs in a child process, since GSO is then off for the whole process.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { loadNativeUdp } from '../../src/transport/native-udp.js'

const NATIVE_URL = new URL('../../src/transport/native-udp.js', import.meta.url)
const BATCH_URL = new URL('../../src/transport/udp-batch-send.js', import.meta.url)

/** Sets SO_NO_CHECK (11) on descriptor argv[2] of process argv[1]. */
const NO_CHECK_PY = `
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
local = libc.syscall(438, os.pidfd_open(int(sys.argv[1])), int(sys.argv[2]), 0)  # pidfd_getfd
if local < 0: sys.exit('pidfd_getfd: ' + os.strerror(ctypes.get_errno()))
s = socket.socket(fileno=local)
s.setsockopt(socket.SOL_SOCKET, 11, 1)
s.detach()
os.close(local)
`

const CHILD = `
import dgram from 'node:dgram'
import { spawnSync } from 'node:child_process'
const { loadNativeUdp, nativeUdpStatus } = await import(${JSON.stringify(NATIVE_URL.href)})
const { UdpRunSender, fdReader } = await import(${JSON.stringify(BATCH_URL.href)})
const sink = dgram.createSocket('udp4')
const got = []
sink.on('message', (m) => got.push(m.toString('hex')))
await new Promise((r) => sink.bind(0, '127.0.0.1', r))
const sender = dgram.createSocket('udp4')
await new Promise((r) => sender.connect(sink.address().port, '127.0.0.1', r))
const py = spawnSync('python3', ['-c', process.env.NO_CHECK_PY, String(process.pid), String(fdReader(sender)())], { encoding: 'utf8' })
const before = nativeUdpStatus().gso
const sizes = [1200, 1200, 1200, 600, 1000, 1000, 100]
const packets = sizes.map((n, i) => Buffer.alloc(n, i + 1))
const done = []
if (py.status === 0) new UdpRunSender(sender, loadNativeUdp()).send(packets, packets.map((_, i) => (e) => (done[i] = e ? e.code : 'ok')))
setTimeout(() => {
  console.log(JSON.stringify({ py: py.status === 0 ? '' : py.stderr || 'python3 failed', before, after: nativeUdpStatus(), done, got, sent: packets.map((p) => p.toString('hex')) }))
  sender.close()
  sink.close()
}, 200)
`

describe('UDP GSO refused by the kernel', { skip: process.platform !== 'linux' || !loadNativeUdp()?.gso }, () => {
  it('turns GSO off for the process and sends the same datagrams without it, in order, none lost', (t) => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, NO_CHECK_PY },
      encoding: 'utf8',
    })
    assert.equal(run.status, 0, run.stderr)
    const out = JSON.parse(run.stdout) as {
      py: string
      before: boolean
      after: { gso: boolean; gsoReason?: string }
      done: string[]
      got: string[]
      sent: string[]
    }
    if (out.py !== '') return t.skip(`cannot set SO_NO_CHECK from outside: ${out.py.trim()}`)
    assert.equal(out.before, true)
    assert.deepEqual(out.got, out.sent, 'every datagram, in order, byte for byte')
    assert.deepEqual(out.done, new Array(out.sent.length).fill('ok'))
    assert.equal(out.after.gso, false)
    assert.match(out.after.gsoReason ?? '', /refused/)
  })
})
