#!/usr/bin/env python3
"""Checks that the outputs printed in the course (docs/course/*.md) are still true.

Every output block in a lesson is a fenced block right after a marker comment that says
where the output comes from (docs/course/README.md, "How the lessons stay true"):

  <!-- zabsim-output: ARGS -->     the block is the whole standard output of `zabsim ARGS`
  <!-- zabsim-excerpt: ARGS -->    the block is a part of it: runs of lines that occur, in
                                   order, in the output; a line `...` separates the runs
  <!-- zabsim-scenario: PATH -->   the block holds directives of the scenario file PATH
                                   (command, `----`, output); each must be in the file,
                                   in order, with that output (`...` for left-out lines).
                                   The file itself must pass `zabsim run PATH`.
  <!-- zabsim-file: PATH -->       the block is the text of PATH (`...` for left-out lines),
                                   e.g. a scenario that an earlier command wrote
  <!-- zabsim-input: PATH -->      the block is a file the reader writes: it is written to
                                   PATH in the lesson's directory, and a later marker's
                                   command must name PATH (a scenario the page then runs)

In a scenario block, a command with no `----` after it is a command whose output is not
frozen (an `expect`, the lines of a `repeat` block); it must be so in the file too.

With --every-block (docs.examples: README.md and docs/*.md), every fenced block must be
one of these, or say that it is not checked, in one of two ways (and none may be
indented, as in a list item, where no marker reaches it):
  - a sentence of the paragraph just before the block says "excerpt" (visible to the
    reader: "an excerpt, not run by the test suite");
  - a marker <!-- checked-by: TEST --> names the test that checks it (docs.ci-recipes
    checks docs/ci.md's workflow files).

Every zabsim command written in an unmarked block (an excerpt) is still checked for
drift: its command must exist and each --flag must be one 'zabsim COMMAND --help' lists.

In any block, `[...]` within a line stands for any text (wall-clock times).
ARGS may end with `(exit N)`: the exit status the command must have (default 0). A block
may start with `$ zabsim ARGS`, which must repeat the marker's command; it is not output.
ARGS are zabsim's, except that `python3 docs/examples/SCRIPT ...` runs that script of the
source tree with the checker's Python (docs/trace-format.md shows docs/examples/recheck.py
reading a trace that an earlier command wrote); its `$ ` line is `$ python3 ...`.
An empty ```mermaid block is a placeholder for a diagram that a command will produce
later: it is reported as pending and not checked until it is filled (with --update).
An empty block of another kind is compared like any other (the command must print
nothing). A block that starts with `$ zabsim` or is marked `scn` but has no marker is an
error, so no printed output escapes the check.

The commands of one lesson run in document order in a fresh directory that holds a
link `scenarios` to the source tree's scenarios and a link `docs/examples` to its
examples, so relative paths read as in the lessons and files that a command writes
(hunt --minimize DIR, --trace FILE) stay out of the tree.

Exit status: 0 when every block matches, 1 when one does not, 2 on a usage error or a
malformed lesson. --update writes the actual output into every zabsim-output block
(pending ones included) instead of comparing it; excerpts are never rewritten.
"""

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile

MARKER = re.compile(r"^<!-- zabsim-(output|excerpt|scenario|file|input): (.+?) -->\s*$")
CHECKED_BY = re.compile(r"^<!-- checked-by: ([\w.-]+) -->\s*$")
EXIT = re.compile(r"^(.*?)\s+\(exit (\d+)\)$")
FENCE = re.compile(r"^(```+|~~~+)\s*([A-Za-z0-9_-]*)\s*$")
INDENTED_FENCE = re.compile(r"^\s+(```|~~~)")
ELLIPSIS = "..."
WILDCARD = "[...]"
EXAMPLES = "docs/examples"  # Linked into the directory where the commands run.
COMMAND_TIMEOUT_S = 300


class Malformed(Exception):
    """A lesson that the checker cannot read: exit 2."""


class Block:
    """One marked fenced block: where it is, what it claims, and what it holds."""

    def __init__(self, kind, arg, info, marker_line, first, last):
        self.kind = kind
        self.arg = arg
        self.info = info
        self.marker_line = marker_line  # 1-based line number of the marker
        self.first = first  # index of the first content line (0-based)
        self.last = last  # index one past the last content line


def parse_lesson(path, lines, every_block=False):
    """Returns the marked blocks; raises Malformed on a broken marker or fence, and with
    every_block on a block that is neither marked nor said to be an excerpt."""
    blocks = []
    i = 0
    pending_marker = None
    checked_by = None    # A checked-by marker's line, for the next block.
    unchecked = []       # Blocks that every_block refuses.
    paragraph = []       # The text lines of the paragraph before the next block.
    while i < len(lines):
        line = lines[i]
        if CHECKED_BY.match(line):
            checked_by = i + 1
            i += 1
            continue
        m = MARKER.match(line)
        if m:
            if pending_marker:
                raise Malformed(f"{path}:{pending_marker[2]}: marker without a fenced block")
            pending_marker = (m.group(1), m.group(2).strip(), i + 1)
            i += 1
            continue
        if line.startswith("<!-- zabsim-"):
            raise Malformed(f"{path}:{i + 1}: unreadable marker (expected '<!-- zabsim-"
                            "output|excerpt|scenario|file|input: ... -->'): {line.strip()}")
        if every_block and INDENTED_FENCE.match(line):
            # A block inside a list item cannot follow a marker: nothing would check it.
            raise Malformed(f"{path}:{i + 1}: an indented fenced block (in a list item?) that "
                            "no marker can reach: move it out of the list")
        f = FENCE.match(line)
        if f:
            fence, info = f.group(1), f.group(2)
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != fence:
                end += 1
            if end == len(lines):
                raise Malformed(f"{path}:{i + 1}: fenced block never closed")
            content = lines[i + 1:end]
            if pending_marker:
                kind, arg, at = pending_marker
                blocks.append(Block(kind, arg, info, at, i + 1, end))
                pending_marker = None
            elif info == "scn" or (content and content[0].startswith("$ zabsim")):
                raise Malformed(f"{path}:{i + 1}: an output block without a zabsim marker")
            elif every_block and checked_by is None and not any(
                    "excerpt" in p.lower() for p in paragraph):
                unchecked.append(f"{path}:{i + 1}: a block that no test checks")
            elif every_block and checked_by is None:
                blocks.append(Block("commands", "", info, i + 1, i + 1, end))
            checked_by = None
            paragraph = []
            i = end + 1
            continue
        if line.strip():
            # A paragraph ends at a blank line; the next text starts a new one.
            if i > 0 and not lines[i - 1].strip():
                paragraph = []
            paragraph.append(line)
        if pending_marker and line.strip():
            raise Malformed(f"{path}:{pending_marker[2]}: marker not followed by a fenced block")
        i += 1
    if pending_marker:
        raise Malformed(f"{path}:{pending_marker[2]}: marker without a fenced block")
    if unchecked:
        raise Malformed("\n".join(unchecked) + "\n(mark each with <!-- zabsim-output: ARGS --> "
                        "(or excerpt, scenario, file), or say in the paragraph before it that "
                        "it is an excerpt)")
    return blocks


def split_chunks(expected):
    """Splits expected lines at `...` lines: (chunks, starts open, ends open)."""
    chunks, current = [], []
    for line in expected:
        if line == ELLIPSIS:
            chunks.append(current)
            current = []
        else:
            current.append(line)
    chunks.append(current)
    open_start = bool(expected) and expected[0] == ELLIPSIS
    open_end = bool(expected) and expected[-1] == ELLIPSIS
    return [c for c in chunks if c], open_start, open_end


def line_matches(expected, actual):
    """A lesson line matches an output line if equal; `[...]` in it stands for any text
    (for the wall-clock times that hunt prints)."""
    if WILDCARD not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split(WILDCARD))
    return re.fullmatch(pattern, actual) is not None


def lines_match(expected, actual):
    return len(expected) == len(actual) and all(map(line_matches, expected, actual))


def find(chunk, actual, start):
    for at in range(start, len(actual) - len(chunk) + 1):
        if lines_match(chunk, actual[at:at + len(chunk)]):
            return at
    return -1


def matches(expected, actual, anchored):
    """True if the expected lines, with `...` standing for any lines (none included),
    match the actual lines: all of them if anchored, else a part of them."""
    chunks, open_start, open_end = split_chunks(expected)
    if not anchored:
        open_start = open_end = True
    if not chunks:
        return open_start or not actual
    pos = 0
    for n, chunk in enumerate(chunks):
        if n == 0 and not open_start:
            if not lines_match(chunk, actual[:len(chunk)]):
                return False
            pos = len(chunk)
            continue
        if n == len(chunks) - 1 and not open_end:
            tail = len(actual) - len(chunk)
            return tail >= pos and lines_match(chunk, actual[tail:])
        at = find(chunk, actual, pos)
        if at < 0:
            return False
        pos = at + len(chunk)
    return open_end or pos == len(actual)


def parse_scn(lines):
    """The directives of scenario text: a list of (command line, output lines), with
    None for the output of a command that has no `----` (an `expect`, a line of a
    `repeat` block)."""
    directives = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        if i + 1 >= len(lines) or lines[i + 1] != "----":
            directives.append((line, None))
            i += 1
            continue
        out = []
        i += 2
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        directives.append((line, out))
    return directives


class Checker:
    def __init__(self, zabsim, source, update, every_block=False):
        self.every_block = every_block
        self.zabsim = zabsim
        self.source = source
        self.update = update
        self.failures = 0
        self.pending = 0
        self.checked = 0
        self.scenarios_run = {}
        self.helps = {}
        self.inputs = []  # (where, path) of the inputs that no later command named yet

    def fail(self, where, message, expected=None, actual=None):
        self.failures += 1
        print(f"{where}: {message}")
        if expected is not None:
            diff = difflib.unified_diff(expected, actual, "lesson", "actual", lineterm="", n=2)
            for n, line in enumerate(diff):
                if n == 60:
                    print("  ... (diff cut)")
                    break
                print(f"  {line}")

    def command(self, arg):
        """The argv of a marker's ARGS, and the command as a block's `$ ` line shows it:
        zabsim's arguments, or `python3 docs/examples/SCRIPT ...`, run by this Python."""
        args = shlex.split(arg)
        if len(args) >= 2 and args[0] == "python3" and args[1].startswith(EXAMPLES + "/"):
            return [sys.executable] + args[1:], arg
        return [self.zabsim] + args, "zabsim " + arg

    def run(self, args, workdir):
        return self.run_argv([self.zabsim] + args, workdir)

    def run_argv(self, argv, workdir):
        try:
            done = subprocess.run(argv, cwd=workdir, capture_output=True,
                                  text=True, timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None, "", f"timed out after {COMMAND_TIMEOUT_S} s"
        return done.returncode, done.stdout, done.stderr

    def scenario_passes(self, path, where, workdir):
        """Runs `zabsim run PATH` once per file: its recorded outputs must be current."""
        if path not in self.scenarios_run:
            code, out, err = self.run(["run", path], workdir)
            self.scenarios_run[path] = code == 0
            if code != 0:
                self.fail(where, f"'zabsim run {path}' does not pass (exit {code}):\n{out}{err}")
        return self.scenarios_run[path]

    def check_lesson(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        blocks = parse_lesson(path, lines, self.every_block)
        replacements = []
        with tempfile.TemporaryDirectory(prefix="course-") as workdir:
            os.symlink(os.path.join(self.source, "scenarios"), os.path.join(workdir, "scenarios"))
            os.makedirs(os.path.join(workdir, os.path.dirname(EXAMPLES)))
            os.symlink(os.path.join(self.source, EXAMPLES), os.path.join(workdir, EXAMPLES))
            self.inputs = []
            for block in blocks:
                new = self.check_block(path, lines, block, workdir)
                if new is not None:
                    replacements.append((block, new))
            for where, name in self.inputs:
                self.fail(where, f"no later command reads the input {name}")
        if self.update and replacements:
            for block, new in sorted(replacements, key=lambda r: -r[0].first):
                lines[block.first:block.last] = new
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            print(f"{path}: updated {len(replacements)} block(s)")

    def help_of(self, command):
        """`zabsim COMMAND --help`, or None if there is no such command."""
        if command not in self.helps:
            code, out, _ = self.run([command, "--help"], self.source)
            self.helps[command] = out if code == 0 else None
        return self.helps[command]

    def check_commands(self, where, content):
        """The zabsim commands written in an excerpt: each command exists and each
        --flag is one its --help lists (and not a deprecated spelling)."""
        text = "\n".join(content).replace("\\\n", " ")
        for number, line in enumerate(text.split("\n")):
            line = line[2:] if line.startswith("$ ") else line
            try:
                lexer = shlex.shlex(line, posix=True, punctuation_chars="|;&<>")
                lexer.whitespace_split = True
                lexer.commenters = "#"
                tokens = list(lexer)
            except ValueError:
                continue
            for at, token in enumerate(tokens):
                if token != "zabsim" and not token.endswith("/zabsim"):
                    continue
                if at + 1 >= len(tokens) or not re.fullmatch(r"[a-z]+|--?[a-z-]+", tokens[at + 1]):
                    continue  # Output ("zabsim sim: ..."), not a command.
                command = tokens[at + 1]
                if command.startswith("-") or command in ("help", "version"):
                    continue
                self.checked += 1
                help_text = self.help_of(command)
                if help_text is None:
                    self.fail(where, f"'{line.strip()}': zabsim has no command '{command}'")
                    continue
                current = help_text.split("\ndeprecated")[0]
                for flag in tokens[at + 2:]:
                    if flag in ("|", ";", "&&", "||", "&", ">", "<", ">>"):
                        break
                    if not flag.startswith("--"):
                        continue
                    name = flag.split("=", 1)[0]
                    if not re.search(r"(^|\s)" + re.escape(name) + r"([\s=]|$)", current, re.M):
                        self.fail(where, f"'{line.strip()}': 'zabsim {command}' does not take {name}")

    def check_block(self, path, lines, block, workdir):
        """Checks one block; returns its new content under --update, else None."""
        where = f"{path}:{block.marker_line}"
        content = lines[block.first:block.last]
        if block.kind == "commands":
            self.check_commands(where, content)
            return None
        if block.kind != "input":
            # An input is checked by the commands that read it.
            self.inputs = [(w, name) for w, name in self.inputs
                           if name not in shlex.split(block.arg)]
        if block.kind in ("output", "excerpt"):
            return self.check_command(where, block, content, workdir)
        if block.kind == "input":
            self.write_input(where, block.arg, content, workdir)
            return None
        if not content:
            raise Malformed(f"{where}: an empty zabsim-{block.kind} block")
        self.checked += 1
        if block.kind == "scenario":
            self.check_scenario(where, block.arg, content, workdir)
        else:
            self.check_file(where, block.arg, content, workdir)
        return None

    def check_command(self, where, block, content, workdir):
        arg, want_exit = block.arg, 0
        m = EXIT.match(arg)
        if m:
            arg, want_exit = m.group(1), int(m.group(2))
        argv, shown = self.command(arg)
        prompt = None
        if content and content[0].startswith("$ "):
            prompt = content[0]
            if prompt != "$ " + shown:
                self.fail(where, f"the block's command '{prompt}' is not the marker's "
                                 f"'$ {shown}'")
                return None
            content = content[1:]
        # Only a diagram may be a placeholder: an emptied text block is compared (with
        # an output that is rarely empty), so emptying one never hides a stale output.
        placeholder = not content and block.info == "mermaid"
        if placeholder and not self.update:
            self.pending += 1
            print(f"{where}: pending: '{shown}' (an empty placeholder, not checked)")
            return None
        code, out, err = self.run_argv(argv, workdir)
        actual = out.split("\n")
        if actual and actual[-1] == "":
            actual.pop()
        if code != want_exit:
            if placeholder:
                self.pending += 1
                print(f"{where}: pending: '{shown}' cannot fill it yet (exit {code}): "
                      f"{err.strip()}")
                return None
            self.fail(where, f"'{shown}' exited {code}, the lesson says {want_exit}:\n"
                             f"{out}{err}")
            return None
        self.checked += 1
        if block.kind == "output":
            if self.update:
                return ([prompt] if prompt else []) + actual
            if not lines_match(content, actual):
                self.fail(where, f"the block is not the output of '{shown}'", content, actual)
        elif not matches(content, actual, anchored=False):
            self.fail(where, f"the excerpt is not in the output of '{shown}'", content, actual)
        return None

    def check_scenario(self, where, path, content, workdir):
        full = os.path.join(workdir, path)
        if not os.path.isfile(full):
            self.fail(where, f"no scenario file {path}")
            return
        with open(full, encoding="utf-8") as f:
            file_directives = parse_scn(f.read().replace("\r\n", "\n").split("\n"))
        try:
            wanted = parse_scn(content)
        except Malformed as e:
            raise Malformed(f"{where}: {e}") from None
        if not wanted:
            raise Malformed(f"{where}: a zabsim-scenario block without a directive")
        pos = 0
        for command, out in wanted:
            found = -1
            for n in range(pos, len(file_directives)):
                frozen = file_directives[n][1]
                if file_directives[n][0] == command and (
                        frozen is None if out is None
                        else frozen is not None and matches(out, frozen, True)):
                    found = n
                    break
            if found < 0:
                same = [d[1] for d in file_directives[pos:] if d[0] == command]
                self.fail(where, f"{path} has no directive '{command}' with this output "
                                 "(after the ones matched before it)",
                          out or [], (same[0] or []) if same else [])
                return
            pos = found + 1
        self.scenario_passes(path, where, workdir)

    def write_input(self, where, path, content, workdir):
        if os.path.isabs(path) or ".." in path.split("/") or path.split("/")[0] in (
                "scenarios", "docs"):
            raise Malformed(f"{where}: an input must be a new file of the lesson's directory, "
                            f"not {path}")
        full = os.path.join(workdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write("\n".join(content) + "\n")
        self.inputs.append((where, path))

    def check_file(self, where, path, content, workdir):
        full = os.path.join(workdir, path)
        if not os.path.isfile(full):
            self.fail(where, f"no file {path} (an earlier command of the lesson writes it?)")
            return
        with open(full, encoding="utf-8") as f:
            actual = f.read().split("\n")
        if actual and actual[-1] == "":
            actual.pop()
        if not matches(content, actual, anchored=True):
            self.fail(where, f"the block is not the text of {path}", content, actual)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zabsim", required=True, help="the zabsim executable")
    parser.add_argument("--source", required=True, help="the source tree (for scenarios/)")
    parser.add_argument("--update", action="store_true",
                        help="write actual outputs into zabsim-output blocks")
    parser.add_argument("--every-block", action="store_true",
                        help="every fenced block must be checked or said to be an excerpt")
    parser.add_argument("--label", default="course", help="the name in the summary line")
    parser.add_argument("lessons", nargs="+", help="lesson files (docs/course/*.md)")
    args = parser.parse_args()
    zabsim = os.path.abspath(args.zabsim)
    source = os.path.abspath(args.source)
    if not os.access(zabsim, os.X_OK):
        print(f"--zabsim: {args.zabsim} is not an executable", file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(source, "scenarios")):
        print(f"--source: {args.source} has no scenarios/ directory", file=sys.stderr)
        return 2
    checker = Checker(zabsim, source, args.update, args.every_block)
    try:
        for lesson in args.lessons:
            checker.check_lesson(lesson)
    except (Malformed, OSError) as e:
        print(e, file=sys.stderr)
        return 2
    verdict = "FAILED" if checker.failures else "ok"
    print(f"{args.label}: {verdict} ({len(args.lessons)} files, {checker.checked} blocks checked, "
          f"{checker.failures} differ, {checker.pending} pending)")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
