import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { digestHa1From, hashPassword, parseStoredPassword, verifyBasic } from '../../src/config/password.js'
import { ClientAuthenticator } from '../../src/rtsp/auth/client-authenticator.js'
import { digestHa1, digestResponse } from '../../src/rtsp/auth/digest.js'
import { ServerAuthenticator } from '../../src/rtsp/auth/server-authenticator.js'
import { parseHashPasswordArgs, runHashPassword } from '../../src/cli/hash-password.js'

const REALM = 'rtspkit'

describe('password hashes', () => {
  it('has a fixed, self-describing form (a vector)', () => {
    // printf alice:rtspkit:wonderland | md5sum  (then | sha256sum): HA1 for Digest MD5 and SHA-256.
    assert.equal(
      hashPassword('wonderland', { user: 'alice', realm: REALM }),
      'digest:alice:rtspkit:94664c7041076e270e430bee3137e2ec:f28ca981a9c2e2d9d00c05aea025eae1567c74f0d2eb43116ed241623b218d47',
    )
  })

  it('percent-encodes a user or realm holding ":" and reads them back', () => {
    const h = hashPassword('p', { user: 'jo é', realm: 'cams:north' })
    assert.ok(h.startsWith('digest:jo%20%C3%A9:cams%3Anorth:'))
    assert.deepEqual(parseStoredPassword(h), {
      kind: 'digest',
      user: 'jo é',
      realm: 'cams:north',
      md5: digestHa1('MD5', 'jo é', 'cams:north', 'p'),
      sha256: digestHa1('SHA-256', 'jo é', 'cams:north', 'p'),
    })
  })

  it('Basic: verifies the right password only, for the right user', () => {
    const h = hashPassword('wonderland', { user: 'alice', realm: REALM })
    assert.equal(verifyBasic(h, 'alice', 'wonderland'), true)
    assert.equal(verifyBasic(h, 'alice', 'Wonderland'), false)
    assert.equal(verifyBasic(h, 'bob', 'wonderland'), false)
    assert.equal(verifyBasic('plain:wonderland', 'anyone', 'wonderland'), true)
    assert.equal(verifyBasic('plain:wonderland', 'anyone', 'wonderlan'), false)
    assert.equal(verifyBasic('wonderland', 'alice', 'wonderland'), false, 'an unprefixed string is no password')
  })

  it('round-trips any password through Basic (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 1 }).filter((u) => !u.includes(':')),
        fc.string(),
        (password, user, other) => {
          const h = hashPassword(password, { user, realm: REALM })
          assert.equal(verifyBasic(h, user, password), true)
          assert.equal(verifyBasic(h, user, other), other === password)
        },
      ),
    )
  })

  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    it(`Digest ${algorithm}: the stored HA1 gives the same response as the password`, () => {
      const h = hashPassword('wonderland', { user: 'alice', realm: REALM })
      const ha1 = digestHa1From(h, algorithm, 'alice', REALM)
      assert.equal(ha1, digestHa1(algorithm, 'alice', REALM, 'wonderland'))
      const request = {
        algorithm,
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'DESCRIBE',
        uri: 'rtsp://h/cam',
        qop: 'auth' as const,
        cnonce: '0a4f113b',
        nc: '00000001',
      }
      assert.equal(
        digestResponse({ ...request, ha1: ha1 }),
        digestResponse({ ...request, ha1: digestHa1(algorithm, 'alice', REALM, 'wonderland') }),
      )
      assert.equal(digestHa1From('plain:wonderland', algorithm, 'alice', REALM), ha1, 'plain passwords give the same HA1')
    })
  }

  it('gives no HA1 for another user or realm, or a malformed hash', () => {
    const h = hashPassword('w', { user: 'alice', realm: REALM })
    assert.equal(digestHa1From(h, 'MD5', 'bob', REALM), undefined)
    assert.equal(digestHa1From(h, 'MD5', 'alice', 'other'), undefined)
    assert.equal(digestHa1From('digest:alice:rtspkit:zz', 'MD5', 'alice', REALM), undefined)
  })

  it('lets a server holding only HA1s accept a client that knows the password (Digest SHA-256 and MD5)', () => {
    const h = hashPassword('wonderland', { user: 'alice', realm: REALM })
    for (const algorithm of ['SHA-256', 'MD5'] as const) {
      const server = new ServerAuthenticator({
        realm: REALM,
        algorithms: [algorithm],
        users: (u) => {
          const md5 = digestHa1From(h, 'MD5', u, REALM)
          const sha = digestHa1From(h, 'SHA-256', u, REALM)
          return md5 && sha ? { ha1: { MD5: md5, 'SHA-256': sha } } : undefined
        },
      })
      const good = new ClientAuthenticator({ username: 'alice', password: 'wonderland' })
      good.handleChallenges(server.challenges())
      assert.deepEqual(server.verify('DESCRIBE', good.authorization('DESCRIBE', 'rtsp://h/cam')), {
        ok: true,
        username: 'alice',
        scheme: 'digest',
      })
      const bad = new ClientAuthenticator({ username: 'alice', password: 'wrong' })
      bad.handleChallenges(server.challenges())
      assert.equal(server.verify('DESCRIBE', bad.authorization('DESCRIBE', 'rtsp://h/cam')).ok, false)
    }
  })

  it('parses only well-formed stored passwords (property: no throw)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = parseStoredPassword(`digest:${s}`)
        assert.ok(typeof p === 'string' || p.kind === 'digest')
      }),
    )
  })
})

describe('rtspkit hash-password', () => {
  function io(input: string) {
    let out = ''
    let err = ''
    return {
      io: {
        stdin: Readable.from([input]),
        stdout: new Writable({
          write: (c, _e, cb) => {
            out += String(c)
            cb()
          },
        }),
        stderr: new Writable({
          write: (c, _e, cb) => {
            err += String(c)
            cb()
          },
        }),
      },
      out: () => out,
      err: () => err,
    }
  }

  it('prints the hash of the first line of a piped stdin', async () => {
    const t = io('wonderland\r\nignored\n')
    assert.equal(await runHashPassword({ user: 'alice', realm: REALM }, t.io), 0)
    assert.equal(t.out(), `${hashPassword('wonderland', { user: 'alice', realm: REALM })}\n`)
    assert.equal(t.err(), '')
  })

  it('refuses an empty stdin', async () => {
    await assert.rejects(runHashPassword({ user: 'alice', realm: REALM }, io('').io), { code: 'ERR_CLI_ARGS' })
  })

  it('needs --user; takes --realm', () => {
    assert.throws(() => parseHashPasswordArgs([]), {
      message: '--user NAME is required (a name without ":"); see rtspkit hash-password --help',
    })
    assert.throws(() => parseHashPasswordArgs(['--user', 'a:b']), { code: 'ERR_CLI_ARGS' })
    assert.throws(
      () => parseHashPasswordArgs(['--user', 'a', '--password', 'x']),
      /Unknown option '--password'; see rtspkit hash-password --help/,
    )
    assert.deepEqual(parseHashPasswordArgs(['--user', 'a', '--realm', 'cams']), { user: 'a', realm: 'cams' })
    assert.deepEqual(parseHashPasswordArgs(['--user', 'a']), { user: 'a', realm: 'rtspkit' })
    assert.equal(parseHashPasswordArgs(['--help']), 'help')
  })

  it('asks twice without echo on a terminal', async () => {
    const typed = ['won', 'derx\u007fland\r', 'wonderland\r']
    const stdin = new Readable({ read() {} }) as Readable & { isTTY: boolean; setRawMode: (raw: boolean) => void }
    const modes: boolean[] = []
    stdin.isTTY = true
    stdin.setRawMode = (raw) => {
      modes.push(raw)
    }
    const t = io('')
    const done = runHashPassword({ user: 'alice', realm: REALM }, { ...t.io, stdin })
    for (const chunk of typed) {
      await new Promise((r) => setImmediate(r))
      stdin.push(chunk)
    }
    assert.equal(await done, 0)
    assert.equal(t.out(), `${hashPassword('wonderland', { user: 'alice', realm: REALM })}\n`)
    assert.equal(t.err(), 'Password: \nRepeat password: \n', 'prompts only, nothing typed is echoed')
    assert.deepEqual(modes, [true, false, true, false])
  })
})
