#!/usr/bin/python3
"""bench/preempt.py: what preemption costs (docs/PERFORMANCE.md, "Preemption").

  1. seal latency on SIGTERM: the tests' preempted PyTorch job
     (tests/e2e/preempt_job.py: a DataLoader worker, a checkpoint every
     0.5 s) gets SIGTERM to its process group, as SLURM sends it; measured
     from the signal to the moment the job's main process is dead (its
     streams sealed first), without and with trainprov; and to the moment
     `trainprov run` has written the log.
  2. the head interval: a job that records a note every 5 ms for 10 s
     (2000 records), with TRAINPROV_HEAD_SECONDS 10, 1 and 0.25: signed
     heads, the logger thread's CPU (StreamEnd.logger_cpu_ns) and the job's
     wall time; and the tests' PyTorch training job (train_tiny.py, 60 steps)
     with the interval at 10 s and 1 s.
  3. one fdatasync of an appended journal-sized write on this disk (what each
     head adds on the worker thread, never on the job's).

Needs TRAINPROV, TRAINPROV_LIB, TRAINPROV_PYTHONDIR, PYTHON, E2E_DIR (set by
`make bench`). Prints markdown tables.
"""
import glob
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TP = os.environ["TRAINPROV"]
PY = os.environ.get("PYTHON", "/usr/bin/python3")
E2E = os.environ["E2E_DIR"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def dead(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def wait_for(cond, limit=120):
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            raise SystemExit("bench/preempt.py: timed out")
        time.sleep(0.02)


def preempt_once(work, traced):
    out = os.path.join(work, "out")
    log = os.path.join(work, "run.h5")
    shutil.rmtree(out, ignore_errors=True)
    for p in (log, log + ".journal"):
        shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else (
            os.path.exists(p) and os.remove(p))
    job = [PY, os.path.join(E2E, "preempt_job.py"), "--data", os.path.join(work, "data"),
           "--out", out]
    cmd = [TP, "run", "--key", os.path.join(work, "key.pem"), "--log", log, "--"] + job \
        if traced else job
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_for(lambda: len(glob.glob(os.path.join(out, "ckpt_*.pt"))) >= 3)
    main = children(p.pid)[0] if traced else p.pid
    t0 = time.monotonic()
    os.killpg(p.pid, signal.SIGTERM)
    wait_for(lambda: dead(main))
    t1 = time.monotonic()
    p.wait(120)
    t2 = time.monotonic()
    return t1 - t0, t2 - t0


def dump(log):
    return json.loads(subprocess.run([TP, "dump", log, "--json"], check=True,
                                     capture_output=True, text=True).stdout)


def logger_cpu_and_heads(log):
    d = dump(log)
    cpu = sum(int(r["stream_end"].get("logger_cpu_ns", 0)) for s in d["streams"]
              for r in s["records"] if r.get("stream_end"))
    heads = sum(len(s["heads"]) for s in d["streams"])
    return cpu / 1e9, heads


def run_timed(work, env_extra, job):
    log = os.path.join(work, "h.h5")
    for p in (log, log + ".journal"):
        shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else (
            os.path.exists(p) and os.remove(p))
    env = dict(os.environ, **env_extra)
    t0 = time.monotonic()
    subprocess.run([TP, "run", "--key", os.path.join(work, "key.pem"), "--log", log, "--"] + job,
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    cpu, heads = logger_cpu_and_heads(log)
    return wall, cpu, heads


def fdatasync_ms(work):
    path = os.path.join(work, "sync.bin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    times = []
    for _ in range(50):
        os.write(fd, b"x" * 300)
        t0 = time.monotonic()
        os.fdatasync(fd)
        times.append(time.monotonic() - t0)
    os.close(fd)
    return statistics.median(times) * 1e3, max(times) * 1e3


def main():
    work = tempfile.mkdtemp(prefix="trainprov-preempt.")
    try:
        subprocess.run([TP, "keygen", "-o", os.path.join(work, "key.pem")], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([PY, os.path.join(E2E, "make_shards.py"), os.path.join(work, "data"), "2"],
                       check=True, stdout=subprocess.DEVNULL)
        plain = [preempt_once(work, False)[0] for _ in range(ROUNDS)]
        traced = [preempt_once(work, True) for _ in range(ROUNDS)]
        seal = [t[0] for t in traced]
        whole = [t[1] for t in traced]
        ms = lambda v: "%.0f" % (v * 1e3)
        print("| measurement (median of %d; max) | without trainprov | with trainprov |" % ROUNDS)
        print("|---|---|---|")
        print("| SIGTERM to the group → the job's main process dead (ms) | %s; %s | %s; %s |" % (
            ms(statistics.median(plain)), ms(max(plain)), ms(statistics.median(seal)),
            ms(max(seal))))
        print("| SIGTERM to the group → `trainprov run` exited, log written (ms) | | %s; %s |" % (
            ms(statistics.median(whole)), ms(max(whole))))
        print()

        notes = [PY, "-c", "import time, trainprov\n"
                 "for i in range(2000):\n    trainprov.note('step', i); time.sleep(0.005)"]
        print("| job | TRAINPROV_HEAD_SECONDS | signed heads | logger thread CPU (ms) | wall (s) |")
        print("|---|---|---|---|---|")
        for interval in ("10", "1", "0.25"):
            rows = [run_timed(work, {"TRAINPROV_HEAD_SECONDS": interval}, notes)
                    for _ in range(3)]
            print("| 2000 notes, one per 5 ms (median of 3) | %s | %d | %.1f | %.2f |" % (
                interval, statistics.median(r[2] for r in rows),
                statistics.median(r[1] for r in rows) * 1e3,
                statistics.median(r[0] for r in rows)))
        train = [PY, os.path.join(E2E, "train_tiny.py"), "--data", os.path.join(work, "data"),
                 "--out", os.path.join(work, "tout"), "--steps", "60", "--ckpt-every", "20"]
        for interval in ("10", "1"):
            rows = [run_timed(work, {"TRAINPROV_HEAD_SECONDS": interval}, train)
                    for _ in range(ROUNDS)]
            print("| PyTorch job, 60 steps, 2 workers (median of %d) | %s | %d | %.1f | %.2f |" % (
                ROUNDS, interval, statistics.median(r[2] for r in rows),
                statistics.median(r[1] for r in rows) * 1e3,
                statistics.median(r[0] for r in rows)))
        med, worst = fdatasync_ms(work)
        print()
        print("fdatasync of a 300-byte append on this disk: median %.2f ms, max %.2f ms" % (
            med, worst))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
