"""Hostile block-space files and options (space_corpus.py) through `hwnas
spaces show`: no crash, no hang, bounded memory, exit 1 with one line where
it refuses, finite numbers where it builds."""
import re
import resource
import subprocess

from space_corpus import cases

CASES = cases()


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_the_corpus_is_large_and_mixed():
    assert len(CASES) >= 100
    assert sum(e == "refuse" for *_, e in CASES) >= 90


def test_every_hostile_space_is_built_or_refused_in_one_line(hwnas_bin, tmp_path):
    problems = []
    for name, text, options, expect in CASES:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        args = [hwnas_bin, "spaces", "show", str(path)]
        for k, v in options.items():
            args += ["--space-option", f"{k}={v}"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory)
        lines = r.stderr.strip().splitlines()
        if r.returncode == 0:
            if expect == "refuse":
                problems.append(f"{name}: built, must be refused")
            elif re.search(r"\b(inf|nan)\b", r.stdout, re.I):
                problems.append(f"{name}: built, but prints inf or nan: {r.stdout[:300]}")
        elif r.returncode != 1:
            problems.append(f"{name}: exit {r.returncode} (a crash?): {r.stderr[-300:]}")
        elif len(lines) != 1 or not lines[0].startswith("hwnas: error: ") or str(path) not in lines[0]:
            problems.append(f"{name}: not one line naming the file: {r.stderr[-300:]}")
    assert not problems, "\n".join(problems)
