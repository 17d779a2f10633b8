#!/usr/bin/env python3
"""Turn a file into a C source defining `const char NAME[]` (NUL-terminated)."""
import sys

src, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* generated from %s by scripts/embed.py; do not edit */\n' % src.split('/')[-1])
    f.write('extern const char %s[];\n' % name)
    f.write('const char %s[] = {\n' % name)
    for i in range(0, len(data), 16):
        f.write('  ' + ', '.join('%d' % b for b in data[i:i + 16]) + ',\n')
    f.write('  0\n};\n')
