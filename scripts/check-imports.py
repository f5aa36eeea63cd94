#!/usr/bin/env python3
"""Checks the include graph between the subdirectories of hv/.

Usage: scripts/check-imports.py [--strict] [--dot] [SOURCE_ROOT]

Reads every #include line of hv/**/*.c and hv/**/*.h, gives each header an
owning subdirectory (below), prints the graph "subdirectory -> the
subdirectories whose headers it includes", and exits 1 when

  - a file includes a private header of another subdirectory (a quoted
    include that resolves to hv/<other>/...h, or to anything outside hv/);
  - a header in hv/include/hv/ has no owner, or a subdirectory has no place
    in LAYERS;
  - an edge goes up LAYERS (a lower subdirectory includes a higher one's
    header);
  - with --strict: the graph has any circle at all (every circle is printed
    with the include lines that make its edges). An edge up LAYERS already
    fails, so this only guards the check itself; `meson test` runs it.

With no edge up LAYERS the graph follows LAYERS and so has no circle.

Ownership of the public internal headers (hv/include/hv/X.h):
  - X.h belongs to the subdirectory that holds X.c (hv/mm/p2m.c owns p2m.h,
    hv/dom/domain.c owns domain.h, hv/audit.c owns audit.h, ...), so a file
    moved to another directory takes its header along;
  - the headers with no X.c are assigned in OWNER below.
Private headers (hv/<sub>/*.h) belong to their directory; files directly in
hv/ (audit.c) form the node "hv", the top of the core.

The check reads direct includes only: a file that uses a declaration it
gets through another header shows no edge for it.
"""
import os
import re
import sys

# Public internal headers without a same-named .c file, and their owners.
OWNER = {
    'types.h': 'common',    # frame-number types, helpers: used by all
    'log.h': 'common',      # the log sink (implemented in common/hv.c)
    'backend.h': 'common',  # the realization backend interface of struct hv
    'page.h': 'mm',         # the frame table's functions (mm/frame.c)
    'mm_types.h': 'common', # the data of mm/ that struct hv and struct domain embed
    'hcall.h': 'common',    # the handler contract: struct hv_hcall, continuation
    'hypercall.h': 'hypercall',  # the dispatcher (hypercall/dispatch.c)
    'iommu.h': 'iommu',     # the PV IOMMU, split by job over iommu/*.c
    'audit.h': 'hv',        # the invariant checker (hv/audit.c; iommu/ has its own audit.c)
    'event.h': 'event',     # event channels, upcalls, blocking: split by job over event/*.c
}

# Bottom to top: a subdirectory may include the headers of those before it.
# common holds the object model (struct hv, struct domain, the domain
# registry, the data of mm/) and the shared helpers; the subsystems with
# per-domain state sit between mm and dom; dom holds the lifecycle of the
# instance and its domains, which sets every subsystem up and tears it
# down; boot plans and builds the system from domains; hypercall
# dispatches to every subsystem; 'hv' (audit.c, hooks.c) is the top.
LAYERS = ['common', 'mm', 'event', 'ioreq', 'iommu', 'grant', 'dom', 'boot',
          'hypercall', 'hv']

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def sources(hv):
    for dirpath, dirnames, filenames in os.walk(hv):
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith(('.c', '.h')):
                yield os.path.join(dirpath, f)


def node_of(hv, path):
    """The subdirectory a file under hv/ belongs to ("hv" for hv/ itself)."""
    rel = os.path.relpath(path, hv)
    parts = rel.split(os.sep)
    if parts[0] == 'include':
        return None  # public internal header: owner decided separately
    return parts[0] if len(parts) > 1 else 'hv'


def header_owners(hv, files):
    """Maps each public internal header name to its owning node."""
    by_stem = {}
    for f in files:
        if f.endswith('.c'):
            n = node_of(hv, f)
            by_stem.setdefault(os.path.basename(f)[:-2], set()).add(n)
    owners, errors = {}, []
    incdir = os.path.join(hv, 'include', 'hv')
    for h in sorted(os.listdir(incdir)):
        if not h.endswith('.h'):
            continue
        nodes = by_stem.get(h[:-2], set())
        if h in OWNER:
            owners[h] = OWNER[h]
        elif len(nodes) == 1:
            owners[h] = next(iter(nodes))
        else:
            errors.append('hv/include/hv/%s: no owner (add it to OWNER in %s)'
                          % (h, os.path.basename(__file__)))
    return owners, errors


def circles(nodes, edges):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main(argv):
    dot = '--dot' in argv
    strict = '--strict' in argv
    args = [a for a in argv if a not in ('--dot', '--strict')]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), '..')
    hv = os.path.normpath(os.path.join(root, 'hv'))
    files = list(sources(hv))
    owners, errors = header_owners(hv, files)

    nodes = {node_of(hv, f) for f in files} - {None}
    nodes |= set(owners.values())
    edges = {}      # node -> set of nodes
    evidence = {}   # (from, to) -> ["file:line <header>", ...]
    for f in files:
        src = node_of(hv, f)
        rel = os.path.relpath(f, os.path.dirname(hv))
        if src is None:
            src = owners.get(os.path.basename(f))
            if src is None:
                continue  # reported as an error above
        with open(f, encoding='utf-8') as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                where = '%s:%d %s%s%s' % (rel, lineno, kind, name,
                                          '>' if kind == '<' else '"')
                if kind == '"':
                    target = os.path.normpath(os.path.join(os.path.dirname(f), name))
                    if not target.startswith(hv + os.sep):
                        errors.append('%s: includes a file outside hv/' % where)
                        continue
                    dst = node_of(hv, target)
                    if dst != src:
                        errors.append('%s: private header of %s/' % (where, dst))
                    continue
                if not name.startswith('hv/'):
                    continue  # C library, public ABI, libfdt, include/common
                h = name[len('hv/'):]
                dst = owners.get(h)
                if dst is None:
                    if not os.path.exists(os.path.join(hv, 'include', 'hv', h)):
                        errors.append('%s: no such header' % where)
                    continue
                if dst != src:
                    edges.setdefault(src, set()).add(dst)
                    evidence.setdefault((src, dst), []).append(where)

    if dot:
        print('digraph hv {')
        for n in sorted(nodes):
            for d in sorted(edges.get(n, ())):
                print('  "%s" -> "%s";' % (n, d))
        print('}')
    else:
        print('Header owners:')
        by_node = {}
        for h, n in owners.items():
            by_node.setdefault(n, []).append(h)
        for n in sorted(by_node):
            print('  %-10s %s' % (n, ' '.join(sorted(by_node[n]))))
        print('Include graph (subdirectory -> subdirectories it includes):')
        for n in sorted(nodes):
            print('  %-10s -> %s' % (n, ' '.join(sorted(edges.get(n, ()))) or '(nothing)'))

    for n in sorted(nodes):
        if n not in LAYERS:
            errors.append('hv/%s/ has no place in LAYERS (%s)' % (n, os.path.basename(__file__)))
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if a in LAYERS and b in LAYERS and LAYERS.index(b) > LAYERS.index(a):
                for w in evidence[(a, b)]:
                    errors.append('%s: %s/ includes %s/, which is above it in LAYERS (%s)'
                                  % (w, a, b, ' < '.join(LAYERS)))
    for comp in circles(nodes, edges):
        msg = 'circle between %s' % ', '.join(comp)
        lines = [msg + ':']
        for a in comp:
            for b in sorted(edges.get(a, ())):
                if b in comp:
                    for w in evidence[(a, b)]:
                        lines.append('    %s -> %s  %s' % (a, b, w))
        if strict:
            errors.extend(lines)
        elif not dot:
            print(lines[0])
    if errors:
        for e in errors:
            print('check-imports: ' + e, file=sys.stderr)
        return 1
    print('OK: no private header included across subdirectories, no edge up '
          'LAYERS%s.' % (', no circle' if strict else ''),
          file=sys.stderr if dot else sys.stdout)
    return 0


def check_doc(argv, doc):
    """Runs the check and also requires the output pasted in doc (the fenced
    block after the `$ scripts/check-imports.py --strict` line) to be what
    the tree gives now, so the architecture page cannot drift."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(argv)
    out = buf.getvalue()
    sys.stdout.write(out)
    with open(doc, encoding='utf-8') as fh:
        text = fh.read()
    mark = '$ scripts/check-imports.py --strict\n'
    at = text.find(mark)
    pasted = text[at + len(mark):text.find('```', at)] if at >= 0 else None
    if pasted != out:
        print('check-imports: %s does not show this output after "%s"; paste it there'
              % (doc, mark.strip()), file=sys.stderr)
        return 1
    return rc


if __name__ == '__main__':
    if '--doc' in sys.argv:
        i = sys.argv.index('--doc')
        sys.exit(check_doc(sys.argv[1:i] + sys.argv[i + 2:], sys.argv[i + 1]))
    sys.exit(main(sys.argv[1:]))
