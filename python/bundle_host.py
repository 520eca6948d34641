"""Puts hwnas's native side inside the Python package when a wheel is built
(setup.py runs it): `swift build -c release` in the checkout this folder
belongs to, then into hwnas/_bundle/:

  lib/           libhwnas_host.so, every plugin library, the `hwnas` executable
  lib/swift/     the Swift runtime they link (so no Swift toolchain is needed)
  include/       the plugin ABI's headers (hwnas/plugin.h, ...) for hwnas.plugin
  hardware-profiles/, search-spaces/, tools/{tflm,timers}/

The libraries' run path becomes $ORIGIN:$ORIGIN/swift (patchelf), so they
load from wherever pip put the package. The host finds profiles and spaces
in _bundle/ (the folder above its library holding hardware-profiles/) and
the built-in plugins next to itself, exactly as in a checkout's .build/.

HWNAS_WHEEL_SKIP_SWIFT_BUILD=1 uses .build/release as it is (a CI that has
just built it)."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = ["hardware-profiles", "search-spaces", "tools/tflm", "tools/timers"]


def _run(cmd, **kw):
    print("hwnas bundle: " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def _needed_runtime(files):
    """The Swift runtime libraries `files` load (ldd), outside the system's folders."""
    out = set()
    for f in files:
        text = subprocess.run(["ldd", f], check=True, capture_output=True, text=True).stdout
        for line in text.splitlines():
            parts = line.split("=>")
            if len(parts) == 2 and parts[1].strip().startswith("/"):
                path = parts[1].split("(")[0].strip()
                if "/swift/" in path and os.path.isfile(path):
                    out.add(os.path.realpath(path))
    return sorted(out)


def _patchelf():
    exe = shutil.which("patchelf")
    if exe:
        return exe
    raise SystemExit("hwnas bundle: patchelf is needed to make the libraries relocatable (pip install patchelf)")


def build(bundle):
    if not os.path.isfile(os.path.join(ROOT, "Package.swift")):
        raise SystemExit(f"hwnas bundle: {ROOT} is not an hwnas checkout (no Package.swift); build the wheel from one")
    if os.environ.get("HWNAS_WHEEL_SKIP_SWIFT_BUILD") != "1":
        _run(["swift", "build", "-c", "release"], cwd=ROOT)
    release = os.path.join(ROOT, ".build", "release")
    host = os.path.join(release, "libhwnas_host.so")
    if not os.path.isfile(host):
        raise SystemExit(f"hwnas bundle: {host} is missing; run `swift build -c release` in {ROOT}")
    shutil.rmtree(bundle, ignore_errors=True)
    lib = os.path.join(bundle, "lib")
    runtime = os.path.join(lib, "swift")
    os.makedirs(runtime)
    ours = [os.path.join(release, n) for n in sorted(os.listdir(release)) if n.endswith(".so")] + [os.path.join(release, "hwnas")]
    copied = []
    for f in ours:
        dst = os.path.join(lib, os.path.basename(f))
        shutil.copy2(f, dst)
        copied.append(dst)
    for f in _needed_runtime(ours):
        shutil.copy2(f, os.path.join(runtime, os.path.basename(f)))
    patchelf = _patchelf()
    for f in copied:
        _run([patchelf, "--set-rpath", "$ORIGIN:$ORIGIN/swift", f])
    for f in sorted(os.listdir(runtime)):
        _run([patchelf, "--set-rpath", "$ORIGIN", os.path.join(runtime, f)])
    for d in DATA:
        shutil.copytree(os.path.join(ROOT, d), os.path.join(bundle, d),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(os.path.join(ROOT, "Sources", "ABI", "CHwnasABI", "include", "hwnas"), os.path.join(bundle, "include", "hwnas"))


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "hwnas", "_bundle"))
