"""Finds the hwnas build this suite checks: HWNAS_BIN (the `hwnas` command),
else the repository's .build/debug (what `swift build` made) or
.build/release; its libhwnas_host.so is the one the binding loads."""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _binary():
    env = os.environ.get("HWNAS_BIN")
    if env:
        return env
    for config in ("debug", "release"):
        p = os.path.join(REPO, ".build", config, "hwnas")
        if os.path.exists(p):
            return p
    raise RuntimeError("no hwnas binary: run `swift build` first or set HWNAS_BIN")


HWNAS_BIN = _binary()
if not os.path.isfile(HWNAS_BIN):
    raise RuntimeError(f"no hwnas binary at {HWNAS_BIN}: run `swift build` or set HWNAS_BIN")
os.environ.setdefault("HWNAS_HOST_LIB", os.path.join(os.path.dirname(os.path.realpath(HWNAS_BIN)), "libhwnas_host.so"))
os.environ.setdefault("HWNAS_HOME", REPO)
# The package of this checkout, before any installed copy.
sys.path.insert(0, os.path.join(REPO, "python"))


def checkout_env():
    """The environment for a child process that must import this checkout's package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(REPO, "python") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_module(module, *args, timeout=900):
    """`python -m module args...` with this checkout's package; output captured."""
    import subprocess
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout,
                          env=checkout_env())


@pytest.fixture(scope="session")
def hwnas_bin():
    return HWNAS_BIN


@pytest.fixture(scope="session")
def repo():
    return REPO
