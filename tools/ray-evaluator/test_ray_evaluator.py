#!/usr/bin/env python3
"""End-to-end tests of the Ray bridge, each a real `hwnas search` evaluating
through ray_evaluator.py:

1. on a local Ray, one Ray worker process is SIGKILLed while it runs a
   candidate; Ray retries that task and the search completes with every
   evaluation successful;
2. on a two-node cluster started with `ray start --head` and `ray start
   --address` (one machine, each node its own CPUs), a multi-fidelity (ASHA)
   search lands candidates on both nodes; the worker node is killed mid-search
   (every process of it SIGKILLed, its checkpoint folder deleted): its tasks
   re-run on the head, promotions resume from checkpoints the bridge shipped,
   every evaluation is recorded once and the search finishes.

Runs with pytest or plain python3. Needs `pip install ray` and a built hwnas:
HWNAS_BIN=path/to/hwnas, else .build/debug/hwnas (or any .build*/debug/hwnas).
"""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with(marker):
    """PIDs of the processes whose environment holds marker (KEY=VALUE)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker.encode() in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def kill_all(marker):
    for pid in processes_with(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class TwoNodeCluster:
    """`ray start --head` plus `ray start --address` on this machine. Every
    process of a node carries HWNAS_RAY_TEST=<tag>-<node> in its environment,
    so a node can be killed (and the cluster cleaned up) without touching any
    other Ray on the machine."""

    def __init__(self, tmp, head_cpus, worker_cpus):
        self.tag = uuid.uuid4().hex[:12]
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        # Token authentication off (a token left in ~/.ray would be required
        # of the second node); node death noticed within ~3 s, not ~30 s.
        self.env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_health_check_period_ms="1000",
                        RAY_health_check_timeout_ms="1000", RAY_health_check_failure_threshold="3")
        common = ["--disable-usage-stats", "--include-dashboard=false"]
        self.start("head", ["--head", "--port", str(self.port), "--num-cpus", str(head_cpus),
                            "--temp-dir", os.path.join(tmp, "ray")] + common)
        self.start("worker", ["--address", self.address, "--num-cpus", str(worker_cpus),
                              "--disable-usage-stats"])

    def marker(self, node):
        return f"HWNAS_RAY_TEST={self.tag}-{node}"

    def start(self, node, args):
        # Each node's agents need their own ports on one machine.
        ports = ["--dashboard-agent-listen-port", str(free_port()), "--metrics-export-port", str(free_port())]
        env = dict(self.env, HWNAS_RAY_TEST=f"{self.tag}-{node}", HWNAS_TEST_NODE=node)
        # Ray's own command line, from this Python (whatever bin folder pip used).
        ray_cli = [sys.executable, "-c", "import sys; from ray.scripts.scripts import main; sys.argv[0] = 'ray'; main()"]
        r = subprocess.run(ray_cli + ["start"] + args + ports, env=env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            self.stop()
            raise RuntimeError(f"ray start ({node}) failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")

    def kill(self, node):
        kill_all(self.marker(node))

    def stop(self):
        for node in ("worker", "head"):
            kill_all(self.marker(node))


def worker_results(journal):
    """Journal entries of candidates that started on the worker node."""
    try:
        with open(journal) as f:
            lines = [json.loads(l) for l in f.read().splitlines()[1:] if l.endswith("}")]
    except OSError:
        return []
    return [e for e in lines if e.get("metrics", {}).get("accuracy", 0) >= 1]


def test_two_node_cluster_survives_a_killed_node():
    budget, parallel = 14, 3
    with tempfile.TemporaryDirectory(prefix="hwr", dir="/tmp") as tmp:  # short: Ray's socket paths
        pid_dir, ckpt_dir = os.path.join(tmp, "pids"), os.path.join(tmp, "ckpt")
        log, shelf = os.path.join(tmp, "trainer.log"), os.path.join(tmp, "shipped")
        os.makedirs(pid_dir)
        cluster = TwoNodeCluster(tmp, head_cpus=1, worker_cpus=2)
        try:
            trainer = (f"python3 {FAKE} --fidelity --delay 1.5 --pid-dir {pid_dir} --node-bonus worker=1 "
                       f"--checkpoint-files {ckpt_dir} --log {log}")
            bridge = (f"python3 {os.path.join(HERE, 'ray_evaluator.py')} --address {cluster.address} "
                      f"--max-retries 3 --ship-checkpoints {shelf} --trainer '{trainer}'")
            out, journal = os.path.join(tmp, "out.json"), os.path.join(tmp, "journal.jsonl")
            cmd = [hwnas_binary(), "search", "--space", "nb201", "--strategy", "random", "--seed", "7",
                   "--budget", str(budget), "--parallel", str(parallel),
                   "--fidelity", "epochs=1:9:3", "--scheduler", "asha",
                   "--evaluator", "command", "--evaluator-option", f"command={bridge}",
                   "--evaluator-option", "workers=1", "--evaluator-option", "timeout=180",
                   "--evaluator-option", "extra_metrics=epochs,resumed_from",
                   "--output", out, "--journal", journal]
            search = subprocess.Popen(cmd, cwd=ROOT, env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True)
            try:
                # Kill the worker node once hwnas has recorded two of its
                # results (objective >= 1: the node bonus) and it is running
                # a candidate: every process of it, and its disk.
                deadline = time.time() + 120
                killed = False
                while not killed and time.time() < deadline and search.poll() is None:
                    running = [json.load(open(p)) for p in glob.glob(os.path.join(pid_dir, "*.json"))
                               if os.path.getsize(p) > 0]
                    busy = [r for r in running if r.get("node") == "worker" and os.path.exists(f"/proc/{r['pid']}")]
                    if busy and len(worker_results(journal)) >= 2:
                        cluster.kill("worker")
                        shutil.rmtree(os.path.join(ckpt_dir, "worker"))
                        killed = True
                    else:
                        time.sleep(0.1)
                assert killed, "the worker node never ran a candidate after writing a checkpoint"
                stdout, stderr = search.communicate(timeout=300)
            finally:
                if search.poll() is None:
                    search.kill()
                    search.communicate()
        finally:
            cluster.stop()
        assert search.returncode == 0, f"hwnas failed ({search.returncode}):\n{stderr[-3000:]}"
        with open(out) as f:
            result = json.load(f)
        history = result["history"]
        assert result["evaluations"] == budget, result
        assert all(h["status"] == "ok" for h in history), [h for h in history if h["status"] != "ok"]
        # Every (candidate, fidelity) evaluation recorded once, in the result and the journal.
        keys = [(h["arch"], h["metrics"]["epochs"]) for h in history]
        assert len(set(keys)) == len(keys), keys
        with open(journal) as f:
            entries = [json.loads(l) for l in f if l.strip()][1:]
        assert len([e for e in entries if "arch" in e]) == budget
        nodes = {json.load(open(p)).get("node") for p in glob.glob(os.path.join(pid_dir, "*.json"))}
        assert nodes == {"head", "worker"}, nodes
        # Promotions happened, each resumed from the copy the bridge shipped
        # (unpacked beside the task, not the node's own file), so none failed
        # although the worker node's checkpoint folder is gone; hwnas only
        # ever saw the bridge's tokens.
        promoted = [h for h in history if h["metrics"]["resumed_from"] > 0]
        assert promoted, "no candidate was promoted"
        with open(log) as f:
            resumes = [l.split() for l in f if l.startswith("resumed ")]
        assert len(resumes) >= len(promoted), resumes
        assert all("/hwnas-resume-" in r[5] for r in resumes), resumes
        tokens = [e["checkpoint"] for e in entries if e.get("checkpoint")]
        assert tokens and all(t.startswith("ray-bridge-checkpoint:") for t in tokens), tokens
        # The worker node's candidates score higher, so they are the ones
        # promoted: after the kill the head resumes what the lost node wrote.
        from_lost_node = [r for r in resumes if r[1].endswith("@worker") and r[3] == "head"]
        assert from_lost_node, resumes
        starts = len(glob.glob(os.path.join(pid_dir, "*.json")))
        print(f"ok: {budget} evaluations on 2 nodes ({starts} trainer starts), {len(promoted)} promotions, "
              f"{len(from_lost_node)} resumed on the head from the killed node's shipped checkpoints")


if __name__ == "__main__":
    for test in (test_search_survives_a_killed_ray_worker, test_two_node_cluster_survives_a_killed_node):
        start = time.time()
        test()
        print(f"{test.__name__} passed in {time.time() - start:.1f} s")
