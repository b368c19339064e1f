#!/usr/bin/env python3
"""Checks that the scenario library's table (docs/scenarios.md, section 7) lists every
scenario file: each scenarios/*.scn is named in the first column of exactly one row,
every file a row names exists, and the section says where scenarios/conformance/ is
described (a link to conformance.md).

usage: check_scenario_table.py SOURCE [PAGE]
  SOURCE  the source tree (its scenarios/ directory)
  PAGE    the page to check (default: SOURCE/docs/scenarios.md)

Exit status: 0 when the table is complete, 1 when it is not, 2 on a usage error or a
page without the section.
"""

import glob
import os
import re
import sys

SECTION = re.compile(r"^## 7\. ")
ROW_FILES = re.compile(r"`([^`]+\.scn)`")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source = sys.argv[1]
    page = sys.argv[2] if len(sys.argv) == 3 else os.path.join(source, "docs", "scenarios.md")
    with open(page, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next((n for n, line in enumerate(lines) if SECTION.match(line)), None)
    if start is None:
        print(f"{page}: no section '## 7. ...' (the scenario library)", file=sys.stderr)
        return 2
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")),
               len(lines))
    section = lines[start:end]

    rows = {}  # file name -> line numbers of the rows that name it
    for n, line in enumerate(section, start + 1):
        cells = line.split(" | ")
        if not line.startswith("| `") or len(cells) < 2:
            continue
        for name in ROW_FILES.findall(cells[0]):
            rows.setdefault(name, []).append(n)

    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source, "scenarios", "*.scn")))
    problems = []
    for name in files:
        if name not in rows:
            problems.append(f"scenarios/{name} has no row in the table")
        elif len(rows[name]) > 1:
            problems.append(f"scenarios/{name} has {len(rows[name])} rows (lines "
                            f"{', '.join(map(str, rows[name]))})")
    for name, at in sorted(rows.items()):
        if name not in files:
            problems.append(f"line {at[0]}: {name} is not a file of scenarios/")
    text = "\n".join(section)
    if "scenarios/conformance/" not in text or "(conformance.md)" not in text:
        problems.append("the section does not say where scenarios/conformance/ is described "
                        "(a link to conformance.md)")
    for problem in problems:
        print(f"{page}, section 7: {problem}")
    verdict = "FAILED" if problems else "ok"
    print(f"scenarios reference: {verdict} ({len(files)} files, {len(rows)} named, "
          f"{len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
