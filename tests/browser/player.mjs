// player.mjs: the replay player in headless Chromium, frame by frame (issue 22).
//
//   node tests/browser/player.mjs RUNDIR [SHOTS]
//
// RUNDIR holds a run and its report.html (cascade report RUNDIR). For the largest cascade
// (most liquidations; ties: larger notional, then lower id, as the page orders them) the
// page is opened at #replay=STEP.K for every frame K of each step STEP of the cascade's
// span that has fills (its first step, and up to two after it), and each frame is held to
// replay.jsonl: #replay's data-step, data-event and data-events; the ladder's best prices
// at frame 0 equal the step's start book's and at the last frame the step's end book's;
// some frame's best bid is at or below the step's lowest trade. The ladder's text labels
// must not overlap (their bounding boxes in the page's layout) in the frames of fills,
// liquidations, the step's ends and every 25th; the narration of the first step tells
// each liquidation before its orders' fills and scrolls; #replay=STEP opens frame 0; &play
// moves on. Screenshots of the player mid-cascade go to SHOTS-STEP-K.png (default
// player-STEP-K.png in the current directory). Prints one line per check; exit status 0
// when all hold, 1 (naming the first that failed) otherwise, 2 for a usage error.
//
//   node tests/browser/player.mjs --two PAGE RUN_A RUN_B
//
// PAGE is `cascade report RUN_A RUN_B`'s page of two runs, each with a cascade and its
// player: both players load (each draws its ladder), every id in the page (those the
// scripts made included) is its own, #b-replay=STEP.K opens frame K of the second run's
// largest cascade's first step in the second player and leaves the first at its start,
// #replay=STEP.K&b-replay=STEP2.K2 drives each player to its own frame, and a button of the
// second player moves it alone and keeps the first's address in the page's.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { launch, check } from './lib.mjs';

function csv(path) {
    const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
    const names = head.split(',');
    return rows.map((r) => Object.fromEntries(r.split(',').map((v, k) => [names[k], v])));
}

/* A run's largest cascade, in the page's order, and its replay.jsonl lines of its
 * instrument. */
function largest(dir) {
    const cascades = csv(`${dir}/cascades.csv`);
    check(cascades.length > 0, `${dir} has a cascade`);
    const top = cascades.reduce((a, b) => {
        const la = +a.liquidations, lb = +b.liquidations;
        if (la !== lb) return la > lb ? a : b;
        if (+a.notional !== +b.notional) return +a.notional > +b.notional ? a : b;
        return +a.id < +b.id ? a : b;
    });
    const lines = readFileSync(`${dir}/replay.jsonl`, 'utf8').trim().split('\n')
        .map((l) => JSON.parse(l)).filter((j) => j.instrument === top.instrument);
    const line = lines.find((j) => j.step === +top.start_step);
    check(line, `${dir}: replay.jsonl has step ${top.start_step} of ${top.instrument}`);
    return { top, lines, line };
}

if (process.argv[2] === '--two') {
    await two(...process.argv.slice(3));
    process.exit(0);
}
const [dir, shots = 'player'] = process.argv.slice(2);
if (!dir) {
    console.error('usage: node player.mjs RUNDIR [SHOTS] | --two PAGE RUN_A RUN_B');
    process.exit(2);
}

const { top, lines, line } = largest(dir);
const step = +top.start_step, last = Math.min(+(top.finish_step || top.end_step), step + 2);
const n = line.events.length;
const liqs = line.events.filter((e) => e[0] === 'liquidation').map((e) => e[1]);
const lowestOf = (j) => Math.min(...j.events.filter((e) => e[0] === 'fill').map((e) => e[1]));
check(isFinite(lowestOf(line)), `step ${step} has fills`);
console.log(`cascade ${top.id}: ${top.liquidations} liquidations from step ${step}` +
            ` (steps ${step} to ${last} checked); ${n} events in its first`);

const { browser, page, errors } = await launch();
const url = pathToFileURL(`${dir}/report.html`).href;
await page.goto(`${url}#replay=${step}.0`, { waitUntil: 'load' });

async function open(hash) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    return page.waitForFunction((h) => {
        const m = /replay=(\d+)(?:\.(\d+))?/.exec(h);
        const r = document.getElementById('replay');
        return r.dataset.step === m[1] && r.dataset.event === (m[2] || '0');
    }, {}, hash).then(() => page.evaluate(() => {
        const r = document.getElementById('replay'), l = document.getElementById('replay-ladder');
        return { step: +r.dataset.step, event: +r.dataset.event, events: +r.dataset.events,
                 bid: l.dataset.bestBid === '' ? null : +l.dataset.bestBid,
                 ask: l.dataset.bestAsk === '' ? null : +l.dataset.bestAsk };
    }));
}

/* Every frame of a step, opened through the address in the page: its attributes, and
 * for the frames of fills, liquidations, the step's ends and every 25th, every pair of the
 * ladder's text labels whose boxes intersect. */
function frames(j) {
    return page.evaluate(async (step, n, kinds) => {
        const out = [];
        const r = document.getElementById('replay'), l = document.getElementById('replay-ladder');
        for (let k = 0; k <= n; k++) {
            const want = `#replay=${step}.${k}`;
            if (location.hash !== want) {
                const moved = new Promise((ok) => addEventListener('hashchange', ok, { once: true }));
                location.hash = want;
                await moved;
            }
            const f = { step: +r.dataset.step, event: +r.dataset.event, events: +r.dataset.events,
                        bid: l.dataset.bestBid === '' ? null : +l.dataset.bestBid,
                        ask: l.dataset.bestAsk === '' ? null : +l.dataset.bestAsk };
            if (k === 0 || k === n || k % 25 === 0 || ['fill', 'liquidation', 'finished'].includes(kinds[k])) {
                const boxes = [...l.querySelectorAll('text')].map((t) => {
                    const b = t.getBoundingClientRect();
                    return { t: t.textContent, l: b.left, r: b.right, top: b.top, bot: b.bottom };
                });
                f.labels = boxes.length;
                f.bad = [];
                for (let a = 0; a < boxes.length; a++)
                    for (let b = a + 1; b < boxes.length; b++) {
                        const x = boxes[a], y = boxes[b];
                        if (Math.min(x.r, y.r) - Math.max(x.l, y.l) > 0.5 &&
                            Math.min(x.bot, y.bot) - Math.max(x.top, y.top) > 0.5)
                            f.bad.push(`'${x.t}' and '${y.t}'`);
                    }
            }
            out.push(f);
        }
        return out;
    }, j.step, j.events.length, [null, ...j.events.map((e) => e[0])]);
}

/* Hold every frame of a step to replay.jsonl; the frame of its lowest best bid. */
async function checkStep(j) {
    const n = j.events.length, lowest = lowestOf(j), fs = await frames(j);
    let lowestBid = Infinity, lowestAt = -1, labels = 0, drawn = 0;
    fs.forEach((f, k) => {
        check(f.step === j.step && f.event === k && f.events === n,
              `step ${j.step} frame ${k}: data-step ${f.step}, data-event ${f.event}, ` +
              `data-events ${f.events} (replay.jsonl: ${n} events)`, false);
        if (f.bid !== null && f.bid < lowestBid) lowestBid = f.bid, lowestAt = k;
        if (f.bad) {
            check(f.bad.length === 0, `step ${j.step} frame ${k}: ladder labels overlap: ` +
                  f.bad.join('; '), false);
            labels = Math.max(labels, f.labels);
            drawn++;
        }
    });
    const first = [j.start.bids[0]?.[0] ?? null, j.start.asks[0]?.[0] ?? null];
    const end = [j.bids[0]?.[0] ?? null, j.asks[0]?.[0] ?? null];
    check(fs[0].bid === first[0] && fs[0].ask === first[1],
          `step ${j.step} frame 0 shows the start's best prices ${first.join(' / ')}` +
          ` (the page: ${fs[0].bid} / ${fs[0].ask})`, false);
    check(fs[n].bid === end[0] && fs[n].ask === end[1],
          `step ${j.step} frame ${n} shows the end's best prices ${end.join(' / ')}` +
          ` (the page: ${fs[n].bid} / ${fs[n].ask})`, false);
    check(lowestBid <= lowest, `step ${j.step}: some frame's best bid (lowest ${lowestBid}, ` +
          `frame ${lowestAt}) is at or below the step's lowest trade ${lowest}`);
    console.log(`ok: step ${j.step}: ${n + 1} frames with data-step, data-event, data-events; ` +
                `the start's and the end's best prices; no two of the ladder's labels overlap ` +
                `in ${drawn} frames (up to ${labels} labels)`);
    return lowestAt;
}

const lowestAt = await checkStep(line);
let deepest = { step, at: lowestAt, price: lowestOf(line) }; /* the span's lowest trade */
for (const j of lines)
    if (j.step > step && j.step <= last && isFinite(lowestOf(j))) {
        const at = await checkStep(j);
        if (lowestOf(j) < deepest.price)
            deepest = { step: j.step, at, price: lowestOf(j) };
    }

/* the narration: every event a line, each liquidation told before its orders' fills */
await open(`#replay=${step}.${lowestAt}`);
const told = await page.evaluate(() => {
    const nar = document.getElementById('replay-narration');
    return { lines: [...nar.children].map((d) => d.textContent),
             now: [...nar.children].findIndex((d) => d.classList.contains('now')),
             scrolls: nar.scrollHeight > nar.clientHeight, overflow: getComputedStyle(nar).overflowY };
});
check(told.lines.length === n + 1, `the narration has a line per event and one for the start`);
check(told.now === lowestAt, `the narration marks the frame's line (${told.now})`);
check(told.overflow === 'auto' && (told.lines.length < 15 || told.scrolls), 'the narration scrolls');
for (const id of liqs) {
    const said = told.lines.findIndex((t) => t.includes(`Liquidation ${id}: account `));
    const sold = told.lines.findIndex((t) => t.includes(`Liquidation ${id} (the engine)`));
    check(said > 0 && (sold < 0 || said < sold), `liquidation ${id} is told (line ${said}) ` +
          `before its orders (line ${sold})`, false);
}
console.log(`ok: the narration tells ${liqs.length} liquidations before their orders`);

/* screenshots mid-cascade: the first step's first liquidation and lowest bid, and the
 * lowest bid of the step with the span's lowest trade */
const firstLiq = line.events.findIndex((e) => e[0] === 'liquidation') + 1;
const shoot = [[step, firstLiq], [step, lowestAt], [deepest.step, deepest.at]];
for (const [s, k] of shoot.filter(([s, k], i) => k > 0 &&
                                   shoot.findIndex(([t, m]) => t === s && m === k) === i)) {
    await open(`#replay=${s}.${k}`);
    const el = await page.$('#replay');
    await el.screenshot({ path: `${shots}-${s}-${k}.png` });
    console.log(`ok: screenshot ${shots}-${s}-${k}.png`);
}

/* #replay=STEP is frame 0; &play plays on */
const plain = await open(`#replay=${step}`);
check(plain.event === 0, '#replay=STEP opens frame 0');
await page.evaluate((h) => { location.hash = h; }, `#replay=${step}.0&play`);
await page.waitForFunction((s) => {
    const r = document.getElementById('replay');
    return +r.dataset.step > s || +r.dataset.event > 0;
}, { timeout: 10000 }, step);
console.log('ok: &play moves on');

check(errors.length === 0, `no errors in the page: ${errors.join('; ')}`);
await browser.close();
console.log('player: every check holds');

/* The page of two runs: two players, each driven by its own address key. */
async function two(pagePath, dirA, dirB) {
    if (!dirB) {
        console.error('usage: node player.mjs --two PAGE RUN_A RUN_B');
        process.exit(2);
    }
    const a = largest(dirA), b = largest(dirB);
    const { browser, page, errors } = await launch();
    const state = () => page.evaluate(() => {
        const one = (p) => {
            const r = document.getElementById(p + 'replay');
            return r && { step: r.dataset.step, event: r.dataset.event, events: r.dataset.events,
                          labels: document.getElementById(p + 'replay-ladder').querySelectorAll('text').length };
        };
        const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
        return { a: one(''), b: one('b-'), hash: location.hash,
                 dup: ids.filter((id, k) => ids.indexOf(id) !== k) };
    });
    const at = (p, s, k) => page.waitForFunction((p, s, k) => {
        const r = document.getElementById(p + 'replay');
        return r && r.dataset.step === String(s) && r.dataset.event === String(k);
    }, { timeout: 5000 }, p, s, k).catch(() => null);
    const sb = +b.top.start_step, kb = Math.min(3, b.line.events.length);
    const sa = +a.top.start_step, ka = Math.min(2, a.line.events.length);
    await page.goto(`${pathToFileURL(pagePath).href}#b-replay=${sb}.${kb}`, { waitUntil: 'load' });
    await at('b-', sb, kb);
    let s = await state();
    check(s.a && s.b && s.a.labels > 0 && s.b.labels > 0,
          `both players load and draw their ladders: ${JSON.stringify(s)}`);
    check(s.dup.length === 0, `every id in the page is its own (duplicates: ${s.dup.join(', ')})`);
    check(s.b.step === String(sb) && s.b.event === String(kb) &&
          s.b.events === String(b.line.events.length),
          `#b-replay=${sb}.${kb} opens the second player at step ${sb}, frame ${kb} ` +
          `(data-step ${s.b.step}, data-event ${s.b.event}, data-events ${s.b.events})`);
    check(s.a.step === String(sa) && s.a.event === '0',
          `the first player stays at its start, step ${sa} frame 0 (data-step ${s.a.step}, ` +
          `data-event ${s.a.event})`);
    const kb2 = Math.min(1, b.line.events.length);
    await page.evaluate((h) => { location.hash = h; }, `#replay=${sa}.${ka}&b-replay=${sb}.${kb2}`);
    await at('', sa, ka);
    await at('b-', sb, kb2);
    s = await state();
    check(s.a.step === String(sa) && s.a.event === String(ka) && s.b.step === String(sb) &&
          s.b.event === String(kb2),
          `#replay=${sa}.${ka}&b-replay=${sb}.${kb2} drives each player to its own frame: ` +
          JSON.stringify(s));
    await page.click('#b-replay-next');
    await at('b-', sb, kb2 + 1);
    s = await state();
    check(s.b.event === String(kb2 + 1) && s.a.event === String(ka) &&
          s.hash.includes(`b-replay=${sb}.${kb2 + 1}`) && s.hash.includes(`replay=${sa}.${ka}`),
          `the second player's button moves it alone and the address keeps both: ${JSON.stringify(s)}`);
    check(errors.length === 0, `no errors in the page: ${errors.join('; ')}`);
    await browser.close();
    console.log('player: every check of the two-run page holds');
}
