// The layers of src/ (STYLE.md, "Layout"): which folder may import which, and how long a file may grow.
// Reads the TypeScript sources as text; no module is loaded, so an upward import is caught even when
// it is type-only.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

/**
 * Violations that other branches are removing, so this test can land before them. Keys name the rule
 * and the file (and, for imports, the file imported) but no line, so edits elsewhere in a file do not
 * break them. A violation not listed fails its rule; so does a listed one that no longer occurs.
 * shrinks to empty: issue 10
 */
export const KNOWN_VIOLATIONS: readonly string[] = [
  'max-lines src/codecs/registry.ts',
  'client-server src/client/publisher.ts -> src/server/tracks/factory.ts',
  'client-server src/client/publisher.ts -> src/server/tracks/media-track.ts',
  'client-server src/client/track-info.ts -> src/server/announce.ts',
  'client-server src/client/track-info.ts -> src/server/server-stream.ts',
  'codecs-below src/codecs/registry.ts -> src/sources/source.ts',
  'stream-core src/stream/stream.ts -> src/server/tracks/media-track.ts',
  'stream-core src/stream/stream.ts -> src/server/tracks/factory.ts',
  'stream-core src/stream/stream.ts -> src/server/tracks/rtp-relay-track.ts',
]

/** Repository root (this file runs as dist/test/layering.test.js). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SRC = path.join(ROOT, 'src')
const MAX_LINES = 500

interface SourceFile {
  /** Relative to the repository root, with forward slashes: "src/rtp/receiver.ts". */
  file: string
  text: string
}

interface ImportRef {
  file: string
  line: number
  specifier: string
  /** For a relative specifier: the file imported, as "src/dir/name.ts". */
  target?: string
}

interface Violation {
  /** Matched against KNOWN_VIOLATIONS. */
  key: string
  /** Shown when it fails: file:line and what is wrong. */
  where: string
}

const posix = (p: string): string => p.split(path.sep).join('/')

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) walk(full, out)
    else if (e.name.endsWith('.ts')) out.push(full)
  }
  return out
}

function readSources(): SourceFile[] {
  return walk(SRC)
    .sort()
    .map((full) => ({ file: posix(path.relative(ROOT, full)), text: readFileSync(full, 'utf8') }))
}

// Static imports and re-exports (`import … from 'x'`, `export … from 'x'`, possibly over several lines;
// anchored at the start of a line so that comments quoting code are skipped), side-effect imports
// (`import 'x'`) and dynamic ones (`import('x')`).
const FROM_CLAUSE = /^[ \t]*(?:import|export)\b[^'"`]*?\bfrom[ \t]*(['"])([^'"\n]+)\1/gm
const BARE_IMPORT = /^[ \t]*import[ \t]*(['"])([^'"\n]+)\1/gm
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g

function importsOf(src: SourceFile): ImportRef[] {
  const refs: ImportRef[] = []
  for (const re of [FROM_CLAUSE, BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const m of src.text.matchAll(re)) {
      const specifier = m[2]!
      // The line of the specifier itself, not of the statement's first line.
      const at = m.index + m[0].lastIndexOf(specifier)
      const line = src.text.slice(0, at).split('\n').length
      const ref: ImportRef = { file: src.file, line, specifier }
      if (specifier.startsWith('.')) {
        const resolved = posix(path.relative(ROOT, path.resolve(ROOT, path.dirname(src.file), specifier)))
        ref.target = resolved.replace(/\.js$/, '.ts')
      }
      refs.push(ref)
    }
  }
  return refs.sort((a, b) => a.line - b.line)
}

/** "src/rtp/receiver.ts" → "rtp"; undefined outside src/ or for files at its top. */
function layerOf(file: string): string | undefined {
  const parts = file.split('/')
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined
}

/** "node:dgram" and "dgram" alike → "dgram". */
const builtinName = (specifier: string): string => specifier.replace(/^node:/, '')

interface ImportRule {
  name: string
  /** Layers whose files the rule checks. */
  from: readonly string[]
  /** Layers they must not import. */
  notLayers: readonly string[]
  /** Node built-ins they must not import. */
  notBuiltins?: readonly string[]
}

function importViolations(sources: readonly SourceFile[], rule: ImportRule): Violation[] {
  const out: Violation[] = []
  for (const src of sources) {
    const layer = layerOf(src.file)
    if (layer === undefined || !rule.from.includes(layer)) continue
    for (const ref of importsOf(src)) {
      const where = `${ref.file}:${ref.line} imports '${ref.specifier}'`
      if (ref.target !== undefined) {
        const targetLayer = layerOf(ref.target)
        if (targetLayer !== undefined && targetLayer !== layer && rule.notLayers.includes(targetLayer)) {
          out.push({ key: `${rule.name} ${ref.file} -> ${ref.target}`, where: `${where} (${targetLayer}/)` })
        }
      } else if (rule.notBuiltins?.includes(builtinName(ref.specifier))) {
        out.push({ key: `${rule.name} ${ref.file} -> ${ref.specifier}`, where })
      }
    }
  }
  return out
}

/**
 * Fails for a violation not in KNOWN_VIOLATIONS, and for a listed entry of this rule that no longer
 * occurs (it must then be deleted from the list, which only shrinks).
 */
function check(rule: string, violations: readonly Violation[], why: string): void {
  const known = KNOWN_VIOLATIONS.filter((k) => k.startsWith(`${rule} `))
  const found = new Set(violations.map((v) => v.key))
  const fresh = violations.filter((v) => !known.includes(v.key))
  const gone = known.filter((k) => !found.has(k))
  const problems: string[] = []
  if (fresh.length > 0) problems.push(`${why}:`, ...fresh.map((v) => `  ${v.where}`))
  if (gone.length > 0) {
    problems.push('no longer violated; delete from KNOWN_VIOLATIONS in test/layering.test.ts:', ...gone.map((k) => `  '${k}'`))
  }
  if (problems.length > 0) assert.fail(`rule ${rule}\n${problems.join('\n')}`)
}

const sources = readSources()

test('the sources are found', () => {
  assert.ok(existsSync(path.join(SRC, 'index.ts')), `no src/index.ts under ${ROOT}`)
  assert.ok(sources.length > 50, `only ${sources.length} .ts files under ${SRC}`)
})

test('the import scanner sees every form of import', () => {
  const src: SourceFile = {
    file: 'src/rtp/x.ts',
    text: [
      "import a from 'node:dgram'",
      'import {',
      '  b,',
      "} from '../codecs/codec.js'",
      "import type { C } from '../server/c.js'",
      "export { d } from './d.js'",
      "import '../transport/side-effect.js'",
      "const e = await import('../client/e.js')",
      " * import f from '../stream/in-a-comment.js'",
    ].join('\n'),
  }
  assert.deepEqual(
    importsOf(src).map((r) => `${r.line} ${r.target ?? r.specifier}`),
    ['1 node:dgram', '4 src/codecs/codec.ts', '5 src/server/c.ts', '6 src/rtp/d.ts', '7 src/transport/side-effect.ts', '8 src/client/e.ts'],
  )
})

test(`rule 1: no file in src/ is over ${MAX_LINES} lines`, () => {
  const violations: Violation[] = []
  for (const src of sources) {
    const lines = src.text.split('\n').length - (src.text.endsWith('\n') ? 1 : 0)
    if (lines > MAX_LINES) violations.push({ key: `max-lines ${src.file}`, where: `${src.file}:${MAX_LINES + 1} (${lines} lines)` })
  }
  check('max-lines', violations, `files over ${MAX_LINES} lines (split them by concept)`)
})

test('rule 2: rtp/ and rtcp/ are codec-blind and socket-free', () => {
  const violations = importViolations(sources, {
    name: 'rtp-pure',
    from: ['rtp', 'rtcp'],
    notLayers: ['codecs', 'stream', 'server', 'client', 'transport'],
    notBuiltins: ['dgram', 'net', 'tls'],
  })
  check('rtp-pure', violations, 'rtp/ and rtcp/ import a codec, a higher layer or a socket module')
})

test('rule 3: client/ and server/ never import each other', () => {
  const violations = [
    ...importViolations(sources, { name: 'client-server', from: ['client'], notLayers: ['server'] }),
    ...importViolations(sources, { name: 'client-server', from: ['server'], notLayers: ['client'] }),
  ]
  check('client-server', violations, 'client/ and server/ import each other (move the shared piece down a layer)')
})

test('rule 4: stream/ imports no input, output or service layer', () => {
  const violations = importViolations(sources, {
    name: 'stream-core',
    from: ['stream'],
    notLayers: ['server', 'client', 'rtsp', 'transport', 'cli', 'api', 'app'],
  })
  check('stream-core', violations, 'stream/ imports a layer above it')
})

test('rule 5: codecs/ imports nothing above it', () => {
  const violations = importViolations(sources, {
    name: 'codecs-below',
    from: ['codecs'],
    notLayers: ['stream', 'server', 'client', 'transport', 'sources', 'cli'],
  })
  check('codecs-below', violations, 'codecs/ imports a layer above it')
})
