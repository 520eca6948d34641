"""The package as a user gets it: `pip wheel ./python` (which runs `swift
build -c release` and bundles the native side), installed into a fresh
virtual environment, used from an empty temporary folder with no PATH,
HWNAS_HOME, HWNAS_HOST_LIB or PYTHONPATH pointing at the checkout; and every
```python block of python/README.md run there as written."""
import glob
import os
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO

BLOCKS = re.findall(r"```python\n(.*?)```", open(os.path.join(REPO, "python", "README.md")).read(), flags=re.S)
RELEASE = os.path.join(REPO, ".build", "release")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel path, venv python, clean environment, an empty working folder)."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", os.path.join(REPO, "python"), "--no-build-isolation",
                        "--no-deps", "-w", str(dist)], capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, r.stderr[-3000:]
    wheels = glob.glob(str(dist / "hwnas-*.whl"))
    assert len(wheels) == 1, wheels
    venv = root / "venv"
    # System site-packages give numpy, cffi and torch; the wheel is installed
    # into the venv itself (--ignore-installed: not satisfied by a copy there).
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", wheels[0]], check=True, timeout=600)
    env = {k: v for k, v in os.environ.items()
           if k not in ("HWNAS_HOME", "HWNAS_HOST_LIB", "HWNAS_PLUGIN_PATH", "HWNAS_INCLUDE", "PYTHONPATH", "HWNAS_BIN")}
    env["PATH"] = str(venv / "bin") + os.pathsep + "/usr/bin:/bin"
    work = root / "work"
    work.mkdir()
    return wheels[0], python, env, str(work)


def test_readme_has_examples():
    assert len(BLOCKS) >= 6


def test_wheel_carries_the_native_side(installed):
    wheel = installed[0]
    assert wheel.endswith("-py3-none-linux_x86_64.whl"), wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    built = [n for n in os.listdir(RELEASE) if n.endswith(".so")]
    assert "libhwnas_host.so" in built and len(built) >= 10
    for n in built + ["hwnas"]:
        assert f"hwnas/_bundle/lib/{n}" in names, n
    for n in ["hwnas/_bundle/lib/swift/libswiftCore.so", "hwnas/_bundle/lib/swift/libFoundation.so",
              "hwnas/_bundle/hardware-profiles/stm32f746.yaml", "hwnas/_bundle/include/hwnas/plugin.h",
              "hwnas/_bundle/tools/tflm/ir_to_tflite.py", "hwnas/examples/mutation_strategy.py", "hwnas/hwnas_host.h"]:
        assert n in names, n
    assert any(n.startswith("hwnas/_bundle/search-spaces/") for n in names)


def test_bundled_libraries_need_no_toolchain(installed):
    """Every bundled library and the executable find the Swift runtime in
    the package, not in the toolchain that built them."""
    _, python, env, work = installed
    site = subprocess.run([python, "-c", "import hwnas, os; print(os.path.dirname(hwnas.__file__))"], env=env, cwd=work,
                          capture_output=True, text=True, check=True).stdout.strip()
    lib = os.path.join(site, "_bundle", "lib")
    files = [os.path.join(lib, n) for n in os.listdir(lib) if n.endswith(".so")] + [os.path.join(lib, "hwnas")]
    for f in files:
        out = subprocess.run(["ldd", f], capture_output=True, text=True, check=True).stdout
        swift = [l for l in out.splitlines() if "libswiftCore" in l or "libFoundation.so" in l]
        assert swift and all(os.path.join(lib, "swift") in l for l in swift), f"{f}:\n{out}"
        assert "not found" not in out, f"{f}:\n{out}"


def test_import_and_command_work_from_any_folder(installed):
    _, python, env, work = installed
    code = ("import hwnas, json; h = hwnas.Host(); "
            "print(json.dumps([h.library, h.problems, sorted(p['id'] for p in h.plugins()), "
            "h.cost_model('stm32f746', 'nb201').metric_names]))")
    r = subprocess.run([python, "-c", code], env=env, cwd=work, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    import json
    library, problems, plugins, metrics = json.loads(r.stdout)
    assert "/_bundle/lib/libhwnas_host.so" in library and not library.startswith(REPO), library
    assert problems == []
    assert {"meco", "regularized-evolution", "nsga2", "blocks"} <= set(plugins)
    assert metrics[:2] == ["peak_sram_kb", "flash_kb"]
    r = subprocess.run(["hwnas", "search", "--budget", "3", "--quiet", "--output", "r.json"], env=env, cwd=work,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "evaluations: 3" in r.stdout and os.path.isfile(os.path.join(work, "r.json"))


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(installed, index):
    _, python, env, work = installed
    r = subprocess.run([python, "-c", BLOCKS[index]], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"block {index}:\n{BLOCKS[index]}\n--- stderr:\n{r.stderr}"
