"""processes_job.py DATAFILE: starts children every way a training job does,
each of which reads DATAFILE: a forked child (DataLoader-style, leaves with
os._exit), subprocess (fork + exec) with an emptied environment, and
os.posix_spawn. The test then expects one announced stream per child, each
recording its read of DATAFILE."""
import os
import subprocess
import sys

data = sys.argv[1]

pid = os.fork()
if pid == 0:
    with open(data, "rb") as f:
        f.read()
    os._exit(0)
os.waitpid(pid, 0)

# a clean environment must not let the child escape the log
subprocess.run(["/bin/cat", data], env={}, stdout=subprocess.DEVNULL, check=True)

child = os.posix_spawn("/bin/cat", ["cat", data], dict(os.environ),
                       file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
