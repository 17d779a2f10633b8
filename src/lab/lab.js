/* The lab's page script (docs/lab.md). What a run computes is the cascade program's: the
 * page composes a config (a shipped scenario, the seed, the student's account as a
 * `scripted` agent appended to its agents), passes the sliders' values as the program's
 * own --set overrides (so a bad value is the program's one-line error), runs `cascade run
 * --counterfactual` and `cascade report` in a Web Worker (src/lab/worker.js), and shows
 * what they wrote: summary.json's figures, the report page, the config.json the run
 * resolved (downloadable), and the report's figures, which gnuplot draws natively and this
 * script draws here from the same files: figure 1 (the price with its liquidations and
 * the counterfactual, with the student's orders) on the page and in the report, figures
 * 2 to 8 in the report. */
"use strict";

const $ = (id) => document.getElementById(id);
const scenarios = JSON.parse($("lab-scenarios").textContent);
const lab = $("lab");
let worker = null, knobs = [], lastRun = null;

/* ---- the scenario's knobs: --set paths that exist in its config ---- */

/* A distribution's or a number's middle, for a slider's start. */
function middle(v, dflt) {
    if (typeof v === "number")
        return v;
    if (v && typeof v === "object") {
        if (typeof v.low === "number" && typeof v.high === "number")
            return (v.low + v.high) / 2;
        if (typeof v.mean === "number")
            return v.mean;
    }
    return dflt;
}

/* A config value in a few words: a distribution as "uniform 20-60", absent as the
 * default. */
function show(v) {
    if (v === undefined)
        return "default";
    if (v === false)
        return "off";
    if (v && typeof v === "object" && v.dist)
        return v.dist + " " + (v.low !== undefined ? `${v.low}\u2013${v.high}`
                                                    : Object.entries(v).filter(([k]) => k !== "dist")
                                                          .map(([k, x]) => `${k} ${x}`).join(", "));
    return typeof v === "string" ? v : JSON.stringify(v);
}

/* The knobs of a config: each {label, path, kind ("range" or "select"), and min, max,
 * step, start for a range, options [[label, JSON value]] for a select; the scenario's
 * own value is what a knob left alone keeps (no override). */
function knobsFor(cfg) {
    const out = [];
    (cfg.agents || []).forEach((a, k) => {
        const p = a.params || {};
        if (a.type === "leveraged") {
            out.push({label: "traders' leverage", path: `agents[${k}].params.leverage`,
                      kind: "range", min: 1, max: 100, step: 1,
                      start: Math.round(middle(p.leverage, 10)), own: show(p.leverage)});
            out.push({label: "traders' margin", path: `agents[${k}].margin`, kind: "select",
                      options: [["cross", "cross"], ["isolated", "isolated"]],
                      own: a.margin || "cross"});
        }
        if (a.type === "basis_arb")
            out.push({label: "arbitrage capital", path: `agents[${k}].params.max_notional`,
                      kind: "range", min: 10000, max: 3000000, step: 10000,
                      start: middle(p.max_notional, 600000), own: show(p.max_notional)});
    });
    let big = -1, size = 0;
    (cfg.shocks || []).forEach((s, k) => {
        const m = s.kind === "market_order" || s.kind === "limit_order" ? s.qty / 1000
                                                                         : Math.abs(s.pct || 0) * 10;
        if (m > size) {
            size = m;
            big = k;
        }
    });
    if (big >= 0) {
        const s = cfg.shocks[big];
        if (s.kind === "market_order" || s.kind === "limit_order")
            out.push({label: `the shock's size (step ${s.step}, lots)`, path: `shocks[${big}].qty`,
                      kind: "range", min: 1, max: 3000, step: 1, start: s.qty, own: show(s.qty)});
        else if (typeof s.pct === "number")
            out.push({label: `the shock's size (step ${s.step}, fraction)`, path: `shocks[${big}].pct`,
                      kind: "range", min: -0.3, max: 0.3, step: 0.005, start: s.pct, own: show(s.pct)});
    }
    const k = (cfg.instruments || []).findIndex((i) => i.kind === "perpetual");
    if (k >= 0) {
        const inst = cfg.instruments[k];
        out.push({label: "price band", path: `instruments[${k}].price_band`, kind: "select",
                  options: [["off", false], ["1%", {pct: 0.01}], ["2%", {pct: 0.02}],
                            ["5%", {pct: 0.05}], ["10%", {pct: 0.1}]],
                  own: inst.price_band === undefined ? "the venue's" : show(inst.price_band)});
        out.push({label: "mark method", path: `instruments[${k}].mark.method`, kind: "select",
                  options: ["last", "mid", "index_ema", "median", "fair"].map((m) => [m, m]),
                  own: inst.mark && inst.mark.method ? inst.mark.method : "the venue's"});
        out.push({label: "dynamic margin", path: `instruments[${k}].dynamic_margin`,
                  kind: "select", options: [["off", false], ["on (defaults)", {}]],
                  own: inst.dynamic_margin === undefined ? "the venue's"
                                                         : show(inst.dynamic_margin)});
    }
    return out;
}

function drawKnobs(cfg) {
    knobs = knobsFor(cfg);
    const box = $("lab-knobs");
    box.textContent = "";
    knobs.forEach((k, n) => {
        const div = document.createElement("div");
        div.className = "knob";
        div.dataset.path = k.path;
        const name = document.createElement("span");
        name.textContent = k.label;
        name.title = "--set " + k.path;
        let input;
        const out = document.createElement("output");
        if (k.kind === "range") {
            input = document.createElement("input");
            input.type = "range";
            Object.assign(input, {min: k.min, max: k.max, step: k.step});
            input.value = k.start;
            out.textContent = `(${k.own})`;
            input.oninput = () => {
                k.value = +input.value;
                out.textContent = input.value;
                div.classList.add("changed");
            };
        } else {
            input = document.createElement("select");
            const own = document.createElement("option");
            own.value = "";
            own.textContent = `(scenario: ${k.own})`;
            input.append(own);
            k.options.forEach(([label, value], i) => {
                const o = document.createElement("option");
                o.value = String(i);
                o.textContent = label;
                input.append(o);
            });
            input.onchange = () => {
                k.value = input.value === "" ? undefined : k.options[+input.value][1];
                div.classList.toggle("changed", input.value !== "");
            };
        }
        input.id = "lab-knob-" + n;
        k.input = input;
        const reset = document.createElement("button");
        reset.type = "button";
        reset.textContent = "reset";
        reset.onclick = () => {
            k.value = undefined;
            div.classList.remove("changed");
            if (k.kind === "range") {
                input.value = k.start;
                out.textContent = `(${k.own})`;
            } else
                input.value = "";
        };
        div.append(name, input, out, reset);
        box.append(div);
    });
}

/* A --set of the address or the text field onto its knob when one has that path and can
 * show the value: true when it did. */
function setKnob(path, text) {
    const k = knobs.find((k) => k.path === path);
    if (!k)
        return false;
    let v;
    try {
        v = JSON.parse(text);
    } catch (e) {
        v = text;
    }
    if (k.kind === "range" && typeof v === "number") {
        k.input.value = v;
        k.input.oninput();
        return +k.input.value === v;
    }
    if (k.kind === "select") {
        const i = k.options.findIndex((o) => JSON.stringify(o[1]) === JSON.stringify(v));
        if (i >= 0) {
            k.input.value = String(i);
            k.input.onchange();
            return true;
        }
    }
    return false;
}

/* The overrides: the knobs moved, then the text field's PATH=VALUE entries. */
function overrides() {
    const sets = knobs.filter((k) => k.value !== undefined)
                     .map((k) => k.path + "=" + (typeof k.value === "string" ? k.value
                                                                           : JSON.stringify(k.value)));
    for (const s of $("lab-set").value.split(";"))
        if (s.trim())
            sets.push(s.trim());
    return sets;
}

/* ---- the student's orders ---- */

function addOrder(o) {
    o = Object.assign({step: 0, side: "buy", lots: 1, leverage: 10, type: "market", price: ""}, o);
    const tr = document.createElement("tr");
    const cell = (el) => {
        const td = document.createElement("td");
        td.append(el);
        tr.append(td);
        return el;
    };
    const num = (v, cls, min) => {
        const i = document.createElement("input");
        Object.assign(i, {type: "number", value: v, className: cls, min, step: "any"});
        return cell(i);
    };
    const sel = (v, cls, opts) => {
        const s = document.createElement("select");
        s.className = cls;
        for (const o of opts)
            s.append(new Option(o, o));
        s.value = v;
        return cell(s);
    };
    num(o.step, "step", 0);
    sel(o.side, "side", ["buy", "sell"]);
    num(o.lots, "lots", 1);
    num(o.leverage, "leverage", 1);
    sel(o.type, "type", ["market", "limit"]);
    num(o.price, "price", 0);
    const rm = document.createElement("button");
    rm.type = "button";
    rm.textContent = "remove";
    rm.onclick = () => tr.remove();
    cell(rm);
    $("lab-orders").tBodies[0].append(tr);
}

/* The orders as the scripted agent's script (docs/agents/scripted.md). */
function readOrders() {
    return [...$("lab-orders").tBodies[0].rows].map((tr) => {
        const v = (c) => tr.querySelector("." + c).value;
        const o = {step: Math.round(+v("step")), side: v("side"), lots: Math.round(+v("lots")),
                   leverage: Math.round(+v("leverage"))};
        if (v("type") === "limit") {
            o.type = "limit";
            o.price = +v("price");
        }
        return o;
    });
}

/* ---- the config a run uses ---- */

/* The scenario with the seed and the student; cut at step `upto` (a pause: the shocks
 * and orders from that step on left out, the run made with --steps upto). */
function compose(upto) {
    const name = $("lab-scenario").value;
    const cfg = JSON.parse(scenarios[name]);
    cfg.seed = Math.max(0, Math.round(+$("lab-seed").value || 0));
    const orders = readOrders().filter((o) => upto === null || o.step < upto);
    if (orders.length)
        cfg.agents.push({type: "scripted", count: 1, margin: $("lab-margin").value,
                         params: {collateral: +$("lab-collateral").value, orders}});
    if (upto !== null && cfg.shocks)
        cfg.shocks = cfg.shocks.filter((s) => s.step < upto);
    return {name, seed: cfg.seed, student: orders.length > 0, text: JSON.stringify(cfg, null, 2)};
}

/* ---- running ---- */

function setState(s, status) {
    lab.dataset.state = s;
    $("lab-status").textContent = status;
    $("lab-run").disabled = $("lab-to-pause").disabled = $("lab-to-alarm").disabled =
        s === "running";
    $("lab-stop").disabled = s !== "running";
}

/* A fresh worker (the last one, if any, stopped). */
function newWorker() {
    if (worker)
        worker.terminate();
    const url = URL.createObjectURL(new Blob([$("lab-worker").textContent],
                                             {type: "text/javascript"}));
    worker = new Worker(url);
    URL.revokeObjectURL(url);
    worker.onerror = (e) => {
        failed("the worker failed: " + (e.message || "unknown error"));
        worker = null;
    };
    $("lab-error").hidden = true;
    $("lab-progress").value = 0;
}

/* The first step after which the run pauses for a price alarm, from a run's timeseries.csv
 * with a row every step (of its first instrument; rows without a mid left out): the alarm
 * below the first row's mid is a fall to it, above it a rise. It goes off in the first
 * step in which a trade reaches it (the row's low, or high; the mid when nothing traded),
 * once a whole step has traded on the far side of it (while the book fills, the first
 * steps trade far from the start price). {step, price (that step's low or high), falls},
 * or null when nothing reaches it. */
function alarmStep(text, alarm) {
    const rows = csv(text);
    const inst = rows.length ? rows[0].instrument : null;
    const mine = rows.filter((r) => r.instrument === inst && r.mid !== "");
    if (!mine.length)
        return null;
    const falls = alarm < +mine[0].mid;
    let armed = false;
    for (const r of mine) {
        const lo = r.low === "" ? +r.mid : +r.low, hi = r.high === "" ? +r.mid : +r.high;
        if (armed && (falls ? lo <= alarm : hi >= alarm))
            return {step: +r.step, price: falls ? r.low || r.mid : r.high || r.mid, falls};
        if (falls ? lo > alarm : hi < alarm)
            armed = true;
    }
    return null;
}

/* A run to a price alarm: the whole run first, with a row every step and nothing else
 * (a probe), to find the step; then the run to the pause after it. */
function startAlarm(alarm) {
    if (!Number.isFinite(alarm) || alarm <= 0) {
        failed(`lab: the alarm must be a price above 0, not '${$("lab-alarm").value}'`);
        return;
    }
    const probe = compose(null);
    const args = overrides().flatMap((s) => ["--set", s]);
    args.push("--set", "record.sample_every=1", "--set", "record.replay_window_steps=0",
              "--set", "record.trades=false");
    newWorker();
    setState("running", `looking for the step the price crosses ${alarm}`);
    worker.onmessage = (ev) => {
        const m = ev.data;
        if (m.type === "progress") {
            $("lab-progress").value = 0.3 * (m.total ? m.done / m.total : 0);
            return;
        }
        worker.terminate();
        worker = null;
        if (m.status !== 0) {
            failed(m.stderr || `cascade run failed (exit status ${m.status})`);
            return;
        }
        const hit = alarmStep(m.files["timeseries.csv"], alarm);
        const steps = JSON.parse(scenarios[probe.name]).steps;
        if (!hit) {
            failed(`lab: the price never crosses ${alarm} in this run (seed ${probe.seed}); ` +
                   "try a price nearer the market, or pause at a step");
            return;
        }
        start(hit.step + 1 < steps ? hit.step + 1 : null, {alarm, ...hit});
    };
    worker.postMessage({config: probe.text, args, report: false});
}

function start(upto, alarm = null) {
    const steps = JSON.parse(scenarios[$("lab-scenario").value]).steps;
    if (upto !== null && !(upto >= 1 && upto < steps))
        upto = null;
    const run = compose(upto);
    const args = overrides().flatMap((s) => ["--set", s]);
    args.push(...(upto === null ? ["--counterfactual"] : ["--steps", String(upto)]));
    run.upto = upto;
    run.alarm = alarm;
    newWorker();
    setState("running", upto === null ? "running" : `running to step ${upto}`);
    const share = {run: [0, 0.45], counterfactual: [0.45, 0.45], report: [0.9, 0.1]};
    worker.onmessage = (ev) => {
        const m = ev.data;
        if (m.type === "progress") {
            const [from, width] = share[m.phase];
            $("lab-progress").value = from + width * (m.total ? m.done / m.total : 0);
            $("lab-status").textContent = m.phase === "run" ? "running"
                : m.phase === "counterfactual" ? "running without liquidations (the counterfactual)"
                : "writing the report";
            return;
        }
        worker.terminate();
        worker = null;
        finish(run, m);
    };
    worker.postMessage({config: run.text, args, report: true});
}

function stop() {
    if (!worker)
        return;
    worker.terminate();
    worker = null;
    $("lab-progress").value = 0;
    setState("stopped", "stopped");
}

function failed(text) {
    $("lab-error").textContent = text;
    $("lab-error").hidden = false;
    setState("failed", "failed");
}

/* ---- what a run wrote ---- */

function csv(text) {
    const lines = (text || "").split("\n").filter((l) => l);
    const head = (lines.shift() || "").split(",");
    return lines.map((l) => {
        const f = l.split(","), row = {};
        head.forEach((h, i) => { row[h] = f[i]; });
        return row;
    });
}

function money(v) {
    return Number(v).toLocaleString("en", {maximumFractionDigits: 2});
}

function finish(run, m) {
    if (m.status !== 0) {
        failed(m.stderr || `cascade run failed (exit status ${m.status})`);
        return;
    }
    const f = m.files, summary = JSON.parse(f["summary.json"]);
    lastRun = {run, files: f};
    window.labLastRun = lastRun; /* the run's files, for the browser test and the console */
    $("lab-result").hidden = false;
    $("lab-liquidations").textContent = String(summary.liquidations.count);
    const al = run.alarm;
    const told = al ? `A trade at ${al.price} in step ${al.step} ${al.falls ? "fell" : "rose"} ` +
                      `through your alarm at ${al.alarm}. ` : "";
    $("lab-paused").textContent = told + (run.upto === null
        ? (al ? "That was the run's last step." : "")
        : `Paused at step ${run.upto}: the market as it is before that step's orders; add yours ` +
          `at step ${run.upto} and run again.`);
    const pz = $("lab-paused").dataset;
    if (run.upto === null)
        delete pz.step;
    else
        pz.step = String(run.upto);
    if (al) {
        pz.alarmStep = String(al.step);
        pz.alarmPrice = String(al.price);
        pz.alarm = String(al.alarm);
    } else {
        delete pz.alarmStep;
        delete pz.alarmPrice;
        delete pz.alarm;
    }
    const accounts = csv(f["accounts.csv"]);
    const me = accounts.find((a) => a.type === "scripted");
    const liqs = csv(f["liquidations.csv"]);
    const mine = me ? liqs.filter((l) => l.account === me.account) : [];
    const st = $("lab-student"), s = summary.agents && summary.agents.scripted;
    if (run.student && s) {
        st.hidden = false;
        st.dataset.liquidated = s.liquidated > 0 ? "yes" : "no";
        st.dataset.pnl = String(s.pnl);
        st.dataset.position = String(s.position_lots);
        st.textContent = `Your account (${me.account}): bought ${s.bought_lots} lots and sold ` +
            `${s.sold_lots} (${s.orders} orders accepted); ` +
            (mine.length ? mine.map((l) => `liquidated at step ${l.step} (${l.side} ${l.lots} lots, ` +
                                            `leverage ${l.leverage}, mark ${l.mark} crossed its ` +
                                            `liquidation price ${l.liquidation_price})`).join("; ")
                         : "not liquidated") +
            `; change of equity at the final mark ${money(s.pnl)} (fees and funding included). ` +
            (run.upto === null ? "At the end: " : `Before step ${run.upto}: `) +
            (me.position_lots === "0" ? "no position" :
             `${me.position_lots} lots from ${me.entry}, liquidation price ` +
             `${me.liquidation_price || "none"}` +
             (me.isolated_margin !== "" ? `, isolated margin ${money(me.isolated_margin)}` : "")) +
            `; equity ${money(me.equity)} against a maintenance margin of ${money(me.maintenance)}.`;
        st.dataset.liquidationPrice = me.liquidation_price;
    } else {
        st.hidden = true;
        delete st.dataset.liquidated;
        delete st.dataset.pnl;
        delete st.dataset.position;
        delete st.dataset.liquidationPrice;
    }
    const config = f["config.json"];
    $("lab-config").textContent = config;
    const a = $("lab-download");
    if (a.href.startsWith("blob:"))
        URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([config], {type: "application/json"}));
    a.download = `${run.name}-seed${run.seed}${run.upto === null ? "" : "-to" + run.upto}.json`;
    $("lab-command").textContent = `cascade run ${a.download} ` +
        (run.upto === null ? "--counterfactual" : `--steps ${run.upto}`);
    const svg = chart(f, me, run, false);
    $("lab-chart").innerHTML = svg;
    $("lab-zoom").checked = false;
    $("lab-zoom").onchange = () => {
        $("lab-chart").innerHTML = chart(f, me, run, $("lab-zoom").checked);
    };
    const frame = $("lab-report");
    if (m.report !== null) {
        /* each figure the report left undrawn (gnuplot's, natively) drawn in its place,
         * under the report's own caption; the ones the report skips have no place */
        const figs = {1: svg, ...labFigures(f)};
        frame.onload = () => {
            const doc = frame.contentDocument;
            for (const fig of doc ? doc.querySelectorAll("figure.undrawn") : []) {
                const p = fig.querySelector("p.undrawn"), drawn = figs[fig.id.replace(/^fig/, "")];
                if (p && drawn) {
                    p.outerHTML = drawn;
                    fig.classList.replace("undrawn", "lab-drawn");
                }
            }
        };
        frame.srcdoc = m.report;
    } else
        frame.srcdoc = `<p>cascade report failed: ${(m.report_stderr || "").replace(/</g, "&lt;")}</p>`;
    $("lab-progress").value = 1;
    setState("done", run.upto === null ? "done" : `paused at step ${run.upto}`);
}

/* ---- the report's figures, as gnuplot draws them natively ---- */

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

/* A number as C's %.10g writes it for the usual magnitudes (the axis labels' units). */
const g10 = (v) => String(Number(v.toPrecision(10)));

/* Ticks at 1, 2 or 5 times a power of ten, about n of them over [lo, hi]. */
function ticks(lo, hi, n = 6) {
    const span = hi - lo;
    if (!(span > 0))
        return {list: [lo], step: Math.abs(lo) || 1};
    const raw = span / n, p = 10 ** Math.floor(Math.log10(raw)), m = raw / p;
    const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p, list = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
        list.push(k * step);
    return {list, step};
}

/* An axis' range as gnuplot autoscales it: out to the ticks around the data, an end
 * given (the "0" of "[0:*]") kept as it is. */
function autoscale(values, lo, hi) {
    const v = values.filter(Number.isFinite);
    let a = lo ?? (v.length ? Math.min(...v) : 0), b = hi ?? (v.length ? Math.max(...v) : 1);
    if (a === b) {
        a -= Math.abs(a) * 0.1 || 1;
        b += Math.abs(b) * 0.1 || 1;
    }
    const {step} = ticks(a, b);
    return [lo ?? Math.floor(a / step + 1e-9) * step, hi ?? Math.ceil(b / step - 1e-9) * step];
}

/* A tick's label: as many decimals as the step needs, thousands grouped. */
function tickText(v, step) {
    const d = step >= 1 ? 0 : Math.min(8, Math.ceil(-Math.log10(step) - 1e-9));
    return (Math.abs(v) < step * 1e-6 ? 0 : v).toLocaleString("en", {minimumFractionDigits: d,
                                                                      maximumFractionDigits: d});
}

/* A polyline through points [x, y] (a non-finite y lifts the pen) as path data. */
function pathData(pts, X, Y) {
    let d = "", pen = false;
    for (const [x, y] of pts) {
        if (!Number.isFinite(y) || !Number.isFinite(x)) {
            pen = false;
            continue;
        }
        d += (pen ? "L" : "M") + X(x).toFixed(1) + " " + Y(y).toFixed(1);
        pen = true;
    }
    return d;
}

/* One figure as an SVG string, the frame gnuplot's script sets (src/report/gnuplot.c,
 * cas__script_begin: title, grid, border, the key below): o.num, o.title, o.inst;
 * o.x = [lo, hi], o.y = [lo, hi] (o.ylog: a log axis, ticks at powers of ten),
 * o.y2 = [lo, hi] for a right axis; o.xlabel, o.ylabel, o.y2label; o.layers(X, Y, Y2):
 * the data, an SVG string, drawn inside the axes; o.key: [colour, label, dashed] below;
 * o.right: room on the right (a colour bar) and o.extra(X, Y, box): drawn there. */
function plot(o) {
    const W = 900, L = 90, TOP = 34, rows = Math.ceil(o.key.length / 3);
    const R = o.right || (o.y2 ? 80 : 25), H = 330 + rows * 18, B = 52 + rows * 18;
    const [x0, x1] = o.x, [y0, y1] = o.y;
    const X = (x) => L + (x - x0) / (x1 - x0 || 1) * (W - L - R);
    const lin = (lo, hi) => (y) => TOP + (hi - y) / (hi - lo || 1) * (H - TOP - B);
    const Y = o.ylog ? (y) => lin(Math.log10(y0), Math.log10(y1))(Math.log10(y)) : lin(y0, y1);
    const Y2 = o.y2 ? lin(o.y2[0], o.y2[1]) : null;
    const clip = `lab-fig${o.num}-clip`;
    let g = `<svg xmlns="http://www.w3.org/2000/svg" class="fig lab-fig lab-fig${o.num}" ` +
            `viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}">` +
            `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${esc(o.title)} ` +
            `(${esc(o.inst)}; drawn by the lab)</text>` +
            `<clipPath id="${clip}"><rect x="${L}" y="${TOP}" width="${W - L - R}" ` +
            `height="${H - TOP - B}"/></clipPath>`;
    const xt = ticks(x0, x1);
    for (const x of xt.list)
        g += `<line x1="${X(x).toFixed(1)}" x2="${X(x).toFixed(1)}" y1="${TOP}" y2="${H - B}" ` +
             `stroke="#ddd"/><text x="${X(x).toFixed(1)}" y="${H - B + 15}" text-anchor="middle" ` +
             `font-size="11">${tickText(x, xt.step)}</text>`;
    const yt = o.ylog ? {list: [], step: 1} : ticks(y0, y1);
    if (o.ylog)
        for (let e = Math.ceil(Math.log10(y0) - 1e-9); e <= Math.log10(y1) + 1e-9; e++)
            yt.list.push(10 ** e);
    for (const y of yt.list)
        g += `<line x1="${L}" x2="${W - R}" y1="${Y(y).toFixed(1)}" y2="${Y(y).toFixed(1)}" ` +
             `stroke="#ddd"/><text x="${L - 5}" y="${Y(y).toFixed(1)}" dy="4" text-anchor="end" ` +
             `font-size="11">${o.ylog ? `10<tspan dy="-5" font-size="9">${Math.round(Math.log10(y))}` +
                                          `</tspan>` : tickText(y, yt.step)}</text>`;
    if (o.y2) {
        const t2 = ticks(o.y2[0], o.y2[1]);
        for (const y of t2.list)
            g += `<text x="${W - R + 5}" y="${Y2(y).toFixed(1)}" dy="4" font-size="11">` +
                 `${tickText(y, t2.step)}</text>`;
    }
    g += `<g clip-path="url(#${clip})">${o.layers(X, Y, Y2)}</g>` +
         `<rect x="${L}" y="${TOP}" width="${W - L - R}" height="${H - TOP - B}" fill="none" ` +
         `stroke="#444"/>` +
         `<text class="xlabel" x="${(L + W - R) / 2}" y="${H - B + 32}" text-anchor="middle" ` +
         `font-size="12">${esc(o.xlabel)}</text>` +
         `<text class="ylabel" transform="translate(16 ${(TOP + H - B) / 2}) rotate(-90)" ` +
         `text-anchor="middle" font-size="12">${esc(o.ylabel)}</text>`;
    if (o.y2label)
        g += `<text class="ylabel y2label" transform="translate(${W - 12} ${(TOP + H - B) / 2}) ` +
             `rotate(90)" text-anchor="middle" font-size="12">${esc(o.y2label)}</text>`;
    if (o.extra)
        g += o.extra(X, Y, {x: W - R, top: TOP, bottom: H - B});
    o.key.forEach(([c, t, dashed], i) => {
        const kx = L + (i % 3) * 270, ky = H - B + 52 + Math.floor(i / 3) * 18;
        g += `<line x1="${kx}" x2="${kx + 24}" y1="${ky - 4}" y2="${ky - 4}" stroke="${c}" ` +
             `stroke-width="${dashed ? 1.5 : 4}"${dashed ? ` stroke-dasharray="4 3"` : ""}/>` +
             `<text x="${kx + 30}" y="${ky}" font-size="11">${esc(t)}</text>`;
    });
    return g + "</svg>";
}

/* What `cascade report` reads of a run directory for its figures (src/report/run.c):
 * the page's instrument (the largest cascade's: most liquidations, then notional; else
 * timeseries.csv's first), its rows, the step's length (from the first row's time_s)
 * and the time axis' unit (s up to 3 minutes, min up to 3 hours, else h). */
function reportData(f) {
    const num = (v) => (v === undefined || v === "" ? NaN : +v);
    const all = csv(f["timeseries.csv"]);
    let best = null;
    for (const c of csv(f["cascades.csv"]))
        if (!best || +c.liquidations > +best.liquidations ||
            (+c.liquidations === +best.liquidations && +c.notional > +best.notional))
            best = c;
    const inst = best ? best.instrument : all.length ? all[0].instrument : "";
    const rows = all.filter((r) => r.instrument === inst).map((r) => ({
        step: +r.step, time: +r.time_s, last: num(r.last), mark: num(r.mark), low: num(r.low),
        price: r.mid !== "" ? num(r.mid) : num(r.last), depth1: num(r.depth_1pct),
        depth5: num(r.depth_5pct), oi: num(r.oi_long), funding: num(r.funding_rate),
        liq: num(r.liquidated_notional), insurance: num(r.insurance_fund), index: num(r.index)}));
    const sec = rows.length && rows[0].time > 0 ? rows[0].time / (rows[0].step + 1) : 1;
    const total = rows.length ? rows[rows.length - 1].step * sec : 0;
    const unitSec = total > 3 * 3600 ? 3600 : total > 180 ? 60 : 1;
    const d = {inst, rows, sec, unitSec, unit: total > 3 * 3600 ? "h" : total > 180 ? "min" : "s",
               T: (step) => (step + 1) * sec / unitSec};
    d.end = rows.length ? d.T(rows[rows.length - 1].step) : 1;
    d.every = rows.length > 1 ? (rows[1].step - rows[0].step) * sec : 0;
    for (const r of rows)
        r.x = d.T(r.step);
    /* the book's opening (summary.json's opening.steps): the lowest trade of a row that
     * began in it is left out of figure 1, which shades it, as fig_prices does natively */
    let opening = 0;
    try {
        const o = JSON.parse(f["summary.json"]).opening;
        opening = o && o.steps > 0 ? o.steps : 0;
    } catch (e) {
        opening = 0;
    }
    d.opening = opening;
    for (let i = 0; i < rows.length; i++)
        if ((i ? rows[i - 1].step + 1 : 0) < opening)
            rows[i].low = NaN;
    /* the log returns of the price between rows, in bp (figures 7 and 8) */
    d.returns = [];
    for (let i = 1; i < rows.length; i++)
        if (rows[i - 1].price > 0 && rows[i].price > 0)
            d.returns.push(1e4 * Math.log(rows[i].price / rows[i - 1].price));
    return d;
}

/* gnuplot's palette `defined (0 c0, 1 c1, ...)` at g in [0, 1]. */
function palette(colours, g) {
    const at = Math.min(Math.max(g, 0), 1) * (colours.length - 1), k = Math.min(Math.floor(at),
                                                                               colours.length - 2);
    const c = (s, i) => parseInt(s.slice(1 + 2 * i, 3 + 2 * i), 16);
    return "#" + [0, 1, 2].map((i) => Math.round(c(colours[k], i) + (c(colours[k + 1], i) -
                    c(colours[k], i)) * (at - k)).toString(16).padStart(2, "0")).join("");
}

/* gnuplot's format '%.0s%c': the mantissa and an SI prefix (20k, 5M). */
function si(v) {
    const e = Math.max(-3, Math.min(12, Math.floor(Math.log10(v) / 3 + 1e-9) * 3));
    return (v / 10 ** e).toFixed(0) + {"-3": "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T"}[e];
}

/* The time axis of figures 2 to 6 (figures.c, time_axis). */
const timeAxis = (d) => ({x: [0, d.end], xlabel: `time (${d.unit})`});

/* Figure 2 (fig_liquidated): liquidated_notional per row, impulses from 0. Each bar
 * carries its row's value (data-y) for the browser test. */
function fig2(d) {
    const bars = d.rows.filter((r) => Number.isFinite(r.liq) && r.liq !== 0);
    return plot({num: 2, title: "Figure 2: liquidated notional", inst: d.inst, ...timeAxis(d),
                 y: autoscale(bars.map((r) => r.liq), 0),
                 ylabel: `notional per ${g10(d.every)} s (quote currency)`,
                 key: [["#d62728", "liquidated notional, at the mark when triggered"]],
                 layers: (X, Y) => bars.map((r) =>
                     `<path class="bar" data-x="${r.x}" data-y="${r.liq}" d="M${X(r.x).toFixed(1)} ` +
                     `${Y(0).toFixed(1)}V${Y(r.liq).toFixed(1)}" stroke="#d62728" ` +
                     `stroke-width="2"/>`).join("")});
}

/* Figure 3 (fig_heatmap): liqmap.csv's long + short notional per price bin and
 * publication, averaged into at most 150 columns by at most 160 rows as figures.c bins
 * it, colour on a log scale; the price over it. */
function fig3(d, f) {
    const HEAT_COLS = 150, HEAT_ROWS = 160;
    const below = (v, n) => (!(v >= 0) ? 0 : v >= n - 1 ? n - 1 : Math.floor(v));
    const map = csv(f["liqmap.csv"] || "").filter((m) => m.instrument === d.inst)
        .map((m) => ({step: +m.step, lo: +m.price_lo, hi: +m.price_hi,
                      notional: +m.long_notional + +m.short_notional}))
        .filter((m) => m.notional > 0);
    if (!map.length || !d.rows.length)
        return null;
    let interval = 0, plo = Infinity, phi = -Infinity, width = Infinity, nPub = 0;
    map.forEach((m, i) => {
        if (i === 0 || m.step !== map[i - 1].step) {
            nPub++;
            if (i > 0 && (interval === 0 || m.step - map[i - 1].step < interval))
                interval = m.step - map[i - 1].step;
        }
        plo = Math.min(plo, m.lo);
        phi = Math.max(phi, m.hi);
        width = Math.min(width, m.hi - m.lo);
    });
    if (interval <= 0)
        interval = 60;
    let ylo = plo, yhi = phi;
    for (const r of d.rows) {
        ylo = Math.min(ylo, r.price);
        yhi = Math.max(yhi, r.price);
    }
    const cols = Math.min(nPub, HEAT_COLS);
    const rows = Math.max(16, below(Math.ceil((phi - plo) / width), HEAT_ROWS + 1));
    const cell = new Float64Array(cols * rows), pubs = new Uint32Array(cols);
    const t0 = map[0].step, t1 = map[map.length - 1].step + interval;
    const rowH = (phi - plo) / rows, colW = (t1 - t0) / cols;
    map.forEach((m, i) => {
        const c = below((m.step - t0) / colW, cols);
        cell[c * rows + below(((m.lo + m.hi) / 2 - plo) / rowH, rows)] += m.notional;
        if (i === 0 || m.step !== map[i - 1].step)
            pubs[c]++;
    });
    const cells = [];
    let vmin = Infinity, vmax = 0;
    for (let c = 0; c < cols; c++)
        for (let k = 0; k < rows; k++)
            if (cell[c * rows + k] > 0 && pubs[c]) {
                const v = cell[c * rows + k] / pubs[c];
                vmin = Math.min(vmin, v);
                vmax = Math.max(vmax, v);
                /* centre and half sizes, as heat.dat has them (the half width through
                 * the time axis' conversion, as figures.c converts it) */
                cells.push({x: d.T(t0 + (c + 0.5) * colW), y: plo + (k + 0.5) * rowH,
                            hw: d.T(colW / 2), hh: rowH / 2, v});
            }
    const cb = [vmin, vmax * 1.0001], colours = ["#fff7bc", "#fec44f", "#ec7014", "#993404",
                                                  "#3b0f02"];
    const gray = (v) => (Math.log(v) - Math.log(cb[0])) / (Math.log(cb[1]) - Math.log(cb[0]) || 1);
    /* colour ticks at 1, 2 and 5 times powers of ten, else the ends */
    const cbt = [];
    for (let dec = 10 ** Math.floor(Math.log10(vmin)); dec <= vmax; dec *= 10)
        for (const m of [1, 2, 5])
            if (m * dec >= vmin && m * dec <= vmax)
                cbt.push(m * dec);
    if (!cbt.length)
        cbt.push(vmin, vmax);
    return plot({num: 3, title: "Figure 3: liquidation levels (the venue's liquidation map)",
                 inst: d.inst, ...timeAxis(d), right: 150,
                 y: [ylo - (yhi - ylo) * 0.02, yhi + (yhi - ylo) * 0.02],
                 ylabel: "liquidation price (quote currency)",
                 key: [["#1f5fa8", "price"]],
                 layers: (X, Y) => cells.map((c) => {
                     const x = X(c.x - c.hw), y = Y(c.y + c.hh);
                     return `<rect class="cell" x="${x.toFixed(1)}" y="${y.toFixed(1)}" ` +
                            `width="${(X(c.x + c.hw) - x).toFixed(1)}" ` +
                            `height="${(Y(c.y - c.hh) - y).toFixed(1)}" ` +
                            `fill="${palette(colours, gray(c.v))}" data-v="${c.v}"/>`;
                 }).join("") + `<path class="price" d="${pathData(d.rows.map((r) => [r.x, r.price]),
                                                                   X, Y)}" fill="none" ` +
                 `stroke="#1f5fa8" stroke-width="2"/>`,
                 extra: (X, Y, box) => {
                     const bx = box.x + 20, h = box.bottom - box.top, n = 40;
                     let s = "";
                     for (let i = 0; i < n; i++)
                         s += `<rect x="${bx}" y="${(box.top + h * (n - 1 - i) / n).toFixed(1)}" ` +
                              `width="16" height="${(h / n + 0.5).toFixed(1)}" ` +
                              `fill="${palette(colours, (i + 0.5) / n)}"/>`;
                     s += `<rect x="${bx}" y="${box.top}" width="16" height="${h}" fill="none" ` +
                          `stroke="#444"/>`;
                     for (const t of cbt) {
                         const y = (box.top + h * (1 - gray(t))).toFixed(1);
                         s += `<line x1="${bx + 16}" x2="${bx + 20}" y1="${y}" y2="${y}" ` +
                              `stroke="#444"/><text x="${bx + 23}" y="${y}" dy="4" font-size="11">` +
                              `${si(t)}</text>`;
                     }
                     return s + `<text class="ylabel cblabel" transform="translate(${bx + 70} ` +
                                `${(box.top + box.bottom) / 2}) rotate(90)" text-anchor="middle" ` +
                                `font-size="12">notional liquidated there (quote currency)</text>`;
                 }});
}

/* Figure 4 (fig_depth): depth_5pct and depth_1pct, from 0. */
function fig4(d) {
    const ys = d.rows.flatMap((r) => [r.depth1, r.depth5]);
    return plot({num: 4, title: "Figure 4: depth of the book near the mid", inst: d.inst,
                 ...timeAxis(d), y: autoscale(ys, 0), ylabel: "resting (lots, both sides)",
                 key: [["#9ecae1", "within ±5% of the mid"], ["#08519c", "within ±1% of the mid"]],
                 layers: (X, Y) =>
                     `<path class="depth5" d="${pathData(d.rows.map((r) => [r.x, r.depth5]), X, Y)}" ` +
                     `fill="none" stroke="#9ecae1" stroke-width="2"/>` +
                     `<path class="depth1" d="${pathData(d.rows.map((r) => [r.x, r.depth1]), X, Y)}" ` +
                     `fill="none" stroke="#08519c" stroke-width="2"/>`});
}

/* Figure 5 (fig_oi_funding): oi_long from 0 on the left, funding_rate in % on the right
 * when any row has one. */
function fig5(d) {
    const funding = d.rows.some((r) => Number.isFinite(r.funding));
    const fp = d.rows.map((r) => [r.x, r.funding * 100]);
    return plot({num: 5, title: "Figure 5: open interest and funding rate", inst: d.inst,
                 ...timeAxis(d), y: autoscale(d.rows.map((r) => r.oi), 0),
                 ylabel: "open interest (lots, long)",
                 y2: funding ? autoscale(fp.map((p) => p[1])) : null,
                 y2label: funding ? "funding rate (% per interval)" : null,
                 key: funding ? [["#1f5fa8", "open interest (left)"],
                                 ["#e6550d", "predicted funding rate (right)"]]
                              : [["#1f5fa8", "open interest"]],
                 layers: (X, Y, Y2) =>
                     `<path class="oi" d="${pathData(d.rows.map((r) => [r.x, r.oi]), X, Y)}" ` +
                     `fill="none" stroke="#1f5fa8" stroke-width="2"/>` +
                     (funding ? `<path class="funding" d="${pathData(fp, X, Y2)}" fill="none" ` +
                                `stroke="#e6550d" stroke-width="1.5"/>` : "")});
}

/* Figure 6 (fig_insurance): insurance_fund with steps, 8% of the axis free above and
 * below. */
function fig6(d) {
    const v = d.rows.map((r) => r.insurance).filter(Number.isFinite);
    const lo = Math.min(...v), hi = Math.max(...v), pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.08 || 1;
    const pts = [];
    d.rows.forEach((r, i) => {
        if (i > 0)
            pts.push([r.x, d.rows[i - 1].insurance]);
        pts.push([r.x, r.insurance]);
    });
    return plot({num: 6, title: "Figure 6: the insurance fund", inst: d.inst, ...timeAxis(d),
                 y: [lo - pad, hi + pad], ylabel: "balance (quote currency)",
                 key: [["#756bb1", "insurance fund"]],
                 layers: (X, Y) => `<path class="insurance" d="${pathData(pts, X, Y)}" ` +
                                   `fill="none" stroke="#756bb1" stroke-width="2"/>`});
}

/* Figure 7 (fig_returns): the returns' histogram as a density (per bp, log scale),
 * figures.c's bins, against the normal density of the same mean and sd. */
function fig7(d) {
    const x = d.returns, n = x.length;
    if (n < 10)
        return null;
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) * (b - mean), 0) / n);
    if (!(sd > 0))
        return null;
    const lo = Math.min(...x), hi = Math.max(...x);
    const bins = Math.min(120, Math.max(20, Math.floor(Math.sqrt(n)) * 2)), w = (hi - lo) / bins;
    const count = new Array(bins).fill(0);
    for (const v of x) {
        const b = (v - lo) / w;
        count[!(b >= 0) ? 0 : b >= bins - 1 ? bins - 1 : Math.floor(b)]++;
    }
    const hist = count.map((c, b) => [lo + (b + 0.5) * w, c / (n * w)]).filter((h) => h[1] > 0);
    const normal = (v) => Math.exp(-0.5 * ((v - mean) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI));
    const x0 = lo - w, x1 = hi + w, curve = [];
    for (let i = 0; i < 1000; i++) {
        const v = x0 + (x1 - x0) * i / 999;
        curve.push([v, normal(v)]);
    }
    const floor = 0.5 / (n * w), top = Math.max(...hist.map((h) => h[1]), normal(mean));
    return plot({num: 7, title: "Figure 7: distribution of returns against a normal",
                 inst: d.inst, x: [x0, x1], xlabel: `log return over ${g10(d.every)} s (bp)`,
                 y: [floor, 10 ** Math.ceil(Math.log10(top))], ylog: true,
                 ylabel: "density (per bp, log scale)",
                 key: [["#1f5fa8", `returns (${n})`],
                       ["#d62728", `normal, same mean and sd (${Number(sd.toPrecision(3))} bp)`]],
                 layers: (X, Y) => hist.map(([c, v]) => {
                     const a = X(c - w / 2);
                     return `<rect class="bin" x="${a.toFixed(1)}" y="${Y(v).toFixed(1)}" ` +
                            `width="${(X(c + w / 2) - a).toFixed(1)}" ` +
                            `height="${(Y(floor) - Y(v)).toFixed(1)}" fill="#1f5fa8" ` +
                            `fill-opacity="0.5" stroke="#1f5fa8" data-y="${v}"/>`;
                 }).join("") + `<path class="normal" d="${pathData(curve.filter((p) => p[1] >= floor),
                                                                    X, Y)}" fill="none" ` +
                 `stroke="#d62728" stroke-width="2"/>`});
}

/* The autocorrelation at a lag of the returns (or of their absolute values), as
 * src/core/stats.c computes it; NaN without enough returns or variation. */
function acf(x, lag, absolute) {
    const n = x.length, v = absolute ? x.map(Math.abs) : x;
    if (lag === 0 || n < lag + 2)
        return NaN;
    const m = v.reduce((a, b) => a + b, 0) / n;
    let den = 0, num = 0;
    for (const e of v)
        den += (e - m) * (e - m);
    for (let i = 0; i + lag < n; i++)
        num += (v[i] - m) * (v[i + lag] - m);
    return den > 0 ? num / den : NaN;
}

/* Figure 8 (fig_acf): the autocorrelations of the returns and of their absolute values,
 * lags 1 to 50 (fewer with fewer returns), with the ±1.96/√n band. */
function fig8(d) {
    const x = d.returns, n = x.length, maxLag = n > 52 ? 50 : n > 3 ? n - 2 : 0;
    const lags = [];
    for (let lag = 1; lag <= maxLag; lag++)
        lags.push([lag, acf(x, lag, false), acf(x, lag, true)]);
    if (!lags.some((l) => Number.isFinite(l[1]) || Number.isFinite(l[2])))
        return null;
    const band = 1.96 / Math.sqrt(n);
    const bars = (k, dx, c) => lags.filter((l) => Number.isFinite(l[k])).map((l) =>
        (X, Y) => `<path class="${k === 1 ? "acf" : "acf-abs"}" data-x="${l[0]}" data-y="${l[k]}" ` +
                  `d="M${X(l[0] + dx).toFixed(1)} ${Y(0).toFixed(1)}V${Y(l[k]).toFixed(1)}" ` +
                  `stroke="${c}" stroke-width="3"/>`);
    const all = [...bars(1, -0.15, "#1f5fa8"), ...bars(2, 0.15, "#e6550d")];
    const hline = (y, attrs) => (X, Y) => `<line x1="${X(0)}" x2="${X(maxLag + 1)}" ` +
        `y1="${Y(y).toFixed(1)}" y2="${Y(y).toFixed(1)}" ${attrs}/>`;
    const rules = [hline(band, `stroke="#888888" stroke-dasharray="4 3"`),
                   hline(-band, `stroke="#888888" stroke-dasharray="4 3"`),
                   hline(0, `stroke="#444444"`)];
    return plot({num: 8, title: "Figure 8: autocorrelation of returns and of absolute returns",
                 inst: d.inst, x: [0, maxLag + 1], xlabel: `lag (returns of ${g10(d.every)} s)`,
                 y: autoscale([...lags.flatMap((l) => [l[1], l[2]]), band, -band]),
                 ylabel: "autocorrelation",
                 key: [["#1f5fa8", "returns"], ["#e6550d", "|returns|"],
                       ["#888888", "±1.96/√n (no correlation)", true]],
                 layers: (X, Y) => [...rules, ...all].map((l) => l(X, Y)).join("")});
}

/* Figures 2 to 8 of the report for a run's files: {number: SVG string}; a figure the
 * data cannot draw (which the report skips too) is left out. */
function labFigures(f) {
    const d = reportData(f), out = {};
    if (!d.rows.length)
        return out;
    for (const [num, draw] of [[2, fig2], [3, fig3], [4, fig4], [5, fig5], [6, fig6], [7, fig7],
                               [8, fig8]]) {
        const svg = draw(d, f);
        if (svg)
            out[num] = svg;
    }
    return out;
}

/* Figure 1 of the report as gnuplot draws it natively (src/report/figures.c, fig_prices,
 * with its colours), through plot: the report's instrument's last trade, mark, lowest
 * trade since the previous row and index from timeseries.csv, the counterfactual's price
 * (mid, else last) from timeseries-counterfactual.csv, the cascades of cascades.csv
 * shaded (at least 0.4% of the axis wide, overlapping ones merged), the liquidations of
 * liquidations.csv at their step and mark (long and short apart); rows and events of
 * step S at the end of step S, on the report's time axis. The lab adds the student's
 * orders, its liquidations with their liquidation price, its position's entry and
 * liquidation price, and the pause. An SVG string. */
function chart(f, me, run, zoom) {
    const cfg = JSON.parse(f["config.json"]), d = reportData(f), inst = d.inst, T = d.T;
    const minutes = (m) => m * 60 / d.unitSec, num = (v) => (v === undefined || v === "" ? NaN : +v);
    let ts = d.rows;
    let cf = csv(f["timeseries-counterfactual.csv"] || "").filter((r) => r.instrument === inst)
        .map((r) => ({x: T(+r.step), price: r.mid !== "" ? num(r.mid) : num(r.last)}));
    let liqs = csv(f["liquidations.csv"]).filter((l) => l.instrument === inst);
    let orders = run.student ? cfg.agents[cfg.agents.length - 1].params.orders : [];
    const mine = me && me.position_lots !== "0" && me.instrument === inst;
    /* zoomed: from 5 minutes before the first liquidation (or the student's first order) to
     * 15 minutes after the first liquidation */
    let x0 = 0, x1 = d.end;
    if (zoom && liqs.length) {
        const first = Math.min(+liqs[0].step, ...orders.map((o) => o.step));
        x0 = Math.max(x0, T(first) - minutes(5));
        x1 = Math.min(x1, T(+liqs[0].step) + minutes(15));
        const inX = (x) => x >= x0 && x <= x1;
        ts = ts.filter((p) => inX(p.x));
        cf = cf.filter((p) => inX(p.x));
        liqs = liqs.filter((l) => inX(T(+l.step)));
        orders = orders.filter((o) => inX(T(o.step)));
    }
    const ys = [...ts.flatMap((p) => [p.last, p.mark, p.low, p.index]), ...cf.map((p) => p.price),
                ...liqs.map((l) => +l.mark),
                ...(mine ? [num(me.entry), num(me.liquidation_price)] : [])].filter(Number.isFinite);
    let y0 = ys.length ? Math.min(...ys) : 0, y1 = ys.length ? Math.max(...ys) : 1;
    const pad = (y1 - y0) * 0.05 || 1;
    y0 -= pad;
    y1 += pad;
    /* the cascades, shaded */
    const spans = [], wide = (d.end - 0) * 0.004;
    for (const k of csv(f["cascades.csv"]).filter((c) => c.instrument === inst)) {
        let a = T(+k.start_step - 1), b = k.finish_step === "" ? d.end : T(+k.finish_step);
        if (b - a < wide) {
            a = (a + b - wide) / 2;
            b = a + wide;
        }
        if (spans.length && a <= spans[spans.length - 1][1])
            spans[spans.length - 1][1] = Math.max(spans[spans.length - 1][1], b);
        else
            spans.push([a, b]);
    }
    const index = d.rows.some((r) => Number.isFinite(r.index));
    const opened = d.opening > 0 ? Math.max(T(d.opening - 1), wide) : 0;
    const key = [["#999999", "last trade"], ["#1f5fa8", "mark"],
                 ["#b0b0b0", "lowest trade since the previous row", true],
                 ...(index ? [["#2ca02c", "index", true]] : []),
                 ...(cf.length ? [["#9467bd", "price without liquidations (counterfactual)"]] : []),
                 ...(spans.length ? [["#f4b6b6", "cascade"]] : []),
                 ...(opened > x0 ? [["#dddddd", "the book's opening"]] : []),
                 ...(liqs.length ? [["#d62728", "long liquidated (at mark)"],
                                    ["#ff7f0e", "short liquidated (at mark)"]] : []),
                 ...(orders.length ? [["#111", "your orders (▲ buy, ▼ sell)"]] : [])];
    const layers = (X, Y) => {
        const line = (pts, k, attrs) => `<path d="${pathData(pts.map((p) => [p.x, p[k]]), X, Y)}" ` +
                                        `fill="none" ${attrs}/>`;
        let g = "";
        if (opened > x0)
            g += `<rect class="opening" x="${X(x0).toFixed(1)}" y="${Y(y1).toFixed(1)}" ` +
                 `width="${(X(Math.min(opened, x1)) - X(x0)).toFixed(1)}" ` +
                 `height="${(Y(y0) - Y(y1)).toFixed(1)}" fill="#dddddd" fill-opacity="0.5"/>`;
        for (let [a, b] of spans) {
            [a, b] = [Math.max(a, x0), Math.min(b, x1)];
            if (b > a)
                g += `<rect class="cascade" x="${X(a).toFixed(1)}" y="${Y(y1).toFixed(1)}" ` +
                     `width="${(X(b) - X(a)).toFixed(1)}" height="${(Y(y0) - Y(y1)).toFixed(1)}" ` +
                     `fill="#f4b6b6" fill-opacity="0.45"/>`;
        }
        g += line(ts, "last", `class="last" stroke="#999999" stroke-width="1"`) +
             line(ts, "mark", `class="mark" stroke="#1f5fa8" stroke-width="2"`) +
             line(ts, "low", `class="low" stroke="#b0b0b0" stroke-width="1" stroke-dasharray="1 3"`) +
             (index ? line(ts, "index", `class="index" stroke="#2ca02c" stroke-width="2" ` +
                                        `stroke-dasharray="6 4"`) : "") +
             (cf.length ? line(cf, "price", `class="counterfactual" stroke="#9467bd" ` +
                                            `stroke-width="2"`) : "");
        for (const l of liqs) {
            const own = me && l.account === me.account, long = l.side === "long";
            const c = long ? "#d62728" : "#ff7f0e";
            g += `<circle class="liquidation" cx="${X(T(+l.step)).toFixed(1)}" ` +
                 `cy="${Y(+l.mark).toFixed(1)}" r="${own ? 8 : 3}" fill="${own ? "none" : c}" ` +
                 `stroke="${c}" stroke-width="${own ? 2.5 : 1}"><title>${esc(`liquidation ${l.id}: ` +
                 `account ${l.account}, ${l.side} ${l.lots} lots at mark ${l.mark}`)}</title></circle>`;
            if (own)
                g += `<line class="student-liquidation-price" x1="${X(x0)}" x2="${X(x1)}" ` +
                     `y1="${Y(+l.liquidation_price).toFixed(1)}" ` +
                     `y2="${Y(+l.liquidation_price).toFixed(1)}" stroke="#d62728" ` +
                     `stroke-dasharray="2 3"><title>your liquidation price ` +
                     `${esc(l.liquidation_price)}</title></line>`;
        }
        for (const o of orders) {
            const at = ts.find((p) => p.x >= T(o.step)) || ts[ts.length - 1];
            if (!at)
                continue;
            const up = o.side === "buy", cx = X(T(o.step - 1));
            const cy = Y(o.type === "limit" ? o.price : at.last), dy = up ? 10 : -10;
            g += `<path class="student-order" d="M${(cx - 6).toFixed(1)} ${(cy + dy).toFixed(1)}` +
                 `L${(cx + 6).toFixed(1)} ${(cy + dy).toFixed(1)}L${cx.toFixed(1)} ${cy.toFixed(1)}Z" ` +
                 `fill="#111"><title>${esc(`your ${o.type || "market"} ${o.side} of ${o.lots} ` +
                 `lots at step ${o.step}, leverage ${o.leverage}`)}</title></path>`;
        }
        /* the student's position at the end (or the pause): its entry and liquidation
         * price, accounts.csv */
        if (mine) {
            const x = X(ts.length ? ts[ts.length - 1].x : 0).toFixed(1);
            for (const [v, cls, c, what] of [[me.entry, "student-entry", "#111", "your entry"],
                                             [me.liquidation_price, "student-liquidation-price",
                                              "#d62728", "your liquidation price"]])
                if (v !== "")
                    g += `<line class="${cls}" x1="${X(x0)}" x2="${x}" y1="${Y(+v).toFixed(1)}" ` +
                         `y2="${Y(+v).toFixed(1)}" stroke="${c}" stroke-dasharray="6 3"><title>` +
                         `${what} ${esc(v)}</title></line><text x="${x}" y="${Y(+v).toFixed(1)}" ` +
                         `dy="-3" text-anchor="end" font-size="11" fill="${c}">${what} ${esc(v)}</text>`;
        }
        if (run.upto !== null && T(run.upto - 1) >= x0 && T(run.upto - 1) <= x1)
            g += `<line class="pause" x1="${X(T(run.upto - 1)).toFixed(1)}" ` +
                 `x2="${X(T(run.upto - 1)).toFixed(1)}" y1="${Y(y1).toFixed(1)}" ` +
                 `y2="${Y(y0).toFixed(1)}" stroke="#111" stroke-dasharray="4 3"><title>the pause: ` +
                 `before step ${run.upto}</title></line>`;
        return g;
    };
    return plot({num: 1, title: "Figure 1: prices, liquidations and cascades", inst,
                 x: [x0, x1], xlabel: `time (${d.unit})`, y: [y0, y1],
                 ylabel: "price (quote currency)", key, layers});
}

/* ---- the address: #scenario=NAME&seed=N&set=P=V;P=V&student=...&run ---- */

function fromAddress() {
    const h = location.hash.replace(/^#/, "");
    if (!h)
        return false;
    const q = {};
    for (const part of h.split("&")) {
        const eq = part.indexOf("=");
        q[decodeURIComponent(eq < 0 ? part : part.slice(0, eq))] =
            eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
    }
    if (q.scenario !== undefined) {
        if (!(q.scenario in scenarios)) {
            failed(`lab: no scenario '${q.scenario}' (known: ${Object.keys(scenarios).join(", ")})`);
            return false;
        }
        $("lab-scenario").value = q.scenario;
        pick();
    }
    if (q.seed !== undefined)
        $("lab-seed").value = q.seed;
    if (q.set !== undefined) {
        const rest = [];
        for (const s of q.set.split(";")) {
            const eq = s.indexOf("=");
            if (s.trim() && !(eq > 0 && setKnob(s.slice(0, eq), s.slice(eq + 1))))
                rest.push(s);
        }
        $("lab-set").value = rest.join(";");
    }
    if (q.student !== undefined) {
        $("lab-orders").tBodies[0].textContent = "";
        for (const s of q.student.split(",").filter((e) => e.trim())) {
            const [step, side, lots, leverage, type, price] = s.split(":");
            addOrder({step, side, lots, leverage, type: type || "market", price: price || ""});
        }
    }
    if (q.pause !== undefined)
        $("lab-pause").value = q.pause;
    if (q.alarm !== undefined)
        $("lab-alarm").value = q.alarm;
    if ("run" in q) /* to the alarm or the pause when there is one */
        if (q.alarm !== undefined)
            startAlarm(+q.alarm);
        else
            start(q.pause !== undefined ? Math.round(+q.pause) : null);
    return true;
}

function pick() {
    const name = $("lab-scenario").value, cfg = JSON.parse(scenarios[name]);
    $("lab-about").textContent = `${name}: ${cfg.steps} steps of ${cfg.step_seconds || 1} s; ` +
        `${(cfg.agents || []).map((a) => `${a.count} ${a.type}`).join(", ")}; ` +
        `${(cfg.shocks || []).length} shocks.`;
    $("lab-seed").value = cfg.seed ?? 1;
    drawKnobs(cfg);
}

for (const name of Object.keys(scenarios))
    $("lab-scenario").append(new Option(name, name));
$("lab-scenario").value = "long-squeeze" in scenarios ? "long-squeeze" : Object.keys(scenarios)[0];
$("lab-scenario").onchange = pick;
$("lab-add").onclick = () => addOrder({step: +$("lab-pause").value || 0});
$("lab-run").onclick = () => start(null);
$("lab-to-pause").onclick = () => start(Math.round(+$("lab-pause").value));
$("lab-to-alarm").onclick = () => startAlarm(+$("lab-alarm").value);
$("lab-stop").onclick = stop;
pick();
window.addEventListener("hashchange", fromAddress);
fromAddress();
