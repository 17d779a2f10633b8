/* The lab's Web Worker (docs/lab.md): runs the cascade program (createCascade, the
 * WebAssembly build inlined before this file) on a file system in memory. Each command is
 * one fresh instance of the program (a program's main runs once: exit ends its runtime);
 * the files one command wrote are handed to the next. The page terminates the worker to
 * stop a run.
 *
 * Message in: {config: TEXT, args: [...], report: bool}: `cascade run /lab/lab.json -o
 * /lab/run ARGS...`, then, if it succeeded and report is set, `cascade report /lab/run`.
 * Messages out: {type: "progress", phase, done, total} while running; {type: "done",
 * status, stderr, files: {NAME: TEXT}, report: TEXT or null, report_status,
 * report_stderr} at the end. */
"use strict";

/* One command in a fresh instance: its exit status and its stderr, and the instance (to
 * read the files it wrote). files: {PATH: TEXT} written before it starts (TEXT null: PATH
 * is a directory to make). */
async function command(args, files, onLine) {
    let status = null, line = [], stderr = [];
    const decoder = new TextDecoder();
    const flush = (end) => {
        const text = decoder.decode(new Uint8Array(line));
        line = [];
        if (end === 10)
            stderr.push(text);
        onLine(text, end);
    };
    const inst = await createCascade({
        noInitialRun: true,
        progress: true, /* stderr is the page's progress bar: src/cli/files.c */
        print: () => {},
        stderr: (c) => {
            if (c === 13 || c === 10)
                flush(c);
            else if (c !== null)
                line.push(c);
        },
        onExit: (code) => { status = code; },
    });
    inst.FS.mkdir("/lab");
    for (const [path, text] of Object.entries(files))
        if (text === null)
            inst.FS.mkdir(path); /* a directory */
        else
            inst.FS.writeFile(path, text);
    try {
        const rc = inst.callMain(args);
        if (status === null)
            status = rc;
    } catch (e) {
        if (status === null && e && typeof e.status === "number")
            status = e.status;
        else if (status === null)
            throw e;
    }
    if (line.length)
        flush(10);
    return {status, stderr: stderr.filter((s) => s.trim() !== "").join("\n"), inst};
}

/* Every file of a directory of an instance, as text. */
function readDir(inst, dir) {
    const out = {};
    for (const name of inst.FS.readdir(dir))
        if (name !== "." && name !== "..")
            out[name] = inst.FS.readFile(dir + "/" + name, {encoding: "utf8"});
    return out;
}

onmessage = async (ev) => {
    const job = ev.data;
    let phase = "run";
    const onLine = (text, end) => {
        if (/the counterfactual run/.test(text))
            phase = "counterfactual";
        const m = /(\d+)\/(\d+) steps/.exec(text);
        if (m)
            postMessage({type: "progress", phase, done: +m[1], total: +m[2]});
    };
    postMessage({type: "progress", phase: "run", done: 0, total: 1});
    const run = await command(["run", "/lab/lab.json", "-o", "/lab/run", ...job.args],
                              {"/lab/lab.json": job.config}, onLine);
    const done = {type: "done", status: run.status, stderr: run.stderr, files: {},
                  report: null, report_status: null, report_stderr: ""};
    if (run.status !== 0) {
        postMessage(done);
        return;
    }
    done.files = readDir(run.inst, "/lab/run");
    if (job.report) {
        postMessage({type: "progress", phase: "report", done: 0, total: 1});
        const inputs = {};
        for (const [name, text] of Object.entries(done.files))
            inputs["/lab/run/" + name] = text;
        const rep = await command(["report", "/lab/run", "-o", "/lab/report.html"],
                                  Object.assign({"/lab/run": null}, inputs), () => {});
        done.report_status = rep.status;
        done.report_stderr = rep.stderr;
        if (rep.status === 0)
            done.report = rep.inst.FS.readFile("/lab/report.html", {encoding: "utf8"});
    }
    postMessage(done);
};
