/* The lab's page script (docs/lab.md). What a run computes is the cascade program's: the
 * page composes a config (a shipped scenario, the seed, the student's account as a
 * `scripted` agent appended to its agents), passes the sliders' values as the program's
 * own --set overrides (so a bad value is the program's one-line error), runs `cascade run
 * --counterfactual` and `cascade report` in a Web Worker (src/lab/worker.js), and shows
 * what they wrote: summary.json's figures, the report page, the config.json the run
 * resolved (downloadable), and figure 1 of the report (the price with its liquidations
 * and the counterfactual), which gnuplot draws natively and this script draws here from
 * the same files. */
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
    $("lab-run").disabled = $("lab-to-pause").disabled = s === "running";
    $("lab-stop").disabled = s !== "running";
}

function start(upto) {
    const steps = JSON.parse(scenarios[$("lab-scenario").value]).steps;
    if (upto !== null && !(upto >= 1 && upto < steps))
        upto = null;
    const run = compose(upto);
    const args = overrides().flatMap((s) => ["--set", s]);
    args.push(...(upto === null ? ["--counterfactual"] : ["--steps", String(upto)]));
    run.upto = upto;
    if (worker)
        worker.terminate();
    const url = URL.createObjectURL(new Blob([$("lab-worker").textContent],
                                             {type: "text/javascript"}));
    worker = new Worker(url);
    URL.revokeObjectURL(url);
    $("lab-error").hidden = true;
    $("lab-progress").value = 0;
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
    worker.onerror = (e) => {
        failed("the worker failed: " + (e.message || "unknown error"));
        worker = null;
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
    $("lab-paused").textContent = run.upto === null ? ""
        : `Paused at step ${run.upto}: the market as it is before that step's orders; add yours ` +
          `at step ${run.upto} and run again.`;
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
    const svg = chart(summary, f, me, run, false);
    $("lab-chart").innerHTML = svg;
    $("lab-zoom").checked = false;
    $("lab-zoom").onchange = () => {
        $("lab-chart").innerHTML = chart(summary, f, me, run, $("lab-zoom").checked);
    };
    const frame = $("lab-report");
    if (m.report !== null) {
        frame.onload = () => {
            const fig = frame.contentDocument && frame.contentDocument.getElementById("fig1");
            const p = fig && fig.querySelector("p.undrawn");
            if (p)
                p.outerHTML = svg;
        };
        frame.srcdoc = m.report;
    } else
        frame.srcdoc = `<p>cascade report failed: ${(m.report_stderr || "").replace(/</g, "&lt;")}</p>`;
    $("lab-progress").value = 1;
    setState("done", run.upto === null ? "done" : `paused at step ${run.upto}`);
}

/* Figure 1 of the report as gnuplot draws it natively (src/report/figures.c, fig_prices,
 * with its colours): the report's instrument's last trade, mark, lowest trade since the
 * previous row and index from timeseries.csv, the counterfactual's price (mid, else last)
 * from timeseries-counterfactual.csv, the cascades of cascades.csv shaded (at least 0.4%
 * of the axis wide, overlapping ones merged), the liquidations of liquidations.csv at
 * their step and mark (long and short apart); rows and events of step S at the end of
 * step S, in minutes. The lab adds the student's orders, its liquidations with their
 * liquidation price, and the pause. An SVG string. */
function chart(summary, f, me, run, zoom) {
    const inst = summary.instrument, cfg = JSON.parse(f["config.json"]);
    const sec = cfg.step_seconds || 1, T = (step) => (step + 1) * sec / 60;
    const num = (v) => (v === undefined || v === "" ? NaN : +v);
    const series = (text) => csv(text).filter((r) => r.instrument === inst).map((r) => ({
        x: T(+r.step), last: num(r.last), mark: num(r.mark), low: num(r.low), index: num(r.index),
        price: r.mid !== "" ? num(r.mid) : num(r.last)}));
    let ts = series(f["timeseries.csv"]);
    let cf = f["timeseries-counterfactual.csv"] ? series(f["timeseries-counterfactual.csv"]) : [];
    let liqs = csv(f["liquidations.csv"]).filter((l) => l.instrument === inst);
    let orders = run.student ? cfg.agents[cfg.agents.length - 1].params.orders : [];
    /* zoomed: from 5 minutes before the first liquidation (or the student's first order) to
     * 15 minutes after the first liquidation */
    let x0 = 0, x1 = ts.length ? ts[ts.length - 1].x : 1;
    if (zoom && liqs.length) {
        const first = Math.min(+liqs[0].step, ...orders.map((o) => o.step));
        x0 = Math.max(x0, T(first) - 5);
        x1 = Math.min(x1, T(+liqs[0].step) + 15);
        const inX = (x) => x >= x0 && x <= x1;
        ts = ts.filter((p) => inX(p.x));
        cf = cf.filter((p) => inX(p.x));
        liqs = liqs.filter((l) => inX(T(+l.step)));
        orders = orders.filter((o) => inX(T(o.step)));
    }
    const ys = [...ts.flatMap((p) => [p.last, p.mark, p.low, p.index]), ...cf.map((p) => p.price),
                ...liqs.map((l) => +l.mark),
                ...(me && me.position_lots !== "0" && me.instrument === inst
                        ? [num(me.entry), num(me.liquidation_price)] : [])].filter(Number.isFinite);
    const W = 900, H = 400, L = 70, R = 20, TOP = 30, B = 80;
    let y0 = ys.length ? Math.min(...ys) : 0, y1 = ys.length ? Math.max(...ys) : 1;
    const pad = (y1 - y0) * 0.05 || 1;
    y0 -= pad;
    y1 += pad;
    const X = (x) => (L + (x - x0) / (x1 - x0 || 1) * (W - L - R)).toFixed(1);
    const Y = (y) => (TOP + (y1 - y) / (y1 - y0) * (H - TOP - B)).toFixed(1);
    const line = (pts, key, attrs) => {
        let d = "", pen = false;
        for (const p of pts) {
            if (!Number.isFinite(p[key])) {
                pen = false;
                continue;
            }
            d += (pen ? "L" : "M") + X(p.x) + " " + Y(p[key]);
            pen = true;
        }
        return d ? `<path d="${d}" fill="none" ${attrs}/>` : "";
    };
    const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
    let g = `<svg xmlns="http://www.w3.org/2000/svg" class="fig lab-fig1" viewBox="0 0 ${W} ${H}" ` +
            `role="img" aria-label="Figure 1: prices, liquidations and cascades">` +
            `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Figure 1: prices, ` +
            `liquidations and cascades (${esc(inst)}; drawn by the lab)</text>`;
    /* the cascades, shaded */
    const spans = [];
    for (const k of csv(f["cascades.csv"]).filter((c) => c.instrument === inst)) {
        let a = T(+k.start_step - 1), b = k.finish_step === "" ? x1 : T(+k.finish_step);
        if (b - a < (x1 - x0) * 0.004) {
            a = (a + b - (x1 - x0) * 0.004) / 2;
            b = a + (x1 - x0) * 0.004;
        }
        if (spans.length && a <= spans[spans.length - 1][1])
            spans[spans.length - 1][1] = Math.max(spans[spans.length - 1][1], b);
        else
            spans.push([a, b]);
    }
    for (let [a, b] of spans) {
        [a, b] = [Math.max(a, x0), Math.min(b, x1)];
        if (b > a)
            g += `<rect class="cascade" x="${X(a)}" y="${TOP}" width="${(X(b) - X(a)).toFixed(1)}" ` +
                 `height="${H - TOP - B}" fill="#f4b6b6" fill-opacity="0.45"/>`;
    }
    for (let k = 0; k <= 5; k++) {
        const y = y0 + (y1 - y0) * k / 5, x = x0 + (x1 - x0) * k / 5;
        g += `<line x1="${L}" x2="${W - R}" y1="${Y(y)}" y2="${Y(y)}" stroke="#ddd"/>` +
             `<text x="${L - 4}" y="${Y(y)}" text-anchor="end" font-size="11" dy="4">` +
             `${Math.round(y).toLocaleString("en")}</text>` +
             `<text x="${X(x)}" y="${H - B + 16}" text-anchor="middle" font-size="11">` +
             `${Math.round(x)}</text>`;
    }
    g += `<text x="${(L + W - R) / 2}" y="${H - B + 32}" text-anchor="middle" font-size="11">` +
         `minutes from the start</text>`;
    g += line(ts, "last", `class="last" stroke="#999999" stroke-width="1"`) +
         line(ts, "mark", `class="mark" stroke="#1f5fa8" stroke-width="2"`) +
         line(ts, "low", `class="low" stroke="#b0b0b0" stroke-width="1" stroke-dasharray="1 3"`) +
         line(ts, "index", `class="index" stroke="#2ca02c" stroke-width="2" stroke-dasharray="6 4"`) +
         line(cf, "price", `class="counterfactual" stroke="#9467bd" stroke-width="2"`);
    for (const l of liqs) {
        const own = me && l.account === me.account, long = l.side === "long";
        const c = long ? "#d62728" : "#ff7f0e";
        g += `<circle class="liquidation" cx="${X(T(+l.step))}" cy="${Y(+l.mark)}" ` +
             `r="${own ? 8 : 3}" fill="${own ? "none" : c}" stroke="${c}" ` +
             `stroke-width="${own ? 2.5 : 1}"><title>${esc(`liquidation ${l.id}: account ` +
             `${l.account}, ${l.side} ${l.lots} lots at mark ${l.mark}`)}</title></circle>`;
        if (own)
            g += `<line class="student-liquidation-price" x1="${L}" x2="${W - R}" ` +
                 `y1="${Y(+l.liquidation_price)}" y2="${Y(+l.liquidation_price)}" stroke="#d62728" ` +
                 `stroke-dasharray="2 3"><title>your liquidation price ` +
                 `${esc(l.liquidation_price)}</title></line>`;
    }
    for (const o of orders) {
        const at = ts.find((p) => p.x >= T(o.step)) || ts[ts.length - 1];
        if (!at)
            continue;
        const up = o.side === "buy", cx = +X(T(o.step) - sec / 60);
        const cy = +Y(o.type === "limit" ? o.price : at.last), d = up ? 10 : -10;
        g += `<path class="student-order" d="M${cx - 6} ${cy + d}L${cx + 6} ${cy + d}L${cx} ${cy}Z" ` +
             `fill="#111"><title>${esc(`your ${o.type || "market"} ${o.side} of ${o.lots} ` +
             `lots at step ${o.step}, leverage ${o.leverage}`)}</title></path>`;
    }
    /* the student's position at the end (or the pause): its entry and liquidation price,
     * accounts.csv */
    if (me && me.position_lots !== "0" && me.instrument === inst) {
        const x = X(ts.length ? ts[ts.length - 1].x : 0);
        for (const [v, cls, c, what] of [[me.entry, "student-entry", "#111", "your entry"],
                                         [me.liquidation_price, "student-liquidation-price",
                                          "#d62728", "your liquidation price"]])
            if (v !== "")
                g += `<line class="${cls}" x1="${L}" x2="${x}" y1="${Y(+v)}" y2="${Y(+v)}" ` +
                     `stroke="${c}" stroke-dasharray="6 3"><title>${what} ${esc(v)}</title></line>` +
                     `<text x="${x}" y="${Y(+v)}" dy="-3" text-anchor="end" font-size="11" ` +
                     `fill="${c}">${what} ${esc(v)}</text>`;
    }
    if (run.upto !== null && T(run.upto - 1) >= x0 && T(run.upto - 1) <= x1)
        g += `<line class="pause" x1="${X(T(run.upto - 1))}" x2="${X(T(run.upto - 1))}" y1="${TOP}" ` +
             `y2="${H - B}" stroke="#111" stroke-dasharray="4 3"><title>the pause: before step ` +
             `${run.upto}</title></line>`;
    const key = [["#999999", "last trade"], ["#1f5fa8", "mark"], ["#2ca02c", "index"],
                 ["#9467bd", "without liquidations (counterfactual)"], ["#f4b6b6", "cascade"],
                 ["#d62728", "long liquidated (at mark)"], ["#ff7f0e", "short liquidated"],
                 ["#111", "your orders (▲ buy, ▼ sell)"]];
    key.forEach(([c, t], i) => {
        const kx = L + (i % 4) * 205, ky = H - 34 + Math.floor(i / 4) * 18;
        g += `<rect x="${kx}" y="${ky - 6}" width="14" height="6" fill="${c}"/>` +
             `<text x="${kx + 18}" y="${ky}" font-size="11">${esc(t)}</text>`;
    });
    return g + "</svg>";
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
    if ("run" in q) /* to the pause when there is one */
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
$("lab-stop").onclick = stop;
pick();
window.addEventListener("hashchange", fromAddress);
fromAddress();
