"""The `hwnas` console script: runs the hwnas executable this package
carries (hwnas/_bundle/lib/hwnas in a wheel), or the one of the checkout it
runs from, with the same arguments."""
import os
import sys

from . import _native


def executable():
    for lib in _native.candidates():
        exe = os.path.join(os.path.dirname(lib), "hwnas")
        if os.path.isfile(exe) and os.access(exe, os.X_OK):
            return exe
    return None


def main():
    exe = executable()
    if exe is None:
        sys.exit("hwnas: no hwnas executable in this package or checkout (reinstall with `pip install ./python` "
                 "from an hwnas checkout)")
    os.execv(exe, [exe] + sys.argv[1:])
