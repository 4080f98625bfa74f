// The vendor's part of an OAuth connection, in a real browser: Debian's Chromium (headless),
// driven by playwright-core (pinned in package-lock.json; it never downloads a browser).
//
//   DS24_NODE_MODULES=… node oauth_browser.mjs AUTHORIZE_URL WAY ACCESS KEY REDIRECT_PREFIX SCREENSHOT [LANG]
//
// WAY is how the vendor answers the consent page:
//   paste     paste KEY and pick ACCESS (read | full), then "Connect with this key"
//   connect   pick ACCESS, "Continue to Digistore24", then Approve on Digistore24's page
//   decline   pick ACCESS, "Continue to Digistore24", then Decline on Digistore24's page
//   deny      "Cancel, don't connect" on the consent page
// The consent page is saved as SCREENSHOT (PNG) before anything is clicked, and the approval
// page beside it (SCREENSHOT with -approval). The script ends when the browser arrives at
// REDIRECT_PREFIX (the client's redirect URI) and has loaded it, and prints that URL; it exits
// 1, with what the page said, if the browser ends anywhere else.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// playwright-core lives in the stage's install directory (DS24_NODE_MODULES), not beside this
// script, and ES modules do not read NODE_PATH.
const require = createRequire(join(process.env.DS24_NODE_MODULES || join(import.meta.dirname, 'node_modules'), 'x.js'));
const { chromium } = require('playwright-core');

const [url, way, access, key, redirectPrefix, screenshot, lang = 'en-US'] = process.argv.slice(2);
if (!url || !way || !redirectPrefix || !screenshot) {
  console.error('usage: oauth_browser.mjs AUTHORIZE_URL WAY ACCESS KEY REDIRECT_PREFIX SCREENSHOT [LANG]');
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), 'ds24-oauth-chromium-'));
// The flags this machine needs: no sandbox as root, and no background traffic to Google (the
// network is closed; Chromium would retry those connections all the time).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  locale: lang,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
context.setDefaultTimeout(30_000);

const page = context.pages()[0] ?? (await context.newPage());
const atClient = (u) => u.toString().startsWith(redirectPrefix);

async function finish(code, message) {
  if (message) console.error(message);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(code);
}

// Clicks, and waits until the browser has loaded the page the click leads to.
async function clickThrough(selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

try {
  await page.goto(url, { waitUntil: 'load' });
  await page.screenshot({ path: screenshot, fullPage: true });
  const radio = (form) => page.locator(`#${form}-${access}`);
  if (way === 'paste') {
    await page.fill('#api_key', key);
    if (await radio('paste').count()) await radio('paste').check();
    await clickThrough('button[name="action"][value="paste"]');
  } else if (way === 'connect' || way === 'decline') {
    if (await radio('connect').count()) await radio('connect').check();
    await clickThrough('button[name="action"][value="connect"]');
    if (!atClient(page.url())) {
      // Digistore24's approval page (the sandbox serves it offline).
      await page.screenshot({ path: screenshot.replace(/\.png$/, '-approval.png'), fullPage: true });
      const choice = way === 'connect' ? 'approve' : 'decline';
      await clickThrough(`button[name="decision"][value="${choice}"]`);
    }
  } else if (way === 'deny') {
    await clickThrough('button[name="action"][value="deny"]');
  } else {
    await finish(2, `unknown way ${way}`);
  }
  if (!atClient(page.url())) {
    const body = (await page.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 500);
    await finish(1, `the browser did not return to ${redirectPrefix}; it is at ${page.url()} showing: ${body}`);
  }
  console.log(page.url());
  await finish(0);
} catch (e) {
  const body = (await page.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 500);
  await finish(1, `${e.message.split('\n')[0]} at ${page.url()}: ${body}`);
}
