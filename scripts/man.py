#!/usr/bin/env python3
"""scripts/man.py CASCADE OUTDIR COMMAND...: write the manual pages cascade(1) and
cascade-COMMAND(1) for each COMMAND into OUTDIR, from the program's own help
(`cascade --help`, `cascade COMMAND --help`), which is made from the option
tables of src/cli/: the pages cannot say other than --help. Fails (exit 1) when
the commands `cascade --help` lists are not exactly COMMAND..., so that a
command added without its page stops the build (meson.build lists them)."""
import re
import subprocess
import sys


def roff(text):
    """One line of text made safe for roff."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def help_of(exe, args):
    return subprocess.run([exe] + args + ["--help"], check=True, capture_output=True,
                          text=True).stdout


OPTION = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")


def parse(text):
    """(usage lines, description paragraphs, options [(spec, text)], closing paragraphs)."""
    lines = text.rstrip("\n").split("\n")
    usage = []
    k = 0
    while k < len(lines) and lines[k].strip():
        usage.append(re.sub(r"^usage:\s*", "", lines[k]).strip())
        k += 1
    before, options, after, para = [], [], [], []
    target = before

    def flush():
        if para:
            target.append(" ".join(para))
            para.clear()
    for line in lines[k:]:
        if not line.strip():
            flush()
            if options:
                target = after
            continue
        m = OPTION.match(line)
        if m and line.startswith("  -") and target is not after:
            flush()
            target = before
            options.append([m.group(1).strip(), (m.group(2) or "").strip()])
            continue
        if options and target is not after and line.startswith("    "):
            options[-1][1] = (options[-1][1] + " " + line.strip()).strip()
            continue
        para.append(line.strip())
    flush()
    return usage, before, options, after


def page(name, summary, usage, before, options, after, see_also, commands=()):
    out = [f'.TH {name.upper()} 1 "" "cascade" "cascade manual"', ".SH NAME",
           roff(f"{name} - {summary}"), ".SH SYNOPSIS", ".nf"]
    out += [roff(u) for u in usage]
    out += [".fi"]
    if before:
        out.append(".SH DESCRIPTION")
    for p in before:
        out += [".PP", roff(p)]
    if commands:
        out.append(".SH COMMANDS")
        for specs, text in commands:
            out += [".TP", "\n.TQ\n".join("\\fB" + roff(x) + "\\fR" for x in specs), roff(text)]
    if options:
        out.append(".SH OPTIONS")
        for spec, text in options:
            out += [".TP", "\\fB" + roff(spec) + "\\fR", roff(text)]
    for p in after:
        if p.lower().startswith("exit status:"):
            out += [".SH EXIT STATUS", roff(p[len("exit status:"):].strip())]
        else:
            out += [".PP", roff(p)]
    out += [".SH SEE ALSO", roff(", ".join(see_also))]
    return "\n".join(out) + "\n"


def top_level(text):
    """The program's own help: (usage, commands [(name, [spec lines], summary)], options,
    closing lines)."""
    head, rest = text.split("commands:\n", 1)
    usage = [re.sub(r"^usage:\s*", "", head.strip())]
    block, closing = rest.split("\n\n", 1)
    commands, options = [], []
    for line in block.split("\n"):
        spec, _, text = line[2:].partition("  ")
        text = text.strip()
        if not line.startswith("   "):  # a new entry: a command or an option
            if spec.startswith("-"):
                options.append([spec.strip(), text])
            elif commands and commands[-1][0] == spec.split()[0]:
                commands[-1][1].append(spec.strip())
                commands[-1][2] = (commands[-1][2] + " " + text).strip()
            else:
                commands.append([spec.split()[0], [spec.strip()], text])
        else:
            target = commands[-1] if not options else None
            if target:
                target[2] = (target[2] + " " + line.strip()).strip()
            else:
                options[-1][1] = (options[-1][1] + " " + line.strip()).strip()
    return usage, commands, options, [x for x in closing.strip().split("\n") if x]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    exe, outdir, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
    usage, commands, options, closing = top_level(help_of(exe, []))
    listed = [c[0] for c in commands]
    if listed != wanted:
        sys.exit(f"man.py: 'cascade --help' lists {listed}, meson.build {wanted}")
    pages = [f"cascade-{c}(1)" for c in listed]
    with open(f"{outdir}/cascade.1", "w") as f:
        f.write(page("cascade", "an agent-based market simulator of leverage cascades",
                     usage, [], options, closing, pages,
                     [(specs, text) for _, specs, text in commands]))
    for name, _, summary in commands:
        usage, before, opts, after = parse(help_of(exe, [name]))
        with open(f"{outdir}/cascade-{name}.1", "w") as f:
            f.write(page(f"cascade-{name}", summary, usage, before, opts, after,
                         ["cascade(1)"] + [p for p in pages if p != f"cascade-{name}(1)"]))


if __name__ == "__main__":
    main()
