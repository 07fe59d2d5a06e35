"""trainprov: record provenance from inside a training job.

The interposer records file reads, writes and processes without any code
change; these functions add what only the job knows. They talk to
libtrainprov.so through ctypes and do nothing (returning False) when the job
is not running under ``trainprov run``, so a training script can call them
unconditionally.

    import trainprov
    trainprov.seed("torch.manual_seed", 1234)
    trainprov.note("step", 1200)
    trainprov.file_role("/data/tokenizer.json", "data")
"""

import ctypes
import os

__all__ = ["active", "seed", "note", "file_role", "library_version"]

_OK, _INACTIVE = 0, 1
_ROLES = ("data", "weights", "checkpoint", "code", "other")


def _load():
    """The libtrainprov.so already in this process (preloaded), else None."""
    try:
        process = ctypes.CDLL(None)
        process.trainprov_log_active
        return process
    except (OSError, AttributeError):
        pass
    path = os.environ.get("TRAINPROV_LIB")
    if path:
        try:
            return ctypes.CDLL(path)
        except OSError:
            return None
    return None


_lib = _load()
if _lib is not None:
    _lib.trainprov_log_active.restype = ctypes.c_int
    _lib.trainprov_log_active.argtypes = []
    _lib.trainprov_seed_record.restype = ctypes.c_int
    _lib.trainprov_seed_record.argtypes = [ctypes.c_char_p, ctypes.c_uint64, ctypes.c_char_p]
    _lib.trainprov_note_record.restype = ctypes.c_int
    _lib.trainprov_note_record.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    _lib.trainprov_file_set_role.restype = ctypes.c_int
    _lib.trainprov_file_set_role.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    _lib.trainprov_version.restype = ctypes.c_char_p
    _lib.trainprov_version.argtypes = []


def _check(rc, what):
    if rc == _OK:
        return True
    if rc == _INACTIVE:
        return False
    raise ValueError("trainprov: %s was refused (code %d)" % (what, rc))


def active():
    """True when this process is recording into a signed trainprov log."""
    return bool(_lib is not None and _lib.trainprov_log_active())


def seed(name, value, source="python"):
    """Record a random seed the job committed to (an integer, 0 <= value < 2**64)."""
    value = int(value)
    if not 0 <= value < 2 ** 64:
        raise ValueError("trainprov.seed: value must fit in 64 bits unsigned")
    if _lib is None:
        return False
    return _check(_lib.trainprov_seed_record(str(name).encode(), value, str(source).encode()),
                  "seed %r" % name)


def note(key, value):
    """Record a free key/value note, e.g. note("step", 1200) or note("loss", 2.31)."""
    if _lib is None:
        return False
    return _check(_lib.trainprov_note_record(str(key).encode(), str(value).encode()), "note %r" % key)


def file_role(path, role):
    """Declare a file's role: one of data, weights, checkpoint, code, other."""
    if role not in _ROLES:
        raise ValueError("trainprov.file_role: role must be one of %s" % ", ".join(_ROLES))
    if _lib is None:
        return False
    return _check(_lib.trainprov_file_set_role(os.fsencode(path), role.encode()),
                  "file_role %r" % path)


def library_version():
    """The version of the loaded libtrainprov.so, or None when it is not loaded."""
    return _lib.trainprov_version().decode() if _lib is not None else None
