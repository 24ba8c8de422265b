"""site_dir.py PREFIX — the directory of this interpreter's module path where a
package installed under PREFIX is imported from, or nothing.

meson's python module puts pure modules in lib/python3/dist-packages under any
prefix on Debian, a directory only the prefix /usr is searched in: the default
prefix /usr/local is searched in lib/python3.X/dist-packages instead. So the
directory is taken from the module path itself: an entry under PREFIX, in a
lib* directory right below it, named site-packages or dist-packages.
"""
import os
import sys

prefix = os.path.normpath(sys.argv[1])
for d in sys.path:
    rel = os.path.relpath(d, prefix) if d and os.path.isabs(d) else ".."
    if not rel.startswith("..") and rel.split(os.sep)[0].startswith("lib") \
            and os.path.basename(d) in ("site-packages", "dist-packages"):
        print(d)
        break
