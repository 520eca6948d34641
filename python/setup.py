"""The wheel carries hwnas's native side (bundle_host.py): building it runs
`swift build -c release` in the checkout and copies the host library, the
plugins, the `hwnas` executable, the Swift runtime, the profiles and the
spaces into hwnas/_bundle/. Metadata is in pyproject.toml."""
import os
import sys

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bundle_host  # noqa: E402


class BuildWithNativeHost(build_py):
    def run(self):
        super().run()
        bundle_host.build(os.path.join(self.build_lib, "hwnas", "_bundle"))


class PlatformWheel(bdist_wheel):
    """Native libraries inside: a wheel for this platform, for any Python 3
    (cffi loads them; no Python ABI is involved)."""

    def get_tag(self):
        return ("py3", "none", super().get_tag()[2])


class NativeDistribution(Distribution):
    """Says the package is not pure, so the wheel is a platform one with the
    package at its root (platlib)."""

    def has_ext_modules(self):
        return True


setup(distclass=NativeDistribution, cmdclass={"build_py": BuildWithNativeHost, "bdist_wheel": PlatformWheel})
