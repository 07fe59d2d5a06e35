#!/usr/bin/python3
"""torchrun_shim.py: `torchrun` for the end-to-end tests. torch 1.13's
torch.distributed.run fails on Debian's Python 3.11: its Std.from_str("0")
returns None (3.11 changed how an IntFlag compares with an int), and the
launcher then dies on its --redirects/--tee default. This shim replaces
Std.from_str with one that maps the numbers the launcher accepts, then runs
torch.distributed.run.main with the command line unchanged.
Usage: python3 torchrun_shim.py [torchrun options] SCRIPT [ARGS]"""
import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _std_from_str(vm):
    def to_std(v):
        return api.Std(int(v))

    if re.fullmatch(r"[0-3]", vm):
        return to_std(vm)
    if re.fullmatch(r"(\d:[0-3],)*(\d:[0-3])", vm):
        return {int(i): to_std(v) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm} does not match a Std value or mapping")


api.Std.from_str = staticmethod(_std_from_str)

from torch.distributed.run import main  # noqa: E402 (after the patch)

if __name__ == "__main__":
    sys.exit(main())
