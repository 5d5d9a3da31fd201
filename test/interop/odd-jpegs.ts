/**
 * A teaching-project MJPEG file whose JPEGs RTP/JPEG (RFC 2435) cannot carry as stored, the way files
 * made with other tools often are: optimised Huffman tables (ffmpeg's default), 4:4:4, greyscale and
 * progressive (OpenCV), between baseline frames with the standard tables. Cached like the others.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { DEBIAN_PYTHON, FIXTURES, run } from './harness.js'

export const ODD_JPEG_KINDS = ['baseline', 'optimal-huffman', 'yuv444', 'progressive', 'gray'] as const

const PROGRESSIVE_AND_GRAY = `
import cv2, sys
img = cv2.imread(sys.argv[1])
cv2.imwrite(sys.argv[2], img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_QUALITY, 85])
cv2.imwrite(sys.argv[3], cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), [cv2.IMWRITE_JPEG_QUALITY, 85])
`

/** The JPEGs, one per kind of ODD_JPEG_KINDS in that order, each `width`x`height`. */
export async function oddJpegs(width: number, height: number): Promise<Buffer[]> {
  const dir = path.join(FIXTURES, `odd-jpegs-${width}x${height}`)
  const names = ODD_JPEG_KINDS.map((k) => path.join(dir, `${k}.jpg`))
  if (names.every((n) => existsSync(n))) return names.map((n) => readFileSync(n))
  const tmp = `${dir}.${process.pid}.tmp`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const src = `testsrc=size=${width}x${height}:rate=1`
  const ffmpeg = async (out: string, extra: string[]): Promise<void> => {
    const r = await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      src,
      '-frames:v',
      '1',
      '-c:v',
      'mjpeg',
      '-q:v',
      '4',
      ...extra,
      path.join(tmp, out),
    ])
    if (r.code !== 0) throw new Error(`ffmpeg ${out}: ${r.stderr}`)
  }
  await ffmpeg('baseline.jpg', ['-huffman', 'default', '-pix_fmt', 'yuvj420p'])
  await ffmpeg('optimal-huffman.jpg', ['-huffman', 'optimal', '-pix_fmt', 'yuvj420p'])
  await ffmpeg('yuv444.jpg', ['-huffman', 'default', '-pix_fmt', 'yuvj444p'])
  const cv = await run(DEBIAN_PYTHON, [
    '-c',
    PROGRESSIVE_AND_GRAY,
    path.join(tmp, 'baseline.jpg'),
    path.join(tmp, 'progressive.jpg'),
    path.join(tmp, 'gray.jpg'),
  ])
  if (cv.code !== 0) throw new Error(`OpenCV JPEGs: ${cv.stderr}`)
  mkdirSync(path.dirname(dir), { recursive: true })
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  return names.map((n) => readFileSync(n))
}

/** Those JPEGs, `repeat` times over, in the 5-digit-length format; cached. */
export async function oddMjpegFile(width: number, height: number, repeat: number): Promise<string> {
  const file = path.join(FIXTURES, `odd-${width}x${height}-x${repeat}.Mjpeg`)
  if (existsSync(file)) return file
  const jpegs = await oddJpegs(width, height)
  const parts: Buffer[] = []
  for (let i = 0; i < repeat; i++) for (const j of jpegs) parts.push(Buffer.from(String(j.length).padStart(5, '0'), 'latin1'), j)
  writeFileSync(`${file}.${process.pid}.tmp`, Buffer.concat(parts))
  renameSync(`${file}.${process.pid}.tmp`, file)
  return file
}
