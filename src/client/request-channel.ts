/**
 * The client's request channel: the one RTSP connection in use (opened on demand, again after a loss),
 * the URL in use, and every request's common headers (CSeq comes from ClientConnection, RFC 2326
 * section 12.17; User-Agent; Session, section 12.37; Authorization).
 *
 *  - 401: the strongest offered scheme is answered once; its authenticator then signs every request.
 *    Digest stale=true is retried silently. A second 401 is AuthError ERR_AUTH_REJECTED.
 *  - 301/302/303/305/307 with Location is followed (up to a limit). A redirect to another server drops
 *    the connection, the authenticator and what OPTIONS said: that server is asked afresh.
 *  - Credentials never appear in a request URI.
 */
import { AuthError, ConfigError, ProtocolError, StateError, type RtspkitError } from '../errors.js'
import { ClientAuthenticator, type Credentials } from '../rtsp/auth/client-authenticator.js'
import { RtspHeaders } from '../rtsp/headers.js'
import type { RtspResponse } from '../rtsp/message.js'
import { DEFAULT_RTSP_PORT, DEFAULT_RTSPS_PORT, parseRtspUrl, stripCredentials } from '../rtsp/url.js'
import type { ClientTlsOptions } from '../transport/client-socket.js'
import type { Random } from '../util/random.js'
import { ClientConnection, type DialogueHook } from './client-connection.js'
import { isOk, statusError } from './client-errors.js'

const MAX_STALE_RETRIES = 2
/**
 * With transport 'auto', what sends the client to the HTTP tunnel: a connection cut before its first
 * answer — what a firewall that passes only HTTP does to RTSP's first bytes. The tunnel goes to the
 * same port, so a refused or unanswered connect (a port-level block) is no reason to try it; a server
 * that is connected but silent is not one either (the teaching project's says nothing to OPTIONS).
 */
const TUNNEL_FALLBACK_CODES = new Set(['ERR_RTSP_CONNECTION_CLOSED'])
const REDIRECT_STATUSES = new Set([301, 302, 303, 305, 307])

export interface RequestChannelOptions {
  /** The URL to start from, without credentials. */
  url: string
  credentials: Credentials | undefined
  random: Random
  userAgent: string
  localAddress: string | undefined
  /** Connect and per-request timeout (ms). */
  requestTimeoutMs: number
  onDialogue: DialogueHook | undefined
  onInterleaved: (channel: number, payload: Buffer) => void
  /** A connection ended by itself (the peer, an error), not by closeConnection(). */
  onClose: (conn: ClientConnection, err: RtspkitError) => void
  /** Certificate checks for rtsps:// (default: verify against the system's CAs). */
  tls: ClientTlsOptions | undefined
  /**
   * RTSP over HTTP tunnelling: 'on' for transport 'http'; 'fallback' for 'auto', which tunnels only
   * when plain RTSP cannot get an answer (see TUNNEL_FALLBACK_CODES); 'off' otherwise.
   */
  tunnel: 'on' | 'off' | 'fallback'
  /** The channel moved to the HTTP tunnel (transport 'auto'). */
  onTunnelled?: (() => void) | undefined
  /** True once the client closes: a connection that opens after that is closed at once. */
  isClosing: () => boolean
}

/**
 * The URL a client is given, checked, without its userinfo; the credentials are the options' or,
 * where these leave them out, the userinfo's (percent-decoded).
 */
export function clientUrl(url: string, username?: string, password?: string): { url: string; credentials: Credentials | undefined } {
  const parsed = parseRtspUrl(url)
  if (parsed.host === '')
    throw new ConfigError('ERR_CLIENT_URL', `not an absolute rtsp:// URL: ${stripCredentials(url)}`, { observed: stripCredentials(url) })
  if (parsed.scheme !== 'rtsp' && parsed.scheme !== 'rtsps')
    throw new ConfigError('ERR_CLIENT_SCHEME', `${parsed.scheme}:// is not supported; use rtsp:// or rtsps://`, {
      observed: parsed.scheme,
      allowed: ['rtsp', 'rtsps'],
    })
  const user = username ?? parsed.username
  const credentials = user !== undefined ? { username: user, password: password ?? parsed.password ?? '' } : undefined
  return { url: stripCredentials(url), credentials }
}

export class RequestChannel {
  private readonly opts: RequestChannelOptions
  private currentUrl: string
  private auth: ClientAuthenticator | undefined
  private conn: ClientConnection | undefined
  private connecting: Promise<ClientConnection> | undefined
  /** What OPTIONS listed in Public, once it did; undefined before and after a move to another server. */
  publicMethods: Set<string> | undefined
  /** Sent with every request but DESCRIBE and ANNOUNCE once SETUP gave it. */
  sessionId: string | undefined
  private tunnelled: boolean
  /** Connections closed by closeConnection() while still open: their failures are ours, not a firewall's. */
  private readonly closedOnPurpose = new WeakSet<ClientConnection>()
  /** Whether plain RTSP has answered once (then the fallback to HTTP is off for good). */
  private answered = false

  constructor(opts: RequestChannelOptions) {
    this.opts = opts
    this.currentUrl = opts.url
    this.tunnelled = opts.tunnel === 'on'
  }

  /** Whether requests go through the HTTP tunnel (transport 'http', or 'auto' after falling back). */
  get isTunnelled(): boolean {
    return this.tunnelled
  }

  /** The URL in use (after redirects), without credentials. */
  get url(): string {
    return this.currentUrl
  }

  /** Whether `conn` is the connection in use (undefined: whichever is). */
  isCurrent(conn: ClientConnection | undefined): boolean {
    return conn === undefined || conn === this.conn
  }

  /** Whether a connection is open now (none is opened for asking). */
  get isConnected(): boolean {
    return this.conn !== undefined && !this.conn.isClosed
  }

  /** Idempotent: the next request opens a new connection. */
  closeConnection(): void {
    if (this.conn && !this.conn.isClosed) this.closedOnPurpose.add(this.conn)
    this.conn?.close()
    this.conn = undefined
  }

  /** The open connection, or a new one. */
  connection(): Promise<ClientConnection> {
    if (this.conn && !this.conn.isClosed) return Promise.resolve(this.conn)
    this.connecting ??= (async () => {
      const u = parseRtspUrl(this.currentUrl)
      const conn = await ClientConnection.connect({
        host: u.host.replace(/^\[|\]$/g, ''),
        port: u.port ?? (u.scheme === 'rtsps' ? DEFAULT_RTSPS_PORT : DEFAULT_RTSP_PORT),
        tls: u.scheme === 'rtsps' ? (this.opts.tls ?? {}) : undefined,
        tunnelPath: this.tunnelled ? `${u.path}${u.query ? `?${u.query}` : ''}` : undefined,
        tunnelCookie: this.tunnelled ? `${this.opts.random.u32().toString(16)}${this.opts.random.u32().toString(16)}` : undefined,
        localAddress: this.opts.localAddress,
        timeoutMs: this.opts.requestTimeoutMs,
        onDialogue: this.opts.onDialogue,
        onInterleaved: this.opts.onInterleaved,
        onClose: (err) => this.opts.onClose(conn, err),
      })
      if (this.opts.isClosing()) {
        conn.close()
        throw new StateError('ERR_CLIENT_CLOSED', 'the client is closed', {})
      }
      this.conn = conn
      return conn
    })().finally(() => (this.connecting = undefined))
    return this.connecting
  }

  private fallsBackOn(err: unknown): boolean {
    const code = (err as { code?: unknown }).code
    return (
      this.opts.tunnel === 'fallback' && !this.tunnelled && !this.answered && typeof code === 'string' && TUNNEL_FALLBACK_CODES.has(code)
    )
  }

  private moveToTunnel(): void {
    this.closeConnection()
    this.tunnelled = true
    this.opts.onTunnelled?.()
  }

  /** OPTIONS to the URL in use; a 2xx answer's Public header is remembered (keep-alive uses it). */
  async options(): Promise<RtspResponse> {
    const res = await this.request('OPTIONS', this.currentUrl)
    if (!isOk(res)) throw statusError('OPTIONS', this.currentUrl, res)
    const pub = res.headers.get('Public')
    if (pub !== undefined) this.publicMethods = new Set(pub.split(',').map((m) => m.trim().toUpperCase()))
    return res
  }

  /**
   * Sends a request, answering 401 challenges: once with fresh credentials, and again only for a
   * stale nonce. Resolves with any other response, whatever its status.
   */
  async request(method: string, uri: string, headers: RtspHeaders = new RtspHeaders(), body?: Buffer): Promise<RtspResponse> {
    let staleRetries = 0
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection()
      const h = headers.clone()
      h.set('User-Agent', this.opts.userAgent)
      if (this.sessionId !== undefined && method !== 'DESCRIBE' && method !== 'ANNOUNCE') h.set('Session', this.sessionId)
      const authorization = this.auth?.authorization(method, uri)
      if (authorization !== undefined) h.set('Authorization', authorization)
      let res: RtspResponse
      try {
        res = await conn.request(method, uri, h, body)
      } catch (err) {
        // A firewall that passes only HTTP may accept the connection and cut it at the first RTSP bytes.
        // A connection we closed ourselves (closeConnection: dialect detection, redirects) is not that.
        if (!this.fallsBackOn(err) || this.closedOnPurpose.has(conn)) throw err
        this.moveToTunnel()
        attempt--
        continue
      }
      this.answered = true
      if (res.statusCode !== 401) return res
      if (!this.opts.credentials) {
        throw new AuthError('ERR_AUTH_REQUIRED', `${method} ${uri} failed: 401 ${res.reason} (no credentials given)`, {
          status: 401,
          reason: res.reason,
          method,
        })
      }
      const challenges = res.headers.getAll('WWW-Authenticate')
      if (challenges.length === 0) {
        throw new AuthError('ERR_AUTH_NO_CHALLENGE', `${method} ${uri} failed: 401 ${res.reason} without WWW-Authenticate`, {
          status: 401,
          reason: res.reason,
          method,
        })
      }
      this.auth ??= new ClientAuthenticator(this.opts.credentials, this.opts.random)
      const outcome = this.auth.handleChallenges(challenges)
      // One retry per request: the first 401, or a 401 on a new connection whose nonce we do not know yet.
      const retry = attempt === 0 || (outcome.stale && staleRetries++ < MAX_STALE_RETRIES)
      if (!retry) {
        throw new AuthError('ERR_AUTH_REJECTED', `${method} ${uri} failed: 401 ${res.reason} (credentials rejected)`, {
          status: 401,
          reason: res.reason,
          method,
          scheme: outcome.scheme,
        })
      }
    }
  }

  /**
   * A request written out by `format` (given the CSeq), for dialects whose exact bytes matter: no
   * common headers, no authentication.
   */
  async requestRaw(method: string, uri: string, format: (cseq: number) => Buffer): Promise<RtspResponse> {
    const conn = await this.connection()
    return conn.requestRaw(method, uri, format)
  }

  /** `method` to the URL in use, following redirects; resolves with the 2xx answer, else throws. */
  async requestFollowingRedirects(method: string, headers: RtspHeaders, maxRedirects: number): Promise<RtspResponse> {
    for (let redirects = 0; ; redirects++) {
      const res = await this.request(method, this.currentUrl, headers)
      const location = res.headers.get('Location')
      if (REDIRECT_STATUSES.has(res.statusCode) && location !== undefined) {
        if (redirects >= maxRedirects) {
          throw new ProtocolError('ERR_RTSP_REDIRECTS', `${method} ${this.currentUrl}: more than ${maxRedirects} redirects`, {
            observed: redirects + 1,
            allowed: maxRedirects,
          })
        }
        this.redirect(location)
        continue
      }
      if (!isOk(res)) throw statusError(method, this.currentUrl, res)
      return res
    }
  }

  private redirect(location: string): void {
    const target = parseRtspUrl(location)
    if (target.host === '') {
      throw new ProtocolError('ERR_RTSP_REDIRECT', `redirect to a relative location ${location} is not supported`, { observed: location })
    }
    const server = (u: string) => {
      const p = parseRtspUrl(u)
      return `${p.host}:${p.port ?? DEFAULT_RTSP_PORT}`
    }
    if (server(location) !== server(this.currentUrl)) {
      this.closeConnection()
      this.auth = undefined // a new server challenges anew
      this.publicMethods = undefined
    }
    this.currentUrl = stripCredentials(location)
  }
}
