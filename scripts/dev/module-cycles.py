#!/usr/bin/env python3
"""Lists import cycles among src/ modules (an edge A -> B when a file of module A names
crate::B), at the top level and one level down. `python3 scripts/dev/module-cycles.py`
prints 0 cycles at both depths (issue 10: "no module imports one that imports it back")."""
import re, glob, os, sys, itertools
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
def mod_of(path, depth):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] == 'mod': rel = rel[:-1]
    return '::'.join(rel[:depth]) or 'lib'
def edges(depth):
    e = {}
    for f in glob.glob(root + '/**/*.rs', recursive=True):
        if f.endswith(('lib.rs', 'main.rs')): continue
        src = open(f).read().split('#[cfg(test)]')[0]
        a = mod_of(f, depth)
        for m in re.finditer(r'crate::([a-z_]+(?:::[a-z_]+)*)', src):
            parts = m.group(1).split('::')
            b = '::'.join(parts[:depth])
            # a file-level target: keep only targets that are modules (files/dirs)
            while b and not (os.path.exists(os.path.join(root, *b.split('::')) + '.rs') or os.path.isdir(os.path.join(root, *b.split('::')))):
                b = '::'.join(b.split('::')[:-1])
            if b and b != a and not a.startswith(b + '::') and not b.startswith(a + '::'):
                e.setdefault(a, set()).add(b)
        # super:: within a module tree stays inside it
    return e
def cycles(e):
    found = set()
    def dfs(start, node, path):
        for n in e.get(node, ()):
            if n == start: found.add(tuple(path))
            elif n not in path and len(path) < 8: dfs(start, n, path + [n])
    for s in e: dfs(s, s, [s])
    canon = set()
    for c in found:
        i = c.index(min(c)); canon.add(c[i:] + c[:i])
    return sorted(canon)
for depth in (1, 2):
    cs = cycles(edges(depth))
    print(f"depth {depth}: {len(cs)} cycle(s)")
    for c in cs[:20]: print('  ' + ' -> '.join(c + (c[0],)))
