/**
 * Allowed client address ranges: CIDRs (RFC 4632 for IPv4, RFC 4291 section 2.3 for IPv6) or bare
 * addresses. An empty list allows everyone. IPv4 rules also match IPv4-mapped IPv6 clients
 * (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2), which is how a dual-stack socket reports IPv4 peers.
 * Matching uses node:net BlockList, built per call: no shared state.
 */
import net from 'node:net'

const IPV4_BITS = 32
const IPV6_BITS = 128

export interface Cidr {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** `10.0.0.0/8`, `::1`, `fe80::/10` → parts; undefined when it is not an address or CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  const version = address.includes('%') ? 0 : net.isIP(address) // a zone (%eth0) names an interface, not a range
  if (version === 0) return undefined
  const bits = version === 4 ? IPV4_BITS : IPV6_BITS
  const prefixText = slash === -1 ? String(bits) : text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** A matcher for a list of CIDRs (validated by the config loader; malformed entries match nothing). */
export function ipMatcher(cidrs: readonly string[]): (ip: string) => boolean {
  if (cidrs.length === 0) return () => true
  const list = new net.BlockList()
  for (const c of cidrs) {
    const r = parseCidr(c)
    if (r) list.addSubnet(r.address, r.prefix, r.family)
  }
  return (ip) => {
    const bare = ip.replace(/%.*$/, '') // fe80::1%eth0: the zone names an interface, not an address
    const version = net.isIP(bare)
    return version !== 0 && list.check(bare, version === 4 ? 'ipv4' : 'ipv6')
  }
}

/** True when `ip` lies in one of `cidrs`, or `cidrs` is empty. */
export function ipAllowed(cidrs: readonly string[], ip: string): boolean {
  return ipMatcher(cidrs)(ip)
}
