// The lab in headless Chromium (tests/test_lab.c runs it; docs/lab.md): the page against
// the native program.
//
//   node tests/browser/lab.mjs LAB_HTML CASCADE_BIN CONFIGS_DIR WORK_DIR SHOTS_DIR SEED...
//
// For each seed: `#scenario=long-squeeze&seed=N&run` reaches data-state="done" and shows
// the native run's liquidation count; with a student (a market long just before the
// squeeze, and a limit order) it shows the student's outcome, and the config it offers
// for download, run natively, gives the same liquidation count and the same outcome, and
// the same run directory byte for byte (summary.json's performance aside); a moved
// slider runs with the native program's --set; a bad value shows the program's one-line
// error; a run to a pause is the native run with --steps, and the beginning of the run
// to the end. The page is one file under 3 MB that asks for nothing else, and shows the C
// report (its captions and player) with the lab's figure 1 in figure 1's place. On the first seed, the stop
// button ends a whole-day run. Screenshots go to SHOTS_DIR. Prints what it checked;
// exits 1 on the first difference. puppeteer-core is found through CASCADE_NODE_PATH
// (scripts/lib.sh, install_browser_driver).
import {execFileSync} from 'node:child_process';
import {createRequire} from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [lab, bin, configs, workArg, shots, ...seeds] = process.argv.slice(2);
const work = path.resolve(workArg || '.');
if (!seeds.length) {
    console.error('usage: lab.mjs LAB_HTML CASCADE_BIN CONFIGS_DIR WORK_DIR SHOTS_DIR SEED...');
    process.exit(2);
}
const puppeteer = createRequire(process.env.CASCADE_NODE_PATH + '/')('puppeteer-core');
fs.mkdirSync(shots, {recursive: true});

function fail(msg) {
    console.error('lab: ' + msg);
    process.exit(1);
}

function check(ok, msg) {
    if (!ok)
        fail(msg);
}

// The native program: `cascade ARGS` in WORK_DIR; {status, stderr}.
let dirs = 0;
function cascade(args) {
    try {
        execFileSync(bin, args, {cwd: work, stdio: ['ignore', 'ignore', 'pipe']});
        return {status: 0, stderr: ''};
    } catch (e) {
        return {status: e.status, stderr: String(e.stderr)};
    }
}

// A native run: its directory's summary.json (parsed) and the directory.
function native(args) {
    const dir = path.join(work, `native-${++dirs}`);
    const r = cascade(['run', ...args, '-o', dir, '--quiet']);
    check(r.status === 0, `cascade run ${args.join(' ')}: ${r.stderr}`);
    return {dir, summary: JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'))};
}

const strip = (text) => text.replace(/"performance": \{[^}]*\}/, '');

// Two run directories: the same files, the same bytes (summary.json's performance aside).
function sameDir(a, b, what) {
    const names = fs.readdirSync(a).sort();
    check(JSON.stringify(names) === JSON.stringify(Object.keys(b).sort()),
          `${what}: the lab wrote ${Object.keys(b).sort()}, natively ${names}`);
    for (const n of names) {
        let x = fs.readFileSync(path.join(a, n), 'utf8'), y = b[n];
        if (n === 'summary.json') {
            x = strip(x);
            y = strip(y);
        }
        check(x === y, `${what}: ${n} differs from the native run's`);
    }
    return names.length;
}

// one file, under 3 MB, that loads nothing else
const html = fs.readFileSync(lab, 'utf8');
check(fs.statSync(lab).size < 3000000, `${lab} is ${fs.statSync(lab).size} bytes`);
check(!/<(script|link|img|iframe)\b[^>]*\s(src|href)\s*=/i.test(html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '')),
      `${lab} refers to another file`);

const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || 'chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-gpu',
           '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage();
await page.setViewport({width: 1100, height: 900});
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const url = 'file://' + path.resolve(lab);
// nothing but the page itself, its workers' blobs and data: nothing from a network
page.on('request', (r) => {
    const u = r.url();
    if (!(u.startsWith(url) || /^(blob|data|about):/.test(u)))
        errors.push('the page asked for ' + u);
});

// Open the lab at #HASH (a fresh load) and, with wait, wait for its run to end.
async function open(hash, wait = true) {
    await page.goto('about:blank');
    await page.goto(url + '#' + hash);
    if (wait)
        await settled();
}

async function settled() {
    await page.waitForFunction(
        () => ['done', 'failed', 'stopped'].includes(document.getElementById('lab').dataset.state),
        {timeout: 300000});
    check(!errors.length, 'JavaScript errors: ' + errors.join('; '));
}

const state = () => page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    return {state: $('lab').dataset.state, liquidations: $('lab-liquidations').textContent,
            student: $('lab-student').hidden ? null : {...$('lab-student').dataset},
            error: $('lab-error').hidden ? null : $('lab-error').textContent};
});

// The run's files as the page holds them, and the config it offers for download.
const labFiles = () => page.evaluate(async () => ({
    download: await (await fetch(document.getElementById('lab-download').href)).text(),
    name: document.getElementById('lab-download').download,
    files: window.labLastRun.files,
}));

async function shot(name) {
    const file = path.join(shots, name + '.png');
    await page.screenshot({path: file, fullPage: true});
    console.log('lab: screenshot ' + file);
}

const squeeze = path.join(configs, 'long-squeeze.json');
const studentSpecs = ['2390:buy:1:50', '2390:buy:1:5', '2300:buy:2:20:limit:59900,2395:buy:1:30'];
let checked = 0;

for (const [n, seed] of seeds.entries()) {
    // the scenario as shipped
    await open(`scenario=long-squeeze&seed=${seed}&run`);
    let s = await state();
    check(s.state === 'done', `seed ${seed}: the run ended ${s.state}: ${s.error}`);
    const ref = native([squeeze, '--seed', seed, '--counterfactual']);
    check(s.liquidations === String(ref.summary.liquidations.count),
          `seed ${seed}: ${s.liquidations} liquidations in the lab, ` +
          `${ref.summary.liquidations.count} natively`);
    check(s.student === null, `seed ${seed}: a student shown without one`);
    if (n === 0) {
        await shot(`lab-long-squeeze-seed${seed}`);
        // the report is the C report's page: its captions, trees and player, with the
        // lab's figure 1 in figure 1's place
        await page.waitForFunction(() => {
            const d = document.getElementById('lab-report').contentDocument;
            return d && d.querySelector('#fig1 svg.lab-fig1');
        }, {timeout: 30000});
        const rep = await page.evaluate(() => {
            const d = document.getElementById('lab-report').contentDocument;
            return {undrawn: d.querySelectorAll('figure.undrawn').length,
                    captions: d.querySelectorAll('figure.undrawn figcaption').length,
                    player: !!d.getElementById('replay'),
                    liquidations: d.body.textContent.includes('liquidations')};
        });
        check(rep.undrawn >= 6 && rep.captions === rep.undrawn && rep.player,
              `seed ${seed}: the report in the lab: ${JSON.stringify(rep)}`);
    }

    // a student inside the cascade
    for (const spec of studentSpecs) {
        await open(`scenario=long-squeeze&seed=${seed}&student=${spec}&run`);
        s = await state();
        check(s.state === 'done' && s.student, `seed ${seed}, student ${spec}: ${s.state} ${s.error}`);
        const got = await labFiles();
        const file = path.join(work, `${got.name.replace(/\.json$/, '')}-${checked}.json`);
        fs.writeFileSync(file, got.download);
        const again = native([file, '--counterfactual']);
        const me = again.summary.agents.scripted;
        check(s.liquidations === String(again.summary.liquidations.count),
              `seed ${seed}, student ${spec}: ${s.liquidations} liquidations in the lab, ` +
              `${again.summary.liquidations.count} from its config natively`);
        check(s.student.liquidated === (me.liquidated > 0 ? 'yes' : 'no') &&
              Number(s.student.pnl) === me.pnl,
              `seed ${seed}, student ${spec}: the lab says liquidated ${s.student.liquidated}, ` +
              `pnl ${s.student.pnl}; natively ${me.liquidated}, ${me.pnl}`);
        checked += sameDir(again.dir, got.files, `seed ${seed}, student ${spec}`);
        if (n === 0 && spec === studentSpecs[0])
            await shot(`lab-student-seed${seed}`);
    }

    // a slider moved: the traders' leverage
    await open(`scenario=long-squeeze&seed=${seed}`, false);
    const slider = await page.$('.knob[data-path="agents[4].params.leverage"] input[type=range]');
    check(slider, 'no leverage slider for agents[4]');
    await slider.evaluate((el) => {
        el.value = 12;
        el.dispatchEvent(new Event('input'));
    });
    await page.click('#lab-run');
    await settled();
    s = await state();
    const lev = native([squeeze, '--seed', seed, '--counterfactual', '--set',
                        'agents[4].params.leverage=12']);
    check(s.state === 'done' && s.liquidations === String(lev.summary.liquidations.count),
          `seed ${seed}, leverage 12: ${s.liquidations} liquidations in the lab, ` +
          `${lev.summary.liquidations.count} natively`);
    if (n === 0)
        await shot(`lab-leverage12-seed${seed}`);

    // a run to a pause: the native run of the same config with --steps
    await open(`scenario=long-squeeze&seed=${seed}&student=2000:buy:1:20&pause=2390`, false);
    await page.click('#lab-to-pause');
    await settled();
    s = await state();
    const paused = await labFiles();
    check(s.state === 'done' && s.student && s.student.position === '1',
          `seed ${seed}, paused at 2390: ${JSON.stringify(s)}`);
    const pfile = path.join(work, `paused-${seed}.json`);
    fs.writeFileSync(pfile, paused.download);
    const p = native([pfile, '--steps', '2390']);
    checked += sameDir(p.dir, paused.files, `seed ${seed}, paused at 2390`);
    // the pause saw the whole run's market: its rows are the first rows of the run to the end
    await page.click('#lab-run');
    await settled();
    const whole = await labFiles();
    const cut = paused.files['timeseries.csv'];
    check(whole.files['timeseries.csv'].startsWith(cut) && cut.split('\n').length > 200,
          `seed ${seed}: the run paused at 2390 is not the beginning of the whole run`);
    if (n === 0)
        await shot(`lab-paused-seed${seed}`);
}

// a bad value: the program's own one-line error
await open(`scenario=long-squeeze&seed=${seeds[0]}&set=agents[4].params.leverage=0&run`);
let s = await state();
const bad = cascade(['validate', squeeze, '--set', 'agents[4].params.leverage=0']);
check(bad.status === 2, 'natively, leverage 0 is accepted');
const line = bad.stderr.trim().split('\n').pop().replace(/^cascade: [^:]*: /, '');
check(s.state === 'failed' && s.error && s.error.includes(line),
      `a bad value: the lab says ${JSON.stringify(s.error)}, natively ${JSON.stringify(line)}`);

// the stop button ends a run (the calibrated day, 86,400 steps)
await open('scenario=btc-perp&seed=1&run', false);
await page.waitForFunction(() => document.getElementById('lab').dataset.state === 'running');
await page.click('#lab-stop');
await settled();
s = await state();
check(s.state === 'stopped', `the stop button: the run ended ${s.state}`);

await browser.close();
console.log(`lab: seeds ${seeds.join(' ')}: the lab's runs are the native ones ` +
            `(${checked} files compared byte for byte)`);
