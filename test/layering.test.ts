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
export const KNOWN_VIOLATIONS: readonly string[] = []

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
  /** `import type …` / `export type … from`: erased at compile time, no module is loaded. */
  typeOnly: boolean
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
const TYPE_ONLY = /^\s*(?:import|export)\s+type\b/
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
      const ref: ImportRef = { file: src.file, line, specifier, typeOnly: re === FROM_CLAUSE && TYPE_ONLY.test(m[0]) }
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
  /** Imports the rule lets through although their layer is in `notLayers`. */
  allow?: (ref: ImportRef) => boolean
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
        if (targetLayer !== undefined && targetLayer !== layer && rule.notLayers.includes(targetLayer) && !rule.allow?.(ref)) {
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
  assert.deepEqual(
    importsOf(src)
      .filter((r) => r.typeOnly)
      .map((r) => r.line),
    [5],
    'only `import type` is type-only',
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

/** The media vocabulary (TrackInfo and the like) that codecs/ may name in its types, never load. */
const MEDIA_VOCABULARY = 'src/stream/media.ts'

test("rule 5: codecs/ imports nothing above it (but the media vocabulary's types)", () => {
  const violations = importViolations(sources, {
    name: 'codecs-below',
    from: ['codecs'],
    notLayers: ['stream', 'server', 'client', 'transport', 'sources', 'cli'],
    allow: (ref) => ref.typeOnly && ref.target === MEDIA_VOCABULARY,
  })
  check('codecs-below', violations, 'codecs/ imports a layer above it (only `import type` of src/stream/media.ts is allowed)')
})

/**
 * Acceptance of the one codec contract (codecs/codec.ts): a codec is its folder, src/codecs/<name>/
 * with its entry in index.ts, and one line of codecs/registry.ts; nothing else in src/ needs to know
 * it. Outside its folder at most MAX_CODEC_MENTIONS files may name a codec (case-insensitive): the
 * registry, the public exports of index.ts, help text and the like.
 *
 * Files whose subject is the format itself are listed in FORMAT_FEATURES and not counted: a reader or
 * writer of its files (sources/h264-file.ts, sinks/adts-sink.ts), a feature built on it (the JPEG test
 * card, the teaching dialect, the browser viewer's H.264 and the dashboard's choice of browser decoders, the K230 and OpenMV compatibility layers,
 * RTMP's FLV tags, which carry H.264, H.265 and AAC by name),
 * and the MPEG-4 descriptor tables. Plumbing (stream/, server/ but the teaching dialect, client/
 * sessions, formats/mp4/ writer and reader, api/views.ts) is not listed and stays codec-blind. A listed
 * file that no longer names its codec must be removed from the list.
 */
const MAX_CODEC_MENTIONS = 4
/** Codecs with a folder, and how their names are spelt in code (G.711 is two codecs in one folder). */
const CODEC_NAMES: Readonly<Record<string, RegExp>> = {
  opus: /opus/i,
  h264: /h264/i,
  h265: /h265/i,
  aac: /aac/i,
  jpeg: /jpeg/i,
  g711: /g711|pcmu|pcma/i,
  l16: /l16/i,
  vp8: /vp8/i,
  vp9: /vp9/i,
  av1: /av1/i,
}

export const FORMAT_FEATURES: Readonly<Record<string, readonly string[]>> = {
  opus: ['src/webrtc/webrtc-codecs.ts'],
  vp8: ['src/webrtc/webrtc-codecs.ts'],
  vp9: ['src/webrtc/webrtc-codecs.ts'],
  av1: ['src/webrtc/webrtc-codecs.ts'],
  h264: [
    'src/api/dashboard-live.ts',
    'src/cli/main.ts',
    'src/cli/play.ts',
    'src/cli/probe.ts',
    'src/cli/publish.ts',
    'src/cli/rtp.ts',
    'src/cli/serve.ts',
    'src/codecs/annexb-stream-parser.ts',
    'src/compat/k230.ts',
    'src/config/schema.ts',
    'src/rtmp/flv-tags.ts',
    'src/rtmp/rtmp-publish.ts',
    'src/rtmp/rtmp-tracks.ts',
    'src/sdp/rtpmap.ts',
    'src/server/ffmpeg-path.ts',
    'src/sinks/sink-factory.ts',
    'src/sources/annexb-file-source.ts',
    'src/sources/ffmpeg-args.ts',
    'src/sources/ffmpeg-process-source.ts',
    'src/sources/ffmpeg-process.ts',
    'src/sources/file-timelines.ts',
    'src/sources/h264-file.ts',
    'src/sources/h264-test-card.ts',
    'src/sources/input-source.ts',
    'src/sources/source-spec.ts',
    'src/view/page.ts',
    'src/view/video-wire.ts',
    'src/view/view-server.ts',
    'src/view/view-session.ts',
    'src/webrtc/webrtc-codecs.ts',
  ],
  h265: [
    'src/api/dashboard-live.ts',
    'src/cli/play.ts',
    'src/codecs/annexb-stream-parser.ts',
    'src/compat/k230.ts',
    'src/rtmp/flv-tags.ts',
    'src/rtmp/rtmp-publish.ts',
    'src/rtmp/rtmp-tracks.ts',
    'src/sinks/sink-factory.ts',
    'src/sources/annexb-file-source.ts',
    'src/sources/ffmpeg-process-source.ts',
    'src/sources/ffmpeg-process.ts',
    'src/sources/file-timelines.ts',
    'src/sources/h265-file.ts',
    'src/sources/input-source.ts',
    'src/view/view-session.ts',
    'src/webrtc/webrtc-codecs.ts',
  ],
  aac: [
    'src/cli/play.ts',
    'src/compat/k230.ts',
    'src/formats/mp4/esds-reader.ts',
    'src/formats/mp4/esds.ts',
    'src/rtmp/flv-tags.ts',
    'src/rtmp/rtmp-play.ts',
    'src/rtmp/rtmp-publish.ts',
    'src/rtmp/rtmp-tracks.ts',
    'src/sinks/adts-sink.ts',
    'src/sinks/sink-factory.ts',
    'src/sources/aac-file.ts',
    'src/sources/file-timelines.ts',
    'src/sources/input-source.ts',
    'src/webrtc/webrtc-codecs.ts',
  ],
  jpeg: [
    'src/api/api-server.ts',
    'src/api/dashboard-page.ts',
    'src/api/mjpeg-preview.ts',
    'src/api/snapshot.ts',
    'src/cli/client-options.ts',
    'src/cli/play.ts',
    'src/cli/publish.ts',
    'src/cli/view.ts',
    'src/client/teaching-dialect.ts',
    'src/codecs/framesize.ts',
    'src/compat/k230.ts',
    'src/compat/openmv.ts',
    'src/formats/mp4/esds.ts',
    'src/formats/mp4/sample-entry-fields.ts',
    'src/rtp/packet-writer.ts',
    'src/rtsp/reader.ts',
    'src/rtsp/url.ts',
    'src/server/dialects/teaching.ts',
    'src/server/play-handler.ts',
    'src/server/server-session.ts',
    'src/server/track-setup.ts',
    'src/sinks/jpeg-sinks.ts',
    'src/sinks/sink-factory.ts',
    'src/sources/file-timelines.ts',
    'src/sources/input-source.ts',
    'src/sources/jpeg-sequence-source.ts',
    'src/sources/mjpeg-file.ts',
    'src/sources/source-spec.ts',
    'src/sources/test-card-painter.ts',
    'src/sources/test-card.ts',
    'src/stream/media.ts',
    'src/view/page.ts',
    'src/view/video-wire.ts',
    'src/view/view-session.ts',
  ],
  g711: [
    'src/compat/k230.ts',
    'src/sinks/sink-factory.ts',
    'src/sinks/wav-sink.ts',
    'src/sources/tone-source.ts',
    'src/sources/wav-file.ts',
    'src/webrtc/webrtc-codecs.ts',
  ],
  l16: ['src/cli/play.ts', 'src/sinks/sink-factory.ts', 'src/sinks/wav-sink.ts', 'src/sources/wav-file.ts'],
}

const CODECS_DIR = 'src/codecs/'
/** Codec folders: src/codecs/<name>/ holding an index.ts entry (passthrough is the registry's stand-in). */
const codecFolders = (): string[] =>
  [...new Set(sources.filter((s) => /^src\/codecs\/[^/]+\/index\.ts$/.test(s.file)).map((s) => s.file.split('/')[2]!))]
    .filter((d) => d !== 'passthrough')
    .sort()

test('acceptance: a codec is its folder and one registry line', () => {
  const registry = sources.find((s) => s.file === `${CODECS_DIR}registry.ts`)
  assert.ok(registry, 'src/codecs/registry.ts exists')
  const unregistered = codecFolders().filter((d) => !registry.text.includes(`'./${d}/index.js'`))
  assert.deepEqual(unregistered, [], 'every codec folder is imported by codecs/registry.ts')
  assert.deepEqual(codecFolders(), Object.keys(CODEC_NAMES).sort(), 'CODEC_NAMES names every codec folder')
})

/** The package's `rtspkit/codecs` entry: a list of every codec's exports, as the registry is a list of codecs. */
const CODEC_LISTS = ['src/codecs/public.ts']

test(`acceptance: at most ${MAX_CODEC_MENTIONS} files of src/ outside a codec's folder name it`, () => {
  const problems: string[] = []
  for (const [folder, name] of Object.entries(CODEC_NAMES)) {
    const mentioning = sources
      .filter((s) => !s.file.startsWith(`${CODECS_DIR}${folder}/`) && !CODEC_LISTS.includes(s.file) && name.test(s.text))
      .map((s) => s.file)
    const features = FORMAT_FEATURES[folder] ?? []
    const counted = mentioning.filter((f) => !features.includes(f))
    if (counted.length > MAX_CODEC_MENTIONS) {
      problems.push(`${folder}: ${counted.length} files name it (at most ${MAX_CODEC_MENTIONS}); reach it through its entry instead:`)
      problems.push(...counted.map((f) => `  ${f}`))
    }
    const gone = features.filter((f) => !mentioning.includes(f))
    if (gone.length > 0)
      problems.push(`${folder}: no longer named; delete from FORMAT_FEATURES in test/layering.test.ts:`, ...gone.map((f) => `  '${f}'`))
  }
  if (problems.length > 0) assert.fail(problems.join('\n'))
})
