#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""docsection.py NAME DOC REPORT: put REPORT (markdown) in DOC as the block
<!-- NAME --> ... <!-- end NAME -->, replacing that block if DOC has one,
else appending it.  bench/report.py keeps these blocks when it rewrites
DOC (bench/load.sh and bench/soak.sh write them)."""
import re
import sys


def main():
    name, doc, report = sys.argv[1:4]
    with open(report) as f:
        body = f.read().strip("\n") + "\n"
    try:
        with open(doc) as f:
            old = f.read()
    except OSError:
        old = ""
    block = "<!-- %s -->\n%s<!-- end %s -->\n" % (name, body, name)
    pat = re.compile(r"^<!-- %s -->\n.*?^<!-- end %s -->\n" % (re.escape(name), re.escape(name)),
                     re.M | re.S)
    if pat.search(old):
        new = pat.sub(lambda m: block, old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + block
    with open(doc, "w") as f:
        f.write(new)


if __name__ == "__main__":
    main()
