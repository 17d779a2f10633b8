// lib.mjs: what the browser tests share — Debian's chromium under puppeteer-core, and a check.
//
// puppeteer-core comes from CASCADE_NODE_PATH (scripts/lib.sh install_browser_driver);
// chromium from the PATH, or CASCADE_CHROMIUM.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/* Stop with status 1, naming what failed, unless ok; say it when `say`. */
export function check(ok, what, say = true) {
    if (!ok) {
        console.error(`FAIL: ${what}`);
        process.exit(1);
    }
    if (say)
        console.log(`ok: ${what}`);
}

function chromium() {
    if (process.env.CASCADE_CHROMIUM)
        return process.env.CASCADE_CHROMIUM;
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

/* A headless browser and a page 1200 px wide; `errors` collects what the page raised or
 * logged as an error. */
export async function launch() {
    if (!process.env.CASCADE_NODE_PATH) {
        console.error('CASCADE_NODE_PATH is not set (scripts/lib.sh install_browser_driver)');
        process.exit(2);
    }
    const puppeteer = createRequire(process.env.CASCADE_NODE_PATH + '/')('puppeteer-core');
    const browser = await puppeteer.launch({
        executablePath: chromium(),
        args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 1000 });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    return { browser, page, errors };
}
