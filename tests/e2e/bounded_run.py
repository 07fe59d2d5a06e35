#!/usr/bin/python3
"""bounded_run.py SECONDS OUT -- CMD...: runs CMD (output to OUT) in its own
process group, kills the group after SECONDS, and prints
"STATUS WALL_SECONDS PEAK_RSS_KB": STATUS is CMD's exit status (128+N for
signal N, 124 when it was killed for time); PEAK_RSS_KB is the largest
resident set of CMD or any descendant it waited for (getrusage
RUSAGE_CHILDREN, ru_maxrss), so a forked reader's memory counts too. For
e2e_hostile_logs_bounded.sh."""
import os
import resource
import signal
import subprocess
import sys
import time


def main():
    limit, out = float(sys.argv[1]), sys.argv[2]
    assert sys.argv[3] == "--"
    cmd = sys.argv[4:]
    start = time.monotonic()
    with open(out, "wb") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            status = p.wait(timeout=limit)
            status = 128 - status if status < 0 else status
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            status = 124
    wall = time.monotonic() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("%d %.1f %d" % (status, wall, rss))


if __name__ == "__main__":
    main()
