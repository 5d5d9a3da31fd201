/** RTSP authentication (RFC 7235 framework, RFC 7617 Basic, RFC 7616 Digest): header codecs and both halves. No sockets. */
export {
  formatAuthParams,
  parseAuthenticate,
  parseAuthorization,
  quoteString,
  type AuthChallenge,
  type AuthCredentials,
} from './challenge.js'
export {
  DIGEST_ALGORITHMS,
  digestAlgorithm,
  digestHa1,
  digestHash,
  digestResponse,
  formatNonceCount,
  type DigestAlgorithm,
  type DigestInput,
} from './digest.js'
export { ClientAuthenticator, type AuthScheme, type ChallengeOutcome, type Credentials } from './client-authenticator.js'
export {
  DEFAULT_NONCE_TTL_MS,
  ServerAuthenticator,
  type ServerAuthenticatorOptions,
  type ServerAuthMethod,
  type UserSecret,
  type VerifyResult,
} from './server-authenticator.js'
