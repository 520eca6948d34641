#!/usr/bin/env python3
"""Epochs to a near-best architecture under a constraint: hwnas full fidelity,
hwnas ASHA and Hyperband, Optuna TPE + HyperbandPruner and DEHB, all replaying
the same recorded learning curves (bench/trained/<task>-curves.csv).

Every method searches the architectures of the table under the constraint
(default peak_sram_kb<=8). Training architecture A for E epochs in run R
answers the validation accuracy of training seed s(R, A) at epoch E (the
recorded curve; s from sha256 of "R:A", so a resumed training continues the
same curve). Cost = epochs trained; a promotion resumed from a checkpoint at
E0 costs E - E0, a fresh start at E costs E. The incumbent is the
full-fidelity evaluation with the highest observed accuracy so far; a run
reaches the target when the incumbent's TRUE accuracy (the table's mean over
3 trainings) is within --tolerance (0.005 = 0.5 points) of the best feasible
one. Time to target = epochs spent until then; runs stop at --max-epochs
(default: archs x last epoch), and one that never reaches counts as the cap.

    python3 tools/fidelity-bench/anchors.py [--seeds 10] [--methods full,asha,hyperband,optuna,dehb]
        [--table bench/trained/japanesevowels.csv] [--constraint "peak_sram_kb<=8"] [--json out.json]

Prints a Markdown table (method, runs, reached, median and mean epochs to
target, full-fidelity median / method median); README.md in this folder has
the rules and the measured table.
"""
import argparse
import csv
import json
import operator
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from curve_trainer import load_curves, training_seed  # noqa: E402

METHODS = ["full", "asha", "hyperband", "optuna", "dehb"]
LABELS = {"full": "hwnas full fidelity", "asha": "hwnas --scheduler asha", "hyperband": "hwnas --scheduler hyperband",
          "optuna": "Optuna TPE + HyperbandPruner", "dehb": "DEHB"}
# --memo only: a study stops after this many trials in a row that trained nothing new.
FREE_LIMIT = 200
OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


class Problem:
    """The table, its curves, the constraint, the best and the targets."""

    def __init__(self, table, constraint, tolerance):
        self.table = os.path.abspath(table)
        self.curves_path = re.sub(r"\.csv$", "", self.table) + "-curves.csv"
        with open(self.table, newline="") as f:
            self.rows = list(csv.DictReader(f))
        self.archs = [r["arch"] for r in self.rows]
        self.true = {r["arch"]: float(r["accuracy"]) for r in self.rows}
        self.curves, self.seeds, self.epochs = load_curves(self.curves_path)
        missing = [a for a in self.archs if a not in self.curves]
        if missing:
            raise SystemExit(f"{self.curves_path}: no curve for {len(missing)} archs, e.g. {missing[0]!r}")
        m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*", constraint)
        if not m:
            raise SystemExit(f"--constraint {constraint!r}: expected COLUMN<=X (or <, >=, >)")
        self.column, self.op, self.bound = m.group(1), m.group(2), float(m.group(3))
        if self.column not in self.rows[0]:
            raise SystemExit(f"--constraint: {self.table} has no column {self.column!r}")
        self.constraint = f"{self.column}{self.op}{m.group(3)}"
        # Feasible archs in table order (the tables are sorted by size).
        self.feasible = [r["arch"] for r in self.rows if OPS[self.op](float(r[self.column]), self.bound)]
        if not self.feasible:
            raise SystemExit(f"no architecture of {self.table} satisfies {self.constraint}")
        self.best = max(self.true[a] for a in self.feasible)
        self.tolerance = tolerance
        self.targets = sorted((a for a in self.feasible if self.is_target(a)), key=lambda a: -self.true[a])

    def is_target(self, arch):
        return self.true[arch] >= self.best - self.tolerance - 1e-9

    def observe(self, run_seed, arch, epochs):
        seed = self.seeds[training_seed(run_seed, arch, len(self.seeds))]
        return self.curves[arch][seed][epochs]

    def curve_check(self):
        """Does each curve's last epoch equal the table's accuracy_seed<i>?"""
        worst, bad = 0.0, 0
        for r in self.rows:
            for s in self.seeds:
                col = f"accuracy_seed{s}"
                if col not in r:
                    continue
                d = abs(self.curves[r["arch"]][s][self.epochs] - float(r[col]))
                worst = max(worst, d)
                bad += d > 1e-6
        return {"mismatches": bad, "max_abs_difference": worst}


class Tracker:
    """Cumulative epochs, the incumbent (best observed at full fidelity) and
    the time the incumbent first reached the target."""

    def __init__(self, problem, cap):
        self.p, self.cap = problem, cap
        self.spent = 0
        self.evaluations = 0
        self.full_evaluations = 0
        self.incumbent = None   # (arch, observed)
        self.reached_at = None
        self.trace = []         # (epochs spent, incumbent arch) whenever the incumbent changes

    def spend(self, epochs):
        self.spent += epochs

    def evaluated(self, arch, epochs, observed):
        self.evaluations += 1
        if epochs != self.p.epochs:
            return
        self.full_evaluations += 1
        if self.incumbent is None or observed > self.incumbent[1]:
            self.incumbent = (arch, observed)
            self.trace.append((self.spent, arch))
            if self.reached_at is None and self.p.is_target(arch):
                self.reached_at = self.spent

    def summary(self, method, seed, **extra):
        inc = self.incumbent[0] if self.incumbent else None
        out = {"method": method, "seed": seed, "reached": self.reached_at is not None,
               "epochs_to_target": self.reached_at, "epochs_spent": self.spent,
               "evaluations": self.evaluations, "full_fidelity_evaluations": self.full_evaluations,
               "incumbent": inc, "incumbent_true_accuracy": self.p.true[inc] if inc else None,
               "incumbent_trace": [{"epochs": e, "arch": a, "true_accuracy": self.p.true[a]} for e, a in self.trace]}
        out.update(extra)
        return out


# ---------------------------------------------------------------- hwnas

def write_hwnas_inputs(problem, folder):
    """A `choices` space of the table's archs and a profile pricing the
    constrained column with the `table` cost model."""
    for a in problem.archs:
        if "|" in a:
            raise SystemExit(f"arch {a!r} contains the space separator '|'")
    space = os.path.join(folder, "space.yaml")
    with open(space, "w") as f:
        f.write('name: "fidelity-bench"\nplugin: choices\ndims: [arch]\nseparator: "|"\nchoices_per_dim:\n  - [\n')
        f.write(",\n".join(f"      {json.dumps(a)}" for a in problem.archs))
        f.write("\n    ]\n")
    profile = os.path.join(folder, "profile.yaml")
    with open(profile, "w") as f:
        f.write('name: "fidelity-bench"\ndescription: "table cost model of fidelity-bench/anchors.py"\n'
                f'constrained:\n  model: table\n  file: {json.dumps(problem.table)}\n  key: arch\n'
                f'  column: {json.dumps(problem.column)}\n  metric: {json.dumps(problem.column)}\n')
    return space, profile


def run_hwnas(method, seed, problem, cap, args, folder):
    space, profile = write_hwnas_inputs(problem, folder)
    trainer = " ".join(shlex.quote(x) for x in [sys.executable, os.path.join(HERE, "curve_trainer.py"),
                                                "--curves", problem.curves_path, "--run-seed", str(seed)])
    out = os.path.join(folder, f"{method}-{seed}.json")
    cmd = [args.hwnas, "search", "--space", space, "--profile", profile, "--constraint", problem.constraint,
           "--evaluator", "command", "--evaluator-option", f"command={trainer}",
           "--evaluator-option", "extra_metrics=epochs,epochs_trained",
           "--parallel", "1", "--seed", str(seed), "--output", out, "--quiet"]
    if args.strategy:
        cmd += ["--strategy", args.strategy]
    if method == "full":
        cmd += ["--budget", str(cap // problem.epochs)]
    else:
        cmd += ["--fidelity", f"epochs=1:{problem.epochs}:3", "--scheduler", method,
                "--fidelity-budget", str(cap), "--budget", "1000000"]
    done = subprocess.run(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"hwnas failed (exit {done.returncode}): {shlex.join(cmd)}\n{done.stderr.strip()}")
    result = json.load(open(out))
    tracker = Tracker(problem, cap)
    problems = []
    for h in result["history"]:
        if h.get("status") != "ok":
            problems.append(f"step {h.get('step')}: {h.get('arch')} status {h.get('status')}")
            continue
        m = h["metrics"]
        epochs, cost = int(m["epochs"]), int(m["epochs_trained"])
        fid = (h.get("fidelity") or {}).get("epochs", problem.epochs)
        if int(fid) != epochs:
            problems.append(f"step {h.get('step')}: fidelity {fid} but trained to {epochs}")
        tracker.spend(cost)
        tracker.evaluated(h["arch"], epochs, h["objective"])
    spent = result.get("fidelity_spent")
    if spent is not None and abs(spent - tracker.spent) > 1e-9:
        problems.append(f"fidelity_spent {spent} but the evaluations trained {tracker.spent} epochs")
    if tracker.spent > cap:
        problems.append(f"spent {tracker.spent} epochs, over the cap {cap}")
    rungs = {}
    for h in result["history"]:
        e = (h.get("fidelity") or {}).get("epochs", problem.epochs)
        rungs[str(e)] = rungs.get(str(e), 0) + 1
    return tracker.summary(method, seed, stop_reason=result.get("stop_reason"), strategy=result.get("strategy"),
                           evaluations_per_rung=rungs, hwnas_best=(result.get("best") or {}).get("arch"),
                           problems=problems)


# ---------------------------------------------------------------- Optuna

def run_optuna(seed, problem, cap, args):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", module="optuna")
    tracker = Tracker(problem, cap)
    archs = problem.feasible
    E = problem.epochs
    seen = set()
    repeats = 0
    trained = {}   # --memo: the epochs each arch was trained to so far

    def objective(trial):
        nonlocal repeats
        if args.index == "categorical":
            arch = trial.suggest_categorical("arch", archs)
        else:
            arch = archs[trial.suggest_int("arch", 0, len(archs) - 1)]
        repeats += arch in seen
        seen.add(arch)
        spent_before = tracker.spent
        acc = None
        for e in range(1, E + 1):
            fresh = not args.memo or e > trained.get(arch, 0)
            if fresh and tracker.spent >= cap:
                trial.study.stop()
                raise optuna.TrialPruned()
            acc = problem.observe(seed, arch, e)
            if fresh:
                tracker.spend(1)
                trained[arch] = max(e, trained.get(arch, 0))
            trial.report(acc, e)
            if e == E:
                tracker.evaluated(arch, e, acc)
            elif trial.should_prune():
                tracker.evaluated(arch, e, acc)
                free_trials(tracker.spent == spent_before, trial)
                raise optuna.TrialPruned()
        free_trials(tracker.spent == spent_before, trial)
        return acc

    free = 0

    def free_trials(was_free, trial):
        # --memo: a study that only repeats what it has trained learns nothing more.
        nonlocal free
        free = free + 1 if was_free else 0
        if free >= FREE_LIMIT:
            trial.study.stop()

    study = optuna.create_study(study_name=f"anchors-{seed}", direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=E, reduction_factor=3))
    # Every trial costs at least one epoch (without --memo), so the cap ends the study first.
    study.optimize(objective, n_trials=cap + 1)
    stop = "epoch cap" if tracker.spent >= cap else f"{FREE_LIMIT} free trials in a row" if free >= FREE_LIMIT else "trials"
    return tracker.summary("optuna", seed, trials=len(study.trials), repeated_trials=repeats,
                           distinct_archs=len(seen), stop_reason=stop)


# ---------------------------------------------------------------- DEHB

def dehb_available():
    try:
        import dehb  # noqa: F401
        return None
    except Exception as e:  # ImportError, or a dependency of it that fails to load
        return f"{type(e).__name__}: {e}"


def run_dehb(seed, problem, cap, args, folder):
    from dehb import DEHB
    import ConfigSpace as CS
    from loguru import logger
    archs = problem.feasible
    E = problem.epochs
    cs = CS.ConfigurationSpace(seed=seed)
    if args.index == "categorical":
        cs.add(CS.CategoricalHyperparameter("arch", archs))
    else:
        cs.add(CS.UniformIntegerHyperparameter("arch", 0, len(archs) - 1))
    tracker = Tracker(problem, cap)
    seen = set()
    repeats = 0
    trained = {}   # --memo: the epochs each arch was trained to so far

    def cost(arch, epochs):
        return max(0, epochs - trained.get(arch, 0)) if args.memo else epochs

    def arch_of(config):
        v = config["arch"]
        return v if args.index == "categorical" else archs[int(v)]

    def f(config, fidelity, **kwargs):
        # DEHB restarts every evaluation from scratch: no checkpoint continuation.
        arch = arch_of(config)
        epochs = max(1, int(round(float(fidelity))))
        acc = problem.observe(seed, arch, epochs)
        tracker.spend(cost(arch, epochs))
        trained[arch] = max(epochs, trained.get(arch, 0))
        tracker.evaluated(arch, epochs, acc)
        return {"fitness": 1.0 - acc, "cost": epochs}

    out = os.path.join(folder, f"dehb-{seed}")
    opt = DEHB(f=f, cs=cs, dimensions=1, min_fidelity=1, max_fidelity=E, eta=3, n_workers=1, seed=seed,
               output_path=out, save_freq="end", log_level="ERROR")
    logger.remove()
    fidelities = sorted({max(1, int(round(float(x)))) for x in opt.fidelities})
    stop, free = "asks", 0
    for _ in range(20 * cap):   # without --memo every job costs >= 1 epoch: the cap ends the loop first
        job = opt.ask()
        epochs = max(1, int(round(float(job["fidelity"]))))
        price = cost(arch_of(job["config"]), epochs)
        if tracker.spent + price > cap:
            stop = "epoch cap"
            break
        free = free + 1 if price == 0 else 0
        if free >= FREE_LIMIT:
            stop = f"{FREE_LIMIT} free evaluations in a row"
            break
        arch = arch_of(job["config"])   # ask() hands a ConfigSpace Configuration
        repeats += arch in seen
        seen.add(arch)
        opt.tell(job, f(job["config"], job["fidelity"]))
    return tracker.summary("dehb", seed, fidelities=fidelities, repeated_evaluations_of_an_arch=repeats,
                           distinct_archs=len(seen), stop_reason=stop)


# ---------------------------------------------------------------- report

def summarise(runs, cap, methods):
    rows = []
    medians = {}
    for m in methods:
        rs = [r for r in runs if r["method"] == m]
        if not rs:
            continue
        times = [r["epochs_to_target"] if r["reached"] else cap for r in rs]
        medians[m] = statistics.median(times)
        rows.append({"method": m, "runs": len(rs), "reached": sum(r["reached"] for r in rs),
                     "median_epochs_to_target": statistics.median(times), "mean_epochs_to_target": statistics.fmean(times),
                     "median_epochs_spent": statistics.median(r["epochs_spent"] for r in rs)})
    for row in rows:
        full = medians.get("full")
        row["speedup_vs_full"] = full / row["median_epochs_to_target"] if full and row["median_epochs_to_target"] else None
    return rows


def markdown(rows, cap):
    lines = ["| method | runs | reached | median epochs to target | mean | full-fidelity median / method median |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        speed = f"{r['speedup_vs_full']:.2f}x" if r["speedup_vs_full"] else "n/a"
        lines.append(f"| {LABELS[r['method']]} | {r['runs']} | {r['reached']}/{r['runs']} | "
                     f"{r['median_epochs_to_target']:g} | {r['mean_epochs_to_target']:.1f} | {speed} |")
    lines.append(f"\n(a run that never reaches the target counts as the cap, {cap} epochs, in the median and mean)")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default=os.path.join(ROOT, "bench", "trained", "japanesevowels.csv"),
                    help="architecture table; its curves are the same name with -curves.csv")
    ap.add_argument("--constraint", default="peak_sram_kb<=8", help="COLUMN<=X on a column of the table")
    ap.add_argument("--seeds", type=int, default=10, help="runs per method (run seeds 0..N-1 + --first-seed)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated, of " + ",".join(METHODS))
    ap.add_argument("--hwnas", default=os.path.join(ROOT, ".build", "release", "hwnas"))
    ap.add_argument("--max-epochs", type=int, default=None, help="epoch cap per run (default: archs x last epoch)")
    ap.add_argument("--tolerance", type=float, default=0.005, help="target: true accuracy >= best - this")
    ap.add_argument("--strategy", default=None, help="hwnas --strategy for all hwnas methods (default: hwnas's default)")
    ap.add_argument("--index", choices=["categorical", "int"], default="categorical",
                    help="Optuna/DEHB parameter over the feasible archs: a categorical (as hwnas's choices space sees "
                         "it), or an int index in table order (the tables are sorted by size)")
    ap.add_argument("--memo", action="store_true",
                    help="sensitivity check, not the benchmark's rule: Optuna and DEHB pay only for epochs an arch "
                         "was not trained to before in the run (as if every training kept its checkpoints and log)")
    ap.add_argument("--json", help="write the per-run figures here")
    args = ap.parse_args()

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"--methods: unknown {', '.join(unknown)} (known: {', '.join(METHODS)})")
    p = Problem(args.table, args.constraint, args.tolerance)
    cap = args.max_epochs or len(p.archs) * p.epochs
    if cap < p.epochs:
        raise SystemExit(f"--max-epochs {cap}: less than one full training ({p.epochs} epochs)")
    check = p.curve_check()
    print(f"table {os.path.relpath(p.table, ROOT)}: {len(p.archs)} archs, curves to epoch {p.epochs} "
          f"(last epoch = accuracy_seed<i>: {'yes' if check['mismatches'] == 0 else 'NO, %d differ' % check['mismatches']}); "
          f"{p.constraint}: {len(p.feasible)} feasible, best {p.best:.6f}, {len(p.targets)} targets "
          f"(true accuracy >= {p.best - p.tolerance:.6f}); cap {cap} epochs", file=sys.stderr)
    skipped = {}
    if "dehb" in methods:
        why = dehb_available()
        if why:
            print(f"dehb: skipped, not importable ({why}); install: pip install --no-deps dehb==0.1.2 ConfigSpace "
                  "loguru dask distributed pyarrow (tools/fidelity-bench/README.md lists the rest)")
            skipped["dehb"] = why
            methods.remove("dehb")
    if any(m in ("full", "asha", "hyperband") for m in methods) and not os.access(args.hwnas, os.X_OK):
        raise SystemExit(f"--hwnas {args.hwnas}: not an executable (build it: swift build -c release)")

    runs = []
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="fidelity-bench-") as tmp:
        for m in methods:
            tm = time.time()
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                if m in ("full", "asha", "hyperband"):
                    r = run_hwnas(m, seed, p, cap, args, tmp)
                elif m == "optuna":
                    r = run_optuna(seed, p, cap, args)
                else:
                    r = run_dehb(seed, p, cap, args, tmp)
                runs.append(r)
                for why in r.get("problems", []):
                    print(f"{m} seed {seed}: {why}", file=sys.stderr)
            print(f"{m}: {args.seeds} runs in {time.time() - tm:.1f} s", file=sys.stderr)
    rows = summarise(runs, cap, methods)
    print(markdown(rows, cap))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"table": os.path.relpath(p.table, ROOT), "curves": os.path.relpath(p.curves_path, ROOT),
                       "constraint": p.constraint, "epochs": p.epochs, "max_epochs": cap, "tolerance": p.tolerance,
                       "feasible": len(p.feasible), "best_accuracy": p.best,
                       "targets": [{"arch": a, "true_accuracy": p.true[a]} for a in p.targets],
                       "curve_check": check, "index": args.index, "memo": args.memo, "hwnas_strategy": args.strategy,
                       "skipped": skipped, "seconds": time.time() - t0, "summary": rows, "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
