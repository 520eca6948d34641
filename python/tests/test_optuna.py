"""hwnas.optuna: an Optuna study driven by an hwnas strategy proposes what
the strategy proposes (the same archs as hwnas.search, told the same
values), only feasible archs, whatever the study's direction, failures,
prunes, enqueued or out-of-order trials; the constraints are the profile's
numbers with Optuna's signs; without Optuna the import says how to get it."""
import csv
import importlib
import math
import os
import sys
import warnings

import numpy as np
import pytest

import hwnas

from conftest import REPO

try:
    import optuna
except ImportError:                      # only the ImportError test runs
    optuna = None

TABLE = os.path.join(os.path.dirname(REPO), "shared", "benchmarks", "nb201", "nb201_hw.csv")
# bench/nb201-tasks.yaml's c10-raspi4-19.3ms
TASK = dict(space="nb201", profile="raspi4", constraints=["latency_ms<=19.2844"], column="cifar10_acc")


@pytest.fixture(scope="module")
def ho():
    if optuna is None:
        pytest.fail("optuna is not installed (.ci/run installs it from tools/requirements-ci.txt)")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import hwnas.optuna
    return hwnas.optuna


@pytest.fixture(scope="module")
def host():
    with hwnas.Host() as h:
        yield h


@pytest.fixture(scope="module")
def rows():
    if not os.path.exists(TABLE):
        pytest.fail(f"no benchmark table at {TABLE} (../shared/benchmarks must sit beside the checkout)")
    with open(TABLE) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def acc(rows):
    """The task's objective: the table's accuracy by arch string."""
    return {r["arch"]: float(r[TASK["column"]]) for r in rows}


@pytest.fixture(scope="module")
def latency(rows):
    """The column the raspi4 profile prices latency_ms from (hardware-profiles/raspi4.yaml)."""
    return {r["arch"]: float(r["raspi4_ms"]) for r in rows}


def sampler_for(ho, host, seed=1, strategy="regularized-evolution", **kw):
    kw = {"profile": TASK["profile"], "constraints": TASK["constraints"], **kw}
    return ho.HwnasSampler(TASK["space"], strategy, seed=seed, host=host, **kw)


def run_study(sampler, objective, n, direction="maximize", **kw):
    study = optuna.create_study(direction=direction, sampler=sampler)
    study.optimize(lambda t: objective(sampler.suggest(t)), n_trials=n, **kw)
    return study


def archs(study):
    return [t.user_attrs["arch"] for t in study.trials]


def search_archs(host, strategy, seed, budget, **kw):
    r = host.search(space=TASK["space"], profile=TASK["profile"], evaluator="table", constraints=TASK["constraints"],
                    evaluator_options={"file": TABLE, "column": TASK["column"]}, strategy=strategy, seed=seed,
                    budget=budget, progress=False, **kw)
    return [h["arch"] for h in r.data["history"]]


STM32 = ["peak_sram_kb<=90", "flash_kb<=460", "macs>=10000000"]


@pytest.mark.parametrize("strategy", ["random", "regularized-evolution", "local-search", "differential-evolution"])
def test_every_trial_satisfies_the_constraints(ho, host, strategy):
    sampler = ho.HwnasSampler("nb201", strategy, profile="stm32f746", constraints=STM32, seed=3, host=host)
    study = run_study(sampler, lambda a: float(len(a) % 7), 30)
    assert len(study.trials) == 30
    got = archs(study)
    assert len(set(got)) == 30                                  # never a repeat
    assert got == [host.arch("nb201", sampler.genotype(t)) for t in study.trials]   # params give the arch back
    with hwnas.Host() as other:                                 # priced independently of the sampler's host
        costs = other.cost_model("stm32f746", "nb201").estimate(got)
    assert (costs[:, 0] <= 90).all() and (costs[:, 1] <= 460).all() and (costs[:, 4] >= 1e7).all()


def test_same_seed_same_trials(ho, host, acc):
    def params(seed):
        return [t.params for t in run_study(sampler_for(ho, host, seed), acc.__getitem__, 25).trials]
    assert params(7) == params(7)
    assert params(7) != params(8)


@pytest.mark.parametrize("strategy", ["regularized-evolution", "predictor"])
def test_a_study_proposes_what_hwnas_search_proposes(ho, host, acc, strategy):
    study = run_study(sampler_for(ho, host, 2, strategy), acc.__getitem__, 30)
    assert archs(study) == search_archs(host, strategy, 2, 30)


def test_minimize_and_maximize_studies_beat_random(ho, host, acc, latency):
    bound = 19.2844
    optimum = max(a for arch, a in acc.items() if latency[arch] <= bound)

    def regret(study):
        return optimum - max(acc[a] for a in archs(study) if latency[a] <= bound)

    # Regularized evolution ranks values: an error study is the accuracy study, arch for arch.
    up = run_study(sampler_for(ho, host, 1), acc.__getitem__, 30)
    down = run_study(sampler_for(ho, host, 1), lambda a: 100 - acc[a], 30, direction="minimize")
    assert archs(up) == archs(down)
    assert down.best_value == pytest.approx(100 - up.best_value)
    # The predictor against Optuna's random sampler, 30 evaluations, seeds 1-3
    # (deterministic: regret 0.19 / 0.37 / 0 against 0.58 / 0.60 / 2.31 points).
    mine = {"maximize": [], "minimize": []}
    chance = []
    for seed in range(1, 4):
        for direction, f in (("maximize", acc.__getitem__), ("minimize", lambda a: 100 - acc[a])):
            mine[direction].append(regret(run_study(sampler_for(ho, host, seed, "predictor"), f, 30, direction=direction)))
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=seed))
        study.optimize(lambda t: acc[ho.suggest(t, "nb201", host=host)], n_trials=30)
        chance.append(regret(study))
    for direction, regrets in mine.items():
        assert np.mean(regrets) < 0.5 * np.mean(chance), (direction, regrets, chance)


def test_multi_objective_study_with_nsga2(ho, host, acc):
    cm = host.cost_model(TASK["profile"], "nb201")
    sampler = sampler_for(ho, host, 4, "nsga2")
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["accuracy", "latency_ms"])
    study.optimize(lambda t: (acc[sampler.suggest(t)], float(cm.estimate([t.user_attrs["arch"]])[0, 0])), n_trials=40)
    assert sampler.objectives == ["accuracy:max", "latency_ms:min"]
    assert all(t.values[1] <= 19.2844 for t in study.trials)
    # Told both values, oriented by the study: the search hwnas runs with these objectives.
    assert archs(study) == search_archs(host, "nsga2", 4, 40, objectives=["accuracy:max", "latency_ms:min"])
    # Unnamed objectives get names; a name contradicting the study's direction is refused.
    s = sampler_for(ho, host, 4, "nsga2")
    optuna.create_study(directions=["maximize", "minimize"], sampler=s).optimize(
        lambda t: (acc[s.suggest(t)], 1.0), n_trials=1)
    assert s.objectives == ["objective0:max", "objective1:min"]
    s = sampler_for(ho, host, 4, objectives=["accuracy:min"])
    with pytest.raises(hwnas.HwnasError, match="maximizes"):
        run_study(s, acc.__getitem__, 1)


def replay(host, seed, n, told):
    """The strategy driven directly: ask one, tell `told(i, arch)` (NaN: failed)."""
    s = host.strategy("regularized-evolution", "nb201", seed=seed, budget=1000, profile=TASK["profile"],
                      constraints=TASK["constraints"])
    out = []
    for i in range(n):
        g = s.ask(1)
        out.append(host.arch("nb201", g[0]))
        s.tell(g, [told(i, out[-1])])
    return out


def arch_choices(arch):
    """nb201 arch string -> the op of each edge, in dim order."""
    return [e.split("~")[0] for node in arch.strip("|").split("|+|") for e in node.split("|")]


def test_failed_and_pruned_trials_are_told_nan(ho, host, acc):
    failing, pruned = {2, 5, 9, 14}, {3, 7, 20}

    def objective(trial):
        a = sampler.suggest(trial)
        if trial.number in failing:
            raise ValueError("training diverged")
        if trial.number in pruned:
            trial.report(99.0, 0)                # an intermediate value: still told NaN, not 99
            raise optuna.TrialPruned()
        return acc[a]

    sampler = sampler_for(ho, host, 5, budget=1000)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=25, catch=(ValueError,))
    states = [t.state.name for t in study.trials]
    assert states.count("FAIL") == 4 and states.count("PRUNED") == 3
    want = replay(host, 5, 25, lambda i, a: math.nan if i in failing | pruned else acc[a])
    assert archs(study) == want
    assert sampler.pending == []                 # every proposal was told, failures included


def test_a_trial_that_never_suggests_its_arch_hands_it_on(ho, host, acc):
    """Other params (here a learning rate, from the independent sampler)
    start the strategy's proposal; a trial that fails before declaring the
    arch leaves it to the next trial, untold."""
    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        if trial.number in (1, 4, 5):
            raise ValueError("no data")
        assert 1e-4 <= lr <= 1e-1
        return acc[sampler.suggest(trial)]

    plain = archs(run_study(sampler_for(ho, host, 9), acc.__getitem__, 12))
    sampler = sampler_for(ho, host, 9)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=15, catch=(ValueError,))
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(done) == 12 and len({t.params["lr"] for t in done}) == 12
    assert [t.user_attrs["arch"] for t in done] == plain
    assert sampler.pending == []


def test_enqueued_trials_do_not_break_the_strategy(ho, host, acc):
    plain = archs(run_study(sampler_for(ho, host, 6), acc.__getitem__, 20))
    sampler = sampler_for(ho, host, 6)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    dims = sampler.dims
    outside = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert outside not in plain                  # infeasible: the strategy never asks it
    enqueued = [plain[4], outside, plain[9]]
    for a in enqueued:
        study.enqueue_trial(dict(zip(dims, arch_choices(a))))
    study.enqueue_trial({dims[0]: "nor_conv_1x1", dims[5]: "none"})     # partial: the other dims independently
    study.optimize(lambda t: acc[sampler.suggest(t)], n_trials=4 + 18)
    got = archs(study)
    assert got[:3] == enqueued
    # The strategy's proposals go on as without them; the two it would have
    # proposed are told their known values, not run again.
    assert got[4:] == [a for a in plain if a not in enqueued][:18]
    assert len(set(got)) == len(got) and sampler.pending == []


def test_ask_and_tell_out_of_order(ho, host, acc):
    sampler = sampler_for(ho, host, 8)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    got = []
    for _ in range(4):
        batch = [study.ask() for _ in range(3)]
        got += [sampler.suggest(t) for t in batch]
        for t in reversed(batch):
            study.tell(t, acc[t.user_attrs["arch"]])
    s = host.strategy("regularized-evolution", "nb201", seed=8, budget=1000, profile=TASK["profile"],
                      constraints=TASK["constraints"])
    want = []
    for _ in range(4):
        g = [s.ask(1) for _ in range(3)]
        want += [host.arch("nb201", x[0]) for x in g]
        for x in reversed(g):
            s.tell(x, [acc[host.arch("nb201", x[0])]])
    assert got == want


def test_parallel_trials(ho, host, acc, latency):
    """n_jobs=2: trials in two threads share the sampler; each gets its own feasible arch, all told."""
    sampler = sampler_for(ho, host, 10)
    study = run_study(sampler, acc.__getitem__, 24, n_jobs=2)
    got = archs(study)
    assert len(got) == 24 and len(set(got)) == 24 and all(latency[a] <= 19.2844 for a in got)
    assert sampler.pending == []


def test_an_exhausted_strategy_falls_back_with_one_warning(ho, host, acc, latency):
    sampler = sampler_for(ho, host, 1, budget=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = run_study(sampler, acc.__getitem__, 15)
    said = [w for w in caught if "no more proposals" in str(w.message)]
    assert len(said) == 1 and "trial 5 " in str(said[0].message)
    got = archs(study)
    assert got[:5] == archs(run_study(sampler_for(ho, host, 1), acc.__getitem__, 5))
    assert len(set(got)) == 15 and all(latency[a] <= 19.2844 for a in got)
    # Three feasible archs in all: both strategies run dry, then Optuna's own sampler goes on.
    tight = [f"latency_ms<={sorted(latency.values())[2]!r}"]
    sampler = ho.HwnasSampler("nb201", profile="raspi4", constraints=tight, seed=1, host=host)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = run_study(sampler, acc.__getitem__, 6)
    assert len(study.trials) == 6 and all(t.state.name == "COMPLETE" for t in study.trials)
    assert sum(latency[a] <= sorted(latency.values())[2] for a in archs(study)) == 3
    assert any("without hwnas's screening" in str(w.message) for w in caught)


def test_constraint_values_and_signs(ho, host):
    cm = host.cost_model("stm32f746", "nb201")
    dims = host.space("nb201")["dims"]
    cons = ho.constraints(cm, ["peak_sram_kb<=90", "flash_kb >= 460", "macs<15680128"], space="nb201", host=host)
    assert cons.names == ["peak_sram_kb<=90", "flash_kb>=460", "macs<15680128"]
    rng = np.random.default_rng(0)
    for g in rng.integers(0, 5, size=(20, 6)):
        a = host.arch("nb201", g)
        sram, flash, _, _, macs = cm.estimate([a])[0]
        trial = optuna.trial.create_trial(params=dict(zip(dims, arch_choices(a))), value=1.0,
                                          distributions={d: optuna.distributions.CategoricalDistribution(
                                              host.space("nb201")["choices"][i]) for i, d in enumerate(dims)})
        got = cons(trial)
        assert got == pytest.approx([sram - 90, 460 - flash, macs - 15680128])
        assert [v <= 0 for v in got] == [sram <= 90, flash >= 460, macs < 15680128]
        # Without params, the "arch" user attribute is priced.
        assert cons(optuna.trial.create_trial(value=1.0, user_attrs={"arch": a})) == got
    # On the bound: feasible for <= and >=, infeasible for the strict ones.
    g = rng.integers(0, 5, size=6)
    m = float(cm.estimate(np.asarray([g], dtype=np.int32))[0, 4])
    on = ho.constraints(cm, [f"macs<={m!r}", f"macs>={m!r}", f"macs<{m!r}", f"macs>{m!r}"], space="nb201", host=host)
    got = on.values(g)
    assert got[:2] == [0.0, 0.0] and got[2] > 0 and got[3] > 0 and on.feasible(g) is False
    with pytest.raises(hwnas.HwnasError, match="neither params"):
        cons(optuna.trial.create_trial(value=1.0))
    with pytest.raises(hwnas.HwnasError, match="prices"):
        ho.constraints(cm, ["energy_mj<=1"], space="nb201", host=host)
    with pytest.raises(hwnas.HwnasError, match="bad constraint"):
        ho.constraints(cm, ["latency_ms=<1"], space="nb201", host=host)


def test_tpe_takes_the_constraints_either_way(ho, host, acc):
    """constraints_func= (deprecated in Optuna 5) and trial.set_constraint via .set give TPE the same numbers."""
    cons = ho.constraints(TASK["profile"], TASK["constraints"], space="nb201", host=host)

    def study(by_func):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            sampler = optuna.samplers.TPESampler(seed=3, n_startup_trials=5, constraints_func=cons if by_func else None)
        s = optuna.create_study(direction="maximize", sampler=sampler)

        def objective(t):
            a = ho.suggest(t, "nb201", host=host)
            if not by_func:
                cons.set(t)
            return acc[a]
        s.optimize(objective, n_trials=20)
        return s
    a, b = study(True), study(False)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    assert [list(t.constraints.values()) for t in a.trials] == [list(t.constraints.values()) for t in b.trials]
    assert [v[0] <= 0 for v in (list(t.constraints.values()) for t in a.trials)] == [cons.feasible(x) for x in archs(a)]


def test_import_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)          # as if not installed
    monkeypatch.delitem(sys.modules, "hwnas.optuna", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'hwnas\[optuna\]'"):
        importlib.import_module("hwnas.optuna")
