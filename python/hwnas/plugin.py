"""A search strategy written in Python, built into a plugin library that
`hwnas search --plugin-path LIB --strategy ID` loads like any other.

    from hwnas.plugin import build_strategy
    build_strategy("my_strategy.py", "MyStrategy", id="my-strategy", output="libmy_strategy.so")

The class (plain Python, numpy allowed):

    class MyStrategy:
        def __init__(self, space, seed, budget, options):
            # space: {"name", "dims": [...], "choices": [[...], ...]}; options: {str: str}
        def ask(self, n):
            # up to n genotypes (lists of choice indices); [] when nothing is left
        def tell(self, genotypes, objectives, outcomes):
            # numpy arrays: genotypes [k, dims] int32, objectives [k] (larger is
            # better, NaN unless evaluated), outcomes [k]: 0 evaluated,
            # 1 infeasible, 2 failed, 3 duplicate

How: cffi's embedding mode compiles a small C file against hwnas's plugin
header (hwnas/plugin.h: the strategy factory, its descriptor and the
ask/tell/destroy function pointers) whose functions call into an embedded
Python interpreter running the class — the same ABI a C strategy uses, so
the host needs nothing Python-specific. An exception in the class becomes
the call's error message (`hwnas search` prints it and ends the search
with its result written). Needs a C compiler and Python's shared library
(libpython3.X.so).
"""
import os
import sys
import sysconfig
import tempfile

import cffi

HERE = os.path.dirname(os.path.abspath(__file__))

_API = """
int32_t hwnas_py_create(const char *name, uint32_t n_dims, const char *const *dim_names, const uint32_t *choice_counts,
                        const uint32_t *choice_offsets, const char *const *choice_names, uint64_t seed, uint32_t budget,
                        uint32_t n_options, const char *const *keys, const char *const *values, char *err, uint32_t cap);
int32_t hwnas_py_ask(int32_t handle, uint32_t max_count, uint32_t n_dims, int32_t *out, uint32_t *count, char *err, uint32_t cap);
int32_t hwnas_py_tell(int32_t handle, uint32_t count, uint32_t n_dims, const int32_t *genotypes, const int32_t *outcomes,
                      const double *objectives, char *err, uint32_t cap);
void hwnas_py_destroy(int32_t handle);
"""

# The plugin side: hwnas's strategy factory, each call forwarded to Python.
_C_SOURCE = r"""
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwnas/plugin.h>

%(api)s

#define PY_ID "%(id)s"

typedef struct py_strategy { int32_t handle; uint32_t n_dims; char error[1024]; } py_strategy;

static void prepare_python(void) {
    static int done = 0;
    if (done) return;
    done = 1;
    /* hwnas loads plugins RTLD_LOCAL: make libpython's symbols global so that
     * extension modules (numpy) imported by the strategy resolve them. */
    dlopen("%(libpython)s", RTLD_NOW | RTLD_GLOBAL);
    setenv("PYTHONHOME", "%(home)s", 0);
}

static hwnas_status py_ask(const hwnas_strategy *self, uint32_t max_count, int32_t *out, uint32_t *count) {
    py_strategy *st = self->plugin_data;
    *count = 0;
    int32_t r = hwnas_py_ask(st->handle, max_count, st->n_dims, out, count, st->error, sizeof st->error);
    if (r < 0) return HWNAS_ERR_FAILED;
    if (r == 0 && st->error[0] == 0 && *count == 0 && max_count > 0) {
        snprintf(st->error, sizeof st->error, "Python strategy did not run (its start-up failed: see stderr)");
        return HWNAS_ERR_FAILED;
    }
    return r == 1 ? HWNAS_ERR_EXHAUSTED : HWNAS_OK;
}

static hwnas_status py_tell(const hwnas_strategy *self, const hwnas_tell *t) {
    py_strategy *st = self->plugin_data;
    if (!t || t->n_dims != st->n_dims || (t->n_objectives != 1 && t->count > 0)) {
        snprintf(st->error, sizeof st->error, "tell: expected %%u dims and 1 objective", st->n_dims);
        return HWNAS_ERR_INVALID_ARGUMENT;
    }
    st->error[0] = 0;
    int32_t r = hwnas_py_tell(st->handle, t->count, t->n_dims, t->genotypes, t->outcomes, t->objectives, st->error, sizeof st->error);
    return r == 0 ? HWNAS_OK : HWNAS_ERR_FAILED;
}

static const char *py_last_error(const hwnas_strategy *self) { return ((py_strategy *)self->plugin_data)->error; }

static void py_destroy(const hwnas_strategy *self) {
    py_strategy *st = self->plugin_data;
    hwnas_py_destroy(st->handle);
    free(st);
    free((void *)self);
}

static const hwnas_descriptor descriptors[] = {
    {sizeof(hwnas_descriptor), 0, PY_ID, "%(name)s", "hwnas.plugin (Python)", "1.0.0", "%(description)s", NULL, 0,
     sizeof(hwnas_option_spec)},
};

static uint32_t factory_count(const hwnas_strategy_factory *f) { (void)f; return 1; }
static const hwnas_descriptor *factory_descriptor(const hwnas_strategy_factory *f, uint32_t i) {
    (void)f;
    return i < 1 ? &descriptors[0] : NULL;
}

static hwnas_status factory_create(const hwnas_strategy_factory *f, const char *id, const hwnas_host *host,
                                   const hwnas_search_context *ctx, const hwnas_options *options,
                                   hwnas_strategy **out, char *err, uint32_t cap) {
    (void)f; (void)host;
    if (!id || strcmp(id, PY_ID) != 0) { snprintf(err, cap, "unknown strategy id '%%s'", id ? id : "(null)"); return HWNAS_ERR_UNKNOWN_ID; }
    if (!ctx || !ctx->space || !out) { snprintf(err, cap, "NULL context"); return HWNAS_ERR_INVALID_ARGUMENT; }
    if (ctx->n_objectives != 1) { snprintf(err, cap, "a Python strategy takes one objective, the search has %%u", ctx->n_objectives); return HWNAS_ERR_INVALID_ARGUMENT; }
    prepare_python();
    uint32_t n = options ? options->count : 0;
    const char **keys = calloc(n + 1, sizeof(char *)), **values = calloc(n + 1, sizeof(char *));
    for (uint32_t i = 0; i < n; i++) { keys[i] = options->items[i].key; values[i] = options->items[i].value; }
    const hwnas_search_space *s = ctx->space;
    err[0] = 0;
    int32_t handle = hwnas_py_create(s->name ? s->name : "space", s->n_dims, s->dim_names, s->choice_counts, s->choice_offsets,
                                     s->choice_names, ctx->seed, ctx->budget, n, keys, values, err, cap);
    free(keys); free(values);
    if (handle <= 0) {
        if (!err[0]) snprintf(err, cap, "Python strategy could not start (see stderr)");
        return HWNAS_ERR_FAILED;
    }
    py_strategy *st = calloc(1, sizeof *st);
    hwnas_strategy *inst = calloc(1, sizeof *inst);
    if (!st || !inst) { free(st); free(inst); hwnas_py_destroy(handle); return HWNAS_ERR_OUT_OF_MEMORY; }
    st->handle = handle; st->n_dims = s->n_dims;
    inst->struct_size = sizeof *inst; inst->plugin_data = st;
    inst->ask = py_ask; inst->tell = py_tell; inst->last_error = py_last_error; inst->destroy = py_destroy;
    *out = inst;
    return HWNAS_OK;
}

static const hwnas_strategy_factory factory = {sizeof(hwnas_strategy_factory), 0, factory_count, factory_descriptor, factory_create};

static hwnas_status plugin_init(const hwnas_host *host) { (void)host; return HWNAS_OK; }
static void plugin_deinit(void) {}
static const void *plugin_get_factory(const char *id) {
    return id && strcmp(id, HWNAS_STRATEGY_FACTORY_ID) == 0 ? &factory : NULL;
}
static const hwnas_plugin_entry entry = {
    sizeof(hwnas_plugin_entry), 0, {HWNAS_ABI_VERSION_MAJOR, HWNAS_ABI_VERSION_MINOR, HWNAS_ABI_VERSION_PATCH},
    plugin_init, plugin_deinit, plugin_get_factory,
};
HWNAS_EXPORT const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }
"""

# The Python side, run by the embedded interpreter on first use.
_INIT = r"""
import importlib, math, sys
sys.path[:0] = [p for p in %(paths)r if p not in sys.path]
import numpy as np
from %(module_name)s import ffi

_cls = None
_objects = {}
_next = [1]


def _write(err, cap, e):
    text = ("%%s: %%s" %% (type(e).__name__, e)).encode("utf-8", "replace")[:max(cap - 1, 0)]
    ffi.memmove(err, text + b"\0", len(text) + 1)


def _class():
    global _cls
    if _cls is None:
        _cls = getattr(importlib.import_module(%(user_module)r), %(class_name)r)
    return _cls


@ffi.def_extern()
def hwnas_py_create(name, n_dims, dim_names, counts, offsets, choice_names, seed, budget, n_options, keys, values, err, cap):
    try:
        dims = [ffi.string(dim_names[d]).decode() for d in range(n_dims)]
        choices = [[ffi.string(choice_names[offsets[d] + c]).decode() for c in range(counts[d])] for d in range(n_dims)]
        space = {"name": ffi.string(name).decode(), "dims": dims, "choices": choices}
        options = {ffi.string(keys[i]).decode(): ffi.string(values[i]).decode() for i in range(n_options)}
        obj = _class()(space, int(seed), int(budget), options)
        h = _next[0]
        _next[0] += 1
        _objects[h] = obj
        return h
    except BaseException as e:
        _write(err, cap, e)
        return -1


@ffi.def_extern()
def hwnas_py_ask(handle, max_count, n_dims, out, count, err, cap):
    try:
        gs = _objects[handle].ask(int(max_count))
        gs = np.zeros((0, n_dims), np.int32) if gs is None else np.asarray(gs, dtype=np.int64).reshape(-1, n_dims)
        if len(gs) > max_count:
            raise ValueError("ask(%%d) returned %%d genotypes" %% (max_count, len(gs)))
        for i, g in enumerate(gs):
            for d in range(n_dims):
                out[i * n_dims + d] = int(g[d])
        count[0] = len(gs)
        return 1 if len(gs) == 0 else 0
    except BaseException as e:
        _write(err, cap, e)
        return -1


@ffi.def_extern()
def hwnas_py_tell(handle, n, n_dims, genotypes, outcomes, objectives, err, cap):
    try:
        g = np.frombuffer(ffi.buffer(genotypes, 4 * n * n_dims), dtype=np.int32).reshape(n, n_dims).copy()
        o = np.frombuffer(ffi.buffer(objectives, 8 * n), dtype=np.float64).copy()
        oc = np.frombuffer(ffi.buffer(outcomes, 4 * n), dtype=np.int32).copy()
        _objects[handle].tell(g, o, oc)
        return 0
    except BaseException as e:
        _write(err, cap, e)
        return -1


@ffi.def_extern()
def hwnas_py_destroy(handle):
    _objects.pop(handle, None)
"""


def include_dir():
    """hwnas's plugin headers: HWNAS_INCLUDE, the copy an installed wheel
    carries (hwnas/_bundle/include), or the repository this package runs from."""
    env = os.environ.get("HWNAS_INCLUDE")
    if env:
        return env
    shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bundle", "include")
    if os.path.isfile(os.path.join(shipped, "hwnas", "plugin.h")):
        return shipped
    from . import _native
    for lib in _native.candidates():
        d = os.path.dirname(os.path.realpath(lib)) if os.path.exists(lib) else os.path.dirname(lib)
        while d not in ("/", ""):
            inc = os.path.join(d, "Sources", "ABI", "CHwnasABI", "include")
            if os.path.isfile(os.path.join(inc, "hwnas", "plugin.h")):
                return inc
            d = os.path.dirname(d)
    raise OSError("hwnas.plugin: hwnas/plugin.h not found: set HWNAS_INCLUDE to the folder holding hwnas/plugin.h "
                  "(Sources/ABI/CHwnasABI/include in the hwnas repository)")


def _c_string(s):
    return str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def build_strategy(source, class_name, id, output, name=None, description=None, workdir=None, verbose=False):
    """Builds the class `class_name` of the Python file `source` into the
    plugin library `output` offering strategy `id`. Returns output's path."""
    source = os.path.abspath(source)
    if not os.path.isfile(source):
        raise FileNotFoundError(f"hwnas.plugin: {source}: no such file")
    if not id or not all(c.isalnum() or c in "-_." for c in id):
        raise ValueError(f"hwnas.plugin: strategy id {id!r} must be letters, digits, '-', '_' or '.'")
    output = os.path.abspath(output)
    module_name = "_hwnas_strategy_" + "".join(c if c.isalnum() else "_" for c in id)
    libdir = sysconfig.get_config_var("LIBDIR")
    soname = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    libpython = os.path.join(libdir, soname)
    if not os.path.exists(libpython):
        raise OSError(f"hwnas.plugin: Python's shared library {libpython} not found (a Python built with --enable-shared is needed)")
    ffi = cffi.FFI()
    ffi.embedding_api(_API)
    fields = {"api": _API, "id": _c_string(id), "name": _c_string(name or id), "libpython": _c_string(libpython),
              "home": _c_string(sys.base_prefix),
              "description": _c_string(description or f"Python strategy {class_name} ({os.path.basename(source)})")}
    ffi.set_source(module_name, _C_SOURCE % fields, include_dirs=[include_dir()], libraries=["dl"])
    paths = [os.path.dirname(source), os.path.dirname(HERE)] + [p for p in sys.path if p]
    ffi.embedding_init_code(_INIT % {"paths": paths, "module_name": module_name, "class_name": class_name,
                                     "user_module": os.path.splitext(os.path.basename(source))[0]})
    tmp = workdir or tempfile.mkdtemp(prefix="hwnas-plugin-")
    built = ffi.compile(tmpdir=tmp, target=os.path.join(tmp, "plugin.*"), verbose=verbose)
    os.replace(built, output)
    return output
