// README's TypeScript examples compile against the built package, as a user's code would: each ```ts
// block becomes a module in a scratch project whose node_modules/rtspkit links to this repository
// (package.json "exports" and dist/*.d.ts decide what resolves), type-checked with strict settings.
// Names a block uses without defining (a camera's access unit, a timestamp…) are declared with the
// types a program would have.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from '../interop/harness.js'

/** What the examples take as given, by name. */
const GIVEN: Record<string, string> = {
  accessUnit: 'Buffer',
  aacAccessUnit: 'Buffer',
  audioSpecificConfig: 'Buffer',
  ptsMs: 'number',
  annexB: 'Buffer',
  ulaw: 'Buffer',
  timestampUs: 'number',
  pixels: 'Buffer',
  server: 'import("rtspkit").RtspServer',
  effectiveConfig: 'import("rtspkit").Config',
  check: '(user: string | undefined, pass: string | undefined) => boolean',
  isAdmin: '(user: string | undefined) => boolean',
}

export function readmeBlocks(readme: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = []
  for (const m of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    blocks.push({ line: readme.slice(0, m.index).split('\n').length, code: m[1]! })
  }
  return blocks
}

function prelude(code: string): string {
  const declared = (name: string) =>
    new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b|^import\\s*(?:type\\s*)?\\{[^}]*\\b${name}\\b`, 'm').test(code)
  const lines = Object.entries(GIVEN)
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !declared(name))
    .map(([name, type]) => `declare const ${name}: ${type}`)
  return `${lines.join('\n')}\nexport {}\n`
}

function tsc(project: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project],
      { timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  )
}

describe('README examples', () => {
  it('every ```ts block type-checks against the built package', async () => {
    const blocks = readmeBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'))
    assert.ok(blocks.length >= 5, `${blocks.length} blocks`)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-readme-'))
    try {
      mkdirSync(path.join(dir, 'node_modules'))
      symlinkSync(ROOT, path.join(dir, 'node_modules', 'rtspkit'), 'dir')
      symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir')
      const files = blocks.map((b) => {
        const name = `readme-line-${b.line}.ts`
        writeFileSync(path.join(dir, name), `${b.code}\n${prelude(b.code)}`)
        return name
      })
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            types: ['node'],
            noUncheckedIndexedAccess: true,
          },
          files,
        }),
      )
      const r = await tsc(path.join(dir, 'tsconfig.json'))
      // tsc names the file, so a failure points at README's line.
      assert.equal(r.code, 0, r.out)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
