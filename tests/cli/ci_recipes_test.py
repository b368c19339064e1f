#!/usr/bin/env python3
"""Checks the CI recipes of docs/ci.md (ctest name docs.ci-recipes).

Every ```yaml block of the page must parse, and be a GitHub Actions workflow (`jobs` with
`steps`) or a GitLab CI file (jobs with `script`). Every shell command in it must exist,
and every flag it passes must be one that the command accepts:

  zabsim SUB ...     SUB is a command, each --flag is listed by 'zabsim SUB --help'
                     (deprecated spellings are not: a recipe must use the current ones)
  ./build.sh MODE    MODE is one of build.sh's modes; 'test' takes ctest's flags
  ctest, cmake       each flag is listed by their --help; -DZABSIM_X is an option()
  apt-get install    the flags and packages pass 'apt-get -s' (a simulation)
  anything else      found on PATH

CI variables are given sample values first (a matrix's first value, CI_NODE_INDEX=1).

usage: ci_recipes_test.py ZABSIM SOURCE_DIR [DOC.md] [--expect-problems N]
With --expect-problems N it passes only if it finds exactly N problems: the test that the
check can fail runs it on a broken recipe.
"""

import functools
import re
import shlex
import subprocess
import sys

import yaml


def yaml_blocks(text):
    """The ```yaml blocks of a Markdown page, with the line each starts on."""
    blocks, lines, start, inside = [], text.split("\n"), 0, False
    body = []
    for number, line in enumerate(lines, 1):
        if not inside and line.strip() == "```yaml":
            inside, start, body = True, number + 1, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append((start, "\n".join(body)))
        elif inside:
            body.append(line)
    return blocks


def github_commands(doc):
    """(job, command text) of each step's `run`, with the job's matrix values put in."""
    out = []
    for name, job in doc["jobs"].items():
        matrix = ((job.get("strategy") or {}).get("matrix")) or {}
        values = {f"matrix.{k}": str(v[0]) for k, v in matrix.items() if isinstance(v, list) and v}
        values["github.workspace"] = "/workspace"
        for step in job.get("steps", []):
            if "run" not in step:
                continue
            text = re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: values.get(m.group(1), "X"), step["run"])
            out.append((name, text))
    return out


def gitlab_commands(doc):
    out = []
    for name, job in doc.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        total = str(job.get("parallel", 1))
        for key in ("before_script", "script", "after_script"):
            for line in job.get(key, []) or []:
                text = line.replace("$CI_NODE_INDEX", "1").replace("$CI_NODE_TOTAL", total)
                text = text.replace("$CI_PROJECT_DIR", "/workspace")
                out.append((name, text))
    return out


def simple_commands(text):
    """The simple commands of a shell text: lines joined at '\\', split at && || ; |."""
    text = text.replace("\\\n", " ")
    commands = []
    for line in text.split("\n"):
        if not line.strip() or line.strip().startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        current = []
        for token in lexer:
            if token in ("&&", "||", ";", "|", "&"):
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
        if current:
            commands.append(current)
    return commands


@functools.lru_cache(maxsize=None)
def help_text(*argv):
    result = subprocess.run(list(argv) + ["--help"], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def flags_of(tokens):
    """The option names among tokens: '--x=v' -> '--x', '-DX=1' -> '-D'."""
    names = []
    for t in tokens:
        if t.startswith("--"):
            names.append(t.split("=", 1)[0])
        elif re.fullmatch(r"-[A-Z]{1,2}", t):
            names.append(t)
        elif re.match(r"-D\w", t):
            names.append("-D")
        elif re.fullmatch(r"-[a-z]", t):
            names.append(t)
    return names


def listed(flag, text):
    return re.search(r"(^|[\s,\[])" + re.escape(flag) + r"([\s=,\]]|$)", text, re.M) is not None


def deprecated_flags(help_output):
    names, inside = set(), False
    for line in help_output.split("\n"):
        if line.startswith("deprecated"):
            inside = True
        elif inside and line.startswith("  --"):
            names.add(line.split("=", 1)[0].strip())
    return names


def check_zabsim(zabsim, tokens):
    if len(tokens) < 2:
        return ["zabsim without a command"]
    sub = tokens[1]
    code, text = help_text(zabsim, sub)
    if code != 0:
        return [f"'zabsim {sub}' is not a command"]
    problems = []
    old = deprecated_flags(text)
    for flag in flags_of(tokens[2:]):
        if flag in old:
            problems.append(f"zabsim {sub} {flag} is a deprecated spelling")
        elif not listed(flag, text.split("\ndeprecated")[0]):
            problems.append(f"zabsim {sub} does not take {flag}")
    return problems


def check_build_sh(source, tokens):
    script = open(f"{source}/build.sh").read()
    modes = set(re.findall(r"^  (\w[\w-]*)\)$", script, re.M))
    if len(tokens) < 2 or tokens[1] not in modes:
        return [f"build.sh has no mode {tokens[1] if len(tokens) > 1 else '(none)'} (it has {sorted(modes)})"]
    if tokens[1] == "test":
        return check_flags("ctest", tokens[2:])
    return []


def check_flags(program, args):
    code, text = help_text(program)
    return [f"{program} does not take {f}" for f in flags_of(args) if not listed(f, text)]


def check_cmake(source, args):
    """cmake's flags, and each -DZABSIM_X a setting the project declares."""
    problems = check_flags("cmake", args)
    lists = open(f"{source}/CMakeLists.txt").read()
    for name in re.findall(r"-D(ZABSIM_\w+)=", " ".join(args)):
        if not re.search(r"option\(" + name + r"\s|cmake_dependent_option\(" + name + r"\s", lists):
            problems.append(f"the project has no setting {name}")
    return problems


def check_apt_get(tokens):
    if len(tokens) < 2:
        return ["apt-get without a command"]
    if tokens[1] == "update":
        return [] if len(tokens) == 2 else [f"apt-get update takes no arguments here: {tokens[2:]}"]
    if tokens[1] != "install":
        return [f"apt-get {tokens[1]}: only update and install are checked"]
    result = subprocess.run(["apt-get", "-s"] + tokens[1:], capture_output=True, text=True)
    if result.returncode != 0:
        return [f"apt-get -s {' '.join(tokens[1:])} fails: {result.stderr.strip()}"]
    return []


def check_command(zabsim, source, tokens):
    while tokens and re.fullmatch(r"\w+=.*", tokens[0]):
        tokens = tokens[1:]  # VAR=value before a command.
    if not tokens:
        return []
    program = tokens[0]
    if program == "zabsim" or program.endswith("/zabsim"):
        return check_zabsim(zabsim, tokens)
    if program == "./build.sh":
        return check_build_sh(source, tokens)
    if program == "cmake":
        return check_cmake(source, tokens[1:])
    if program == "ctest":
        return check_flags(program, tokens[1:])
    if program == "apt-get":
        return check_apt_get(tokens)
    if subprocess.run(["sh", "-c", f"command -v {shlex.quote(program)}"], capture_output=True).returncode != 0:
        return [f"{program}: no such command"]
    return []


def main():
    args = sys.argv[1:]
    expect = None
    if "--expect-problems" in args:
        at = args.index("--expect-problems")
        expect = int(args[at + 1])
        del args[at : at + 2]
    zabsim, source = args[0], args[1]
    doc_path = args[2] if len(args) > 2 else f"{source}/docs/ci.md"
    problems, checked = [], 0
    blocks = yaml_blocks(open(doc_path).read())
    if not blocks:
        problems.append(f"{doc_path}: no ```yaml block")
    for line, body in blocks:
        where = f"{doc_path}:{line}"
        try:
            doc = yaml.safe_load(body)
        except yaml.YAMLError as e:
            problems.append(f"{where}: not YAML: {e}")
            continue
        if isinstance(doc, dict) and "jobs" in doc:
            commands = github_commands(doc)
        elif isinstance(doc, dict) and any(isinstance(j, dict) and "script" in j for j in doc.values()):
            commands = gitlab_commands(doc)
        else:
            problems.append(f"{where}: neither a GitHub workflow (jobs) nor a GitLab CI file (scripts)")
            continue
        if not commands:
            problems.append(f"{where}: no commands")
        for job, text in commands:
            for tokens in simple_commands(text):
                checked += 1
                for p in check_command(zabsim, source, tokens):
                    problems.append(f"{where}: job {job}: {' '.join(tokens)}\n    {p}")
    for p in problems:
        print(p)
    print(f"{len(blocks)} recipes, {checked} commands checked, {len(problems)} problems")
    if expect is not None:
        return 0 if len(problems) == expect else 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
