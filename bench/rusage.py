#!/usr/bin/env python3
"""Run a command and report its cost: python3 rusage.py OUT.json CMD [ARGS...]

Writes {"exitCode", "wallS", "userS", "sysS", "maxRssKiB"} to OUT.json.
CPU and peak RSS come from getrusage(RUSAGE_CHILDREN) after the child (and
every descendant it waited for) has exited: user + system seconds summed over
them, ru_maxrss = the largest peak resident set of any of them (KiB on Linux).
stdin is closed; stdout/stderr are inherited, so the caller captures them.

ru_maxrss has a floor of roughly this interpreter's own RSS (~10 MiB): the
child starts as a copy of it, and Linux keeps the pre-exec high-water mark.
The benchmark measures that floor with `true` and prints it. Run it with the
system python (not a pyenv shim) so the shim's own children do not count.
"""
import json
import resource
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: rusage.py OUT.json CMD [ARGS...]", file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[2:]
    # Subtract whatever children this interpreter already reaped (a launcher
    # such as a pyenv shim may have run some before exec'ing python).
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    code = proc.wait()
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "exitCode": code,
                "wallS": wall,
                "userS": ru.ru_utime - before.ru_utime,
                "sysS": ru.ru_stime - before.ru_stime,
                "maxRssKiB": ru.ru_maxrss,
            },
            f,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
