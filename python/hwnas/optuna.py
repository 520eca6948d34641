"""Optuna on hwnas spaces: an Optuna sampler driven by an hwnas strategy, and
hwnas's cost models as Optuna constraints (the extra hwnas[optuna]).

    sampler = hwnas.optuna.HwnasSampler("nb201", "regularized-evolution", profile="raspi4",
                                        constraints=["latency_ms<=19.3"], seed=1)
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def objective(trial):
        arch = sampler.suggest(trial)        # one categorical param per dim of the space
        return accuracy_of(arch)

    study.optimize(objective, n_trials=100)

The study keeps what Optuna keeps (storage, dashboard, pruners); the
proposals are the strategy's, screened by the profile's cost models as
`hwnas search` screens them, so every trial it proposes is feasible.

Params: every dim of the space is a categorical param named after the dim,
its values the dim's choice strings (as Host.space() lists them):
readable in the dashboard, and a trial's params alone give back its
genotype (`genotype(trial)`) and arch string (`arch(trial)`), whatever
sampler proposed them. `suggest(trial, space)` declares them the same way,
so a study can switch between HwnasSampler and Optuna's own samplers.

`constraints(profile, ["latency_ms<=19.3"], space="nb201")` prices a
trial's arch with the profile: values for Optuna's constraints (`metric -
bound`, <= 0 feasible), as `constraints_func=` of TPESampler / NSGAIISampler
or through `trial.set_constraint` (Optuna 5's way) with `.set(trial)`.
"""
import json
import math
import re
import threading
import warnings
from collections import deque

import numpy as np

try:
    import optuna  # noqa: F401  (first: without optuna this fails even where submodules are cached)
    from optuna.distributions import CategoricalDistribution
    from optuna.samplers import BaseSampler, RandomSampler
    from optuna.study import StudyDirection
    from optuna.trial import TrialState
except ImportError as e:          # the extra is optional: say how to get it
    raise ImportError("hwnas.optuna needs Optuna, which is not installed: pip install 'hwnas[optuna]' "
                      f"(or pip install optuna). ({e})") from e

from .host import Host, HwnasError

__all__ = ["HwnasSampler", "Constraints", "constraints", "suggest", "genotype", "arch", "ARCH_ATTR"]

#: The user attribute suggest() sets to the trial's canonical arch string.
ARCH_ATTR = "arch"

_default_host = None
_default_host_lock = threading.Lock()


def _host(host):
    """The caller's Host, else one per process (a Host is a loaded plugin set; one serves all)."""
    global _default_host
    if host is not None:
        return host
    with _default_host_lock:
        if _default_host is None:
            _default_host = Host()
        return _default_host


class _Space:
    """A space's dims as Optuna params: name -> CategoricalDistribution of
    the choice strings, and back from params to a genotype."""

    def __init__(self, host, name, space_options=None):
        self.host, self.name, self.options = host, name, space_options
        with host._session_lock:
            d = host.space(name, space_options)
        self.dims, self.choices = d["dims"], d["choices"]
        self.size = d["size"]
        self.index = [{c: i for i, c in enumerate(cs)} for cs in self.choices]
        self.distributions = {dim: CategoricalDistribution(cs) for dim, cs in zip(self.dims, self.choices)}

    def params(self, g):
        return {dim: self.choices[i][int(v)] for i, (dim, v) in enumerate(zip(self.dims, g))}

    def genotype(self, params, strict=True):
        """The genotype of params (a dict, Trial or FrozenTrial); None when a
        dim is missing and not strict."""
        if not isinstance(params, dict):
            params = params.params
        out = []
        for i, dim in enumerate(self.dims):
            if dim not in params:
                if not strict:
                    return None
                raise HwnasError(f"space {self.name}: param {dim!r} is missing; suggest every dim "
                                 f"(hwnas.optuna.suggest) or set params {self.dims}")
            v = params[dim]
            if v not in self.index[i]:
                if not strict:
                    return None
                raise HwnasError(f"space {self.name}: param {dim}={v!r} is not one of its choices {self.choices[i]}")
            out.append(self.index[i][v])
        return np.array(out, dtype=np.int32)

    def arch(self, g):
        with self.host._session_lock:
            return self.host.arch(self.name, g, self.options)

    def suggest(self, trial):
        """Declares every dim on a live trial; returns the arch string and
        records it as the trial's ARCH_ATTR user attribute (for the dashboard)."""
        params = {dim: trial.suggest_categorical(dim, cs) for dim, cs in zip(self.dims, self.choices)}
        a = self.arch(self.genotype(params))
        trial.set_user_attr(ARCH_ATTR, a)
        return a


_spaces = {}
_spaces_lock = threading.Lock()


def _space(space, space_options=None, host=None):
    if isinstance(space, _Space):
        return space
    host = _host(host)
    key = (id(host), space, json.dumps(space_options, sort_keys=True, default=str))
    with _spaces_lock:
        if key not in _spaces:
            _spaces[key] = _Space(host, space, space_options)
        return _spaces[key]


def suggest(trial, space, space_options=None, host=None):
    """Declares the space's dims as the trial's categorical params (their
    choice strings) and returns its arch string; any sampler then proposes
    them (TPE, NSGA-II, HwnasSampler). The arch is kept as the user
    attribute "arch"."""
    return _space(space, space_options, host).suggest(trial)


def genotype(trial_or_params, space, space_options=None, host=None):
    """The int32 genotype of a trial's params (Trial, FrozenTrial or dict)."""
    return _space(space, space_options, host).genotype(trial_or_params)


def arch(trial_or_params, space, space_options=None, host=None):
    """The canonical arch string of a trial's params (Trial, FrozenTrial or dict)."""
    s = _space(space, space_options, host)
    return s.arch(s.genotype(trial_or_params))


# --- Constraints ------------------------------------------------------------

_OPS = ("<=", ">=", "<", ">")      # two-character operators first, as hwnas parses them


def _parse(text):
    """(metric, op, bound), as hwnas reads a constraint: metric names are
    identifiers, so "latency_ms=<5" is refused, not a metric "latency_ms="."""
    s = str(text).replace(" ", "")
    for op in _OPS:
        if op in s:
            metric, bound = s.split(op, 1)
            try:
                b = float(bound)
            except ValueError:
                break
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", metric) and math.isfinite(b):
                return metric, op, b
            break
    raise HwnasError(f"bad constraint {text!r}: expected METRIC<=X, METRIC<X, METRIC>=X or METRIC>X (e.g. latency_ms<=10)")


def _violation(value, op, bound):
    """Optuna's constraint value: <= 0 exactly when hwnas counts `value op
    bound` satisfied. NaN (a model knows no value) never satisfies one: +inf."""
    if not math.isfinite(value):
        return math.inf
    v = value - bound if op in ("<=", "<") else bound - value
    if v == 0 and op in ("<", ">"):       # on a strict bound: infeasible, by as little as a float can say
        return math.ulp(0.0)
    return v


class Constraints:
    """A profile's constraints on a trial's arch, as Optuna constraint values.

    Called with a FrozenTrial (Optuna's `constraints_func=`) it returns one
    value per constraint: `metric - bound` for <= and <, `bound - metric`
    for >= and > (<= 0 feasible; a strict bound reached is a tiny positive;
    a metric the profile cannot price is +inf). The arch is priced from the
    trial's params (the space's dims, as suggest() declares them); a trial
    without them is priced from its "arch" user attribute (an objective
    that builds its arch itself sets it: trial.set_user_attr("arch", a)).
    """

    def __init__(self, cost_model_or_profile, constraints, space, space_options=None, host=None):
        if isinstance(constraints, str):
            constraints = [constraints]
        self.space = _space(space, space_options, host)
        host = self.space.host
        if isinstance(cost_model_or_profile, str):
            with host._session_lock:
                self.cost_model = host.cost_model(cost_model_or_profile, self.space.name, space_options)
        else:
            self.cost_model = cost_model_or_profile
            if self.cost_model.dims != len(self.space.dims):
                raise HwnasError(f"the cost model has {self.cost_model.dims} dims, space {self.space.name} {len(self.space.dims)}")
        self.names = [str(c).replace(" ", "") for c in constraints]
        self._parsed = [_parse(c) for c in constraints]
        metrics = self.cost_model.metric_names
        for text, (metric, _, _) in zip(constraints, self._parsed):
            if metric not in metrics:
                raise HwnasError(f"constraint {text!r}: the profile prices {metrics}, not {metric!r}")
        self._columns = [metrics.index(m) for m, _, _ in self._parsed]

    def evaluate(self, archs):
        """Constraint values of many archs (strings or an int32 genotype
        array [n, dims]) in one pricing call: float64 [n, constraints]."""
        with self.space.host._session_lock:
            costs = self.cost_model.estimate(archs)
        out = np.empty((len(costs), len(self._parsed)))
        for j, (c, (_, op, b)) in enumerate(zip(self._columns, self._parsed)):
            out[:, j] = [_violation(float(v), op, b) for v in costs[:, c]]
        return out

    def values(self, arch_or_genotype):
        """The constraint values of one arch string or genotype, a list."""
        x = arch_or_genotype
        x = [x] if isinstance(x, str) else np.asarray(x, dtype=np.int32).reshape(1, -1)
        return [float(v) for v in self.evaluate(x)[0]]

    def feasible(self, arch_or_genotype):
        return all(v <= 0 for v in self.values(arch_or_genotype))

    def _of_trial(self, trial):
        g = self.space.genotype(trial.params, strict=False)
        if g is not None:
            return g
        a = trial.user_attrs.get(ARCH_ATTR)
        if isinstance(a, str):
            return a
        raise HwnasError(f"trial {trial.number}: neither params for every dim of {self.space.name} nor a "
                         f"{ARCH_ATTR!r} user attribute to price")

    def __call__(self, trial):
        return self.values(self._of_trial(trial))

    def set(self, trial):
        """Optuna 5's way: trial.set_constraint(name, value) for each
        constraint, named by its text; returns the values."""
        vals = self(trial)
        for name, v in zip(self.names, vals):
            trial.set_constraint(name, v)
        return vals


def constraints(cost_model_or_profile, constraints, space, space_options=None, host=None):
    """Constraints for Optuna: `constraints_func=hwnas.optuna.constraints("raspi4",
    ["latency_ms<=19.3"], space="nb201")` for TPESampler / NSGAIISampler,
    or `.set(trial)` in the objective (see Constraints)."""
    return Constraints(cost_model_or_profile, constraints, space, space_options, host)


# --- The sampler ------------------------------------------------------------

class HwnasSampler(BaseSampler):
    """An Optuna sampler whose proposals are an hwnas strategy's.

    Each trial gets one genotype the strategy asked (feasible under the
    profile's constraints, never one it proposed before) as its params;
    when the trial ends, the strategy is told its value(s): a minimize
    study's objective is told as "objective:min" (the host orients it),
    a multi-objective study's values one per objective (e.g. with nsga2).
    Failed and pruned trials are told NaN (a failed evaluation).

    Only what the strategy asked is told to it: a trial with other params
    (enqueue_trial, params fixed by the user) is not, and the genotype held
    for it goes to the next trial. A genotype the study already has a
    value for (an enqueued trial, a resumed study) is told that value at
    once and not run again.

    budget: the strategy's proposals (default: unlimited; the study's
    n_trials stops it). Once the strategy has no more, trials are drawn
    uniformly from the feasible archs (hwnas's "random" strategy, same
    screening), with one warning; once that has none either, by
    `independent_sampler` (default RandomSampler(seed)), which also
    samples every param outside the space (e.g. a learning rate).

    objectives: names of the study's objectives for the strategy (default:
    study.metric_names, else "objective" / "objective0", ...); directions
    come from the study.

    A sampler serves one study, and one process: workers sharing a storage
    each drive their own strategy (give them different seeds); each sees
    the others' finished trials as known values.
    """

    #: Proposals one sample_relative may replay from known values before giving up for this trial.
    MAX_REPLAY = 10000

    def __init__(self, space, strategy="regularized-evolution", profile=None, constraints=None, space_options=None,
                 seed=1, budget=None, strategy_options=None, objectives=None, host=None, independent_sampler=None):
        if constraints and profile is None:
            raise HwnasError("constraints need a profile to price them (profile=...)")
        self._space = _space(space, space_options, host)
        self._host = self._space.host
        self.strategy_id = strategy
        self.profile, self.constraints = profile, list(constraints or [])
        self.seed = seed
        self.budget = budget if budget is not None else int(min(self._space.size, 2**32 - 1))
        self.strategy_options = strategy_options
        self._objective_names = list(objectives) if objectives is not None else None
        self._independent = independent_sampler if independent_sampler is not None else RandomSampler(seed=seed)
        self._lock = threading.RLock()
        self._strategy = None          # the strategy asked now (the named one, then "random")
        self._directions = None
        self._fallback_used = False
        self._proposals = 0            # genotypes the strategies proposed
        self._asked = {}               # trial number -> genotype held for it
        self._outstanding = {}         # genotype -> the strategy that asked it, not yet told
        self._spare = deque()          # asked, held for a trial that did not use it
        self._known = {}               # genotype -> values of a finished (COMPLETE) trial
        self._indexed = set()          # trial numbers in _known
        self.objectives = None         # the strategy's objectives, once the study is known

    # -- what the objective uses

    @property
    def dims(self):
        return list(self._space.dims)

    def suggest(self, trial):
        """Declares the space's dims on the trial (their values come from the
        strategy) and returns the arch string; also kept as user attribute "arch"."""
        return self._space.suggest(trial)

    def genotype(self, trial_or_params):
        return self._space.genotype(trial_or_params)

    def arch(self, trial_or_params):
        return self._space.arch(self._space.genotype(trial_or_params))

    @property
    def pending(self):
        """Genotypes the strategy proposed that no finished trial has
        answered yet: running trials', and ones held for the next trial."""
        with self._lock:
            return [np.array(g, dtype=np.int32) for g in self._outstanding]

    # -- Optuna's sampler protocol

    def infer_relative_search_space(self, study, trial):
        # The space is known up front: every dim, from the first trial on.
        return dict(self._space.distributions)

    def sample_relative(self, study, trial, search_space):
        if not search_space:
            return {}
        fixed = trial.system_attrs.get("fixed_params") or {}
        if any(dim in fixed for dim in self._space.dims):
            return {}                  # an enqueued arch: the strategy did not ask it
        with self._lock:
            self._start(study)
            self._index(study)
            g = self._next(trial.number)
            if g is None:
                return {}
            self._asked[trial.number] = g
            params = self._space.params(g)
        return {k: v for k, v in params.items() if k in search_space}

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial):
        self._independent.before_trial(study, trial)

    def after_trial(self, study, trial, state, values):
        try:
            with self._lock:
                self._finish(trial, state, values)
        finally:
            self._independent.after_trial(study, trial, state, values)

    def reseed_rng(self):
        # The strategy's proposals stay the seed's; only the independent sampler reseeds.
        self._independent.reseed_rng()

    # -- the strategy

    def _start(self, study):
        directions = list(study.directions)
        if self._directions is not None:
            if directions != self._directions:
                raise HwnasError("an HwnasSampler serves one study: this study's directions differ; "
                                 "create a sampler per study")
            return
        self._directions = directions
        self.objectives = self._objectives(study, directions)
        self._strategy = self._open(self.strategy_id, self.budget, self.strategy_options)

    def _objectives(self, study, directions):
        names = self._objective_names
        if names is None:
            names = getattr(study, "metric_names", None)
        if names is None:
            names = ["objective"] if len(directions) == 1 else [f"objective{i}" for i in range(len(directions))]
        if len(names) != len(directions):
            raise HwnasError(f"objectives {names} name {len(names)} objectives, the study has {len(directions)}")
        out = []
        for name, d in zip(names, directions):
            want = "max" if d == StudyDirection.MAXIMIZE else "min"
            metric, _, given = str(name).partition(":")
            if given and given != want:
                raise HwnasError(f"objective {name!r}: the study {want}imizes it")
            out.append(f"{metric}:{want}")
        return out

    def _open(self, id, budget, options):
        with self._host._session_lock:
            return self._host.strategy(id, self._space.name, seed=self.seed, budget=budget, options=options,
                                       space_options=self._space.options, profile=self.profile,
                                       constraints=self.constraints or None, objectives=self.objectives)

    def _ask(self, strategy):
        with self._host._session_lock:
            rows = strategy.ask(1)
        return tuple(int(v) for v in rows[0]) if len(rows) else None

    def _tell(self, g, values):
        strategy = self._outstanding.pop(g)
        v = np.asarray(values, dtype=np.float64).reshape(1, -1)
        with self._host._session_lock:
            strategy.tell(np.asarray([g], dtype=np.int32), v if v.shape[1] > 1 else v[:, 0])

    def _next(self, number):
        """The next genotype for trial `number`: a spare one, else the
        strategy's next proposal the study has no value for."""
        while self._spare:
            g = self._spare.popleft()
            if g in self._outstanding:
                return g
        for _ in range(self.MAX_REPLAY):
            if self._strategy is None:
                return None
            g = self._ask(self._strategy)
            if g is None:
                self._exhausted(number)
                continue
            self._proposals += 1
            self._outstanding[g] = self._strategy
            if g in self._known:        # evaluated already (enqueued, resumed): tell, ask again
                self._tell(g, self._known[g])
                continue
            return g
        return None

    def _exhausted(self, number):
        if not self._fallback_used:
            self._fallback_used = True
            warnings.warn(f"hwnas: strategy {self.strategy_id} has no more proposals after {self._proposals} "
                          f"(budget {self.budget}); trial {number} and later are drawn at random among the "
                          f"feasible archs (hwnas's random strategy)", stacklevel=3)
            self._strategy = self._open("random", 2**32 - 1, None)
        else:
            warnings.warn(f"hwnas: no feasible arch of {self._space.name} is left unproposed; trial {number} "
                          f"and later are sampled by {type(self._independent).__name__} without hwnas's screening",
                          stacklevel=3)
            self._strategy = None

    # -- results

    def _index(self, study):
        """Values the study has for genotypes (other samplers', other workers', earlier runs')."""
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            if t.number in self._indexed:
                continue
            self._indexed.add(t.number)
            g = self._space.genotype(t.params, strict=False)
            if g is not None and t.values is not None:
                self._known.setdefault(tuple(int(v) for v in g), tuple(float(v) for v in t.values))

    def _finish(self, trial, state, values):
        g = self._space.genotype(trial.params, strict=False)
        g = tuple(int(v) for v in g) if g is not None else None
        held = self._asked.pop(trial.number, None)
        if state == TrialState.COMPLETE and values is not None:
            told = tuple(float(v) for v in values)
            if g is not None:
                self._known.setdefault(g, told)
                self._indexed.add(trial.number)
        else:
            told = (math.nan,) * len(self._directions or [None])
        if g is not None and g in self._outstanding:
            self._tell(g, told)
        if held is not None and held != g and held in self._outstanding:
            self._spare.append(held)    # the trial ran other params: the next one gets it
