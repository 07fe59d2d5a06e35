#!/usr/bin/python3
"""initrng_ref.py: an independent, pure-Python implementation of
trainprov/init/v1 written from docs/INIT.md alone (its own ChaCha20, its own
rounding by exact rational arithmetic), for e2e_init_reference.sh.

  initrng_ref.py vectors      check every docs/INIT.md test vector
  initrng_ref.py compare LIB  compare with libtrainprov's trainprov_init_generate on
                              random (nonce, seed, name, distribution, dtype)

Python floats are IEEE binary64 with correctly rounded + - * / and
math.sqrt, and Python never fuses a multiply-add, which is all the spec asks.
Exit 0 when everything matches, 1 otherwise (with what differs)."""
import ctypes
import hashlib
import math
import random
import struct
import sys
from fractions import Fraction

M32 = 0xFFFFFFFF
SPEC = b"trainprov/init/v1"


# ---- ChaCha20 (RFC 8439) ----

def _rotl(v, n):
    return ((v << n) | (v >> (32 - n))) & M32


def _qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 7)


def chacha_block(key, counter, nonce12):
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    s += list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce12))
    w = s[:]
    for _ in range(10):
        _qr(w, 0, 4, 8, 12); _qr(w, 1, 5, 9, 13); _qr(w, 2, 6, 10, 14); _qr(w, 3, 7, 11, 15)
        _qr(w, 0, 5, 10, 15); _qr(w, 1, 6, 11, 12); _qr(w, 2, 7, 8, 13); _qr(w, 3, 4, 9, 14)
    return [(w[i] + s[i]) & M32 for i in range(16)]


class Stream:
    def __init__(self, key, nonce12=bytes(12)):
        self.key, self.nonce, self.cache = key, nonce12, {}

    def word(self, w):
        b = w // 16
        if b not in self.cache:
            self.cache[b] = chacha_block(self.key, b, self.nonce)
        return self.cache[b][w % 16]


# ---- arithmetic ----

def key_of(nonce, seed, name):
    le = lambda v: struct.pack("<Q", v)
    return hashlib.sha256(SPEC + b"\0" + le(len(nonce)) + nonce + le(seed) + le(len(name))
                          + name).digest()


def spec_log(x):
    m, e = math.frexp(x)          # x = m 2^e, m in [0.5, 1): exact
    m, e = m * 2.0, e - 1         # m in [1, 2)
    if m > float.fromhex("0x1.6a09e667f3bcdp+0"):
        m, e = m * 0.5, e + 1
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = 1.0 / 21.0
    for k in range(19, 0, -2):
        p = p * z + 1.0 / k
    return float(e) * float.fromhex("0x1.62e42fefa39efp-1") + 2.0 * s * p


A = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
     1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
     6.680131188771972e+01, -1.328068155288572e+01]
C = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
     -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
     3.754408661907416e+00]


def _tail(p):
    q = math.sqrt(-2.0 * spec_log(p))
    num = ((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]
    den = (((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0
    return num / den


def quantile(u):
    if u < 0.02425:
        return _tail(u)
    if u > 1.0 - 0.02425:
        return -_tail(1.0 - u)
    q = u - 0.5
    r = q * q
    num = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
    den = ((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0
    return num / den


def u53(hi, lo):
    k = (hi << 20) | (lo >> 12)
    return float(2 * k + 1) * 2.0 ** -53


# ---- output formats, by exact rational rounding ----

def round_format(x, p, emin, emax):
    """x rounded to p significant bits, exponents [emin, emax], ties to even."""
    if x == 0.0 or math.isinf(x):
        return x
    sign = -1.0 if x < 0 else 1.0
    m, e = math.frexp(abs(x))
    q = max(e - 1, emin) - (p - 1)
    n = round(Fraction(abs(x)) / Fraction(2) ** q)   # Fraction rounds half to even
    v = Fraction(n) * Fraction(2) ** q
    if v > (2 ** p - 1) * Fraction(2) ** (emax - p + 1):
        return sign * math.inf
    return sign * float(v)


def encode(x, dtype):
    if dtype == "float32":
        return struct.pack("<f", x)                   # a C (float) conversion
    if dtype == "bfloat16":
        r = round_format(x, 8, -126, 127)
        return struct.pack("<f", r)[2:]               # upper half, exact
    r = round_format(x, 11, -14, 15)
    return b"\x00\x7c" if r == math.inf else b"\x00\xfc" if r == -math.inf else struct.pack("<e", r)


def generate(nonce, seed, name, dist, params, dtype, n):
    st = Stream(key_of(nonce, seed, name))
    out = bytearray()
    for i in range(n):
        if dist == "uniform":
            a, b = params
            x = a + (b - a) * (float(st.word(i) >> 8) * 2.0 ** -24)
        elif dist == "normal":
            mean, std = params
            x = mean + std * quantile(u53(st.word(2 * i), st.word(2 * i + 1)))
        elif dist == "trunc_normal":
            mean, std, a, b = params
            draws = [(st, 4 * i), (st, 4 * i + 2)]
            x = None
            for s, w in draws:
                v = mean + std * quantile(u53(s.word(w), s.word(w + 1)))
                if a <= v <= b:
                    x = v
                    break
            if x is None:
                own = Stream(st.key, struct.pack("<QI", i, 1))
                w = 0
                while x is None:
                    v = mean + std * quantile(u53(own.word(w), own.word(w + 1)))
                    if a <= v <= b:
                        x = v
                    w += 2
        else:
            x = params[0]
        out += encode(x, dtype)
    return bytes(out)


# ---- the checks ----

VECTORS = [  # docs/INIT.md section 8
    ("", 0, "w", "uniform", [-1.0, 1.0], "float32",
     "ceaf187d46516648fc0227da0d80d91606e971fcce2441341e80234d12780a49"),
    (bytes(range(32)).hex(), 1234, "layers.0.attn.in_proj_weight", "normal", [0.0, 0.02],
     "float32", "5eebc0faaa2d1de54774066a82fb42884b70c5c66aca5e253d850dbf2f34520b"),
    (bytes(range(32)).hex(), 1234, "layers.0.attn.in_proj_weight", "normal", [0.0, 0.02],
     "bfloat16", "c71286dc77d43df67ea33d9c47b896342a680cc711cc24817f0a1158fbc7ecf7"),
    (bytes(range(32)).hex(), 1234, "emb.weight", "trunc_normal", [0.0, 1.0, -2.0, 2.0],
     "float16", "9b41bb8d5c22fb6166788a95b5b23097efb42ad2a06ceec8b0b278efb2731ecc"),
    ("ff" * 16, 2 ** 64 - 1, "ln.weight", "constant", [1.0], "bfloat16",
     "fedbacf004a65d691423cb8ad3028d41afb5b94c34e36e5188ebda8208e65519"),
]
KEY = "edddf518546c47c7e4f610e323d6612476b65d56fb9f09e3ca9ea1efc26fb81e"
QUANTILE = "0e51b7b02686e6f8ccd411c4ad1cc6c034c07ec129e345834baa7720f227eb0f"


def check_vectors():
    bad = 0
    for k, (nonce, seed, name, dist, params, dtype, want) in enumerate(VECTORS, 1):
        got = hashlib.sha256(generate(bytes.fromhex(nonce), seed, name.encode(), dist, params,
                                      dtype, 1000)).hexdigest()
        if got != want:
            print("vector %d (%s %s): sha256 %s, docs/INIT.md says %s" % (k, dist, dtype, got, want))
            bad += 1
    if key_of(bytes(range(32)), 1234, b"emb.weight").hex() != KEY:
        print("the key vector differs")
        bad += 1
    us = [float(2 * j + 1) * 2.0 ** -18 for j in range(1 << 17)] + [2.0 ** -k for k in range(2, 54)]
    q = hashlib.sha256(b"".join(struct.pack("<d", quantile(u)) for u in us)).hexdigest()
    if q != QUANTILE:
        print("the quantile vector differs: %s" % q)
        bad += 1
    print("vectors: %d of %d differ" % (bad, len(VECTORS) + 2))
    return bad


def check_library(path):
    lib = ctypes.CDLL(path)
    f = lib.trainprov_init_generate
    f.restype = ctypes.c_int
    f.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64, ctypes.c_char_p,
                  ctypes.c_char_p, ctypes.POINTER(ctypes.c_double), ctypes.c_size_t,
                  ctypes.c_char_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t,
                  ctypes.c_uint]
    rng = random.Random(20261122)
    bad = 0
    cases = 24
    for c in range(cases):
        nonce = bytes(rng.randrange(256) for _ in range(rng.choice([0, 16, 32, 64])))
        seed, name = rng.randrange(2 ** 64), ("t%d.weight" % rng.randrange(10 ** 6)).encode()
        dist = ["uniform", "normal", "trunc_normal", "constant"][c % 4]
        dtype = ["float32", "bfloat16", "float16"][c % 3]
        scale = rng.choice([1e-3, 0.02, 1.0, 30.0])
        params = {"uniform": [-scale, scale * rng.random()], "normal": [rng.uniform(-1, 1), scale],
                  "trunc_normal": [0.0, scale, -scale * 0.5, scale * 2.0],
                  "constant": [rng.uniform(-2, 2)]}[dist]
        n = 600
        want = generate(nonce, seed, name, dist, params, dtype, n)
        buf = ctypes.create_string_buffer(len(want))
        arr = (ctypes.c_double * len(params))(*params)
        rc = f(nonce, len(nonce), seed, name, dist.encode(), arr, len(params), dtype.encode(), n,
               buf, len(want), 0)
        if rc != 0 or buf.raw != want:
            print("case %d (%s %s %s): the library %s" % (c, dist, dtype, params,
                  "refused (%d)" % rc if rc else "gives other bytes"))
            bad += 1
    print("library: %d of %d cases differ" % (bad, cases))
    return bad


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "vectors":
        sys.exit(1 if check_vectors() else 0)
    if len(sys.argv) == 3 and sys.argv[1] == "compare":
        sys.exit(1 if check_library(sys.argv[2]) else 0)
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
