"""api_job.py OUTDIR: a job that uses the trainprov Python API: it checks
that logging is active, records a seed and two notes, declares a file's role
before writing it, and writes a small result file. Prints what the API
returned so the test can compare it with the log."""
import os
import sys

import trainprov

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
print("active", trainprov.active())
print("version", trainprov.library_version())
print("seed", trainprov.seed("torch.manual_seed", 1234, source="config"))
print("note", trainprov.note("step", 100), trainprov.note("loss", 2.5))
declared = os.path.join(out, "tokenizer.bin")
print("role", trainprov.file_role(declared, "data"))
with open(declared, "wb") as f:
    f.write(b"\x00" * 1000)
with open(declared, "rb") as f:
    f.read()
try:
    trainprov.file_role(declared, "weightz")
    print("bad-role accepted")
except ValueError:
    print("bad-role refused")
