/** Debian's Chromium, headless, for the browser tests (playwright-core drives it; no bundled browser). */
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 15_000 })
}
