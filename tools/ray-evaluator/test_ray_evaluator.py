#!/usr/bin/env python3
"""End-to-end test of the Ray bridge: a real `hwnas search` evaluates through
ray_evaluator.py on a local Ray; one Ray worker process is SIGKILLed while it
runs a candidate, Ray retries that task, and the search still completes with
every evaluation successful.

Runs with pytest or plain python3. Needs `pip install ray` and a built hwnas:
HWNAS_BIN=path/to/hwnas, else .build/debug/hwnas (or any .build*/debug/hwnas).
"""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAKE = os.path.join(ROOT, "Tests", "fixtures", "fake_trainer.py")


def hwnas_binary():
    env = os.environ.get("HWNAS_BIN")
    if env:
        return env
    candidates = [os.path.join(ROOT, ".build", "debug", "hwnas")] + sorted(
        glob.glob(os.path.join(ROOT, ".build*", "debug", "hwnas")), key=os.path.getmtime, reverse=True)
    for c in candidates:
        if os.path.exists(c):
            return c
    raise RuntimeError("hwnas binary not found: build it (swift build) or set HWNAS_BIN")


def test_search_survives_a_killed_ray_worker():
    budget, parallel = 6, 2
    with tempfile.TemporaryDirectory() as tmp:
        pid_dir = os.path.join(tmp, "pids")
        os.makedirs(pid_dir)
        trainer = f"python3 {FAKE} --delay 2 --pid-dir {pid_dir}"
        bridge = (f"python3 {os.path.join(HERE, 'ray_evaluator.py')} --local-cpus {parallel} "
                  f"--max-retries 2 --trainer '{trainer}'")
        out, journal = os.path.join(tmp, "out.json"), os.path.join(tmp, "journal.jsonl")
        cmd = [hwnas_binary(), "search", "--space", "nb201", "--strategy", "random", "--seed", "5",
               "--budget", str(budget), "--parallel", str(parallel),
               "--evaluator", "command", "--evaluator-option", f"command={bridge}",
               "--evaluator-option", "workers=1", "--evaluator-option", "timeout=120",
               "--evaluator-option", "extra_metrics=layers",
               "--output", out, "--journal", journal]
        search = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Wait for the first trainer to start inside a Ray task, then kill
            # the Ray worker process running that task (the trainer's parent).
            deadline = time.time() + 120
            victim = None
            while victim is None and time.time() < deadline and search.poll() is None:
                files = sorted(glob.glob(os.path.join(pid_dir, "*.json")))
                try:
                    # The trainer may be writing the file right now: read it again.
                    with open(files[0]) as f:
                        victim = json.load(f)["ppid"]
                except (IndexError, ValueError):
                    time.sleep(0.1)
            assert victim, "no trainer started inside a Ray task"
            os.kill(victim, signal.SIGKILL)
            stdout, stderr = search.communicate(timeout=240)
        finally:
            if search.poll() is None:
                search.kill()
                search.communicate()
        assert search.returncode == 0, f"hwnas failed ({search.returncode}):\n{stderr[-3000:]}"
        with open(out) as f:
            result = json.load(f)
        assert result["evaluations"] == budget, result
        assert result["failed_evaluations"] == 0, [h for h in result["history"] if h["status"] != "ok"]
        assert all(h["status"] == "ok" for h in result["history"])
        assert all("layers" in h["metrics"] for h in result["history"])
        with open(journal) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        # The first line is the header saying what the values mean.
        assert "hwnas_journal" in lines[0], lines[0]
        assert len([l for l in lines if "arch" in l]) == budget
        # The killed task ran again: more trainer starts than candidates.
        starts = len(glob.glob(os.path.join(pid_dir, "*.json")))
        assert starts > budget, f"{starts} trainer starts for {budget} candidates: the killed task was not retried"
        print(f"ok: {budget} evaluations, {starts} trainer starts, killed Ray worker {victim}")


if __name__ == "__main__":
    start = time.time()
    test_search_survives_a_killed_ray_worker()
    print(f"passed in {time.time() - start:.1f} s")
