/**
 * WWW-Authenticate and Authorization header values, RFC 7235 section 4.1 and 2.1 (RTSP borrows them:
 * RFC 2326 section 12.44, RFC 7826 section 18.59):
 *
 *   WWW-Authenticate = 1#challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   credentials      = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *   token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE ; quoted-pair = "\" char
 *
 * One header may hold several challenges and a response may carry several headers: a ',' followed by
 * `token =` continues the current challenge's parameters, a ',' followed by a token without '=' starts
 * the next challenge. Tolerated, because cameras send it: empty list elements (',,'), a stray ','
 * before the first parameter ('Digest ,realm=…'), and unquoted values containing '/' or ':'.
 */
import { ParseError } from '../../errors.js'

export interface AuthChallenge {
  /** As written ('Digest', 'basic'); compare case-insensitively. */
  scheme: string
  /** Parameter names lowercased, values unquoted. */
  params: Map<string, string>
  /** The token68 form ('Negotiate abc=='), instead of params. */
  token68?: string
}

/** An Authorization value has the same shape as one challenge. */
export type AuthCredentials = AuthChallenge

const MAX_HEADER_LENGTH = 8192
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68_RE = /^[A-Za-z0-9\-._~+/]+=*/
/** Unquoted parameter values: a token, plus the '/', ':', '@' and '=' cameras leave unquoted. */
const LOOSE_VALUE_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z/:@=?[\]]/

function malformed(reason: string, observed: string): ParseError {
  return new ParseError('ERR_AUTH_BAD_HEADER', `bad authentication header: ${reason}`, {
    observed: observed.slice(0, 200),
    allowed: 'scheme [token68 | name=value, …], …  (RFC 7235 section 4.1)',
  })
}

/** A cursor over one header value. */
class Scanner {
  pos = 0
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length
  }

  peek(): string {
    return this.text[this.pos] ?? ''
  }

  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++
  }

  /** Skips whitespace and empty list elements; returns whether a ',' was crossed. */
  skipSeparators(): boolean {
    let comma = false
    for (;;) {
      this.skipSpaces()
      if (this.peek() !== ',') return comma
      comma = true
      this.pos++
    }
  }

  token(): string {
    const start = this.pos
    while (!this.done && TOKEN_CHAR.test(this.peek())) this.pos++
    return this.text.slice(start, this.pos)
  }

  quoted(): string {
    this.pos++ // opening quote
    let out = ''
    for (;;) {
      if (this.done) throw malformed('unterminated quoted string', this.text)
      const c = this.text[this.pos++]!
      if (c === '"') return out
      if (c === '\\') {
        if (this.done) throw malformed('unterminated quoted string', this.text)
        out += this.text[this.pos++]
      } else {
        out += c
      }
    }
  }

  looseValue(): string {
    const start = this.pos
    while (!this.done && LOOSE_VALUE_CHAR.test(this.peek())) this.pos++
    return this.text.slice(start, this.pos)
  }

  /** True when the text at the cursor is `token BWS "="` (a parameter, not a new challenge). */
  atParam(): boolean {
    const save = this.pos
    const name = this.token()
    this.skipSpaces()
    const result = name !== '' && this.peek() === '='
    this.pos = save
    return result
  }
}

function parseParams(s: Scanner, into: Map<string, string>): void {
  for (;;) {
    const save = s.pos
    s.skipSeparators()
    if (s.done || !s.atParam()) {
      s.pos = save
      return
    }
    const name = s.token().toLowerCase()
    s.skipSpaces()
    s.pos++ // '='
    s.skipSpaces()
    const value = s.peek() === '"' ? s.quoted() : s.looseValue()
    // RFC 7235 2.1: "Each parameter name MUST only occur once per challenge"; keep the first.
    if (!into.has(name)) into.set(name, value)
    s.skipSpaces()
    if (!s.done && s.peek() !== ',') throw malformed(`unexpected ${JSON.stringify(s.peek())} after parameter ${name}`, s.text)
  }
}

function parseOne(s: Scanner): AuthChallenge {
  const scheme = s.token()
  if (scheme === '') throw malformed(`expected a scheme at ${JSON.stringify(s.text.slice(s.pos, s.pos + 20))}`, s.text)
  const challenge: AuthChallenge = { scheme, params: new Map() }
  if (!s.done && s.peek() !== ' ' && s.peek() !== '\t' && s.peek() !== ',') throw malformed(`bad character after scheme ${scheme}`, s.text)
  s.skipSpaces()
  const t68 = TOKEN68_RE.exec(s.text.slice(s.pos))
  if (t68) {
    const after = s.pos + t68[0].length
    const rest = s.text.slice(after).replace(/^[ \t]*/, '')
    if ((rest === '' || rest.startsWith(',')) && !s.atParam()) {
      challenge.token68 = t68[0]
      s.pos = after
      return challenge
    }
    if (t68[0].endsWith('=') && (rest === '' || rest.startsWith(','))) {
      // 'Basic dXNlcjpwYXNz' ends in '=' padding and looks like a parameter with an empty value.
      challenge.token68 = t68[0]
      s.pos = after
      return challenge
    }
  }
  parseParams(s, challenge.params)
  return challenge
}

/** Every challenge of one or several WWW-Authenticate (or Proxy-Authenticate) values, in order. */
export function parseAuthenticate(values: string | readonly string[]): AuthChallenge[] {
  const list = typeof values === 'string' ? [values] : values
  const out: AuthChallenge[] = []
  for (const value of list) {
    if (value.length > MAX_HEADER_LENGTH) throw malformed(`longer than ${MAX_HEADER_LENGTH} characters`, value)
    const s = new Scanner(value)
    for (;;) {
      s.skipSeparators()
      if (s.done) break
      out.push(parseOne(s))
    }
  }
  if (out.length === 0) throw malformed('no challenge', list.join(', '))
  return out
}

/** One Authorization value (credentials, RFC 7235 section 4.2). */
export function parseAuthorization(value: string): AuthCredentials {
  const all = parseAuthenticate(value)
  if (all.length !== 1) throw malformed('more than one set of credentials', value)
  return all[0]!
}

const NEEDS_QUOTES = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/

/** `"…"` with '"' and '\' escaped (RFC 7230 section 3.2.6). */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

/**
 * `scheme name=value, …`: values are quoted unless listed in `bare` (RFC 7616 section 3.4 wants
 * algorithm, qop and nc unquoted) and they are tokens.
 */
export function formatAuthParams(
  scheme: string,
  params: readonly (readonly [string, string])[],
  bare: ReadonlySet<string> = new Set(),
): string {
  const parts = params.map(([k, v]) => `${k}=${bare.has(k) && v !== '' && !NEEDS_QUOTES.test(v) ? v : quoteString(v)}`)
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`
}
