// A self-signed certificate for 127.0.0.1, made with openssl (the same recipe as the README's).
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from './harness.js'

export async function makeCert(cn: string): Promise<{ cert: string; key: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-srtp-'))
  const r = await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    path.join(dir, 'key.pem'),
    '-out',
    path.join(dir, 'cert.pem'),
  ])
  assert.equal(r.code, 0, r.stderr)
  return { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') }
}
