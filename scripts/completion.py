#!/usr/bin/env python3
"""scripts/completion.py CASCADE OUT: write the bash completion of the cascade program
to OUT, from its own help (`cascade --help` for the commands, `cascade COMMAND --help`
for each command's options), so that it offers what --help lists and nothing else."""
import re
import subprocess
import sys


def help_of(exe, args):
    return subprocess.run([exe] + args + ["--help"], check=True, capture_output=True,
                          text=True).stdout


def options(text):
    """Every option name of a help text (lines "  -x, --long ARG   text")."""
    found = []
    for line in text.split("\n"):
        if not line.startswith("  -"):
            continue
        spec = line[2:].split("  ", 1)[0]
        for part in spec.split(","):
            name = part.strip().split(" ")[0]
            if name.startswith("-") and name not in found:
                found.append(name)
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, out = sys.argv[1], sys.argv[2]
    top = help_of(exe, [])
    block = top.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in block.split("\n"):
        m = re.match(r"^  ([a-z]+) ", line)
        if m and m.group(1) not in commands:
            commands.append(m.group(1))
    cases = []
    for c in commands:
        cases.append(f"    {c}) opts='{' '.join(options(help_of(exe, [c])))}' ;;")
    script = f"""# bash completion of cascade, made from its --help by scripts/completion.py
_cascade() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} opts
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W '{' '.join(commands + options(top))}' -- "$cur"))
        return
    fi
    case ${{COMP_WORDS[1]}} in
{chr(10).join(cases)}
    *) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _cascade cascade
"""
    with open(out, "w") as f:
        f.write(script)


if __name__ == "__main__":
    main()
