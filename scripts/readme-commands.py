#!/usr/bin/env python3
"""Runs the shell blocks of the READMEs that are marked to run, as written, and fails naming the block that broke.

Issue 18: every command a README shows must work on a fresh clone. A block is marked by an HTML comment (invisible on
GitHub) on the line right before its ```sh fence:

    <!-- readme-test: run -->
        every line runs, in order, each with `bash -c` from the repository root, as written
    <!-- readme-test: run background=1 wait=127.0.0.1:8001 -->
        line 1 (a server) starts in the background; the next line starts once 127.0.0.1:8001 accepts connections;
        the server is stopped when the block ends (lines are counted from 1, comment-only lines included)
    <!-- readme-test: run slow -->
        too long for CI: runs only with --slow (say so in the README next to the block)

Unmarked blocks do not run (placeholders like <run>.json, your own service, the internet, Docker). A line ending in
`\\` continues on the next one; lines that are only a `# comment` are skipped.

Usage: scripts/readme-commands.py [--slow] [--list] [--timeout SECONDS] [FILE.md ...]   (default: README.md)
Exit codes: 0 every marked block ran and exited 0; 1 a command failed (the block, the command, its exit code and the
end of its output are printed); 2 this script could not run (bad marker, missing file, port already in use).
"""

import argparse
import collections
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^```(\w*)\s*$")
TAIL_LINES = 60


class Broken(Exception):
    """A README command failed: exit 1."""


class Unusable(Exception):
    """The script itself cannot go on (bad marker, port in use): exit 2."""


@dataclass
class Block:
    path: Path
    line: int  # line of the opening fence, 1-based
    commands: list  # (line in the block, command text)
    background: set = field(default_factory=set)
    wait: tuple = None  # (host, port)
    slow: bool = False

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path}:{self.line}"


def parse_marker(text: str, where: str) -> dict:
    words = text.split()
    if not words or words[0] != "run":
        raise Unusable(f"{where}: readme-test marker must start with `run`, got `{text}`")
    opts = {"background": set(), "wait": None, "slow": False}
    for w in words[1:]:
        key, _, value = w.partition("=")
        if key == "slow" and not value:
            opts["slow"] = True
        elif key == "background" and value:
            try:
                opts["background"] = {int(n) for n in value.split(",")}
            except ValueError:
                raise Unusable(f"{where}: background= takes line numbers (background=1 or background=1,2), got `{value}`")
        elif key == "wait" and value:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit():
                raise Unusable(f"{where}: wait= takes HOST:PORT (wait=127.0.0.1:8001), got `{value}`")
            opts["wait"] = (host, int(port))
        else:
            raise Unusable(f"{where}: unknown readme-test option `{w}` (known: slow, background=N, wait=HOST:PORT)")
    if opts["background"] and not opts["wait"]:
        raise Unusable(f"{where}: background= needs wait=HOST:PORT (how to know the server is up)")
    return opts


def blocks(path: Path) -> list:
    """The marked blocks of one Markdown file; unmarked fences are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        marker = MARKER.match(lines[start - 1]) if start > 0 else None
        if not marker:
            continue
        where = f"{path}:{start + 1}"
        if m.group(1) not in ("sh", "bash", "console"):
            raise Unusable(f"{where}: readme-test marks a ```{m.group(1)} block; only sh/bash blocks run")
        opts = parse_marker(marker.group(1), where)
        commands, pending, first = [], "", None
        for n, text in enumerate(body, 1):
            if not pending and (not text.strip() or text.lstrip().startswith("#")):
                continue
            first = first or n
            if text.rstrip().endswith("\\"):
                pending += text.rstrip()[:-1] + " "
                continue
            commands.append((first, pending + text))
            pending, first = "", None
        unknown = opts["background"] - {n for n, _ in commands}
        if unknown:
            raise Unusable(f"{where}: background= names line(s) {sorted(unknown)}, which hold no command")
        found.append(Block(path, start + 1, commands, opts["background"], opts["wait"], opts["slow"]))
    return found


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def run_foreground(block: Block, n: int, command: str, timeout: float) -> None:
    print(f"\n$ {command}", flush=True)
    tail = collections.deque(maxlen=TAIL_LINES)
    started = time.monotonic()
    proc = subprocess.Popen(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)

    def relay():
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line)

    reader = threading.Thread(target=relay, daemon=True)
    reader.start()
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        reader.join(timeout=5)
        raise Broken(failure(block, n, command, f"still running after {timeout:.0f} s (--timeout)", tail))
    reader.join(timeout=5)
    print(f"[readme-test] exit {rc} after {time.monotonic() - started:.0f} s", flush=True)
    if rc != 0:
        raise Broken(failure(block, n, command, f"exit code {rc}", tail))


def start_background(block: Block, n: int, command: str, timeout: float):
    host, port = block.wait
    if port_open(host, port):
        raise Unusable(f"{block.where()}: something already listens on {host}:{port}; stop it first (the block's "
                       f"server `{command}` could not bind it, and its next line would test the wrong server)")
    print(f"\n$ {command} &    # background, waiting for {host}:{port}", flush=True)
    log = tempfile.TemporaryFile(mode="w+", errors="replace")
    proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    started = time.monotonic()
    while not port_open(host, port):
        if proc.poll() is not None or time.monotonic() - started > timeout:
            why = (f"exited with code {proc.returncode} before {host}:{port} accepted connections"
                   if proc.poll() is not None else f"{host}:{port} not accepting connections after {timeout:.0f} s")
            stop(proc)
            log.seek(0)
            raise Broken(failure(block, n, command, why, log.read().splitlines(keepends=True)[-TAIL_LINES:]))
        time.sleep(0.2)
    print(f"[readme-test] {host}:{port} up after {time.monotonic() - started:.0f} s", flush=True)
    return proc, log


def stop(proc) -> None:
    """Stops a command and everything it started (cargo run's child), by its process group."""
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def failure(block: Block, n: int, command: str, why: str, tail) -> str:
    out = "".join(tail).rstrip() or "(no output)"
    return (f"README command failed: {block.where()} (block line {n}): `{command}`: {why}\n"
            f"--- last {TAIL_LINES} lines of its output ---\n{out}")


def run_block(block: Block, timeout: float) -> None:
    servers = []
    try:
        for n, command in block.commands:
            if n in block.background:
                servers.append(start_background(block, n, command, timeout))
            else:
                run_foreground(block, n, command, timeout)
    finally:
        for proc, log in servers:
            stop(proc)
            log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", default=["README.md"], help="Markdown files (default: README.md)")
    ap.add_argument("--slow", action="store_true", help="also run the blocks marked slow")
    ap.add_argument("--list", action="store_true", help="print the marked blocks and their commands, run nothing")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command and per server start (1800)")
    args = ap.parse_args()
    try:
        todo = []
        for f in args.files:
            path = (ROOT / f) if not Path(f).is_absolute() else Path(f)
            if not path.is_file():
                raise Unusable(f"{f}: no such file")
            todo += blocks(path)
        if not todo:
            raise Unusable(f"no block marked `<!-- readme-test: run -->` in {', '.join(args.files)}")
        ran = 0
        for b in todo:
            if b.slow and not args.slow:
                print(f"[readme-test] {b.where()}: marked slow, not run (--slow runs it)")
                continue
            print(f"\n[readme-test] {b.where()}: {len(b.commands)} command(s)", flush=True)
            for n, c in b.commands:
                print(f"  {n}: {c}{'   (background)' if n in b.background else ''}")
            if not args.list:
                started = time.monotonic()
                run_block(b, args.timeout)
                print(f"[readme-test] {b.where()}: ok in {time.monotonic() - started:.0f} s", flush=True)
                ran += 1
        if not args.list:
            print(f"\n[readme-test] {ran} block(s) ran as written, every command exited 0")
        return 0
    except Broken as e:
        print(f"\n[readme-test] {e}", file=sys.stderr)
        return 1
    except Unusable as e:
        print(f"[readme-test] cannot run: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
