"""hwnas.search: the search `hwnas search` runs (screening by the profile's
cost models and the constraints, de-duplication, journal and resume,
failures counted), from Python, scored by a plugin evaluator or by a Python
callable.

    result = hwnas.search(space="nb201", profile="stm32f746",
                          constraints=["peak_sram_kb<=320"], evaluator=my_fn,
                          objectives=["accuracy:max", "latency_ms:min"], budget=50)

A callable evaluator gets a Candidate (arch, genotype, network IR, build()
for a torch module) and returns a number (its first metric), a dict by
metric name or a sequence in metric order. An exception in it is that
candidate's failed evaluation, with its message; Ctrl-C ends the search
after the round with the result (and `output`) written.
"""
import json
import re
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from numbers import Real

import numpy as np

from .host import Host, HwnasError, _integer, _no_nul, _option_dict, _string_list

#: The strategy a search uses when none is named (as `hwnas search`).
DEFAULT_STRATEGY = "regularized-evolution"


class Candidate:
    """One candidate a Python evaluator scores."""

    def __init__(self, host, space, space_options, arch, genotype):
        self._host, self._space, self._space_options = host, space, space_options
        self.arch = arch
        self.genotype = genotype
        self._network = None

    @property
    def network(self):
        """The exact network IR (what `hwnas export --format json` writes)."""
        if self._network is None:
            with self._host._session_lock:
                self._network = self._host.network(self._space, self.arch, self._space_options)
        return self._network

    def build(self, batch_norm="train"):
        """The candidate as a torch.nn.Module (hwnas.torch.build), ready to train."""
        import hwnas.torch
        return hwnas.torch.build(self.network, batch_norm=batch_norm)

    def __repr__(self):
        return f"Candidate({self.arch!r})"


class SearchResult:
    """A finished search: .data is the document `hwnas search --output`
    writes; .best, .history (a NumPy structured array, one row per
    evaluation), .pareto (front and hypervolume with two or more
    objectives), .to_pandas()."""

    def __init__(self, document):
        self.data = document

    @property
    def best(self):
        """{"arch", "genotype", "objective", "costs"} or None when nothing feasible succeeded."""
        return self.data.get("best")

    @property
    def stop_reason(self):
        return self.data["stop_reason"]

    @property
    def evaluations(self):
        return self.data["evaluations"]

    @property
    def pareto(self):
        return self.data.get("pareto")

    @property
    def json(self):
        return json.dumps(self.data, indent=2, sort_keys=True)

    def write(self, path):
        from ._files import write_atomically
        write_atomically(path, (self.json + "\n").encode())

    def _columns(self):
        history = self.data["history"]
        metrics = sorted({k for r in history for k in r["metrics"]})
        costs = sorted({k for r in history for k in r["costs"]})
        cols = [("metric", m, m) for m in metrics]
        cols += [("costs", c, c if c not in metrics else "cost_" + c) for c in costs]
        return history, cols

    @property
    def history(self):
        """One row per evaluation: step, arch, status, objective, reward,
        the evaluator's metrics, the profile's costs (NaN where absent), reason."""
        history, cols = self._columns()
        width = max([len(r["arch"]) for r in history] + [1])
        reason_width = max([len(r.get("reason") or "") for r in history] + [1])
        dtype = [("step", "i4"), ("arch", f"U{width}"), ("status", "U6"), ("objective", "f8"), ("reward", "f8")]
        dtype += [(name, "f8") for _, _, name in cols] + [("reason", f"U{reason_width}")]
        out = np.zeros(len(history), dtype=dtype)
        for i, r in enumerate(history):
            row = [r["step"], r["arch"], r["status"], _number(r.get("objective")), _number(r.get("reward"))]
            row += [_number(r["metrics" if kind == "metric" else "costs"].get(key)) for kind, key, _ in cols]
            out[i] = tuple(row + [r.get("reason") or ""])
        return out

    def to_pandas(self):
        try:
            import pandas
        except ImportError:
            raise ImportError("SearchResult.to_pandas needs pandas (pip install pandas); .history is the same table as a NumPy array")
        return pandas.DataFrame(self.history)

    def __repr__(self):
        b = self.best
        best = f"best {b['arch']} = {b['objective']:.6g}" if b else "nothing feasible"
        return f"SearchResult({self.evaluations} evaluations, {best}, stop: {self.stop_reason})"


def _number(v):
    """A JSON value as a float: absent is NaN, non-finite ones are written as "nan", "inf"."""
    return math.nan if v is None else float(v)


class _Evaluation:
    """Runs the Python evaluator over one round's candidates, `parallel` at a time."""

    def __init__(self, function, metrics, parallel):
        self.function, self.metrics = function, metrics
        self.pool = ThreadPoolExecutor(max_workers=parallel) if parallel > 1 else None
        self.interrupted = False

    def values(self, answer):
        """The evaluator's answer as one float per metric."""
        m = len(self.metrics)
        if isinstance(answer, dict):
            unknown = [k for k in answer if k not in self.metrics]
            if unknown:
                raise HwnasError(f"the evaluator returned metric {unknown[0]!r}, not one of metrics={self.metrics}")
            return [_real(answer.get(k, math.nan), k) for k in self.metrics]
        if isinstance(answer, (Real, np.number)) and not isinstance(answer, (bool, np.bool_)):
            return [float(answer)] + [math.nan] * (m - 1)
        if isinstance(answer, (list, tuple, np.ndarray)):
            if len(answer) != m:
                raise HwnasError(f"the evaluator returned {len(answer)} values for metrics={self.metrics}")
            return [_real(v, k) for v, k in zip(answer, self.metrics)]
        raise HwnasError(f"the evaluator returned {type(answer).__name__}; return a number, a dict by metric name or a sequence")

    def one(self, candidate):
        """(values, reason) for a candidate: an exception is its failure."""
        try:
            return self.values(self.function(candidate)), ""
        except Exception as e:
            return self.failed(f"{type(e).__name__}: {e}")

    def failed(self, reason):
        return [math.nan] * len(self.metrics), reason

    def run(self, candidates):
        if self.pool is None:
            out = []
            for c in candidates:
                if self.interrupted:
                    out.append(self.failed("interrupted"))
                    continue
                try:
                    out.append(self.one(c))
                except KeyboardInterrupt:
                    self.interrupted = True
                    out.append(self.failed("interrupted"))
            return out
        futures = [self.pool.submit(self.one, c) for c in candidates]
        try:
            wait(futures)
        except KeyboardInterrupt:
            self.interrupted = True
            for f in futures:
                f.cancel()
        return [f.result() if f.done() and not f.cancelled() else self.failed("interrupted") for f in futures]

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _real(v, name):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (Real, np.number)):
        raise HwnasError(f"the evaluator's {name!r} is {v!r}, not a number")
    return float(v)


class _Progress:
    """Progress lines on stderr (at most one a second, and the last), or the caller's function."""

    def __init__(self, progress):
        self.progress = progress
        self.last = 0.0
        self.error = None

    def __call__(self, event):
        if callable(self.progress):
            self.progress(event)
        elif self.progress and event["event"] == "evaluator_error":
            print(f"hwnas: evaluator error: {event['message']}", file=sys.stderr)
        elif self.progress:
            now = time.monotonic()
            if now - self.last >= 1.0 or event["evaluations"] >= event["budget"]:
                self.last = now
                best = "none yet" if event["best"] is None else f"{event['best']:.6g} ({event['best_arch']})"
                print(f"hwnas: {event['evaluations']}/{event['budget']} evaluations, best {event['metric']} {best}, "
                      f"{event['infeasible']} infeasible, {event['duplicates']} duplicate, {event['failed']} failed, "
                      f"{event['seconds']:.1f} s", file=sys.stderr)


def run(host, space, profile, evaluator, constraints=None, objectives=None, soft=None, strategy=DEFAULT_STRATEGY,
        budget=100, seed=1, parallel=1, schedule=None, fidelity=None, scheduler=None, fidelity_budget=None, journal=None, output=None, plot=None, space_options=None,
        strategy_options=None, evaluator_options=None, metrics=None, reuse_journal=False, keep_failed=False,
        progress=True):
    """The search on `host` (see hwnas.search)."""
    config = {"space": _no_nul("space", str(space)), "profile": _no_nul("profile", str(profile)),
              "strategy": _no_nul("strategy", str(strategy)),
              "budget": _integer("budget", budget, 1, 10**9), "seed": _integer("seed", seed, 0, 2**64 - 1),
              "parallel": _integer("parallel", parallel, 1, 4096),
              "reuse_journal": bool(reuse_journal), "keep_failed": bool(keep_failed)}
    for key, value in (("constraints", constraints), ("objectives", objectives), ("soft", soft)):
        if value is not None:
            config[key] = _string_list(key, value)
    for key, value in (("space_options", space_options), ("strategy_options", strategy_options)):
        if value:
            config[key] = _option_dict(value)
    if fidelity_budget is not None:
        config["fidelity_budget"] = float(fidelity_budget)
    for key, value in (("journal", journal), ("output", output), ("plot", plot), ("schedule", schedule),
                       ("fidelity", fidelity), ("scheduler", scheduler)):
        if value is not None:
            config[key] = _no_nul(key, str(value))

    c = host._c
    evaluation = None
    if callable(evaluator):
        if evaluator_options:
            raise HwnasError("evaluator_options are a plugin evaluator's; a Python evaluator takes none")
        metrics = _string_list("metrics", metrics) if metrics is not None else _metrics_for(host, profile, space, space_options, objectives)
        config["evaluator_metrics"] = metrics
        config["evaluator_name"] = "python:" + getattr(evaluator, "__module__", "?") + "." + getattr(evaluator, "__qualname__", type(evaluator).__name__)
        evaluation = _Evaluation(evaluator, metrics, config["parallel"])
    elif isinstance(evaluator, str):
        if metrics is not None:
            raise HwnasError("metrics names a Python evaluator's metrics; a plugin evaluator reports its own")
        config["evaluator"] = _no_nul("evaluator", evaluator)
        if evaluator_options:
            config["evaluator_options"] = _option_dict(evaluator_options)
    else:
        raise HwnasError(f"evaluator must be a plugin id or a callable, got {type(evaluator).__name__}")

    shown = _Progress(progress)
    state = {"interrupted": False, "error": None}

    def on_progress(_, event_json):
        try:
            shown(json.loads(c.ffi.string(event_json).decode()))
            return 1 if state["interrupted"] else 0
        except KeyboardInterrupt:
            state["interrupted"] = True
            return 1
        except BaseException as e:           # the caller's progress function failed: stop, then raise it
            state["error"] = e
            return 1

    def on_evaluate(_, count, archs, genotypes, n_dims, metrics_out, n_metrics, reasons_out, capacity):
        try:
            flat = np.frombuffer(c.ffi.buffer(genotypes, 4 * count * n_dims), dtype=np.int32).reshape(count, n_dims)
            candidates = [Candidate(host, space, space_options, c.ffi.string(archs[i]).decode(), flat[i].copy())
                          for i in range(count)]
            answers = evaluation.run(candidates)
            for i, (values, reason) in enumerate(answers):
                for j, v in enumerate(values):
                    metrics_out[i * n_metrics + j] = v
                if reason:
                    _write_text(c.ffi, reasons_out + i * capacity, capacity, reason)
            if evaluation.interrupted:
                state["interrupted"] = True
            return 1 if state["interrupted"] else 0
        except KeyboardInterrupt:
            state["interrupted"] = True
            return 1
        except BaseException as e:
            _write_text(c.ffi, reasons_out, capacity, f"{type(e).__name__}: {e}")
            return -1

    progress_fn = c.ffi.callback("hwnas_host_progress_fn", on_progress)
    evaluate_fn = c.ffi.callback("hwnas_host_evaluate_fn", on_evaluate) if evaluation else c.ffi.NULL
    try:
        text = c.string("hwnas_host_search", host._raw, json.dumps(config).encode(), evaluate_fn, c.ffi.NULL,
                        progress_fn, c.ffi.NULL)
    except HwnasError as e:
        raise HwnasError(_python_names(str(e))) from None
    finally:
        if evaluation:
            evaluation.close()
    if state["error"] is not None:
        raise state["error"]
    result = SearchResult(json.loads(text))
    if state["interrupted"]:
        print(f"hwnas: interrupted after {result.evaluations} evaluations; the result is complete up to there"
              + (f" and written to {output}" if output else "")
              + (f" (rerun with journal={journal!r} to go on)" if journal else ""), file=sys.stderr)
    return result


# The search loop's messages name the command line's flags; here, the
# arguments of hwnas.search that set the same things.
_FLAGS = {"--space-option": "space_options", "--constraint": "constraints", "--objective": "objectives",
          "--strategy-option": "strategy_options", "--evaluator-option": "evaluator_options",
          "--fidelity-budget": "fidelity_budget", "--reuse-journal": "reuse_journal=True",
          "--keep-failed": "keep_failed=True", "--soft": "soft"}
_FLAGS.update({f"--{k}": k for k in ("space", "profile", "strategy", "evaluator", "budget", "seed", "parallel", "schedule",
                                       "scheduler", "fidelity", "journal", "output", "plot")})
# Longest first, and not the start of a longer flag (--fidelity, not --fidelity-budget's head).
_FLAG = re.compile("(" + "|".join(sorted(map(re.escape, _FLAGS), key=len, reverse=True)) + r")\b(?!-)")


def _python_names(message):
    """A search error with hwnas.search's argument names for the CLI's flags."""
    return _FLAG.sub(lambda m: _FLAGS[m.group(1)], message)


def _write_text(ffi, buffer, capacity, text):
    data = text.encode(errors="replace")[:capacity - 1]
    ffi.memmove(buffer, data + b"\0", len(data) + 1)


def _metrics_for(host, profile, space, space_options, objectives):
    """A Python evaluator's metrics when not named: the objectives the
    profile does not price (in order), else ["score"]."""
    if not objectives:
        return ["score"]
    with host.cost_model(profile, space, space_options) as cm:
        priced = set(cm.metric_names)
    names = [o.rsplit(":", 1)[0] for o in _string_list("objectives", objectives)]
    return [n for n in names if n not in priced] or ["score"]


def search(space, profile, evaluator, *, plugin_path=None, home=None, **kwargs):
    """A constrained search, the loop `hwnas search` runs, returning a SearchResult.

    space, profile: names (search-spaces/, hardware-profiles/) or .yaml paths.
    evaluator: a plugin id ("meco", "table", "command", ...) with
      evaluator_options, or a callable taking a Candidate and returning a
      number, a dict by metric name or a sequence (metrics= names them;
      default: the objectives the profile does not price, else ["score"]).
    constraints: ["peak_sram_kb<=256", ...]; objectives: ["accuracy:max",
      "latency_ms:min"]; soft: MnasNet soft constraints ("latency_ms<=80:w=-0.07").
    strategy, strategy_options, budget, seed, parallel (candidates per round;
      a callable runs them on that many threads), schedule ("rounds", or
      "async": a candidate asked whenever one of the `parallel` workers frees
      up, results told as they arrive; a callable is then called from several
      threads at once, so it must be thread-safe), fidelity ("epochs=1:27:3") with scheduler ("asha",
      "successive-halving", "hyperband") and fidelity_budget for a multi-fidelity search
      (a plugin evaluator that takes a fidelity), journal (resume file),
      reuse_journal, keep_failed, output (the result JSON), plot (an .svg),
      space_options, progress (True: a line a second on stderr; a callable
      gets each event dict; False: nothing).
    plugin_path, home: as hwnas.Host (a Host of this call's own)."""
    with Host(plugin_path=plugin_path, home=home) as host:
        return run(host, space, profile, evaluator, **kwargs)
