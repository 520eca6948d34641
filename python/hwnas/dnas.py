"""Cost-aware differentiable architecture search (FBNet / ProxylessNAS) on a supernet.

Architecture weights (one softmax per dimension of the space) are learnt on
a weight-sharing supernet (``hwnas.supernet``) with the loss

    cross-entropy  +  lambda x E[cost] / target

where E[cost] is the expected cost of the architecture distribution under
hwnas's own cost model for the profile (through the Python binding: TFLite
Micro's arena, the MCU latency model, a CPU/GPU LUT), not FLOPs. As FBNet
sums a per-layer latency table, the expected cost is a sum over choices:
each choice's cost is what changing that one dimension of the current best
architecture costs on the device, re-measured as the best architecture
moves (so non-additive figures such as peak SRAM are followed locally). The
cross-entropy term's gradient is ProxylessNAS's REINFORCE estimate over
sampled subnets (every subnet is the exact network hwnas builds, so no mixed
operations are needed); the cost term's is exact.

lambda is a dual variable: whenever the most likely architecture costs more
than the target it grows, when it costs under 90 % of it it shrinks. The
derived architecture is the most likely one moved into [0.9, 1] x target
(the fewest, least likely changes, each priced exactly) and, among it and
architectures sampled from the learnt distribution that land in the same
window, the one with the best inherited accuracy on held-out training data.

    python -m hwnas.dnas --space micronas-1d --space-option input_channels=1 \\
        --space-option length=40 --space-option classes=10 --dataset mnist1d \\
        --profile stm32f746 --target latency_ms=2 --checkpoint mnist1d.pt --output dnas.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from . import supernet as sn
from ._files import write_atomically
from .host import space_options

__all__ = ["ArchitecturePolicy", "CostLinearisation", "parse_target", "search"]

WINDOW = 0.9          # the derived architecture costs within [WINDOW, 1] x target
CENTRE = (1 + WINDOW) / 2


def log(msg: str) -> None:
    print(f"[hwnas.dnas] {msg}", file=sys.stderr, flush=True)


def parse_target(text: str) -> Tuple[str, float]:
    """'latency_ms=2' or 'latency_ms<=2' -> ('latency_ms', 2.0)."""
    m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|=)\s*([^\s]+)\s*", text or "")
    if not m:
        raise ValueError(f"--target {text!r}: expected METRIC=VALUE, e.g. latency_ms=2")
    try:
        value = float(m.group(3))
    except ValueError:
        raise ValueError(f"--target {text!r}: {m.group(3)!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"--target {text!r}: the value must be a positive number")
    return m.group(1), value


class ArchitecturePolicy:
    """Independent categorical distributions, one per dimension of the space."""

    def __init__(self, choices: List[int]):
        self.logits = [torch.zeros(c, requires_grad=True) for c in choices]

    def probabilities(self) -> List[torch.Tensor]:
        return [F.softmax(a, dim=0) for a in self.logits]

    def sample(self, gen: torch.Generator) -> np.ndarray:
        with torch.no_grad():
            return np.array([int(torch.multinomial(p, 1, generator=gen)) for p in self.probabilities()], np.int32)

    def log_prob(self, genotype) -> torch.Tensor:
        return sum(F.log_softmax(a, dim=0)[int(c)] for a, c in zip(self.logits, genotype))

    def most_likely(self) -> np.ndarray:
        return np.array([int(a.detach().argmax()) for a in self.logits], np.int32)

    def log_prob_table(self) -> List[np.ndarray]:
        return [F.log_softmax(a.detach(), dim=0).numpy().astype(np.float64) for a in self.logits]


class CostLinearisation:
    """The cost model's figure for one metric, and per choice what changing
    that one dimension of a reference architecture costs."""

    def __init__(self, cost_model, metric: str, choices: List[int]):
        if metric not in cost_model.metric_names:
            raise ValueError(f"--target {metric}: the profile's cost models give {', '.join(cost_model.metric_names)}")
        self.cost_model, self.column, self.choices = cost_model, cost_model.metric_names.index(metric), choices
        self.metric = metric
        self.base, self.deltas = 0.0, [torch.zeros(c) for c in choices]

    def exact(self, genotypes) -> np.ndarray:
        g = np.asarray(genotypes, np.int32).reshape(-1, len(self.choices))
        values = self.cost_model.estimate(g)[:, self.column]
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(f"the cost model gives no {self.metric} for some architectures of the space "
                             f"(genotype {g[int(np.flatnonzero(bad)[0])].tolist()}); choose another --target metric")
        return values

    def neighbours(self, reference: np.ndarray) -> np.ndarray:
        """Every genotype one dimension away from reference (the reference itself included), dim by dim."""
        rows = []
        for d, c in enumerate(self.choices):
            for k in range(c):
                g = reference.copy()
                g[d] = k
                rows.append(g)
        return np.stack(rows)

    def update(self, reference: np.ndarray) -> None:
        costs = self.exact(np.vstack([self.neighbours(reference), reference[None]]))
        self.base = float(costs[-1])
        at = 0
        for d, c in enumerate(self.choices):
            self.deltas[d] = torch.tensor(costs[at:at + c] - self.base, dtype=torch.float32)
            at += c

    def expected(self, policy: ArchitecturePolicy) -> torch.Tensor:
        return self.base + sum((p * d).sum() for p, d in zip(policy.probabilities(), self.deltas))


def derive_in_window(start: np.ndarray, costs: CostLinearisation, log_probs: List[np.ndarray], target: float,
                     max_moves: int = 64) -> Tuple[np.ndarray, int]:
    """The most likely architecture moved into [WINDOW, 1] x target: greedily
    the single-dimension change that loses the least log-probability per unit
    of cost it removes (over the target) or adds without passing the target
    (under the window). Returns the genotype and the number of changes."""
    g, moves = start.copy(), 0
    cost = float(costs.exact(g)[0])
    while moves < max_moves and not (WINDOW * target <= cost <= target):
        cand = costs.neighbours(g)
        c = costs.exact(cand)
        best, best_score = None, -math.inf
        at = 0
        for d, n in enumerate(costs.choices):
            for k in range(n):
                i, at = at, at + 1
                if k == g[d]:
                    continue
                dc = c[i] - cost
                if cost > target and dc >= 0 or cost < WINDOW * target and (dc <= 0 or c[i] > target):
                    continue
                loss = log_probs[d][g[d]] - log_probs[d][k]
                # A change that lands in the window beats any other (the least likely lost first);
                # otherwise the least log-probability lost per unit of cost moved.
                if WINDOW * target <= c[i] <= target:
                    score = 1e9 - loss
                else:
                    score = -loss / max(abs(dc), 1e-12)
                if score > best_score:
                    best, best_score = (d, k, c[i]), score
        if best is None:
            break
        g[best[0]], cost, moves = best[1], float(best[2]), moves + 1
    return g, moves


def _split(n: int, fraction: float, seed: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Training indices and held-out (architecture step) indices of the training split."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    k = max(2, int(round(n * fraction)))
    return perm[k:], perm[:k]


def _held_out_accuracy(sub: sn.Subnet, data, train_idx, held_idx, calibration: int) -> float:
    xt, _ = data.for_input(sub.spatial_dims, sub.input_shape)
    sn.recalibrate_batch_norm(sub, xt[train_idx[:calibration]])
    return sn.accuracy(sub, xt[held_idx], data.yt[held_idx])


def _supernet_for(args, space: "sn._Space", options: Dict[str, str]) -> sn.Supernet:
    """The checkpoint given, checked against the space; else one trained now."""
    path = args.checkpoint
    if path is None:
        path = (args.output or "dnas.json") + ".supernet.pt"
        resume = os.path.exists(path)
        log(f"no --checkpoint: training a supernet for {args.supernet_epochs} epochs into {path}"
            + (" (resuming it)" if resume else ""))
        targs = argparse.Namespace(space=args.space, space_option=args.space_option, dataset=args.dataset,
                                   epochs=args.supernet_epochs, batch_size=args.batch_size, lr=0.05, weight_decay=1e-5,
                                   clip=5.0, random=2, calibration=args.calibration, seed=args.seed,
                                   threads=args.threads, output=path, resume=resume, quiet=args.quiet)
        try:
            done = sn.load(path)[1]["epoch"] if resume else 0
        except ValueError:
            done = 0
        if done < args.supernet_epochs:
            sn.train(targs)
    supernet, ck = sn.load(path)
    trained = space.host.space(supernet.meta["space"], supernet.meta["space_options"])["name"]
    if trained != space.host.space(args.space, options)["name"] or supernet.meta["space_options"] != options:
        say = " ".join([trained] + [f"{k}={v}" for k, v in sorted(supernet.meta["space_options"].items())])
        raise ValueError(f"{path}: the supernet was trained on {say}; give that space and its options")
    return supernet


def search(args) -> Dict:
    from .data import load_dataset
    torch.set_num_threads(args.threads)
    metric, target = parse_target(args.target)
    options = space_options(args.space_option)
    data = load_dataset(args.dataset)
    space = sn._Space(args.space, options, args.seed)
    import hwnas
    try:
        cost_model = space.host.cost_model(args.profile, args.space, options)
    except hwnas.HwnasError as e:
        raise ValueError(f"--profile {args.profile}: {e}") from None
    costs = CostLinearisation(cost_model, metric, space.choices)
    floor = float(costs.exact([0] * len(space.choices))[0])
    lows = costs.exact(np.stack([space.random_genotype() for _ in range(200)]))
    cheapest = min(floor, float(lows.min()))
    if cheapest > target:
        raise ValueError(f"--target {metric}={target:g}: no architecture of {args.space} found under it on "
                         f"{args.profile} (the cheapest of 200 random ones and the smallest costs {cheapest:.4g})")
    supernet = _supernet_for(args, space, options)
    train_idx, held_idx = _split(len(data.yt), args.held_out, args.seed)
    policy = ArchitecturePolicy(space.choices)
    arch_opt = torch.optim.Adam(policy.logits, lr=args.arch_lr, betas=(0.5, 0.999))
    weight_opt = torch.optim.SGD(supernet.parameters(), lr=max(args.weight_lr, 1e-12), momentum=0.9, nesterov=True)
    gen = torch.Generator().manual_seed(args.seed)
    lam = args.lam
    steps_per_epoch = max(1, len(train_idx) // args.batch_size)
    history, t0, last = [], time.perf_counter(), time.perf_counter()

    def subnet(genotype):
        return supernet.subnet(space.network(space.host.arch(args.space, genotype, options)))

    def loss_of(sub, idx, grad):
        sub.module.train()         # batch statistics: the shared running ones fit no single subnet
        xt, _ = data.for_input(sub.spatial_dims, sub.input_shape)
        with torch.set_grad_enabled(grad):
            return F.cross_entropy(sub(xt[idx]).flatten(1), data.yt[idx])

    costs.update(policy.most_likely())
    for epoch in range(args.epochs):
        order = train_idx[torch.randperm(len(train_idx), generator=gen)]
        ce_sum, n = 0.0, 0
        for b in range(steps_per_epoch):
            step = epoch * steps_per_epoch + b
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            if args.weight_lr > 0:         # weights: the sampled subnet learns on the training part
                weight_opt.zero_grad(set_to_none=True)
                loss_of(subnet(policy.sample(gen)), idx, True).backward()
                torch.nn.utils.clip_grad_norm_(supernet.parameters(), 5.0)
                weight_opt.step()
            # Architecture: REINFORCE on held-out cross-entropy, the exact gradient of E[cost].
            hidx = held_idx[torch.randint(len(held_idx), (args.batch_size,), generator=gen)]
            genotypes = [policy.sample(gen) for _ in range(args.samples)]
            ce = torch.tensor([float(loss_of(subnet(g), hidx, False)) for g in genotypes])
            ce_sum, n = ce_sum + float(ce.mean()), n + 1
            advantage = ce - ce.mean() if len(ce) > 1 else ce * 0
            arch_opt.zero_grad(set_to_none=True)
            expected = costs.expected(policy)
            loss = sum(a * policy.log_prob(g) for a, g in zip(advantage, genotypes)) / len(genotypes) \
                + lam * expected / target + 0.5 * args.mu * (expected / target - CENTRE) ** 2
            loss.backward()
            arch_opt.step()
            if (step + 1) % args.lambda_every == 0:
                # Dual ascent towards the window's centre: over it lambda grows, under it
                # lambda falls (below zero the cost term rewards spending the budget).
                costs.update(policy.most_likely())
                lam += args.lambda_step * (costs.base / target - CENTRE)
            now = time.perf_counter()
            if now - last > 10 and not args.quiet:
                last = now
                eta = (now - t0) / (step + 1) * (args.epochs * steps_per_epoch - step - 1)
                log(f"epoch {epoch + 1}/{args.epochs} step {b + 1}/{steps_per_epoch}: {metric} of the most likely "
                    f"{costs.base:.4g} (target {target:g}), lambda {lam:.3g}, ETA {eta:.0f} s")
        best = policy.most_likely()
        with torch.no_grad():
            expected = float(costs.expected(policy))
        entry = {"epoch": epoch + 1, "held_out_loss": ce_sum / max(n, 1), "lambda": lam, "expected": expected, metric: float(costs.exact(best)[0]),
                 "arch": space.host.arch(args.space, best, options), "seconds": time.perf_counter() - t0}
        history.append(entry)
        if not args.quiet:
            log(f"epoch {epoch + 1}/{args.epochs}: held-out loss {entry['held_out_loss']:.4f}, most likely "
                f"{entry['arch']} at {metric} {entry[metric]:.4g} (target {target:g}, expected {entry['expected']:.4g}), "
                f"lambda {lam:.3g} ({entry['seconds']:.0f} s)")

    # Derivation: the most likely architecture in the window, and samples that land there.
    log_probs = policy.log_prob_table()
    start = policy.most_likely()
    derived, moves = derive_in_window(start, costs, log_probs, target)
    pool = {space.host.arch(args.space, derived, options): derived}
    for _ in range(args.derive_samples):
        g = policy.sample(gen)
        if WINDOW * target <= float(costs.exact(g)[0]) <= target:
            pool.setdefault(space.host.arch(args.space, g, options), g)
    scored = []
    for arch, g in pool.items():
        sub = subnet(g)
        scored.append((_held_out_accuracy(sub, data, train_idx, held_idx, args.calibration), arch, g))
    scored.sort(key=lambda s: (-s[0], s[1]))
    held_acc, arch, g = scored[0]
    sub = subnet(g)
    test_acc = sn.inherited_accuracy(sub, data, args.calibration)
    all_costs = cost_model.estimate([arch])[0]
    cost = float(all_costs[cost_model.metric_names.index(metric)])
    result = {"arch": arch, "space": args.space, "space_options": options, "profile": args.profile,
              "target": {metric: target}, "cost": {m: float(v) for m, v in zip(cost_model.metric_names, all_costs)},
              "within_target": bool(WINDOW * target <= cost <= target), "meets_target": bool(cost <= target),
              "most_likely": space.host.arch(args.space, start, options),
              "moves_into_window": moves, "candidates_in_window": len(pool),
              "held_out_accuracy": held_acc, "inherited_test_accuracy": test_acc, "lambda": lam,
              "probabilities": {name: [round(float(x), 4) for x in p.detach()]
                                for name, p in zip(space.host.space(args.space, options)["dims"], policy.probabilities())},
              "history": history, "seconds": time.perf_counter() - t0, "dataset": args.dataset}
    if not result["within_target"]:
        log(f"no architecture found within [{WINDOW:g}, 1] x {metric} {target:g}: the derived one costs {cost:.4g}")
    return result


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hwnas.dnas", description=__doc__.split("\n")[0])
    ap.add_argument("--space", required=True)
    ap.add_argument("--space-option", action="append", help="KEY=VALUE (repeatable)")
    ap.add_argument("--dataset", required=True, help="a bundled data set (hwnas.data) or a .npz file")
    ap.add_argument("--profile", required=True, help="the hardware profile whose cost models price the choices")
    ap.add_argument("--target", required=True, help="METRIC=VALUE: latency_ms, peak_sram_kb, flash_kb, ...")
    ap.add_argument("--checkpoint", help="a supernet from `python -m hwnas.supernet train` (default: train one)")
    ap.add_argument("--supernet-epochs", type=int, default=10, help="epochs of the supernet trained without --checkpoint")
    ap.add_argument("--epochs", type=int, default=5, help="epochs of the architecture search")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--samples", type=int, default=4, help="subnets sampled per architecture step")
    ap.add_argument("--arch-lr", type=float, default=0.05, help="Adam's learning rate for the architecture weights")
    ap.add_argument("--weight-lr", type=float, default=0.005, help="SGD's for the sampled subnets' weights (0: frozen)")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.0, help="the cost term's initial weight")
    ap.add_argument("--lambda-every", type=int, default=10, help="steps between lambda updates")
    ap.add_argument("--mu", type=float, default=4.0,
                    help="weight of the quadratic term mu/2 x (E[cost] / target - 0.95)^2 (augmented Lagrangian)")
    ap.add_argument("--lambda-step", type=float, default=0.1,
                    help="lambda += step x (cost of the most likely / target - 0.95) at each update")
    ap.add_argument("--held-out", type=float, default=0.2, help="fraction of the training split for architecture steps")
    ap.add_argument("--derive-samples", type=int, default=32, help="architectures sampled at the end to choose among")
    ap.add_argument("--calibration", type=int, default=500, help="training samples for BN recalibration")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--output", help="the result as JSON (written atomically)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 2 or args.samples < 1 or args.arch_lr <= 0 or args.weight_lr < 0 \
            or not math.isfinite(args.lam) or args.lambda_every < 1 or args.lambda_step <= 0 or args.mu < 0 or not 0 < args.held_out < 1 \
            or args.derive_samples < 0 or args.calibration < 2 or args.supernet_epochs < 1:
        ap.error("--epochs, --samples, --lambda-every, --supernet-epochs >= 1; --batch-size, --calibration >= 2; "
                 "--arch-lr, --lambda-step > 0; --weight-lr, --mu, --derive-samples >= 0; 0 < --held-out < 1")
    try:
        parse_target(args.target)
        result = search(args)
    except ValueError as e:
        print(f"hwnas.dnas: {e}", file=sys.stderr)
        return 1
    text = json.dumps(result, indent=1)
    summary = {k: result[k] for k in ("arch", "target", "cost", "within_target", "inherited_test_accuracy")}
    if args.output:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
            write_atomically(args.output, (text + "\n").encode())
        except OSError as e:        # the search is not lost: the whole result goes to stdout instead
            print(text, flush=True)
            print(f"hwnas.dnas: --output {args.output}: {e.strerror or e}; the result is on stdout above", file=sys.stderr)
            return 1
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
