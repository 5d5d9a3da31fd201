// What `npm pack` puts in the tarball: the built library and CLI, the files README links to, the
// license; the native UDP sender's C source, binding.gyp and build script (consumers compile it at
// install), never its build output; no tests, benches or TypeScript sources; source maps that carry their sources.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from '../interop/harness.js'

function packList(): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(new Error('npm pack failed', { cause: err }))
        const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[]
        resolve(pack!.files.map((f) => f.path))
      },
    ),
  )
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) walk(full, out)
    else out.push(full)
  }
  return out
}

describe('npm package', () => {
  it('holds the library, the CLI, the license and what README links to; no tests, benches or sources', async () => {
    const files = new Set(await packList())
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'rtspkit.yml',
      'docs/openapi.json',
      'docs/architecture.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'dist/src/codecs/public.js',
      'dist/src/protocol.js',
      'dist/src/compat/k230.js',
      'dist/src/compat/openmv.js',
      'binding.gyp',
      'native/udp-sendmmsg.c',
      'scripts/build-native.mjs',
    ]) {
      assert.ok(files.has(f), `${f} is missing from the tarball`)
    }
    const stray = [...files].filter((f) => /^(src|test|bench|build|dist\/test|dist\/bench|dist\/examples|node_modules)\//.test(f))
    assert.deepEqual(stray, [])
    // Every relative link in README resolves inside the tarball.
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l))
    assert.ok(links.length >= 3, `${links.length} relative links`)
    for (const link of links) {
      const target = path.posix.normalize(link.replace(/\/$/, ''))
      const found = files.has(target) || [...files].some((f) => f.startsWith(`${target}/`))
      assert.ok(found, `README links to ${link}, which is not in the tarball`)
    }
    // package.json names a repository, a homepage and keywords.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
    assert.ok(pkg.repository && pkg.homepage && Array.isArray(pkg.keywords) && pkg.keywords.length > 0)
  })

  it('every source map in dist/src carries the sources it points at', () => {
    const maps = walk(path.join(ROOT, 'dist/src')).filter((f) => f.endsWith('.js.map'))
    assert.ok(maps.length > 100, `${maps.length} maps`)
    for (const file of maps) {
      const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] }
      const contents = map.sourcesContent ?? []
      assert.equal(contents.length, map.sources.length, `${path.relative(ROOT, file)} has no sourcesContent`)
      assert.ok(
        contents.every((s) => typeof s === 'string' && s.length > 0),
        path.relative(ROOT, file),
      )
    }
  })
})
