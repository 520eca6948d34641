"""hwnas.search (the host loop from Python, a Python callable as evaluator)
and strategies driven by hand with constraints and several objectives."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import hwnas
from conftest import HWNAS_BIN, REPO, checkout_env

SPACE, PROFILE = "nb201", "stm32f746"


def genotype_sum(candidate):
    return float(candidate.genotype.sum())


@pytest.fixture(scope="module")
def host():
    with hwnas.Host() as h:
        yield h


@pytest.fixture(scope="module")
def cm(host):
    return host.cost_model(PROFILE, SPACE)


def test_callable_search_screens_records_and_writes(host, cm, tmp_path):
    seen = []

    def score(c):
        seen.append(c.arch)
        assert c.arch == host.arch(SPACE, c.genotype)
        if len(seen) == 1:     # the exact IR, the network hwnas prices
            assert c.network["params"] == cm.estimate([c.arch])[0, cm.metric_names.index("params")]
        if c.genotype[0] == 0:
            raise RuntimeError("first op is none")
        return {"score": float(c.genotype.sum())}

    out = tmp_path / "r.json"
    r = host.search(space=SPACE, profile=PROFILE, evaluator=score, constraints=["peak_sram_kb<=120"],
                    objectives=["score:max", "latency_ms:min"], budget=25, seed=4, output=str(out), progress=False)
    assert r.evaluations == 25 and r.stop_reason == "budget" and len(seen) == 25 and len(set(seen)) == 25
    # Every evaluated network satisfies the constraint, priced independently.
    assert (cm.estimate(list(r.history["arch"]))[:, 0] <= 120).all()
    failed = r.history[r.history["status"] == "failed"]
    assert len(failed) == r.data["failed_evaluations"] > 0
    assert all(reason == "RuntimeError: first op is none" for reason in failed["reason"])
    ok = r.history[r.history["status"] == "ok"]
    assert np.array_equal(ok["score"], [sum(host_genotype) for host_genotype in
                                        (np.array(h["genotype"]) for h in r.data["history"] if h["status"] == "ok")])
    assert r.best["objective"] == ok["score"].max()
    assert r.pareto is not None and r.pareto["objectives"] == ["score:max", "latency_ms:min"] and r.pareto["front"]
    assert json.load(open(out))["history"] == r.data["history"]
    df = r.to_pandas()
    assert len(df) == 25 and list(df["arch"]) == list(r.history["arch"])


def test_plugin_evaluator_matches_the_command(tmp_path):
    """The same loop as `hwnas search`: same proposals, same scores, same best."""
    table = os.path.join(os.path.dirname(REPO), "shared", "benchmarks", "nb201", "nb201_hw.csv")
    r = hwnas.search(space=SPACE, profile="raspi4", evaluator="table",
                     evaluator_options={"file": table, "column": "cifar10_acc"}, constraints=["latency_ms<=20"],
                     strategy="regularized-evolution", budget=40, seed=7, parallel=2, progress=False)
    cli = tmp_path / "cli.json"
    p = subprocess.run([HWNAS_BIN, "search", "--space", SPACE, "--profile", "raspi4", "--evaluator", "table",
                        "--evaluator-option", f"file={table}", "--evaluator-option", "column=cifar10_acc",
                        "--constraint", "latency_ms<=20", "--strategy", "regularized-evolution", "--budget", "40",
                        "--seed", "7", "--parallel", "2", "--quiet", "--output", str(cli)],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert p.returncode == 0, p.stderr
    c = json.load(open(cli))
    assert [h["arch"] for h in r.data["history"]] == [h["arch"] for h in c["history"]]
    assert [h["objective"] for h in r.data["history"]] == [h["objective"] for h in c["history"]]
    assert r.best["arch"] == c["best"]["arch"] and r.data["infeasible_skipped"] == c["infeasible_skipped"]


def test_journal_resumes_without_reevaluating(tmp_path):
    journal = str(tmp_path / "j.jsonl")
    calls = []

    def score(c):
        calls.append(c.arch)
        return float(c.genotype.sum())

    first = hwnas.search(space=SPACE, profile=PROFILE, evaluator=score, budget=10, seed=2, journal=journal, progress=False)
    n = len(calls)
    second = hwnas.search(space=SPACE, profile=PROFILE, evaluator=score, budget=15, seed=2, journal=journal, progress=False)
    assert second.data["replayed_evaluations"] == 10 and len(calls) == n + 5
    assert [h["arch"] for h in second.data["history"][:10]] == [h["arch"] for h in first.data["history"]]
    # Another function's journal is refused, not replayed as this one's.
    with pytest.raises(hwnas.HwnasError, match="written for evaluator python:") as refused:
        hwnas.search(space=SPACE, profile=PROFILE, evaluator=lambda c: 1.0, budget=3, journal=journal, progress=False)
    # In hwnas.search's words, not the command line's.
    assert "--" not in str(refused.value) and "reuse_journal=True" in str(refused.value), str(refused.value)


def test_parallel_runs_candidates_on_threads():
    import threading
    active, peak, lock = [0], [0], threading.Lock()

    def score(c):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return {"score": float(c.genotype.sum()), "ops": float((c.genotype > 0).sum())}

    r = hwnas.search(space=SPACE, profile=PROFILE, evaluator=score, metrics=["score", "ops"], budget=12, parallel=4,
                     progress=False)
    assert r.evaluations == 12 and r.data["failed_evaluations"] == 0 and peak[0] >= 2
    assert (r.history["ops"] <= 6).all()


def test_bad_answers_fail_the_candidate_not_the_search():
    answers = iter([{"unknown": 1.0}, "text", [1.0, 2.0], True, float("nan")] + [1.0] * 10)
    r = hwnas.search(space=SPACE, profile=PROFILE, evaluator=lambda c: next(answers), budget=8, progress=False)
    reasons = list(r.history["reason"][:5])
    assert "'unknown'" in reasons[0] and "str" in reasons[1] and "2 values" in reasons[2] and "bool" in reasons[3]
    assert reasons[4] == "the evaluator reported no value"
    assert r.data["failed_evaluations"] == 5 and r.evaluations == 8


@pytest.mark.parametrize("kwargs, message", [
    (dict(strategy="no-such-strategy"), "no-such-strategy"),
    (dict(constraints=["peak_sram_kb<=1\0junk"]), "NUL"),
    (dict(constraints=["nonsense_metric<=3"]), "nonsense_metric"),
    (dict(budget=0), "budget"),
    (dict(evaluator_options={"x": "1"}), "evaluator_options"),
    (dict(output="/nonexistent-folder/r.json"), "nonexistent-folder"),
])
def test_bad_arguments_are_one_line(kwargs, message):
    args = dict(space=SPACE, profile=PROFILE, evaluator=genotype_sum, budget=3, progress=False)
    args.update(kwargs)
    with pytest.raises(hwnas.HwnasError, match=message):
        hwnas.search(**args)
    with pytest.raises(hwnas.HwnasError, match="callable"):
        hwnas.search(space=SPACE, profile=PROFILE, evaluator=42, progress=False)


def test_ctrl_c_ends_the_search_with_the_result_written(tmp_path):
    out, journal = tmp_path / "r.json", tmp_path / "j.jsonl"
    code = f"""
import time, hwnas
def slow(c):
    time.sleep(0.1)
    return float(c.genotype.sum())
r = hwnas.search(space="nb201", profile="stm32f746", evaluator=slow, budget=500, journal={str(journal)!r},
                 output={str(out)!r}, progress=False)
print("STOP", r.stop_reason, r.evaluations)
"""
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=checkout_env())
    deadline = time.time() + 120
    while time.time() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 4):
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert "STOP interrupted" in stdout, stdout + stderr
    doc = json.load(open(out))
    assert doc["stop_reason"] == "interrupted" and 3 <= doc["evaluations"] < 500
    assert "interrupted after" in stderr


def test_progress_function_gets_events():
    events = []
    hwnas.search(space=SPACE, profile=PROFILE, evaluator=genotype_sum, budget=6, parallel=3, progress=events.append)
    assert [e["evaluations"] for e in events] == [3, 6]
    assert events[-1]["metric"] == "score" and events[-1]["best"] is not None


def test_strategy_screens_by_constraints_and_never_repeats(host, cm):
    s = host.strategy("random", SPACE, seed=3, budget=60, profile=PROFILE, constraints=["peak_sram_kb<=90"])
    seen = set()
    while True:
        g = s.ask(7)
        if len(g) == 0:
            break
        assert (cm.estimate(g)[:, 0] <= 90).all()
        archs = {host.arch(SPACE, x) for x in g}
        assert not archs & seen and len(archs) == len(g)
        seen |= archs
        s.tell(g, np.ones(len(g)))
    assert s.exhausted and len(seen) == 60


def test_strategy_several_objectives(host, cm):
    s = host.strategy("nsga2", SPACE, seed=1, budget=30, profile=PROFILE, objectives=["score:max", "latency_ms:min"])
    assert s.objectives == ["score:max", "latency_ms:min"]
    g = s.ask(5)
    s.tell(g, np.c_[g.sum(axis=1), cm.estimate(g)[:, 2]])       # both values
    g = s.ask(5)
    s.tell(g, g.sum(axis=1).astype(float))                       # the profile fills latency_ms
    g = s.ask(5)
    with pytest.raises(hwnas.HwnasError, match="3 values"):
        s.tell(g, np.ones((5, 3)))
    one = host.strategy("random", SPACE, budget=10)
    g = one.ask(2)
    with pytest.raises(hwnas.HwnasError, match="2 values"):
        one.tell(g, np.ones((2, 2)))             # [n, 2] for one objective: refused, not flattened
    with pytest.raises(hwnas.HwnasError, match="need a profile"):
        host.strategy("random", SPACE, budget=10, constraints=["peak_sram_kb<=90"])
    with pytest.raises(hwnas.HwnasError, match="reports no metric 'sram'"):
        host.strategy("random", SPACE, budget=10, profile=PROFILE, constraints=["sram<=90"])


def test_async_schedule_with_a_python_callable():
    """schedule="async" with a callable: a new candidate whenever one of the
    3 workers frees up: each candidate evaluated once, and the workers
    overlap (the callable runs on 3 threads at once)."""
    import threading
    import time
    lock, running, peak, order = threading.Lock(), [0], [0], []

    def slow(c):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01 * (1 + sum(c.genotype) % 10))
        with lock:
            running[0] -= 1
            order.append(c.arch)
        return float(sum(c.genotype))

    r = hwnas.search(space=SPACE, profile=PROFILE, evaluator=slow, strategy="random", seed=4, budget=24, parallel=3,
                     schedule="async", progress=False)
    archs = [h["arch"] for h in r.data["history"]]
    assert len(archs) == 24 and len(set(archs)) == 24 and sorted(archs) == sorted(order)
    assert peak[0] == 3, peak[0]
    assert r.data["workers"]["count"] == 3


def test_multi_fidelity_from_python(tmp_path):
    """hwnas.search(fidelity=, scheduler=): successive halving over the
    command evaluator with the fake trainer: 9 candidates at 1 epoch, the
    best 3 at 3, the best at 9; a fidelity budget stops it early."""
    trainer = os.path.join(REPO, "Tests", "fixtures", "fake_trainer.py")
    args = dict(space=SPACE, profile=PROFILE, evaluator="command", strategy="random", seed=3, parallel=2,
                evaluator_options={"command": f"{sys.executable} {trainer} --fidelity", "stderr": "null"},
                fidelity="epochs=1:9:3", scheduler="successive-halving", progress=False)
    r = hwnas.search(budget=13, **args)
    per_rung = {}
    for h in r.data["history"]:
        per_rung[h["fidelity"]["epochs"]] = per_rung.get(h["fidelity"]["epochs"], 0) + 1
    assert per_rung == {1: 9, 3: 3, 9: 1} and r.data["scheduler"] == "successive-halving"
    assert r.best["objective"] == max(h["objective"] for h in r.data["history"] if h["fidelity"]["epochs"] == 9)
    short = hwnas.search(budget=13, fidelity_budget=10, **args)
    assert short.data["fidelity_spent"] <= 10 and short.stop_reason.startswith("fidelity budget")
    with pytest.raises(hwnas.HwnasError, match="takes no fidelity"):
        hwnas.search(space=SPACE, profile=PROFILE, evaluator="meco", fidelity="epochs=1:9:3", budget=3, progress=False)
