"""notes_job.py N: a job that records N notes through the trainprov API, to
give the verifier a log with many records (bench/run.sh times verify on it)."""
import sys

import trainprov

n = int(sys.argv[1])
if not trainprov.active():
    sys.exit("notes_job.py: not running under trainprov run")
for i in range(n):
    trainprov.note("step", i)
