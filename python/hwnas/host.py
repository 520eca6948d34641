"""hwnas's host from Python: cost models, strategies, spaces and networks,
through the host API (libhwnas_host.so, C functions of hwnas_host.h) with
cffi. The numbers are the ones `hwnas cost` prints: the same code computes
them. Errors on the C side raise HwnasError with hwnas's one-line message.
"""
import json
import threading

import numpy as np

from . import _native

ERROR_CAPACITY = 4096


class HwnasError(ValueError):
    """A host API call failed, or an argument was refused; the message says
    what and where."""


_lock = threading.Lock()
_lib = None


def _native_lib():
    global _lib
    with _lock:
        if _lib is None:
            _lib = _native.load()
        return _lib


def _option_dict(d):
    """Options as the host takes them: string keys and values (booleans as
    true/false, numbers as their text), none with a NUL byte."""
    out = {str(k): (v if isinstance(v, str) else json.dumps(v) if isinstance(v, bool) else str(v)) for k, v in d.items()}
    for k, v in out.items():
        _no_nul(f"option {k[:40]!r}", k)
        _no_nul(f"option {k[:40]!r}", v)
    return out


def _options(d):
    """The options as the JSON bytes a host API call takes (None: none)."""
    return None if d is None else json.dumps(_option_dict(d)).encode()


def _no_nul(name, s):
    """C strings end at a NUL byte: 'arch\0junk' would silently be 'arch'."""
    if "\0" in s:
        raise HwnasError(f"{name} contains a NUL byte at {s.index(chr(0))} (C strings end there)")
    return s


def space_options(items):
    """KEY=VALUE strings (a command line's --space-option values) as the
    dict every Host call takes; one that is not KEY=VALUE is a ValueError."""
    out = {}
    for o in items or []:
        if "=" not in o:
            raise ValueError(f"--space-option '{o}' is not KEY=VALUE")
        k, v = o.split("=", 1)
        out[k] = v
    return out


def _integer(name, value, lo, hi):
    """An integer argument within [lo, hi], else an HwnasError naming it
    (not cffi's OverflowError, which names nothing)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise HwnasError(f"{name} must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise HwnasError(f"{name} must be from {lo} to {hi}, got {value}")
    return int(value)


def _genotypes(name, values, dims=None):
    """An int32 array of genotypes, refusing what a cast would change:
    non-integral floats (1.7 is not 1), values outside int32 (2^32 + 1 is
    not 1), booleans, strings."""
    a = np.asarray(values)
    if a.dtype.kind not in "iuf" or a.dtype == np.bool_:
        raise HwnasError(f"{name} must be integers, got an array of {a.dtype}")
    if a.size and a.dtype.kind == "f":
        if not np.isfinite(a).all() or (a != np.round(a)).any():
            bad = a[~np.isfinite(a) | (a != np.round(a))].ravel()[0]
            raise HwnasError(f"{name} must be integers, got {bad}")
    if a.size and (a.min() < -2**31 or a.max() > 2**31 - 1):
        raise HwnasError(f"{name} hold {a.max() if a.max() > 2**31 - 1 else a.min()}, outside int32")
    g = np.ascontiguousarray(a, dtype=np.int32)
    if dims is not None and (g.ndim == 0 or g.shape[-1] != dims):
        raise HwnasError(f"{name} have {g.shape[-1] if g.ndim else 0} values each, the space has {dims} dims")
    return g


def _string_list(name, values):
    """A list of strings (one string alone is a list of one), NUL-free."""
    if isinstance(values, str):
        values = [values]
    out = []
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise HwnasError(f"{name}[{i}] must be a string, got {v!r}")
        out.append(_no_nul(f"{name}[{i}]", v))
    return out


def _text(s, name="a string"):
    return None if s is None else _no_nul(name, str(s)).encode()


class _Caller:
    """Calls a host API function with an error buffer; raises on failure."""

    def __init__(self):
        self.ffi, self.lib, self.path = _native_lib()

    def call(self, name, *args, failed):
        err = self.ffi.new("char[]", ERROR_CAPACITY)
        args = [self.ffi.NULL if a is None else a for a in args]
        r = getattr(self.lib, name)(*args, err, ERROR_CAPACITY)
        if failed(r):
            raise HwnasError(self.ffi.string(err).decode(errors="replace") or f"{name} failed")
        return r

    def string(self, name, *args):
        p = self.call(name, *args, failed=lambda r: r == self.ffi.NULL)
        try:
            return self.ffi.string(p).decode()
        finally:
            self.lib.hwnas_host_free(p)


class _Handle:
    """An object of the host API, released by `_close_fn` (once)."""
    _close_fn = None
    _raw = None

    def close(self):
        if self._raw is not None:
            getattr(self._c.lib, self._close_fn)(self._raw)
            self._raw = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Host(_Handle):
    """A session: every plugin library on the search path loaded.

    plugin_path: extra folders or .so files (a list or ':'-separated), before
    HWNAS_PLUGIN_PATH and the built-in plugins next to libhwnas_host.so.
    home: a folder with hardware-profiles/ and search-spaces/ (default:
    HWNAS_HOME, else the project libhwnas_host.so was built in)."""

    def __init__(self, plugin_path=None, home=None):
        self._c = _Caller()
        self._session_lock = threading.Lock()   # a session is used by one thread at a time
        if isinstance(plugin_path, (list, tuple)):
            plugin_path = ":".join(map(str, plugin_path))
        self._raw = self._c.call("hwnas_host_open", _text(plugin_path, "plugin_path"), _text(home, "home"), failed=lambda r: r == self._c.ffi.NULL)

    _close_fn = "hwnas_host_close"

    @property
    def library(self):
        """The libhwnas_host.so in use."""
        return self._c.path

    @property
    def problems(self):
        """Libraries on the search path that did not load, one line each."""
        return [l for l in self._c.ffi.string(self._c.lib.hwnas_host_problems(self._raw)).decode().split("\n") if l]

    def plugins(self):
        return json.loads(self._c.string("hwnas_host_plugins_json", self._raw))

    def space(self, space, space_options=None):
        """{"name", "dims", "choices", "size", "builds_networks"}."""
        return json.loads(self._c.string("hwnas_host_space_json", self._raw, _text(space, "space"), _options(space_options)))

    def arch(self, space, genotype, space_options=None):
        """The canonical architecture string of a genotype."""
        g = _genotypes("genotype", genotype).ravel()
        return self._c.string("hwnas_host_arch", self._raw, _text(space, "space"), _options(space_options),
                              self._c.ffi.cast("const int32_t *", g.ctypes.data), len(g))

    def network(self, space, arch, space_options=None):
        """The exact network IR (the document `hwnas export --format json` writes)."""
        return json.loads(self._c.string("hwnas_host_network_json", self._raw, _text(space, "space"), _options(space_options), _text(arch, "arch")))

    def cost_model(self, profile, space, space_options=None):
        return CostModel(self, profile, space, space_options)

    def strategy(self, id, space, seed=1, budget=100, options=None, space_options=None, profile=None,
                 constraints=None, objectives=None):
        """A strategy plugin, ask/tell. With `profile` and `constraints`
        (e.g. ["peak_sram_kb<=256"]) ask returns only proposals that satisfy
        them, as `hwnas search` screens; `objectives` (e.g. ["accuracy:max",
        "latency_ms:min"]) for multi-objective strategies."""
        return Strategy(self, id, space, seed, budget, options, space_options, profile, constraints, objectives)

    def search(self, **kwargs):
        """hwnas.search with this Host's plugins and profiles (see hwnas.search)."""
        from .search import run
        return run(self, **kwargs)


class CostModel(_Handle):
    """The cost models of a hardware profile over a space.

    estimate(archs) takes arch strings or an int32 genotype array [n, dims]
    and returns float64 [n, len(metric_names)], NaN where a model knows no
    value: the numbers `hwnas cost` prints."""

    def __init__(self, host, profile, space, space_options=None):
        self._host, self._c = host, host._c
        self._raw = self._c.call("hwnas_host_costs_open", host._raw, _text(profile, "profile"), _text(space, "space"), _options(space_options),
                                 failed=lambda r: r == self._c.ffi.NULL)
        lib = self._c.lib
        self.metric_names = [self._c.ffi.string(lib.hwnas_host_costs_metric_name(self._raw, i)).decode()
                             for i in range(lib.hwnas_host_costs_metric_count(self._raw))]
        self.dims = lib.hwnas_host_costs_dims(self._raw)

    _close_fn = "hwnas_host_costs_close"

    def estimate(self, archs):
        m = len(self.metric_names)
        if isinstance(archs, str):
            archs = [archs]
        if isinstance(archs, np.ndarray) and archs.dtype.kind in "iu" or (len(archs) and not isinstance(archs[0], str)):
            g = _genotypes("genotypes", archs, self.dims)
            if g.ndim == 1:
                g = g.reshape(1, -1)
            out = np.empty((g.shape[0], m), dtype=np.float64)
            self._c.call("hwnas_host_costs_estimate_genotypes", self._raw, g.shape[0],
                         self._c.ffi.cast("const int32_t *", g.ctypes.data), self._c.ffi.cast("double *", out.ctypes.data),
                         failed=lambda r: r != 0)
            return out
        keep = [self._c.ffi.new("char[]", _no_nul(f"arch {i}", a).encode()) for i, a in enumerate(archs)]
        arr = self._c.ffi.new("const char *[]", keep)
        out = np.empty((len(keep), m), dtype=np.float64)
        self._c.call("hwnas_host_costs_estimate_archs", self._raw, len(keep), arr, self._c.ffi.cast("double *", out.ctypes.data),
                     failed=lambda r: r != 0)
        return out


class Strategy(_Handle):
    """A strategy plugin, ask/tell, screened as `hwnas search` screens.

    ask(n) -> int32 genotypes [k, dims] (k == 0 and .exhausted once it has
    nothing left or the budget is spent). With a profile and constraints
    only feasible proposals come out (the others are told to the strategy as
    infeasible), never one already told or outstanding.

    tell(genotypes, values): per genotype a value for each of .objectives
    (an [n] array for one, [n, k] for k), in their own units: the host
    orients them (":min" is told negated). Objectives the profile reports
    (e.g. "latency_ms:min") may be left out, [n, k - those], and are filled
    from the profile. NaN in a row: a failed evaluation."""

    #: The most genotypes one ask() returns (its buffer is allocated first).
    MAX_ASK = 1 << 20

    def __init__(self, host, id, space, seed, budget, options, space_options, profile, constraints=None, objectives=None):
        self._host, self._c = host, host._c
        seed = _integer("seed", seed, 0, 2**64 - 1)
        budget = _integer("budget", budget, 1, 2**32 - 1)
        config = {"strategy": _no_nul("id", str(id)), "space": _no_nul("space", str(space)), "seed": seed, "budget": budget}
        if space_options:
            config["space_options"] = _option_dict(space_options)
        if options:
            config["strategy_options"] = _option_dict(options)
        if profile is not None:
            config["profile"] = _no_nul("profile", str(profile))
        for key, value in (("constraints", constraints), ("objectives", objectives)):
            if value is not None:
                config[key] = _string_list(key, value)
        self._raw = self._c.call("hwnas_host_strategy_open_with", host._raw, json.dumps(config).encode(),
                                 failed=lambda r: r == self._c.ffi.NULL)
        lib = self._c.lib
        self.dims = lib.hwnas_host_strategy_dims(self._raw)
        self.objectives = [self._c.ffi.string(lib.hwnas_host_strategy_objective(self._raw, i)).decode()
                           for i in range(lib.hwnas_host_strategy_objective_count(self._raw))]
        # How many values a row needs when the profile fills its own metrics.
        self._user_objectives = lib.hwnas_host_strategy_user_objective_count(self._raw)
        self.exhausted = False

    _close_fn = "hwnas_host_strategy_close"

    def ask(self, n=1):
        n = _integer("ask: n", n, 0, self.MAX_ASK)
        if n == 0:                 # asks for nothing: says nothing about exhaustion
            return np.zeros((0, self.dims), dtype=np.int32)
        out = np.zeros((n, self.dims), dtype=np.int32)
        count = self._c.ffi.new("uint32_t *")
        r = self._c.call("hwnas_host_strategy_ask", self._raw, int(n), self._c.ffi.cast("int32_t *", out.ctypes.data), count,
                         failed=lambda r: r < 0)
        self.exhausted = r == 1
        return out[:count[0]]

    def tell(self, genotypes, values):
        g = _genotypes("tell: genotypes", genotypes, self.dims).reshape(-1, self.dims)
        v = np.asarray(values, dtype=np.float64)
        if v.ndim == 0 or v.ndim > 2:
            raise HwnasError(f"tell: values must be [n] or [n, k], got shape {v.shape}")
        if v.ndim == 1 and len(g) == 1 and len(v) > 1:
            v = v.reshape(1, -1)       # one genotype's values
        if v.ndim == 1:
            if 1 not in (len(self.objectives), self._user_objectives):
                raise HwnasError(f"tell: {len(v)} values for {len(g)} genotypes, but the objectives are "
                                 f"{', '.join(self.objectives)}: give [n, {len(self.objectives)}]"
                                 + (f" or [n, {self._user_objectives}] (the profile fills its metrics)"
                                    if self._user_objectives != len(self.objectives) else ""))
            v = v.reshape(-1, 1)
        if v.shape[0] != len(g):
            raise HwnasError(f"tell: {len(g)} genotypes but {v.shape[0]} rows of values")
        v = np.ascontiguousarray(v)
        self._c.call("hwnas_host_strategy_tell_values", self._raw, len(g), self._c.ffi.cast("const int32_t *", g.ctypes.data),
                     self._c.ffi.cast("const double *", v.ctypes.data), v.shape[1], failed=lambda r: r != 0)
