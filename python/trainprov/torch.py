"""trainprov.torch: verifiable random initialisation of PyTorch modules.

Every tensor is drawn from the deterministic stream trainprov/init/v1
(docs/INIT.md), keyed by the evaluator's challenge nonce, the seed and the
tensor's name, straight into the tensor's memory by libtrainprov.so. Under
``trainprov run`` each fill is recorded as an InitTensor (with the SHA-256 of
its bytes) after a Seed record, so ``trainprov verify`` can regenerate every
tensor; outside trainprov the same bytes are produced (with an empty nonce)
and nothing is recorded. Nothing is written outside the log.

    import trainprov.torch as tpt
    model = MyTransformer()
    tpt.init_tensor_(model.head.weight, "head.weight", "normal", mean=0.0, std=0.02,
                     seed=1234)                  # a custom scheme first
    tpt.init_module(model, seed=1234)            # PyTorch's defaults for the rest
"""

import ctypes
import math

import torch

import trainprov

__all__ = ["init_module", "init_tensor_", "seed", "run_nonce"]

_DTYPES = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}
_PARAMS = {
    "uniform": ("a", "b"),
    "normal": ("mean", "std"),
    "trunc_normal": ("mean", "std", "a", "b"),
    "constant": ("value",),
}
_SEED_NAME = "trainprov.torch.init"
_lib = trainprov._lib
if _lib is not None:
    _lib.trainprov_init_fill.restype = ctypes.c_int
    _lib.trainprov_init_fill.argtypes = [
        ctypes.c_char_p, ctypes.c_uint64, ctypes.c_char_p, ctypes.POINTER(ctypes.c_double),
        ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint64), ctypes.c_size_t,
        ctypes.c_void_p, ctypes.c_size_t]
    _lib.trainprov_run_nonce.restype = ctypes.c_int
    _lib.trainprov_run_nonce.argtypes = [ctypes.c_char_p, ctypes.c_size_t]

# filled: names filled under the current seed; memory: where they lie
# ((data_ptr, bytes)), so that init_module fills a parameter shared by two
# modules (weight tying) once; skip: names init_module leaves alone.
_state = {"seed": None, "filled": set(), "memory": set(), "skip": frozenset()}


def _commit_seed(value):
    """Commit to the seed of every following fill (records a Seed once)."""
    value = int(value)
    if not 0 <= value < 2 ** 64:
        raise ValueError("trainprov.torch.seed: the seed must fit in 64 bits unsigned")
    if _state["seed"] != value:
        trainprov.seed(_SEED_NAME, value, "trainprov.torch")
        _state["seed"] = value
        _state["filled"] = set()
        _state["memory"] = set()
    return value


seed = _commit_seed


def init_tensor_(t, name, dist, seed=None, **params):
    """Fill t in place from the v1 stream of (nonce, seed, name).

    dist: "uniform" (a, b), "normal" (mean, std), "trunc_normal" (mean, std,
    a, b) or "constant" (value). t must be a contiguous CPU tensor of float32,
    bfloat16 or float16. Returns t."""
    if _lib is None:
        raise RuntimeError("trainprov.torch: libtrainprov.so is not loaded (run under "
                           "`trainprov run`, or set TRAINPROV_LIB)")
    if seed is not None:
        _commit_seed(seed)
    if _state["seed"] is None:
        raise ValueError("trainprov.torch: no seed; call init_module(..., seed=S) or seed(S)")
    if dist not in _PARAMS:
        raise ValueError("trainprov.torch: unknown distribution %r" % (dist,))
    names = _PARAMS[dist]
    if set(params) != set(names):
        raise ValueError("trainprov.torch: %s takes %s" % (dist, ", ".join(names)))
    if t.dtype not in _DTYPES or t.device.type != "cpu" or not t.is_contiguous():
        raise ValueError("trainprov.torch: %s must be a contiguous CPU float32/bfloat16/float16 "
                         "tensor" % name)
    values = (ctypes.c_double * len(names))(*[float(params[k]) for k in names])
    shape = (ctypes.c_uint64 * max(t.dim(), 1))(*t.shape)
    nbytes = t.numel() * t.element_size()
    with torch.no_grad():
        rc = _lib.trainprov_init_fill(name.encode(), _state["seed"], dist.encode(), values, len(names),
                               _DTYPES[t.dtype].encode(), shape, t.dim(),
                               ctypes.c_void_p(t.data_ptr()), nbytes)
    if rc not in (0, 1):
        raise ValueError("trainprov.torch: filling %s was refused (code %d)" % (name, rc))
    _state["filled"].add(name)
    _state["memory"].add((t.data_ptr(), nbytes))
    return t


def _fill(t, name, dist, **params):
    """init_tensor_ unless the job already filled name itself, or the tensor
    under another name (a parameter two modules share: nanoGPT's lm_head and
    wte; a second fill would change the bytes the first InitTensor recorded)
    (init_module)."""
    if name not in _state["skip"] and (t.data_ptr(), t.numel() * t.element_size()) not in \
            _state["memory"]:
        init_tensor_(t, name, dist, **params)


def run_nonce():
    """The challenge nonce keying this run's fills (bytes; empty without a
    challenge or outside trainprov), e.g. for another v1 implementation."""
    if _lib is None:
        return b""
    buf = ctypes.create_string_buffer(64)
    n = _lib.trainprov_run_nonce(buf, len(buf))
    if n < 0:
        raise ValueError("trainprov.torch: trainprov_run_nonce refused (code %d)" % n)
    return buf.raw[:n]


def _fan_in(w):
    return w.shape[1] * (math.prod(w.shape[2:]) if w.dim() > 2 else 1)


def _kaiming_uniform(name, w):
    # kaiming_uniform_(a=sqrt(5)): gain sqrt(2 / 6), bound gain * sqrt(3 / fan_in)
    bound = math.sqrt(2.0 / 6.0) * math.sqrt(3.0 / _fan_in(w))
    _fill(w, name, "uniform", a=-bound, b=bound)


def _bias_uniform(name, b, w):
    bound = 1.0 / math.sqrt(_fan_in(w)) if _fan_in(w) > 0 else 0.0
    _fill(b, name, "uniform", a=-bound, b=bound)


def _xavier_uniform(name, w):
    fan_in, fan_out = _fan_in(w), w.shape[0] * (math.prod(w.shape[2:]) if w.dim() > 2 else 1)
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    _fill(w, name, "uniform", a=-bound, b=bound)


def _xavier_normal(name, w):
    fan_in, fan_out = _fan_in(w), w.shape[0] * (math.prod(w.shape[2:]) if w.dim() > 2 else 1)
    _fill(w, name, "normal", mean=0.0, std=math.sqrt(2.0 / (fan_in + fan_out)))


def _init_one(prefix, m, done):
    """PyTorch's reset_parameters() for m's own parameters, from the v1 stream."""
    nn = torch.nn
    p = lambda n: prefix + n
    own = dict(m.named_parameters(recurse=False))
    if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd)):
        _kaiming_uniform(p("weight"), m.weight)
        if m.bias is not None:
            _bias_uniform(p("bias"), m.bias, m.weight)
    elif isinstance(m, nn.Embedding):
        if m.padding_idx is not None:
            raise ValueError("trainprov.torch: %s has a padding_idx; its zeroed row is not a v1 "
                             "fill (use init_tensor_ per part)" % prefix.rstrip("."))
        _fill(m.weight, p("weight"), "normal", mean=0.0, std=1.0)
    elif isinstance(m, nn.LayerNorm):
        if m.weight is not None:
            _fill(m.weight, p("weight"), "constant", value=1.0)
        if m.bias is not None:
            _fill(m.bias, p("bias"), "constant", value=0.0)
    elif isinstance(m, nn.MultiheadAttention):
        if m._qkv_same_embed_dim:
            _xavier_uniform(p("in_proj_weight"), m.in_proj_weight)
        else:
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                _xavier_uniform(p(n), getattr(m, n))
        if m.in_proj_bias is not None:
            _fill(m.in_proj_bias, p("in_proj_bias"), "constant", value=0.0)
        if m.bias_k is not None:
            _xavier_normal(p("bias_k"), m.bias_k)
        if m.bias_v is not None:
            _xavier_normal(p("bias_v"), m.bias_v)
        # out_proj is a Linear child: its weight gets Linear's default below,
        # its bias is zeroed here, as MultiheadAttention._reset_parameters does
        if m.out_proj.bias is not None:
            _fill(m.out_proj.bias, p("out_proj.bias"), "constant", value=0.0)
            done.add(p("out_proj.bias"))
    else:
        return
    done.update(p(n) for n in own)


def init_module(model, seed):
    """Initialise every parameter of model the way PyTorch's defaults do for
    Linear, Conv*, Embedding, LayerNorm and MultiheadAttention, from the v1
    stream; records a Seed and one InitTensor per parameter. Parameters the
    job already filled with init_tensor_ under the same seed (custom schemes,
    e.g. normal(0, 0.02) or depth-scaled projections) are left as they are; a
    parameter of any other module type not filled that way is refused.
    Returns model."""
    _commit_seed(seed)
    params = dict(model.named_parameters())
    _state["skip"] = frozenset(_state["filled"])
    done = set(_state["skip"])
    try:
        for prefix, m in model.named_modules():
            pre = prefix + "." if prefix else ""
            if isinstance(m, torch.nn.Linear) and pre + "bias" in done - _state["skip"]:
                # out_proj of a MultiheadAttention: Linear's weight, bias already zeroed
                _kaiming_uniform(pre + "weight", m.weight)
                done.add(pre + "weight")
                continue
            _init_one(pre, m, done)
    finally:
        _state["skip"] = frozenset()
    missing = sorted(set(params) - done)
    if missing:
        raise ValueError("trainprov.torch.init_module: no default scheme for %s; fill them "
                         "with init_tensor_ first" % ", ".join(missing))
    return model
