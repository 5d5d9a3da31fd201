import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { formatTransport, parseTransport, type TransportSpec } from '../../../src/rtsp/headers/transport.js'

describe('parseTransport', () => {
  const cases: [string, string, Omit<TransportSpec, 'params'>][] = [
    [
      'VLC / GStreamer UDP',
      'RTP/AVP;unicast;client_port=56912-56913',
      { protocol: 'RTP/AVP', profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [56912, 56913] },
    ],
    [
      'ffmpeg UDP, lower transport spelled out',
      'RTP/AVP/UDP;unicast;client_port=18484-18485',
      { protocol: 'RTP/AVP/UDP', profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [18484, 18485] },
    ],
    [
      'ffmpeg / live555 TCP interleaved',
      'RTP/AVP/TCP;unicast;interleaved=0-1',
      { protocol: 'RTP/AVP/TCP', profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1] },
    ],
    [
      'single interleaved channel',
      'RTP/AVP/TCP;interleaved=4',
      { protocol: 'RTP/AVP/TCP', profile: 'RTP/AVP', lowerTransport: 'TCP', interleaved: [4, 5] },
    ],
    [
      'teaching client: RTP/UDP, single port, space after =',
      'RTP/UDP; client_port= 25000',
      { protocol: 'RTP/UDP', profile: 'RTP/AVP', lowerTransport: 'UDP', clientPort: [25000, 25001] },
    ],
    [
      'live555 server answer',
      'RTP/AVP;unicast;destination=192.168.1.30;source=192.168.1.20;client_port=56912-56913;server_port=6970-6971',
      {
        protocol: 'RTP/AVP',
        profile: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'unicast',
        destination: '192.168.1.30',
        source: '192.168.1.20',
        clientPort: [56912, 56913],
        serverPort: [6970, 6971],
      },
    ],
    [
      'multicast with ttl and port',
      'RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16',
      {
        protocol: 'RTP/AVP',
        profile: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'multicast',
        destination: '224.2.0.1',
        port: [3456, 3457],
        ttl: 16,
      },
    ],
    [
      'ssrc and quoted mode (RFC 2326 section 12.39 example style)',
      'RTP/AVP;unicast;client_port=3456-3457;ssrc=0A1B2C3D;mode="PLAY"',
      {
        protocol: 'RTP/AVP',
        profile: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'unicast',
        clientPort: [3456, 3457],
        ssrc: 0x0a1b2c3d,
        mode: 'PLAY',
      },
    ],
    [
      'short ssrc, lower-case mode, lower-case tcp, SAVP profile',
      'RTP/SAVP/tcp;interleaved=2-3;ssrc=1f;mode=record',
      { protocol: 'RTP/SAVP/tcp', profile: 'RTP/SAVP', lowerTransport: 'TCP', interleaved: [2, 3], ssrc: 0x1f, mode: 'record' },
    ],
    [
      'ffmpeg publishing over UDP with mode=record',
      'RTP/AVP/UDP;unicast;client_port=22000-22001;mode=record',
      {
        protocol: 'RTP/AVP/UDP',
        profile: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'unicast',
        clientPort: [22000, 22001],
        mode: 'record',
      },
    ],
    [
      'spaces around separators and a stray trailing ;',
      ' RTP/AVP ; unicast ; client_port = 5000 - 5001 ; ',
      { protocol: 'RTP/AVP', profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [5000, 5001] },
    ],
  ]
  for (const [name, value, expected] of cases) {
    it(name, () => {
      const [spec, ...rest] = parseTransport(value)
      assert.equal(rest.length, 0)
      const { params, ...typed } = spec!
      assert.deepEqual(typed, expected)
      assert.ok(params.length > 0 || !value.includes(';'))
    })
  }

  it('params keep everything raw and in order', () => {
    const [spec] = parseTransport('RTP/AVP;unicast;client_port=5000-5001;append;layers=2;mode="PLAY"')
    assert.deepEqual(spec!.params, [
      ['unicast', undefined],
      ['client_port', '5000-5001'],
      ['append', undefined],
      ['layers', '2'],
      ['mode', '"PLAY"'],
    ])
  })

  it('alternatives in client preference order', () => {
    const specs = parseTransport('RTP/AVP;unicast;client_port=41234-41235,RTP/AVP/TCP;unicast;interleaved=0-1')
    assert.deepEqual(
      specs.map((s) => [s.lowerTransport, s.clientPort, s.interleaved]),
      [
        ['UDP', [41234, 41235], undefined],
        ['TCP', undefined, [0, 1]],
      ],
    )
  })

  it('a comma inside quotes does not split', () => {
    const specs = parseTransport('RTP/AVP;unicast;mode="PLAY,RECORD";client_port=1-2')
    assert.equal(specs.length, 1)
    assert.equal(specs[0]!.mode, 'PLAY,RECORD')
  })

  const bad: [string, string][] = [
    ['empty', ''],
    ['only commas', ' , '],
    ['protocol without profile', 'RTP;unicast'],
    ['parameter first', 'unicast;RTP/AVP'],
    ['port not a number', 'RTP/AVP;client_port=abc'],
    ['port range not numbers', 'RTP/AVP;client_port=1-x'],
    ['port out of range', 'RTP/AVP;client_port=70000-70001'],
    ['single port 65535 implies 65536', 'RTP/AVP;client_port=65535'],
    ['interleaved out of range', 'RTP/AVP/TCP;interleaved=255-256'],
    ['client_port without value', 'RTP/AVP;client_port'],
    ['bad ttl', 'RTP/AVP;multicast;ttl=300'],
    ['ssrc not hex', 'RTP/AVP;ssrc=XYZ'],
    ['ssrc too long', 'RTP/AVP;ssrc=123456789'],
    ['empty parameter name', 'RTP/AVP;=5'],
  ]
  for (const [name, value] of bad) {
    it(`malformed: ${name} → ParseError`, () => {
      assert.throws(
        () => parseTransport(value),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_BAD_TRANSPORT' && e.details.observed !== undefined,
      )
    })
  }
})

describe('formatTransport', () => {
  it('server answer, RFC field order, ssrc as 8 hex digits', () => {
    assert.equal(
      formatTransport({ protocol: 'RTP/AVP', delivery: 'unicast', clientPort: [5000, 5001], serverPort: [6000, 6001], ssrc: 0x0a1b2c3d }),
      'RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=0A1B2C3D',
    )
  })

  it('TCP interleaved', () => {
    assert.equal(
      formatTransport({ protocol: 'RTP/AVP/TCP', delivery: 'unicast', interleaved: [0, 1], ssrc: 1 }),
      'RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=00000001',
    )
  })

  it('typed fields win over their raw copies; other raw params are kept', () => {
    const [spec] = parseTransport('RTP/AVP;unicast;client_port=5000-5001;append;layers=2')
    spec!.serverPort = [7000, 7001]
    spec!.clientPort = [5002, 5003]
    assert.equal(formatTransport(spec!), 'RTP/AVP;unicast;client_port=5002-5003;server_port=7000-7001;append;layers=2')
  })

  it('parse → format → parse is stable on every vector', () => {
    for (const value of [
      'RTP/AVP;unicast;client_port=56912-56913',
      'RTP/AVP/TCP;unicast;interleaved=0-1',
      'RTP/UDP; client_port= 25000',
      'RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16',
      'RTP/AVP;unicast;client_port=3456-3457;ssrc=0A1B2C3D;mode="PLAY"',
      'RTP/AVP;unicast;mode="PLAY,RECORD"',
    ]) {
      const once = parseTransport(value).map(formatTransport).join(',')
      const twice = parseTransport(once).map(formatTransport).join(',')
      assert.equal(twice, once, value)
      const strip = (s: TransportSpec[]) => s.map(({ params: _p, ...t }) => t)
      assert.deepEqual(strip(parseTransport(once)), strip(parseTransport(value)), value)
    }
  })
})
