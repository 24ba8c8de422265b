#!/usr/bin/env bash
# doc_commands.sh [--full] [--keep] SOURCE_ROOT BUILD_DIR [FILE.md …]
#
# Runs every command the documentation tells a user to run, as written.
#
# The convention (TEAM's, and README.md's last section): in README.md, doc/*.md and the
# READMEs under examples/ and bindings/, a fenced block tagged ```sh is a list of commands the
# user is told to run; ```text (or c, json, python, …) is an illustration and is not run;
# a fence without a language is an error here (tag it). A ```sh block whose first line (or
# second, after a #! line) is
#     # doc-test: skip — REASON     is not run (real hardware, the network, or the
#                                   suite itself), and is listed with its reason;
#     # doc-test: slow — REASON     runs only with --full (tests/run-all.sh): a build
#                                   of minutes, or an install into the system.
#
# The man page (doc/*.1) counts too: the .nf/.fi blocks of its EXAMPLES section run.
#
# Each file runs on its own, in a fresh scratch copy of the repository (the files git
# tracks, as they are in the working tree), its blocks in order in one bash shell started
# at the copy's root (so a block sees what the earlier blocks of its file made, their
# variables and their cd). In the copy, build/ is BUILD_DIR (what README's first command
# leaves behind), `healthcode` on PATH is BUILD_DIR's, there is no `man` (a fresh Debian
# image has none), HOME is empty, standard input is /dev/null and there is no terminal
# (a command that would prompt fails instead of waiting).
#
# Every top-level command — a line, or the lines a trailing \, an open quote, a pipe, a
# here-document or an if/for/while/{ } hold together — must exit 0 (write `! cmd` or
# `cmd || test $? = 13` to show a refusal). The first one that does not fails the file:
# FILE:LINE, its block, the command and the last lines of its output are printed.
# Exit status 0 when every file passed, 1 otherwise. --keep leaves the scratch copies.
set -uo pipefail
full=0
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --full) full=1; shift ;;
    --keep) keep=1; shift ;;
    *) break ;;
    esac
done
[ $# -ge 2 ] || { echo "usage: doc_commands.sh [--full] [--keep] SOURCE_ROOT BUILD_DIR [FILE.md …]" >&2; exit 2; }
src=$(cd "$1" && pwd) || exit 2
build=$(cd "$2" && pwd) || exit 2
shift 2
[ -x "$build/tools/healthcode" ] || { echo "doc_commands.sh: no $build/tools/healthcode (a build with the CLI)" >&2; exit 2; }

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=(README.md)
    for f in "$src"/doc/*.md "$src"/doc/*.1 "$src"/examples/*/README.md "$src"/bindings/*/README.md; do
        [ -f "$f" ] && files+=("${f#"$src"/}")
    done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/doc-commands.XXXXXX")
if [ "$keep" = 0 ]; then trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT; fi

# bin/: healthcode of the build, and a `man` that is not there
mkdir -p "$work/bin"
ln -s "$build/tools/healthcode" "$work/bin/healthcode"
printf '#!/bin/sh\necho "man: not installed (doc-test: a fresh Debian image has no man; read doc/healthcode.1)" >&2\nexit 127\n' >"$work/bin/man"
chmod +x "$work/bin/man"

# The tracked files, as they are in the working tree (a tarball without .git: all but build*/)
list_files() {
    if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$src" ls-files -z --cached
    else
        (cd "$src" && find . -path './build*' -prune -o -path './.git' -prune -o -type f -print0 | sed -z 's|^\./||')
    fi
}
list_files >"$work/files0"

# Splits the ```sh blocks of a file into top-level commands and writes the script that runs
# them (plan.sh), the table of its commands (plan.tsv: index, line, block, first line) and
# the blocks skipped or left out (notes.txt). Exit 1 with a message for a malformed file.
plan() { # FILE OUTDIR FULL
    python3 - "$@" <<'PY'
import os, re, subprocess, sys

path, out, full = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
rel = os.environ["DOC_REL"]
lines = open(path, encoding="utf-8").read().split("\n")
fence = re.compile(r"^(\s*)(```+)(.*)$")
blocks, errors = [], []
i = 0
if path.endswith(".1"):
    # a man page: the .nf/.fi blocks of its EXAMPLES section, roff escapes undone
    roff = [("\\-", "-"), ("\\(dq", '"'), ("\\(aq", "'"), ("\\&", ""), ("\\e", "\\")]
    section = ""
    while i < len(lines):
        if lines[i].startswith(".SH"):
            section = lines[i][3:].strip().strip('"')
        if section == "EXAMPLES" and lines[i].strip() == ".nf":
            start, body = i + 1, []
            i += 1
            while i < len(lines) and lines[i].strip() != ".fi":
                text = lines[i]
                for a, b in roff:
                    text = text.replace(a, b)
                body.append(text)
                i += 1
            blocks.append((start, body))
        i += 1
    lines = []
while i < len(lines):
    m = fence.match(lines[i])
    if not m:
        i += 1
        continue
    indent, ticks, info = m.group(1), m.group(2), m.group(3).strip()
    start = i + 1                      # 1-based line of the fence
    body = []
    i += 1
    while i < len(lines) and not (lines[i].strip().startswith(ticks) and lines[i].strip().strip("`") == ""):
        body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
        i += 1
    if i == len(lines):
        errors.append(f"{rel}:{start}: the block is never closed")
    i += 1
    lang = info.split()[0] if info else ""
    if not lang:
        errors.append(f"{rel}:{start}: a fenced block without a language: tag it ```sh "
                      f"(commands the user runs) or ```text (an illustration)")
        continue
    if lang in ("sh", "shell", "bash", "console") and lang != "sh":
        errors.append(f"{rel}:{start}: ```{lang}: write ```sh for commands to run, ```text for an illustration")
        continue
    if lang == "sh":
        blocks.append((start, body))

def complete(text):
    """True when bash reads text as whole commands (no open quote, pipe, if, here-doc)."""
    if re.search(r"\\\n?$", text.rstrip("\n")):
        return False
    r = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    return r.returncode == 0 and "here-document" not in r.stderr

marker = re.compile(r"^#\s*doc-test:\s*(\w+)\s*(?:—|--|-|:)?\s*(.*)$")
script = []
table, notes = [], []
n = 0
for b, (start, body) in enumerate(blocks, 1):
    where = f"{rel}:{start} (block {b})"
    # the marker is the first line (the second after a script's #! line)
    first = body[0].strip() if body else ""
    if first.startswith("#!") and len(body) > 1:
        first = body[1].strip()
    m = marker.match(first)
    if rel == "README.md" and b == 1:
        # README's first block is the set-up pair, run as written by tests/run-all.sh
        # (its first step); run here it would reconfigure the build under test
        notes.append(f"setup {where}: README's two set-up commands: tests/run-all.sh runs them first")
        continue
    if first.startswith("#") and "doc-test" in first and not m:
        errors.append(f"{rel}:{start + 1}: unreadable marker '{first}': '# doc-test: skip — REASON' or '# doc-test: slow — REASON'")
        continue
    if m:
        kind, reason = m.group(1), m.group(2).strip()
        if kind not in ("skip", "slow") or not reason:
            errors.append(f"{rel}:{start + 1}: '{first}': the marker is 'skip' or 'slow', followed by its reason")
            continue
        if kind == "skip" or not full:
            notes.append(f"{kind:4}  {where}: {reason}" + ("" if kind == "skip" else " (tests/run-all.sh runs it)"))
            continue
    script.append(f"echo '### {where}'")
    chunk, cline = [], 0
    for k, line in enumerate(body):
        if not chunk:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cline = start + 1 + k
        chunk.append(line)
        text = "\n".join(chunk) + "\n"
        if not complete(text) and k < len(body) - 1:
            continue
        if not complete(text):
            errors.append(f"{rel}:{cline}: the command never ends within its block (an open quote, pipe or here-document)")
            break
        n += 1
        table.append(f"{n}\t{cline}\t{b}\t{start}\t{chunk[0].strip()}")
        shown = "\n".join("$ " + c if j == 0 else "> " + c for j, c in enumerate(chunk))
        script.append("cat <<'DOC_TEST_SHOWN_EOF'\n" + shown + "\nDOC_TEST_SHOWN_EOF")
        script.append(text.rstrip("\n"))
        script.append(f"__dt_rc=$?; echo \"{n} $__dt_rc\" >\"$DOC_TEST_STATUS\"; "
                      f"[ $__dt_rc -eq 0 ] || exit 100")
        chunk = []
script.append('echo "done 0" >"$DOC_TEST_STATUS"')
with open(os.path.join(out, "plan.sh"), "w") as f:
    f.write("\n".join(script) + "\n")
with open(os.path.join(out, "plan.tsv"), "w") as f:
    f.write("".join(t + "\n" for t in table))
with open(os.path.join(out, "notes.txt"), "w") as f:
    f.write("".join(t + "\n" for t in notes))
if errors:
    print("\n".join(errors))
    sys.exit(1)
PY
}

failed=0
ran=0
for rel in "${files[@]}"; do
    [ -f "$src/$rel" ] || { echo "FAIL $rel: no such file"; failed=$((failed + 1)); continue; }
    d=$work/$(echo "$rel" | tr '/' '_')
    mkdir -p "$d/home"
    if ! msg=$(DOC_REL=$rel plan "$src/$rel" "$d" "$full"); then
        sed 's/^/FAIL /' <<<"$msg"
        failed=$((failed + 1))
        continue
    fi
    sed "s/^/  /" "$d/notes.txt"
    count=$(wc -l <"$d/plan.tsv")
    [ "$count" -gt 0 ] || continue
    # the scratch copy, with build/ = the build
    mkdir "$d/repo"
    (cd "$src" && xargs -0 -a "$work/files0" sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar -c --null -T - -f -) | tar -x -C "$d/repo" -f -
    rm -rf "$d/repo/build"
    ln -s "$build" "$d/repo/build"
    start=$(date +%s)
    (cd "$d/repo" && env -u HC_LIBRARY -u PYTHONPATH -u SOFTHSM2_CONF -u HC_PKCS11_MODULE -u HC_PKCS11_PIN_FILE \
        -u LD_LIBRARY_PATH -u HC_SOURCE_ROOT -u HC_BUILD_ROOT -u CLASSPATH \
        HOME="$d/home" PATH="$work/bin:$PATH" DOC_TEST_STATUS="$d/status" \
        timeout 900 setsid -w bash --noprofile --norc "$d/plan.sh" </dev/null >"$d/log" 2>&1)
    rc=$?
    secs=$(($(date +%s) - start))
    read -r idx crc <"$d/status" 2>/dev/null || { idx=""; crc=""; }
    if [ "$rc" = 0 ] && [ "$idx" = done ]; then
        echo "ok   $rel: $count commands ($secs s)"
        ran=$((ran + count))
        continue
    fi
    failed=$((failed + 1))
    if [ -n "$idx" ] && [ "$idx" != done ] && [ "$crc" != 0 ]; then
        IFS=$'\t' read -r _ line block bstart first < <(sed -n "${idx}p" "$d/plan.tsv")
        echo "FAIL $rel:$line: exit status $crc (block $block, at line $bstart)"
        echo "     $first"
    elif [ "$rc" = 124 ]; then
        echo "FAIL $rel: timed out after 900 s; last command started: $(grep -a '^\$ ' "$d/log" | tail -n1)"
    else
        echo "FAIL $rel: the shell ended early (status $rc) after command ${idx:-0} of $count (an 'exit' in a block?)"
    fi
    echo "     its output (the last 25 lines of the transcript; \$ marks a command):"
    tail -n 25 "$d/log" | sed 's/^/     | /'
done
if [ "$failed" -gt 0 ]; then
    echo "doc_commands.sh: $failed file(s) failed"
    exit 1
fi
echo "doc_commands.sh: every documented command ran ($ran commands$([ "$full" = 1 ] && echo ', slow ones included'))"
