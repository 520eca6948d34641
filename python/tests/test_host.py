"""hwnas.Host (the host API through cffi) against the hwnas command: the same
numbers, the same network IR, strategies' ask/tell, a Python strategy
built into a plugin and run by `hwnas search`, errors as exceptions."""
import itertools
import json
import math
import os
import subprocess

import numpy as np
import pytest

import hwnas
from hwnas.plugin import build_strategy

from conftest import REPO


def cli(hwnas_bin, *args, check=True):
    r = subprocess.run([hwnas_bin, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"hwnas {' '.join(args)}: {r.stderr}")
    return r


@pytest.fixture(scope="module")
def host():
    with hwnas.Host() as h:
        yield h


def sample(hwnas_bin, space, seed):
    out = cli(hwnas_bin, "spaces", "show", space, "--seed", str(seed)).stdout
    return next(l[len("sample: "):] for l in out.splitlines() if l.startswith("sample: "))


@pytest.mark.parametrize("space,profile", [("nb201", "stm32f746"), ("mcunet-mbv2", "stm32f746"), ("micronas-1d", "nrf52840"),
                                           ("fbnet", "raspi4")])
def test_estimates_equal_hwnas_cost(host, hwnas_bin, space, profile):
    cm = host.cost_model(profile, space)
    archs = [sample(hwnas_bin, space, seed) for seed in range(1, 5)]
    rows = cm.estimate(archs)
    assert rows.shape == (4, len(cm.metric_names)) and rows.dtype == np.float64
    for arch, row in zip(archs, rows):
        want = json.loads(cli(hwnas_bin, "cost", "--space", space, "--arch", arch, "--profile", profile).stdout)["metrics"]
        got = {k: v for k, v in zip(cm.metric_names, row) if not math.isnan(v)}
        assert got == want, arch


def test_genotype_arrays_and_strings_agree(host):
    cm = host.cost_model("stm32f746", "nb201")
    g = np.random.default_rng(7).integers(0, 5, size=(50, cm.dims), dtype=np.int32)
    by_genotype = cm.estimate(g)
    by_string = cm.estimate([host.arch("nb201", x) for x in g])
    assert np.array_equal(by_genotype, by_string)


def test_network_is_the_export(host, hwnas_bin, tmp_path):
    arch = sample(hwnas_bin, "ofa-mbv3", 3)
    out = tmp_path / "net.json"
    cli(hwnas_bin, "export", "--space", "ofa-mbv3", "--arch", arch, "--output", str(out))
    assert host.network("ofa-mbv3", arch) == json.loads(out.read_text())


def test_space_and_options(host):
    s = host.space("micronas-1d", {"input_channels": 6, "length": 100, "classes": 4})
    assert s["name"] == "micronas-1d" and len(s["dims"]) == len(s["choices"]) and s["builds_networks"]
    net = host.network("micronas-1d", host.arch("micronas-1d", [0] * len(s["dims"]), {"input_channels": 6, "length": 100,
                                                                                   "classes": 4}),
                       {"input_channels": 6, "length": 100, "classes": 4})
    assert net["tensors"][0] == {"c": 6, "h": 1, "w": 100} and net["tensors"][-1]["c"] == 4


def test_strategy_ask_tell(host):
    s = host.strategy("regularized-evolution", "nb201", seed=3, budget=48, options={"population": 8, "sample": 3})
    seen = set()
    for _ in range(5):
        g = s.ask(8)
        assert g.shape[1] == 6 and g.dtype == np.int32 and ((g >= 0) & (g < 5)).all()
        seen.update(map(tuple, g))
        s.tell(g, g.sum(axis=1).astype(float))     # larger is better: a known optimum
    later = s.ask(8)
    assert later.sum(axis=1).mean() > 12, "evolution should drift toward larger sums"


def test_budget_ends_ask_and_tell_takes_only_what_was_asked(host):
    s = host.strategy("random", "nb201", seed=2, budget=10)
    g = s.ask(6)
    assert len(g) == 6 and not s.exhausted
    h = s.ask(50)
    assert len(h) == 4                                 # the budget: 6 + 4 asked
    assert len(s.ask(1)) == 0 and s.exhausted
    asked = {tuple(x) for x in np.vstack([g, h])}
    never = next(x for x in itertools.product(range(5), repeat=6) if x not in asked)
    with pytest.raises(hwnas.HwnasError, match="was not asked by this strategy"):
        s.tell(np.array([never]), [1.0])
    with pytest.raises(hwnas.HwnasError, match="told already"):     # twice in one tell: refused whole
        s.tell(np.vstack([h[:1], h[:1]]), [1.0, 1.0])
    s.tell(np.vstack([g, h]), np.ones(10))             # the refused tells consumed nothing
    with pytest.raises(hwnas.HwnasError, match="told already"):
        s.tell(g[:1], [1.0])


def test_home_is_per_host_not_per_process(tmp_path):
    """Two Hosts with homes holding different profiles of one name: the
    second must not change what the first prices (it used to set
    HWNAS_HOME for the whole process: 715.7 ms became 7157.2 ms)."""
    base = open(os.path.join(REPO, "hardware-profiles", "stm32f746.yaml")).read()
    for folder, clock in (("a", "216"), ("b", "21.6")):
        (tmp_path / folder / "hardware-profiles").mkdir(parents=True)
        (tmp_path / folder / "hardware-profiles" / "board.yaml").write_text(
            base.replace("name: stm32f746", "name: board").replace("clock_mhz: 216", f"clock_mhz: {clock}"))
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    env_before = os.environ.get("HWNAS_HOME")
    first = hwnas.Host(home=str(tmp_path / "a"))
    before = first.cost_model("board", "nb201").estimate([arch])
    second = hwnas.Host(home=str(tmp_path / "b"))
    other = second.cost_model("board", "nb201").estimate([arch])
    after = first.cost_model("board", "nb201").estimate([arch])
    assert (after == before).all()
    latency = first.cost_model("board", "nb201").metric_names.index("latency_ms")
    assert abs(other[0, latency] / before[0, latency] - 10) < 1e-6
    assert os.environ.get("HWNAS_HOME") == env_before


def test_out_of_range_integers_are_value_errors_naming_the_argument(host):
    import resource
    for kw, match in (({"seed": -1}, "seed must be from 0"), ({"budget": 2**64}, "budget must be from 1"),
                      ({"budget": 0}, "budget must be from 1"), ({"seed": 1.5}, "seed must be an integer")):
        with pytest.raises(hwnas.HwnasError, match=match):
            host.strategy("random", "nb201", **kw)
    s = host.strategy("random", "nb201", seed=1, budget=10)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for n, match in ((-1, "ask: n must be from 0"), (10**9, "ask: n must be from 0 to 1048576"), ("3", "an integer")):
        with pytest.raises(hwnas.HwnasError, match=match):
            s.ask(n)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000     # KB: nothing was allocated for 10^9
    assert len(s.ask(2)) == 2
    assert len(s.ask(0)) == 0 and not s.exhausted


def test_inputs_are_checked_never_coerced(host):
    cm = host.cost_model("stm32f746", "nb201")
    arch = host.arch("nb201", [1, 2, 3, 0, 1, 2])
    for bad, match in (([[1.7, 2, 3, 0, 1, 2]], "must be integers, got 1.7"), ([[2**32 + 1, 2, 3, 0, 1, 2]], "outside int32"),
                       ([[True] * 6], "must be integers"), ([[1, 2, 3]], "the space has 6 dims")):
        with pytest.raises(hwnas.HwnasError, match=match):
            cm.estimate(np.array(bad))
    assert (cm.estimate(np.array([[1.0, 2, 3, 0, 1, 2]])) == cm.estimate([arch])).all()    # integral floats are fine
    with pytest.raises(hwnas.HwnasError, match="arch 0 contains a NUL byte"):
        cm.estimate([arch + "\0GARBAGE"])
    with pytest.raises(hwnas.HwnasError, match="profile contains a NUL byte"):
        host.cost_model("stm32f746\0evil", "nb201")
    with pytest.raises(hwnas.HwnasError, match="genotype must be integers"):
        host.arch("nb201", [1.5, 2, 3, 0, 1, 2])
    with pytest.raises(ValueError):          # HwnasError is a ValueError
        host.arch("nb201", [2**40, 2, 3, 0, 1, 2])


def test_random_strategy_exhausts_a_small_space(host, tmp_path):
    space = tmp_path / "tiny.yaml"
    space.write_text("name: tiny\nplugin: choices\ndims: [a, b]\nchoices_per_dim: [[x, y, z], [p, q]]\n")
    s = host.strategy("random", str(space), seed=1, budget=6)
    got = []
    while not s.exhausted:
        g = s.ask(4)
        s.tell(g, np.zeros(len(g)))
        got += [tuple(x) for x in g]
    assert sorted(got) == [(a, b) for a in range(3) for b in range(2)]


@pytest.mark.parametrize("bad,match", [
    (lambda h: h.cost_model("no-such-profile", "nb201"), "unknown hardware profile 'no-such-profile'"),
    (lambda h: h.cost_model("stm32f746", "nb201").estimate(["not an arch"]), "not an nb201 arch string"),
    (lambda h: h.cost_model("stm32f746", "nb201").estimate(np.full((1, 6), 9)), "nb201"),
    (lambda h: h.strategy("no-such-strategy", "nb201"), "unknown strategy 'no-such-strategy'"),
    (lambda h: h.strategy("regularized-evolution", "nb201", options={"populaton": 4}), "unknown option 'populaton'"),
    (lambda h: h.network("no-such-space", "x"), "unknown search space 'no-such-space'"),
    (lambda h: hwnas.Host(home="/no/such/folder"), "is not a folder"),
])
def test_errors_raise_and_the_interpreter_survives(host, bad, match):
    with pytest.raises(hwnas.HwnasError, match=match):
        bad(host)
    assert host.cost_model("stm32f746", "nb201").metric_names[0] == "peak_sram_kb"


def test_python_strategy_runs_in_hwnas_search(hwnas_bin, repo, tmp_path):
    lib = build_strategy(os.path.join(repo, "python", "hwnas", "examples", "mutation_strategy.py"), "MutationStrategy",
                         id="py-mutation", output=str(tmp_path / "libpymutation.so"), workdir=str(tmp_path / "build"))
    out = tmp_path / "r.json"
    cli(hwnas_bin, "search", "--plugin-path", lib, "--strategy", "py-mutation", "--strategy-option", "warmup=4",
        "--budget", "10", "--output", str(out), "--quiet")
    result = json.loads(out.read_text())
    assert len(result["history"]) == 10 and all(h["status"] == "ok" for h in result["history"])
    assert cli(hwnas_bin, "plugins", "list", "--plugin-path", lib).stdout.count("py-mutation") == 1
    # An exception in the class is the strategy's error, one line, not a crash.
    r = cli(hwnas_bin, "search", "--plugin-path", lib, "--strategy", "py-mutation", "--strategy-option", "bogus=1",
            "--budget", "4", "--output", str(tmp_path / "r2.json"), "--quiet", check=False)
    assert r.returncode == 1 and "ValueError: unknown option(s) ['bogus']" in r.stderr, r.stderr
