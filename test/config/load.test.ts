import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../../src/errors.js'
import { loadConfig, parseConfig } from '../../src/config/load.js'
import { hashPassword } from '../../src/config/password.js'
import { defaultConfig, schemaKeys } from '../../src/config/schema.js'
import { defaultPathHooks } from '../../src/config/schema-hooks.js'

const SAMPLE = fileURLToPathSafe('../../../rtspkit.yml')

function fileURLToPathSafe(rel: string): string {
  return new URL(rel, import.meta.url).pathname
}

/** Parses `text` (as rtspkit.yml) and returns the ConfigError it must throw. */
function refusal(text: string, extra: Parameters<typeof parseConfig>[0] = {}): ConfigError {
  try {
    parseConfig({ text, ...extra })
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`)
    assert.equal(err.message.split('\n').length, 1, 'one line')
    return err
  }
  assert.fail('the configuration was accepted')
}

const ALICE = hashPassword('wonderland', { user: 'alice', realm: 'rtspkit' })

describe('the sample rtspkit.yml', () => {
  it('loads to exactly the built-in defaults', () => {
    assert.deepEqual(loadConfig({ file: SAMPLE }), defaultConfig())
  })

  it('no file at all gives the defaults too', () => {
    assert.deepEqual(parseConfig({}), defaultConfig())
  })

  it('sets every section key explicitly and documents every path and user field', () => {
    const text = readFileSync(SAMPLE, 'utf8')
    const doc = parseYaml(text) as Record<string, unknown>
    for (const key of schemaKeys()) {
      if (key.startsWith('paths.*.') || key.startsWith('users[].')) {
        const field = key.split('.').at(-1)!
        assert.match(text, new RegExp(`^#\\s+${field}\\s`, 'm'), `${key} is described in a comment`)
        assert.match(text, new RegExp(`^#\\s+(- )?${field}:`, 'm'), `${key} appears in a commented example`)
        continue
      }
      let node: unknown = doc
      for (const part of key.split('.')) {
        assert.ok(node !== null && typeof node === 'object' && part in node, `${key} is set in the sample`)
        node = (node as Record<string, unknown>)[part]
      }
    }
  })

  it('gives every nested key a comment line above it', () => {
    const lines = readFileSync(SAMPLE, 'utf8').split('\n')
    lines.forEach((line, i) => {
      const m = /^( *)([A-Za-z]\w*):/.exec(line)
      // Nested keys; the default path's fields are described in the comment block above `paths:`.
      if (!m || m[1]!.length === 0 || /^\s*(source|onDemand|record|read|publish|test):/.test(line)) return
      assert.match(lines[i - 1]!, /^\s*#/, `line ${i + 1} (${m[2]}) has a comment above it`)
    })
  })
})

describe('loading', () => {
  it('fills what the file leaves out with defaults', () => {
    const c = parseConfig({ text: 'server:\n  rtspPort: 8555\n' })
    assert.equal(c.server.rtspPort, 8555)
    assert.deepEqual({ ...c, server: { ...c.server, rtspPort: 8554 } }, defaultConfig())
  })

  it('reads paths in file order with their defaults; a relay is on demand', () => {
    const c = parseConfig({
      text: "relays: {closeAfter: 5}\npaths:\n  cam: {source: 'rtsp://10.0.0.5/s'}\n  '~^live/(\\w+)$':\n  /door/: {source: test, closeAfter: 2m}\n",
    })
    assert.deepEqual(c.paths, [
      {
        name: 'cam',
        source: 'rtsp://10.0.0.5/s',
        onDemand: true,
        closeAfter: 5,
        record: false,
        instantStart: true,
        rtspTransport: 'auto',
        sourceFingerprint: '',
        read: ['any'],
        publish: ['any'],
        ...defaultPathHooks(),
      },
      {
        name: '~^live/(\\w+)$',
        source: 'publish',
        onDemand: false,
        closeAfter: 5,
        record: false,
        instantStart: true,
        rtspTransport: 'auto',
        sourceFingerprint: '',
        read: ['any'],
        publish: ['any'],
        ...defaultPathHooks(),
      },
      {
        name: 'door',
        source: 'test',
        onDemand: false,
        closeAfter: 120,
        record: false,
        instantStart: true,
        rtspTransport: 'auto',
        sourceFingerprint: '',
        read: ['any'],
        publish: ['any'],
        ...defaultPathHooks(),
      },
    ])
  })

  it('an explicit empty paths section serves nothing', () => {
    assert.deepEqual(parseConfig({ text: 'paths: {}\n' }).paths, [])
  })

  it('accepts durations with units', () => {
    const c = parseConfig({ text: 'server: {sessionTimeout: 1.5}\nrelays: {closeAfter: 500ms, retryMax: 1h}\n' })
    assert.equal(c.server.sessionTimeout, 1.5)
    assert.equal(c.relays.closeAfter, 0.5)
    assert.equal(c.relays.retryMax, 3600)
  })

  it('reads users', () => {
    const c = parseConfig({
      text: `users:\n  - name: alice\n    password: ${ALICE}\n    ips: [10.0.0.0/8]\n  - {name: root, password: 'plain:x', admin: true}\n`,
    })
    assert.deepEqual(c.users, [
      { name: 'alice', password: ALICE, ips: ['10.0.0.0/8'], admin: false },
      { name: 'root', password: 'plain:x', ips: [], admin: true },
    ])
  })

  it('a missing file is one clear error', () => {
    assert.throws(() => loadConfig({ file: '/nonexistent/rtspkit.yml' }), {
      code: 'ERR_CONFIG_FILE',
      message: 'cannot read config file /nonexistent/rtspkit.yml: no such file',
    })
  })

  it('names the file as given, with the line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-config-'))
    const file = path.join(dir, 'my.yml')
    writeFileSync(file, 'api:\n  enabled: true\n  port: 70000\n')
    assert.throws(() => loadConfig({ file }), { message: `${file}:3: api.port must be an integer from 0 to 65535, got 70000` })
  })
})

describe('refusals name the place, the key and what is allowed', () => {
  const cases: { kind: string; text: string; code: string; message: string }[] = [
    { kind: 'YAML syntax', text: 'server:\n  rtspPort: [8554\n', code: 'ERR_CONFIG_YAML', message: 'rtspkit.yml:3: not valid YAML: ' },
    {
      kind: 'not a mapping',
      text: '- a\n- b\n',
      code: 'ERR_CONFIG_YAML',
      message: 'rtspkit.yml:1: the file must be a mapping of sections (server, api, hls, recording, relays, paths, users, ips), got a list',
    },
    {
      kind: 'unknown section',
      text: 'servers:\n  rtspPort: 1\n',
      code: 'ERR_CONFIG_KEY',
      message:
        'rtspkit.yml:1: servers is not a setting; the file takes server, api, hls, webrtc, rtmp, recording, playback, relays, hooks, cluster, ips, paths, pathDefaults, users',
    },
    {
      kind: 'unknown key',
      text: 'server:\n  host: ""\n  rtspport: 8555\n',
      code: 'ERR_CONFIG_KEY',
      message:
        'rtspkit.yml:3: server.rtspport is not a setting; did you mean rtspPort? server takes rtspPort, host, publicHost, rtpPorts, workers, tcpOnly, sessionTimeout, maxSessions, maxConnections, firstRequestTimeout, headersTimeout, bodyTimeout, idleTimeout, writeTimeout, streamEndGrace, maxConnectionsPerAddress, requestBodyBudget, realm, authMethods, authBasicOverPlain, authNonceLifetime, limits, logLevel, logFormat, gopCacheMaxBytes, gopCacheMaxDuration, rtspsPort, rtspHttpPort, encryption, tls, multicast',
    },
    {
      kind: 'unknown path key',
      text: 'paths:\n  cam:\n    sourceOnDemand: true\n',
      code: 'ERR_CONFIG_KEY',
      message:
        'rtspkit.yml:3: paths.cam.sourceOnDemand is not a setting; paths.cam takes source, onDemand, closeAfter, record, instantStart, rtspTransport, sourceFingerprint, read, publish',
    },
    {
      kind: 'repeated key',
      text: 'server:\n  rtspPort: 1\n  rtspPort: 2\n',
      code: 'ERR_CONFIG_DUPLICATE',
      message: 'rtspkit.yml:3: server.rtspPort is given twice (also at rtspkit.yml:2)',
    },
    {
      kind: 'wrong type',
      text: '\n\nserver:\n  rtspPort: abc\n',
      code: 'ERR_CONFIG_VALUE',
      message: 'rtspkit.yml:4: server.rtspPort must be an integer from 0 to 65535, got "abc"',
    },
    {
      kind: 'out of range',
      text: 'server:\n  rtspPort: 70000\n',
      code: 'ERR_CONFIG_VALUE',
      message: 'rtspkit.yml:2: server.rtspPort must be an integer from 0 to 65535, got 70000',
    },
    {
      kind: 'not a boolean',
      text: 'api:\n  enabled: yes\n',
      code: 'ERR_CONFIG_VALUE',
      message: 'rtspkit.yml:2: api.enabled must be true or false, got "yes"',
    },
    {
      kind: 'not in the enum',
      text: 'server:\n  logLevel: verbose\n',
      code: 'ERR_CONFIG_VALUE',
      message: 'rtspkit.yml:2: server.logLevel must be one of error, warn, info, debug, got "verbose"',
    },
    {
      kind: 'bad duration',
      text: 'relays:\n  closeAfter: 10 minutes\n',
      code: 'ERR_CONFIG_VALUE',
      message:
        'rtspkit.yml:2: relays.closeAfter must be a number of seconds from 0 to 604800 (or a duration such as "500ms", "30s", "5m"), got "10 minutes"',
    },
    {
      kind: 'bad port range',
      text: 'server:\n  rtpPorts: 5001\n',
      code: 'ERR_CONFIG_VALUE',
      message:
        'rtspkit.yml:2: server.rtpPorts must be "" (ephemeral), one even port for a shared pair (e.g. "8000": RTP 8000, RTCP 8001) or a range A-B within 1024-65535 holding at least 2 ports, e.g. "20000-20999", got 5001',
    },
    {
      kind: 'bad port range type',
      text: 'server:\n  rtpPorts: [1, 2]\n',
      code: 'ERR_CONFIG_VALUE',
      message: 'rtspkit.yml:2: server.rtpPorts must be a string, got a list',
    },
    {
      kind: 'bad port range text',
      text: 'server:\n  rtpPorts: 20000-20000\n',
      code: 'ERR_CONFIG_VALUE',
      message:
        'rtspkit.yml:2: server.rtpPorts must be "" (ephemeral), one even port for a shared pair (e.g. "8000": RTP 8000, RTCP 8001) or a range A-B within 1024-65535 holding at least 2 ports, e.g. "20000-20999", got "20000-20000"',
    },
    {
      kind: 'section not a mapping',
      text: 'api: 9997\n',
      code: 'ERR_CONFIG_VALUE',
      message: 'rtspkit.yml:1: api must be a mapping of settings, got 9997',
    },
    {
      kind: 'bad source',
      text: 'paths:\n  cam:\n    source: camera\n',
      code: 'ERR_CONFIG_SOURCE',
      message:
        'rtspkit.yml:3: paths.cam.source is not a valid source: unknown source "camera"; use test, test:WxH@FPS, test:h264[:WxH@FPS], file:PATH, unshared:PATH, publish, rtsp://HOST/PATH or ffmpeg:ARGS',
    },
    {
      kind: 'bad file type',
      text: 'paths:\n  cam: {source: "file:clip.xyz"}\n',
      code: 'ERR_CONFIG_SOURCE',
      message: 'rtspkit.yml:2: paths.cam.source is not a valid source: cannot serve clip.xyz: unknown file type ".xyz"; supported: ',
    },
    {
      kind: 'on demand without a relay',
      text: 'paths:\n  cam:\n    source: test\n    onDemand: true\n',
      code: 'ERR_CONFIG_VALUE',
      message:
        'rtspkit.yml:4: paths.cam.onDemand can only be true for a relay or an ffmpeg: source (rtsp://…, ffmpeg:…); "test" is always available',
    },
    {
      kind: 'bad regex',
      text: "paths:\n  '~^cam(\\d+$':\n",
      code: 'ERR_CONFIG_PATH',
      message: 'rtspkit.yml:2: paths["~^cam(\\d+$"] is not a valid regular expression: /^cam(\\d+$/: Unterminated group',
    },
    {
      kind: 'bad path name',
      text: 'paths:\n  "my cam": {source: test}\n',
      code: 'ERR_CONFIG_PATH',
      message: `rtspkit.yml:2: paths["my cam"] is not a valid path name: use letters, digits, '.', '_', '-', '~' and '/', "~REGEX" for a pattern, or "all_others"`,
    },
    {
      kind: 'duplicate path',
      text: 'paths:\n  cam: {source: test}\n  /cam: {source: publish}\n',
      code: 'ERR_CONFIG_DUPLICATE',
      message: 'rtspkit.yml:3: paths["/cam"] is the same path as paths.cam',
    },
    {
      kind: 'unknown user in read list',
      text: `users:\n  - {name: alice, password: "${ALICE}"}\npaths:\n  cam:\n    read: [alice, bob]\n`,
      code: 'ERR_CONFIG_USER',
      message: 'rtspkit.yml:5: paths.cam.read[1] names unknown user "bob"; use "any" or one of users: alice',
    },
    {
      kind: 'user named any',
      text: 'users:\n  - {name: any, password: "plain:x"}\n',
      code: 'ERR_CONFIG_USER',
      message: 'rtspkit.yml:2: users[0].name must be a non-empty name without \':\' and not "any" (which means anonymous), got "any"',
    },
    {
      kind: 'repeated user',
      text: 'users:\n  - {name: a, password: "plain:x"}\n  - {name: a, password: "plain:y"}\n',
      code: 'ERR_CONFIG_USER',
      message: 'rtspkit.yml:3: users[1].name repeats the user "a"',
    },
    {
      kind: 'user without password',
      text: 'users:\n  - name: alice\n',
      code: 'ERR_CONFIG_USER',
      message: 'rtspkit.yml:2: users[0].password is required',
    },
    {
      kind: 'bad CIDR',
      text: 'ips: [10.0.0.0/8, 10.0.0.0/33]\n',
      code: 'ERR_CONFIG_CIDR',
      message: 'rtspkit.yml:1: ips[1] must be an IP address or CIDR such as 192.168.1.7, 10.0.0.0/8 or fd00::/8, got "10.0.0.0/33"',
    },
    {
      kind: 'bad user CIDR',
      text: 'users:\n  - name: a\n    password: "plain:x"\n    ips:\n      - 192.168.1\n',
      code: 'ERR_CONFIG_CIDR',
      message: 'rtspkit.yml:5: users[0].ips[0] must be an IP address or CIDR such as 192.168.1.7, 10.0.0.0/8 or fd00::/8, got "192.168.1"',
    },
    {
      kind: 'bad hash',
      text: 'users:\n  - name: alice\n    password: secret\n',
      code: 'ERR_CONFIG_PASSWORD',
      message: 'rtspkit.yml:3: users[0].password must be a hash from `rtspkit hash-password` (digest:…) or plain:PASSWORD, got "secret"',
    },
    {
      kind: 'truncated hash',
      text: `users:\n  - name: alice\n    password: "${ALICE.slice(0, -1)}"\n`,
      code: 'ERR_CONFIG_PASSWORD',
      message:
        'rtspkit.yml:3: users[0].password is not a complete digest: hash (digest:USER:REALM:32 hex:64 hex); run rtspkit hash-password again, got ',
    },
    {
      kind: 'hash of another user',
      text: `users:\n  - name: bob\n    password: "${ALICE}"\n`,
      code: 'ERR_CONFIG_PASSWORD',
      message:
        'rtspkit.yml:3: users[0].password was hashed for user "alice" in realm "rtspkit", not user "bob" in realm "rtspkit" (server.realm); run rtspkit hash-password --user bob --realm rtspkit',
    },
    {
      kind: 'hash of another realm',
      text: `server: {realm: cams}\nusers:\n  - name: alice\n    password: "${ALICE}"\n`,
      code: 'ERR_CONFIG_PASSWORD',
      message:
        'rtspkit.yml:4: users[0].password was hashed for user "alice" in realm "rtspkit", not user "alice" in realm "cams" (server.realm); run rtspkit hash-password --user alice --realm cams',
    },
  ]
  for (const c of cases) {
    it(c.kind, () => {
      const err = refusal(c.text)
      assert.equal(err.code, c.code)
      assert.ok(err.message.startsWith(c.message), `message\n  ${err.message}\nstarts with\n  ${c.message}`)
    })
  }

  it('a plain password is not echoed in the message', () => {
    const err = refusal('users:\n  - {name: a, password: "plain:"}\n')
    assert.equal(err.message, 'rtspkit.yml:2: users[0].password plain: needs a password after it, got "plain:…"')
  })
})

describe('environment and command line', () => {
  const file = 'server:\n  rtspPort: 8555\n  logLevel: warn\npaths:\n  Cam: {source: test}\n'

  it('the environment overrides the file; the command line overrides both', () => {
    const env = { RTSPKIT_SERVER_RTSPPORT: '8556', RTSPKIT_API_ENABLED: 'false', RTSPKIT_SERVER_LIMITS_BODY: '4096', HOME: '/root' }
    const c = parseConfig({ text: file, env, overrides: { server: { rtspPort: 8557 } } })
    assert.equal(c.server.rtspPort, 8557)
    assert.equal(c.server.logLevel, 'warn')
    assert.equal(c.api.enabled, false)
    assert.equal(c.server.limits.body, 4096)
    assert.equal(parseConfig({ text: file, env }).server.rtspPort, 8556)
  })

  it('path variables pick the file path in any case, or add one', () => {
    const c = parseConfig({
      text: file,
      env: { RTSPKIT_PATHS_CAM_SOURCE: 'rtsp://10.0.0.5/s', RTSPKIT_PATHS_DOOR_CAM_SOURCE: 'publish', RTSPKIT_PATHS_CAM_READ: 'any' },
    })
    assert.deepEqual(
      c.paths.map((p) => [p.name, p.source, p.onDemand]),
      [
        ['Cam', 'rtsp://10.0.0.5/s', true],
        ['door_cam', 'publish', false],
      ],
    )
  })

  it('lists are comma-separated; users are set by index', () => {
    const c = parseConfig({
      env: {
        RTSPKIT_IPS: '10.0.0.0/8, ::1',
        RTSPKIT_USERS_0_NAME: 'alice',
        RTSPKIT_USERS_0_PASSWORD: ALICE,
        RTSPKIT_USERS_0_ADMIN: 'true',
      },
    })
    assert.deepEqual(c.ips, ['10.0.0.0/8', '::1'])
    assert.deepEqual(c.users, [{ name: 'alice', password: ALICE, ips: [], admin: true }])
  })

  it("a user variable patches one field of the file's user", () => {
    const c = parseConfig({ text: 'users:\n  - {name: alice, password: "plain:old"}\n', env: { RTSPKIT_USERS_0_PASSWORD: 'plain:new' } })
    assert.deepEqual(c.users, [{ name: 'alice', password: 'plain:new', ips: [], admin: false }])
  })

  it("command-line paths merge into the file's by name", () => {
    const c = parseConfig({ text: file, overrides: { paths: { Cam: { record: true }, extra: { source: 'publish' } } } })
    assert.deepEqual(
      c.paths.map((p) => [p.name, p.source, p.record]),
      [
        ['Cam', 'test', true],
        ['extra', 'publish', false],
      ],
    )
  })

  it('a bad variable is named in the message', () => {
    assert.equal(
      refusal(file, { env: { RTSPKIT_SERVER_RTSPPORT: 'abc' } }).message,
      'RTSPKIT_SERVER_RTSPPORT: server.rtspPort must be an integer from 0 to 65535, got "abc"',
    )
    assert.equal(
      refusal(file, { env: { RTSPKIT_API_ENABLED: 'no' } }).message,
      'RTSPKIT_API_ENABLED: api.enabled must be true or false, got "no"',
    )
    assert.equal(refusal(file, { env: { RTSPKIT_PATHS_X_SOURCE: 'nope' } }).code, 'ERR_CONFIG_SOURCE')
  })

  it('an RTSPKIT_ variable that names no key is refused', () => {
    const err = refusal(file, { env: { RTSPKIT_SERVER_PORT: '1' } })
    assert.equal(err.code, 'ERR_CONFIG_KEY')
    assert.equal(
      err.message,
      'RTSPKIT_SERVER_PORT: names no setting; server takes rtspPort, host, publicHost, rtpPorts, workers, tcpOnly, sessionTimeout, maxSessions, maxConnections, firstRequestTimeout, headersTimeout, bodyTimeout, idleTimeout, writeTimeout, streamEndGrace, maxConnectionsPerAddress, requestBodyBudget, realm, authMethods, authBasicOverPlain, authNonceLifetime, limits, logLevel, logFormat, gopCacheMaxBytes, gopCacheMaxDuration, rtspsPort, rtspHttpPort, encryption, tls, multicast',
    )
    assert.match(
      refusal(file, { env: { RTSPKIT_SERVER_LIMITS: '1' } }).message,
      /^RTSPKIT_SERVER_LIMITS: server\.limits is a section; name one of its settings: requestLine, headers, headerCount, body$/,
    )
    assert.match(
      refusal(file, { env: { RTSPKIT_PATHS_CAM_SOURCES: 'test' } }).message,
      /^RTSPKIT_PATHS_CAM_SOURCES: names no path setting; use RTSPKIT_PATHS_NAME_FIELD with FIELD one of SOURCE, ONDEMAND/,
    )
    assert.equal(
      refusal('', { env: { RTSPKIT_USERS_3_NAME: 'x' } }).message,
      'RTSPKIT_USERS_3_NAME: users has 0 entries: use an index from 0 to 0',
    )
  })

  it('RTSPKIT_NATIVE_UDP is not a setting (the UDP transport reads it) and is not refused', () => {
    assert.deepEqual(parseConfig({ text: file, env: { RTSPKIT_NATIVE_UDP: '0' } }), parseConfig({ text: file }))
  })

  it('RTSPKIT_UDP_GSO is not a setting (the UDP transport reads it) and is not refused', () => {
    assert.deepEqual(parseConfig({ text: file, env: { RTSPKIT_UDP_GSO: '0' } }), parseConfig({ text: file }))
  })

  it('a bad override is named as the command line', () => {
    const err = refusal(file, { overrides: { server: { rtspPort: 70000 } } })
    assert.equal(err.message, 'command line: server.rtspPort must be an integer from 0 to 65535, got 70000')
    assert.equal(
      refusal(file, { overrides: { server: { bogus: 1 } as never } }).message.split(';')[0],
      'command line: server.bogus is not a setting',
    )
  })

  it('a layer fixes nothing it does not name: a bad file value stays an error', () => {
    const err = refusal('server:\n  rtspPort: 8554\n  maxSessions: -1\n', { env: { RTSPKIT_SERVER_RTSPPORT: '9000' } })
    assert.equal(err.message, 'rtspkit.yml:3: server.maxSessions must be an integer from 0 to 1000000, got -1')
  })

  it('leaves its inputs untouched', () => {
    const overrides = { paths: { cam: { read: ['any'] } } }
    const before = JSON.stringify(overrides)
    parseConfig({ text: 'paths:\n  cam: {source: test}\n', overrides })
    assert.equal(JSON.stringify(overrides), before)
  })
})
