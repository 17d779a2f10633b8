#!/usr/bin/env python3
"""Compile files into C sources.

    embed.py SRC OUT NAME
        writes OUT defining `const char NAME[]`: the bytes of SRC, NUL-terminated.

    embed.py --table OUT NAME HEADER FILE...
        writes OUT defining `const struct cas__embedded NAME[]`, one entry
        {"BASE", text} per FILE in the order given (BASE: the file name without
        directory and extension; text: its bytes, NUL-terminated), ending with
        {NULL, NULL}. HEADER, #included first, declares the struct
        (`struct cas__embedded { const char *name; const char *text; }`) and NAME.
"""
import os
import sys


def c_bytes(f, data):
    for i in range(0, len(data), 16):
        f.write('  ' + ', '.join('%d' % b for b in data[i:i + 16]) + ',\n')
    f.write('  0\n')


def embed_one(src, out, name):
    data = open(src, 'rb').read()
    with open(out, 'w') as f:
        f.write('/* generated from %s by scripts/embed.py; do not edit */\n'
                % os.path.basename(src))
        f.write('extern const char %s[];\n' % name)
        f.write('const char %s[] = {\n' % name)
        c_bytes(f, data)
        f.write('};\n')


def embed_table(out, name, header, files):
    bases = [os.path.splitext(os.path.basename(p))[0] for p in files]
    if len(set(bases)) != len(bases):
        sys.exit('embed.py: two files share a name: %s' % ', '.join(bases))
    with open(out, 'w') as f:
        f.write('/* generated from %s by scripts/embed.py; do not edit */\n'
                % ', '.join(os.path.basename(p) for p in files))
        f.write('#include <stddef.h>\n\n#include "%s"\n\n' % header)
        for i, path in enumerate(files):
            f.write('static const char text_%d[] = {\n' % i)
            c_bytes(f, open(path, 'rb').read())
            f.write('};\n\n')
        f.write('const struct cas__embedded %s[] = {\n' % name)
        for i, base in enumerate(bases):
            f.write('  {"%s", text_%d},\n' % (base, i))
        f.write('  {NULL, NULL},\n};\n')


if __name__ == '__main__':
    if len(sys.argv) >= 5 and sys.argv[1] == '--table':
        embed_table(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif len(sys.argv) == 4:
        embed_one(sys.argv[1], sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
