#!/usr/bin/env node
/**
 * Builds rtspkit's optional native UDP sender (native/udp-sendmmsg.c -> build/Release/rtspkit_udp.node)
 * with node-gyp. Run by npm at `npm install` / `npm ci` (the package's "install" script) and by
 * `npm test` (pretest, with --if-missing).
 *
 * It never fails the install: without Linux, Node's headers, node-gyp or a compiler, or when the build
 * fails, it prints one line and exits 0, and rtspkit sends UDP through node:dgram as it always did.
 * It never downloads: node-gyp gets --nodedir pointing at headers already on disk (Debian's nodejs
 * puts them in /usr/include/node; an official tarball in <prefix>/include/node), or finds them in its
 * own cache; with neither, the build is skipped.
 *
 * Flags: --if-missing (skip when the addon is already built and newer than its source).
 * RTSPKIT_NATIVE_UDP=0 skips the build (and the addon at run time).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SOURCE = join(ROOT, 'native', 'udp-sendmmsg.c')
const ADDON = join(ROOT, 'build', 'Release', 'rtspkit_udp.node')
const LOG = join(ROOT, 'build', 'native-build.log')
/** A stuck compiler must not hang `npm install`. */
const BUILD_TIMEOUT_MS = 180_000

const say = (line) => console.log(`rtspkit: ${line}`)
const skip = (why) => {
  say(`native UDP sender not built (${why}); UDP goes through node:dgram`)
  process.exit(0)
}

const hasHeaders = (dir) =>
  existsSync(join(dir, 'include', 'node', 'node_api.h')) && existsSync(join(dir, 'include', 'node', 'common.gypi'))

/** Node's headers on disk: npm's --nodedir, the prefix of this node binary, or node-gyp's cache. */
function nodeDir() {
  const configured = process.env.npm_config_nodedir
  if (configured && hasHeaders(configured)) return { args: [`--nodedir=${configured}`] }
  const prefix = resolve(dirname(process.execPath), '..')
  if (hasHeaders(prefix)) return { args: [`--nodedir=${prefix}`] }
  const cacheRoot = process.env.npm_config_devdir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'node-gyp')
  if (hasHeaders(join(cacheRoot, process.versions.node))) return { args: [] }
  return undefined
}

/** node-gyp: the one npm names for its scripts, else the one bundled with npm next to this node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    resolve(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  return candidates.find((c) => c && existsSync(c))
}

function main() {
  if (process.env.RTSPKIT_NATIVE_UDP === '0') skip('RTSPKIT_NATIVE_UDP=0')
  if (process.platform !== 'linux') skip(`sendmmsg is Linux-only, this is ${process.platform}`)
  if (!existsSync(SOURCE)) skip('native/udp-sendmmsg.c is missing')
  if (process.argv.includes('--if-missing') && existsSync(ADDON) && statSync(ADDON).mtimeMs >= statSync(SOURCE).mtimeMs) return
  const headers = nodeDir()
  if (!headers) skip(`no Node ${process.versions.node} headers on disk (e.g. /usr/include/node); nothing is downloaded`)
  const gyp = nodeGyp()
  if (!gyp) skip('node-gyp not found')
  const run = spawnSync(process.execPath, [gyp, 'rebuild', ...headers.args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    env: { ...process.env, npm_config_loglevel: 'warn' },
  })
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`
  if (run.status !== 0 || !existsSync(ADDON)) {
    try {
      mkdirSync(dirname(LOG), { recursive: true })
      writeFileSync(LOG, output)
    } catch {
      // the log is a courtesy
    }
    const reason = run.error ? run.error.message : (output.split('\n').find((l) => /error|not found/i.test(l)) ?? `exit ${run.status}`)
    skip(`build failed: ${reason.trim().slice(0, 160)}; log: build/native-build.log`)
  }
  say('built the native UDP sender (sendmmsg), build/Release/rtspkit_udp.node')
}

try {
  main()
} catch (err) {
  skip(err instanceof Error ? err.message : String(err))
}
