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
// to the end; a run to a price alarm pauses after the step in which the native run's
// trades first reach it, and is the native run to that pause. The page is one file under 3 MB that asks for nothing else, and shows the C
// report (its captions and player) with the lab's drawing in the place of every figure the
// report does not skip (data inside the axes, the axes' labels, no placeholder left), figure
// 2's tallest bar the native run's largest liquidated_notional. On the first seed, the stop
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
let checked = 0, marked = 0;

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
            const figs = [...d.querySelectorAll('figure')].filter((f) => /^fig\d+$/.test(f.id));
            return {figures: figs.map((f) => {
                        const svg = f.querySelector('svg.fig');
                        const text = (sel) => (svg && svg.querySelector(sel) || {}).textContent || '';
                        // the data: marks inside the axes (figure 1: its lines and points)
                        const data = !svg ? 0 : [...svg.querySelectorAll(
                            svg.classList.contains('lab-fig1') ? 'path, circle'
                                : 'g[clip-path] path, g[clip-path] rect, g[clip-path] circle')]
                            .filter((e) => e.tagName !== 'path' || e.getAttribute('d')).length;
                        return {id: f.id, skipped: f.classList.contains('skipped'),
                                svg: !!svg && svg.classList.contains(`lab-${f.id}`), data,
                                xlabel: text('text.xlabel'), ylabel: text('text.ylabel'),
                                caption: !!f.querySelector('figcaption')};
                    }),
                    placeholders: d.querySelectorAll('p.undrawn, figure.undrawn').length,
                    player: !!d.getElementById('replay'),
                    opening: d.querySelectorAll('#fig1 svg rect.opening').length,
                    acf: [...d.querySelectorAll('#fig8 svg path[data-y]')].map((b) => ({
                        abs: b.classList.contains('acf-abs'), y: Number(b.dataset.y)})),
                    facts7: (d.querySelector('#fig7 figcaption') || {dataset: {}}).dataset.facts,
                    facts8: (d.querySelector('#fig8 figcaption') || {dataset: {}}).dataset.facts,
                    bars: [...d.querySelectorAll('#fig2 svg path.bar')].map((b) => ({
                        y: Number(b.dataset.y), top: Number(b.getAttribute('d').split('V')[1])}))};
        });
        // figure 1 shades the book's opening as the native figure does (summary.json)
        check(rep.opening === (ref.summary.opening.steps > 0 ? 1 : 0),
              `seed ${seed}: figure 1 shades ${rep.opening} opening(s), natively ` +
              `${ref.summary.opening.steps} steps`);
        const drawn = rep.figures.filter((f) => !f.skipped);
        check(rep.figures.length === 8 && rep.placeholders === 0 && rep.player &&
              drawn.length >= 6 && drawn.every((f) => f.caption),
              `seed ${seed}: the report in the lab: ${JSON.stringify(rep)}`);
        // every figure the report does not skip drawn by the lab: data inside its axes,
        // and its axes' labels with their units
        for (const f of drawn)
            check(f.svg && f.data > 0 && /\(.+\)/.test(f.xlabel) && /\S/.test(f.ylabel),
                  `seed ${seed}: ${f.id} in the lab's report: ${JSON.stringify(f)}`);
        // figure 2's tallest bar is the largest liquidated_notional of the native run's
        // timeseries.csv, on the report's instrument (its largest cascade's: most
        // liquidations, then notional), as figures.c plots it: one impulse per row
        const rows = (file) => {
            const [head, ...lines] = fs.readFileSync(path.join(ref.dir, file), 'utf8')
                .trim().split('\n').map((l) => l.split(','));
            return lines.map((l) => Object.fromEntries(head.map((h, i) => [h, l[i]])));
        };
        const best = rows('cascades.csv').reduce((a, c) => (!a || +c.liquidations > +a.liquidations ||
            (+c.liquidations === +a.liquidations && +c.notional > +a.notional) ? c : a), null);
        const ts = rows('timeseries.csv');
        const inst = best ? best.instrument : ts[0].instrument;
        const most = Math.max(...ts.filter((r) => r.instrument === inst)
                                    .map((r) => Number(r.liquidated_notional)));
        check(drawn.some((f) => f.id === 'fig2') && most > 0 && rep.bars.length > 0,
              `seed ${seed}: figure 2 drawn with ${rep.bars.length} bars, natively at most ${most}`);
        const tallest = rep.bars.reduce((a, b) => (b.top < a.top ? b : a));
        check(Math.max(...rep.bars.map((b) => b.y)) === most && tallest.y === most,
              `seed ${seed}: figure 2's tallest bar is ${tallest.y} (largest value ` +
              `${Math.max(...rep.bars.map((b) => b.y))}), the native run's largest ` +
              `liquidated_notional ${most}`);
        // figure 8's bars beyond the ±1.96/√n band: as many as the C report's caption counts
        // (its data-facts; n, the returns, from figure 7's), from the same returns
        const fact = (facts, k) => Number(((facts || '').match(new RegExp(`(?:^|;)${k}=(\\d+)`)) ||
                                           [])[1]);
        const band = 1.96 / Math.sqrt(fact(rep.facts7, 'returns'));
        const beyond = [rep.acf.filter((b) => !b.abs && Math.abs(b.y) > band).length,
                        rep.acf.filter((b) => b.abs && b.y > band).length];
        check(Number.isFinite(band) && rep.acf.filter((b) => !b.abs).length === fact(rep.facts8, 'lags') &&
              beyond[0] === fact(rep.facts8, 'outside_r') && beyond[1] === fact(rep.facts8, 'outside_abs'),
              `seed ${seed}: figure 8 has ${beyond} bars beyond the band; its caption: ${rep.facts8}`);
        console.log(`lab: seed ${seed}: the report's figures ${drawn.map((f) => f.id).join(' ')} ` +
                    `drawn by the lab; figure 2's tallest bar ${most} and figure 8's ` +
                    `${beyond} bars beyond the band, as natively`);
        const frame = await page.$('#lab-report');
        await frame.screenshot({path: path.join(shots, `lab-report-seed${seed}.png`)});
        await (await frame.contentFrame()).evaluate(() => {
            document.getElementById('fig2').scrollIntoView();
        });
        await frame.screenshot({path: path.join(shots, `lab-report-figures-seed${seed}.png`)});
        console.log('lab: screenshot ' + path.join(shots, `lab-report-figures-seed${seed}.png`));
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
        // a position held to the end: its liquidation price is on the report player's
        // ladder (drawn at the player's first frame), as accounts.csv gives it
        const acc = fs.readFileSync(path.join(again.dir, 'accounts.csv'), 'utf8').trim().split('\n');
        const ah = acc[0].split(','), row = acc.slice(1).map((l) => l.split(','))
            .find((r) => r[ah.indexOf('type')] === 'scripted');
        if (row && row[ah.indexOf('position_lots')] !== '0' && row[ah.indexOf('liquidation_price')] !== '') {
            const id = row[ah.indexOf('account')], liq = +row[ah.indexOf('liquidation_price')];
            await page.waitForFunction(() => {
                const d = document.getElementById('lab-report').contentDocument;
                return d && d.querySelector('#replay-ladder text');
            }, {timeout: 30000});
            const mark = await page.evaluate((id) => {
                const d = document.getElementById('lab-report').contentDocument;
                const data = JSON.parse(d.getElementById('replay-data').textContent);
                return {open: data.open.filter((o) => o.account === id),
                        said: [...d.querySelectorAll('#replay-ladder text')]
                            .map((t) => t.textContent).filter((t) => t.includes('account ' + id))};
            }, id);
            check(mark.open.length === 1 && mark.open[0].liq === liq && mark.said.length === 1,
                  `seed ${seed}, student ${spec}: the ladder marks ${JSON.stringify(mark)}, ` +
                  `accounts.csv account ${id}'s liquidation price ${liq}`);
            marked++;
        }
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

    // a run to a price alarm: natively, the first step in which a trade reaches 58,500
    // after a whole step above it (the mid where nothing traded); the lab pauses after it,
    // as the native run with --steps does
    await open(`scenario=long-squeeze&seed=${seed}&alarm=58500&run`);
    s = await state();
    const seen = await page.evaluate(() => ({...document.getElementById('lab-paused').dataset}));
    const every = native([squeeze, '--seed', seed, '--set', 'record.sample_every=1']);
    const text = fs.readFileSync(path.join(every.dir, 'timeseries.csv'), 'utf8').trim().split('\n');
    const head = text[0].split(',');
    const col = (row, name) => row[head.indexOf(name)];
    const rows = text.slice(1).map((l) => l.split(','))
        .filter((r) => col(r, 'instrument') === 'BTC-PERP' && col(r, 'mid') !== '');
    let armed = false, at = null;
    for (const r of rows) {
        const lo = col(r, 'low') === '' ? +col(r, 'mid') : +col(r, 'low');
        if (armed && lo <= 58500) {
            at = +col(r, 'step');
            break;
        }
        armed ||= lo > 58500;
    }
    check(at !== null && at > 100, `seed ${seed}: natively no trade reaches 58,500 after the start`);
    check(s.state === 'done' && seen.alarmStep === String(at) && seen.step === String(at + 1),
          `seed ${seed}, alarm 58,500: the lab paused ${JSON.stringify(seen)} (${s.state} ` +
          `${s.error}); natively the trade is in step ${at}`);
    const alarmed = await labFiles();
    const afile = path.join(work, `alarm-${seed}.json`);
    fs.writeFileSync(afile, alarmed.download);
    checked += sameDir(native([afile, '--steps', String(at + 1)]).dir, alarmed.files,
                       `seed ${seed}, paused at the alarm`);
    if (n === 0)
        await shot(`lab-alarm-seed${seed}`);
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
check(marked > 0, 'no student held a position to the end: the ladder\'s mark went untested');
console.log(`lab: ${marked} students' liquidation prices on the player's ladder`);
console.log(`lab: seeds ${seeds.join(' ')}: the lab's runs are the native ones ` +
            `(${checked} files compared byte for byte)`);
