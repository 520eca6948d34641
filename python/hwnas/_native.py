"""Loads libhwnas_host.so through cffi, declared from its C header alone
(hwnas_host.h, Sources/ABI/CHwnasHostAPI/include in the repository; a copy
ships in this package).

Where the library is looked for, in order: the HWNAS_HOST_LIB environment
variable (a file), the copy an installed wheel carries (hwnas/_bundle/lib,
with the plugins, the Swift runtime, the profiles and spaces beside it), the
repository's .build/{release,debug} when this package runs from a checkout,
then the folder of the `hwnas` command on PATH (it is built next to it)."""
import os
import re
import shutil

import cffi

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = "libhwnas_host.so"


def _header_text():
    """The header as cffi's cdef takes it: comments, the C++ guard and
    preprocessor lines dropped (integer #defines kept)."""
    text = open(os.path.join(HERE, "hwnas_host.h")).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"#ifdef __cplusplus.*?#endif", "", text, flags=re.S)
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("#") or re.match(r"\s*#define\s+\w+\s+\d+\s*$", l)]
    return "\n".join(lines)


def candidates():
    env = os.environ.get("HWNAS_HOST_LIB")
    if env:
        yield env
        return
    yield os.path.join(HERE, "_bundle", "lib", LIBRARY)
    root = os.path.dirname(os.path.dirname(HERE))
    for config in ("release", "debug"):
        yield os.path.join(root, ".build", config, LIBRARY)
    exe = shutil.which("hwnas")
    if exe:
        yield os.path.join(os.path.dirname(os.path.realpath(exe)), LIBRARY)


def load():
    ffi = cffi.FFI()
    ffi.cdef(_header_text())
    tried = []
    for path in candidates():
        if os.path.isfile(path):
            return ffi, ffi.dlopen(path), path
        tried.append(path)
    raise OSError(f"hwnas: {LIBRARY} not found (tried {', '.join(tried)}); install the package with "
                  "`pip install ./python` from an hwnas checkout (it builds and carries the library), "
                  "or set HWNAS_HOST_LIB to its path")
