#!/usr/bin/env python3
"""Assemble the lab, one self-contained page (docs/lab.md).

    lab_page.py OUT PAGE CSS SCRIPT WORKER PROGRAM SCENARIO...

writes OUT: PAGE (src/lab/lab.html) with its placeholders filled: @CSS@ the style sheet,
@SCRIPT@ the page's script, @WORKER@ the worker's source (PROGRAM, the cascade program
for a browser with its WebAssembly inlined, then WORKER), @SCENARIOS@ the shipped
scenarios as one JSON object {NAME: TEXT} in the order given. Every shipped scenario
(each .json beside the first SCENARIO) must be given. Fails when a script would end its
<script> element early, or when the page is 3 MB or more.
"""
import glob
import json
import os
import re
import sys

LIMIT = 3 * 1000 * 1000


def fail(msg):
    sys.exit('lab_page.py: ' + msg)


def main(argv):
    if len(argv) < 8:
        fail('usage: lab_page.py OUT PAGE CSS SCRIPT WORKER PROGRAM SCENARIO...')
    out, page, css, script, worker, program = argv[1:7]
    scenarios = argv[7:]
    read = lambda p: open(p, encoding='utf-8').read()
    shipped = sorted(glob.glob(os.path.join(os.path.dirname(scenarios[0]), '*.json')))
    missing = set(map(os.path.realpath, shipped)) - set(map(os.path.realpath, scenarios))
    if missing:
        fail('scenarios not in the lab (meson.build, lab_scenarios): ' +
             ', '.join(sorted(os.path.basename(m) for m in missing)))
    texts = {os.path.splitext(os.path.basename(p))[0]: read(p) for p in scenarios}
    for name, text in texts.items():
        json.loads(text)  # each is JSON
    # inside <script>, only "</" can end the element early; "<\/" is the same JSON string
    scen = json.dumps(texts, ensure_ascii=True).replace('</', '<\\/')
    worker_src = read(program) + '\n' + read(worker)
    parts = {'@CSS@': read(css), '@SCRIPT@': read(script), '@WORKER@': worker_src,
             '@SCENARIOS@': scen}
    for key in ('@SCRIPT@', '@WORKER@'):
        if '</script' in parts[key].lower():
            fail(key + ' holds "</script", which would end its element early')
    html = read(page)
    for key in parts:
        if html.count(key) != 1:
            fail('%s: %s must appear once' % (page, key))
    # one pass: a filled part is never searched for placeholders
    html = re.sub('|'.join(parts), lambda m: parts[m.group(0)], html)
    data = html.encode('utf-8')
    if len(data) >= LIMIT:
        fail('the page is %d bytes; the lab must stay under %d' % (len(data), LIMIT))
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, out)


if __name__ == '__main__':
    main(sys.argv)
