import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { authorize, type PermissionAction } from '../../src/config/authorize.js'
import { ipAllowed, parseCidr } from '../../src/config/ip-ranges.js'
import { parseConfig } from '../../src/config/load.js'
import { matchPath } from '../../src/config/match.js'

const CONFIG = parseConfig({
  text: `
ips: [10.0.0.0/8, 127.0.0.1, 'fd00::/8']
users:
  - {name: alice, password: 'plain:a'}
  - {name: bob, password: 'plain:b', ips: [10.1.0.0/16]}
  - {name: root, password: 'plain:r', admin: true}
paths:
  open: {source: test}
  private: {source: test, read: [alice], publish: [alice]}
  live/in: {source: publish, read: [any, alice], publish: [bob]}
  '~^cam(\\d+)/(?<stream>main|sub)$': {source: publish, read: [bob]}
  '~^cam': {source: test}
  all_others: {source: publish, read: [root], publish: [root]}
`,
})

describe('matchPath', () => {
  it('takes the exact name first, without surrounding slashes', () => {
    const m = matchPath(CONFIG, '/live/in/')
    assert.equal(m?.path.name, 'live/in')
    assert.deepEqual([m?.name, m?.captures, m?.groups], ['live/in', [], {}])
  })

  it('then ~regex entries in file order, with captures and named groups', () => {
    const m = matchPath(CONFIG, 'cam12/sub')
    assert.equal(m?.path.name, '~^cam(\\d+)/(?<stream>main|sub)$')
    assert.deepEqual(m?.captures, ['12', 'sub'])
    assert.deepEqual(m?.groups, { stream: 'sub' })
    assert.equal(matchPath(CONFIG, 'cam12/other')?.path.name, '~^cam', 'the second pattern when the first fails')
    assert.equal(matchPath(CONFIG, 'camera')?.path.name, '~^cam')
  })

  it('then all_others, whatever its place in the file', () => {
    assert.equal(matchPath(CONFIG, 'nothing/else')?.path.name, 'all_others')
    assert.equal(matchPath({ paths: CONFIG.paths.filter((p) => p.name !== 'all_others') }, 'nothing'), undefined)
  })

  it('an exact name wins over an earlier pattern that also matches', () => {
    const c = parseConfig({ text: "paths:\n  '~.*': {source: test}\n  cam1: {source: publish}\n" })
    assert.equal(matchPath(c, 'cam1')?.path.source, 'publish')
    assert.equal(matchPath(c, 'cam2')?.path.source, 'test')
  })
})

describe('authorize: the permission matrix', () => {
  type Row = [user: string | undefined, action: PermissionAction, path: string, outcome: string]
  const LAN = '10.1.2.3'
  const rows: Row[] = [
    // anonymous
    [undefined, 'read', 'open', 'allowed'],
    [undefined, 'publish', 'open', 'allowed'],
    [undefined, 'read', 'private', 'needs-credentials'],
    [undefined, 'publish', 'private', 'needs-credentials'],
    [undefined, 'read', 'live/in', 'allowed'],
    [undefined, 'publish', 'live/in', 'needs-credentials'],
    [undefined, 'read', 'cam1/main', 'needs-credentials'],
    [undefined, 'read', 'elsewhere', 'needs-credentials'],
    // a user
    ['alice', 'read', 'open', 'allowed'],
    ['alice', 'read', 'private', 'allowed'],
    ['alice', 'publish', 'private', 'allowed'],
    ['alice', 'publish', 'live/in', 'forbidden'],
    ['alice', 'read', 'cam1/main', 'forbidden'],
    ['alice', 'read', 'elsewhere', 'forbidden'],
    ['bob', 'read', 'private', 'forbidden'],
    ['bob', 'publish', 'live/in', 'allowed'],
    ['bob', 'read', 'cam7/sub', 'allowed'],
    // an admin: every path
    ['root', 'read', 'private', 'allowed'],
    ['root', 'publish', 'private', 'allowed'],
    ['root', 'publish', 'live/in', 'allowed'],
    ['root', 'read', 'cam1/main', 'allowed'],
    ['root', 'publish', 'elsewhere', 'allowed'],
  ]
  for (const [user, action, path, outcome] of rows) {
    it(`${user ?? 'anonymous'} ${action} ${path}: ${outcome}`, () => {
      const d = authorize(CONFIG, { user, action, path, ip: LAN })
      assert.equal(d.outcome, outcome, d.reason)
    })
  }

  it('a path no entry matches is forbidden with noPath', () => {
    const c = parseConfig({ text: 'paths:\n  a: {source: test}\n' })
    assert.deepEqual(authorize(c, { action: 'read', path: 'b', ip: '127.0.0.1' }), {
      outcome: 'forbidden',
      reason: 'no path "b"',
      noPath: true,
    })
  })

  it('the allowed decision carries the match', () => {
    const d = authorize(CONFIG, { user: 'bob', action: 'read', path: 'cam3/main', ip: LAN })
    assert.ok(d.outcome === 'allowed')
    assert.deepEqual(d.match?.captures, ['3', 'main'])
  })

  it('refuses addresses outside ips, for everyone including admins', () => {
    for (const user of [undefined, 'alice', 'root']) {
      assert.equal(authorize(CONFIG, { user, action: 'read', path: 'open', ip: '192.168.1.1' }).outcome, 'forbidden')
    }
    assert.equal(authorize(CONFIG, { action: 'read', path: 'open', ip: '::ffff:10.9.9.9' }).outcome, 'allowed', 'IPv4-mapped')
    assert.equal(authorize(CONFIG, { action: 'read', path: 'open', ip: 'fd12::1' }).outcome, 'allowed')
  })

  it("applies a user's own ips", () => {
    assert.equal(authorize(CONFIG, { user: 'bob', action: 'publish', path: 'live/in', ip: '10.1.9.9' }).outcome, 'allowed')
    assert.deepEqual(authorize(CONFIG, { user: 'bob', action: 'publish', path: 'live/in', ip: '10.2.0.1' }), {
      outcome: 'forbidden',
      reason: 'user "bob" may not connect from 10.2.0.1',
    })
  })

  it('an unknown user is forbidden', () => {
    assert.equal(authorize(CONFIG, { user: 'mallory', action: 'read', path: 'open', ip: '127.0.0.1' }).outcome, 'forbidden')
  })

  it('the API: admins only once an admin exists; open while none does', () => {
    assert.equal(authorize(CONFIG, { user: 'root', action: 'api', ip: '127.0.0.1' }).outcome, 'allowed')
    assert.equal(authorize(CONFIG, { user: 'alice', action: 'api', ip: '127.0.0.1' }).outcome, 'forbidden')
    assert.equal(authorize(CONFIG, { action: 'api', ip: '127.0.0.1' }).outcome, 'needs-credentials')
    const noAdmin = parseConfig({ text: "users: [{name: alice, password: 'plain:a'}]\n" })
    assert.equal(authorize(noAdmin, { action: 'api', ip: '127.0.0.1' }).outcome, 'allowed')
  })
})

describe('ipAllowed', () => {
  const matrix: [cidrs: string[], ip: string, allowed: boolean][] = [
    [[], '203.0.113.9', true],
    [[], '::1', true],
    [['10.0.0.0/8'], '10.255.0.1', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '::ffff:10.0.0.1', true],
    [['10.0.0.0/8'], '::ffff:11.0.0.1', false],
    [['192.168.1.7'], '192.168.1.7', true],
    [['192.168.1.7'], '192.168.1.8', false],
    [['0.0.0.0/0'], '198.51.100.1', true],
    [['0.0.0.0/0'], '2001:db8::1', false],
    [['::/0'], '2001:db8::1', true],
    [['fe80::/10'], 'fe80::1%eth0', true],
    [['2001:db8::/32'], '2001:db8:ffff::1', true],
    [['2001:db8::/32'], '2001:db9::1', false],
    [['::1'], '::1', true],
    [['::1'], '127.0.0.1', false],
    [['10.0.0.0/8'], 'not-an-ip', false],
  ]
  for (const [cidrs, ip, allowed] of matrix) {
    it(`${ip} in [${cidrs.join(', ')}]: ${allowed}`, () => assert.equal(ipAllowed(cidrs, ip), allowed))
  }

  it('parses CIDRs strictly', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' })
    assert.deepEqual(parseCidr('::1'), { address: '::1', prefix: 128, family: 'ipv6' })
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', 'fe80::1%eth0', ''])
      assert.equal(parseCidr(bad), undefined, bad)
  })

  it('every address is in its own /32 or /128 and its IPv4 /24 (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        assert.equal(ipAllowed([ip], ip), true)
        assert.equal(ipAllowed([`${ip.split('.').slice(0, 3).join('.')}.0/24`], `::ffff:${ip}`), true)
      }),
    )
    fc.assert(fc.property(fc.ipV6(), (ip) => assert.equal(ipAllowed([`${ip}/128`], ip), true)))
  })

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.string(), (cidrs, ip) => {
        assert.equal(typeof ipAllowed(cidrs, ip), 'boolean')
      }),
    )
  })
})
