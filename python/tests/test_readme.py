"""The ```python blocks of python/README.md run as written (from the
repository root, with the built `hwnas` on PATH)."""
import os
import re
import subprocess
import sys

import pytest

from conftest import HWNAS_BIN, REPO, checkout_env

BLOCKS = re.findall(r"```python\n(.*?)```", open(os.path.join(REPO, "python", "README.md")).read(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index):
    env = checkout_env()
    env["PATH"] = os.path.dirname(os.path.realpath(HWNAS_BIN)) + os.pathsep + env.get("PATH", "")
    r = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"block {index}:\n{BLOCKS[index]}\n--- stderr:\n{r.stderr}"
