#!/usr/bin/python3
"""on_tty.py TTY_OUT STDOUT_FILE CMD...: runs CMD with its stdin and stderr on
a new pseudo-terminal (80 columns) and its stdout in STDOUT_FILE ('-': on the
terminal too); writes every byte CMD wrote to the terminal into TTY_OUT and
exits with CMD's status (128 + N when signal N ended it)."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios


def main():
    tty_out, stdout_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = slave if stdout_path == "-" else open(stdout_path, "wb")
    proc = subprocess.Popen(cmd, stdin=slave, stdout=out, stderr=slave, start_new_session=True)
    os.close(slave)
    got = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the terminal has closed it
            break
        if not chunk:
            break
        got += chunk
    status = proc.wait()
    with open(tty_out, "wb") as f:
        f.write(bytes(got))
    sys.exit(status if status >= 0 else 128 - status)


main()
