#!/usr/bin/env python3
"""One constrained NAS task solved three ways, side by side: Optuna's TPE
alone (told the constraints by hwnas.optuna.constraints as its
constraints_func), Optuna driven by hwnas.optuna.HwnasSampler, and
hwnas.search, on the NB201 tasks of bench/nb201-tasks.yaml (a table's
accuracy, the profile's latency bound).

usage: optuna_side_by_side.py [--tasks bench/nb201-tasks.yaml] [--budget 100] [--seeds 5]
                              [--strategy regularized-evolution] [--task NAME ...] [--csv FILE]

Regret is `hwnas bench regret`'s: the task's best feasible accuracy (by
enumerating the space) minus the best feasible accuracy among the first
--budget evaluations, in accuracy points. Every trial is an evaluation:
TPE's infeasible trials spend budget (it learns the bound from them); the
other two never propose an infeasible arch. Wall time per evaluation is the
whole run's (sampler, study, evaluation) over its evaluations; hwnas.search
also loads the table (its `table` evaluator) once per run.
"""
import argparse
import csv
import math
import os
import time
import warnings

import numpy as np

import hwnas
import hwnas.optuna
import optuna

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WAYS = ["optuna TPE + constraints_func", "optuna + HwnasSampler", "hwnas.search"]


def load_tasks(path):
    try:
        import yaml
    except ImportError:
        raise SystemExit("reading the tasks file needs PyYAML (pip install pyyaml)")
    with open(path) as f:
        doc = yaml.safe_load(f)
    base = os.path.dirname(os.path.abspath(path))
    tasks = []
    for t in doc["tasks"]:
        opts = dict(t["evaluator_options"])
        opts["file"] = os.path.normpath(os.path.join(base, opts["file"]))
        tasks.append(dict(name=t["name"], space=doc["space"], profile=t["profile"], constraints=list(t["constraints"]),
                          file=opts["file"], column=opts["column"]))
    return tasks


class Table:
    """The accuracy column of the benchmark table, by arch string."""
    _cache = {}

    def __init__(self, file, column):
        key = (file, column)
        if key not in self._cache:
            with open(file) as f:
                self._cache[key] = {r["arch"]: float(r[column]) for r in csv.DictReader(f)}
        self.values = self._cache[key]


def optimum(host, task, table):
    """The best feasible accuracy, by enumerating the space (as `hwnas bench` does)."""
    space = host.space(task["space"])
    grids = np.meshgrid(*[np.arange(len(c)) for c in space["choices"]], indexing="ij")
    every = np.stack([g.ravel() for g in grids], axis=1).astype(np.int32)
    cons = hwnas.optuna.constraints(task["profile"], task["constraints"], space=task["space"], host=host)
    ok = (cons.evaluate(every) <= 0).all(axis=1)
    return max(table.values[host.arch(task["space"], g)] for g in every[ok]), int(ok.sum())


def best_after(values, budget):
    v = [x for x in values[:budget] if x is not None and math.isfinite(x)]
    return max(v) if v else -math.inf


def run_tpe(host, task, table, seed, budget):
    cons = hwnas.optuna.constraints(task["profile"], task["constraints"], space=task["space"], host=host)
    with warnings.catch_warnings():        # constraints_func: deprecated in Optuna 5 (cons.set(trial) is the new way)
        warnings.simplefilter("ignore", FutureWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, constraints_func=cons)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda t: table.values[hwnas.optuna.suggest(t, task["space"], host=host)], n_trials=budget)
    return [t.value if all(c <= 0 for c in t.constraints.values()) else None for t in study.trials]


def run_hwnas_sampler(host, task, table, seed, budget, strategy):
    sampler = hwnas.optuna.HwnasSampler(task["space"], strategy, profile=task["profile"], constraints=task["constraints"],
                                        seed=seed, budget=budget, host=host)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda t: table.values[sampler.suggest(t)], n_trials=budget)
    return [t.value for t in study.trials]


def run_search(host, task, table, seed, budget, strategy):
    r = host.search(space=task["space"], profile=task["profile"], evaluator="table",
                    evaluator_options={"file": task["file"], "column": task["column"]}, constraints=task["constraints"],
                    strategy=strategy, budget=budget, seed=seed, progress=False)
    return [h["objective"] if h["status"] == "ok" else None for h in r.data["history"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default=os.path.join(REPO, "bench", "nb201-tasks.yaml"))
    ap.add_argument("--task", action="append", help="only these tasks (by name; repeatable)")
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..N")
    ap.add_argument("--strategy", default="regularized-evolution", help="for HwnasSampler and hwnas.search")
    ap.add_argument("--csv", help="one row per run: task, way, seed, regret, seconds")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    host = hwnas.Host()
    tasks = [t for t in load_tasks(a.tasks) if not a.task or t["name"] in a.task]
    rows = []
    for task in tasks:
        table = Table(task["file"], task["column"])
        best, feasible = optimum(host, task, table)
        print(f"{task['name']}: optimum {best:.4f}, {feasible} feasible archs", flush=True)
        for seed in range(1, a.seeds + 1):
            runs = [lambda: run_tpe(host, task, table, seed, a.budget),
                    lambda: run_hwnas_sampler(host, task, table, seed, a.budget, a.strategy),
                    lambda: run_search(host, task, table, seed, a.budget, a.strategy)]
            for way, run in zip(WAYS, runs):
                t = time.perf_counter()
                values = run()
                seconds = time.perf_counter() - t
                found = best_after(values, a.budget)
                rows.append(dict(task=task["name"], way=way, seed=seed, regret=max(0.0, best - found),
                                 hit=found >= best - 1e-9, evaluations=len(values),
                                 feasible=sum(v is not None for v in values), seconds=seconds))
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    print(f"\n{len(tasks)} tasks x {a.seeds} seeds, budget {a.budget}, strategy {a.strategy}\n")
    print(f"| way | runs | mean regret @{a.budget} | median regret | exact optimum | feasible evaluations | ms / evaluation |")
    print("|---|---|---|---|---|---|---|")
    for way in WAYS:
        mine = [r for r in rows if r["way"] == way]
        reg = [r["regret"] for r in mine]
        evals = sum(r["evaluations"] for r in mine)
        print(f"| {way} | {len(mine)} | {np.mean(reg):.3f} | {np.median(reg):.3f} | "
              f"{sum(r['hit'] for r in mine)}/{len(mine)} | {100 * sum(r['feasible'] for r in mine) / max(1, evals):.0f} % | "
              f"{1000 * sum(r['seconds'] for r in mine) / max(1, evals):.2f} |")


if __name__ == "__main__":
    main()
