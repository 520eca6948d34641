"""A once-for-all weight-sharing supernet for any space that builds networks.

Every subnet is exactly the network hwnas builds for its architecture
(``hwnas.torch.build(network, batch_norm="train")`` of the IR the host gives):
no second description of the space. Its weights are views into the
supernet's shared tensors, one per *slot*: a layer position that the same
layer of every architecture occupies (its ``cell``, e.g. ``s2.l1``, its role
in the block and its order there). A subnet's tensor is the shared one's
leading channels (elastic width, ``[:out_c, :in_c]``) and, for windows, its
centre (elastic kernel: a 3-tap kernel is the centre of the 7-tap one, as
Once-for-All's kernel transformation without the learnt matrix). Elastic
depth is the layers a cell has; resolution needs no weights. So any choice
a ``blocks`` space offers (depth, channels, width, kernel, expansion,
squeeze-excite, resolution) shares weights with no per-space code.

Training (BigNAS): each step the largest, the smallest and ``--random``
random subnets; the largest learns from the labels, the others from its
output (in-place distillation). Evaluation: a subnet's accuracy with its
inherited weights after re-estimating batch-norm statistics on a few hundred
training samples (the shared weights' statistics fit no single subnet).

    python -m hwnas.supernet train --space micronas-1d --space-option length=40 \\
        --space-option input_channels=1 --space-option classes=10 --dataset mnist1d \\
        --epochs 20 --output ckpt.pt
    python -m hwnas.supernet evaluate --checkpoint ckpt.pt --arch "c16:k5/..."
    hwnas search --space micronas-1d ... --evaluator command \\
        --evaluator-option command="python3 -m hwnas.supernet serve --checkpoint ckpt.pt"
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import time
import zlib
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from . import torch as hwnas_torch
from ._files import write_atomically
from .host import space_options
from .ranks import spearman

__all__ = ["Supernet", "Subnet", "layer_slots", "recalibrate_batch_norm", "accuracy", "load"]

CHECKPOINT_FORMAT = 1


def log(msg: str) -> None:
    print(f"[hwnas.supernet] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Slots: which layer of one architecture is which layer of another


def layer_slots(network: Dict) -> List[str]:
    """One key per IR layer, the same for the same layer position in every
    architecture of a space: the layer's cell, whether it is a block's
    shortcut (its output is the residual input of a layer of the same cell),
    its op, whether a depthwise conv came before it in the cell (an
    inverted residual's expand and project are both 1x1 convs, and the
    expand is absent at expansion 1), and its order among such layers."""
    layers = network["layers"]
    cell_of = [l.get("cell") or f"layer{i}" for i, l in enumerate(layers)]
    producer = {int(l["output"]): i for i, l in enumerate(layers)}
    shortcut = set()
    for i, l in enumerate(layers):
        t2 = int(l.get("input2", -1))
        if t2 >= 0 and t2 in producer and cell_of[producer[t2]] == cell_of[i]:
            shortcut.add(producer[t2])
    keys, seen, after_dw = [], {}, set()
    for i, l in enumerate(layers):
        cell = cell_of[i]
        role = "shortcut" if i in shortcut else "main"
        phase = "post" if cell in after_dw else "pre"
        base = f"{cell}|{role}|{l['op']}|{phase}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append(f"{base}|{n}")
        if l["op"] == "dwconv2d":
            after_dw.add(cell)
    return keys


def _param_keys(module: hwnas_torch.HwnasNetwork, slots: List[str]):
    """(parameter name in the subnet module, shared key, shape) of every parameter."""
    out = []
    for name, p in module.named_parameters():
        parts = name.split(".")          # layers.<i>.<rest>
        if parts[0] != "layers":
            raise ValueError(f"unexpected parameter {name}")
        i = int(parts[1])
        out.append((name, f"{slots[i]}::{'.'.join(parts[2:])}", tuple(p.shape)))
    return out


def _slices(shared: Tuple[int, ...], sub: Tuple[int, ...], key: str):
    """Leading channels in dims 0-1, the centre in window dims (2+) of a
    conv weight; leading elements of anything else."""
    if len(shared) != len(sub):
        raise ValueError(f"{key}: shape {sub} against the supernet's {shared}")
    idx = []
    for d, (m, s) in enumerate(zip(shared, sub)):
        if s > m:
            raise ValueError(f"{key}: needs {s} along dim {d}, the supernet has {m} (trained on another space?)")
        if d >= 2 and len(shared) >= 3:
            if (m - s) % 2:
                raise ValueError(f"{key}: a {s}-tap window has no centre in the supernet's {m} taps")
            start = (m - s) // 2
            idx.append(slice(start, start + s))
        else:
            idx.append(slice(0, s))
    return tuple(idx)


def _init_shared(key: str, shape: Tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """PyTorch's defaults at the largest shape: BN scale 1 and shift 0,
    weights Kaiming-uniform (a = sqrt 5), biases uniform in +-1/sqrt(fan in).
    Drawn from (seed, key) alone, so `train --seed` reproduces a supernet."""
    t = torch.empty(shape)
    gen = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(key.encode()))
    name = key.split("::", 1)[1]
    if name.endswith("bn.weight"):
        return t.fill_(1.0)
    if name.endswith("bn.bias"):
        return t.zero_()
    if len(shape) >= 2:
        nn.init.kaiming_uniform_(t, a=math.sqrt(5), generator=gen)
        return t
    return t.uniform_(-0.1, 0.1, generator=gen) if name.endswith("bias") else t.fill_(1.0)


# ---------------------------------------------------------------------------
# The supernet and its subnets


class Subnet:
    """One architecture of the supernet: its exact hwnas network, whose
    parameters are views into the shared tensors (gradients flow to them)."""

    def __init__(self, supernet: "Supernet", network: Dict):
        self.supernet = supernet
        self.arch = network.get("arch", "")
        self.network = network
        # Layers shared with the other subnets that have the same layer at the
        # same position: building modules is most of a training step's
        # overhead, and the parameters come from the shared tensors anyway.
        self.module = hwnas_torch.build(network, batch_norm="train", layer_cache=supernet.layers)
        slots = layer_slots(network)
        self.bindings = []
        for name, key, shape in _param_keys(self.module, slots):
            if key not in supernet.index:
                raise ValueError(f"{self.arch}: layer slot {key.split('::')[0]} is not in the supernet "
                                 f"(trained on another space, or a layer no scanned architecture had)")
            shared = supernet.shared[supernet.index[key]]
            self.bindings.append((name, supernet.index[key], _slices(tuple(shared.shape), shape, key)))
        self.input_shape = self.module.input_shape
        self.spatial_dims = self.module.spatial_dims

    def parameters(self) -> Dict[str, torch.Tensor]:
        return {name: self.supernet.shared[i][idx] for name, i, idx in self.bindings}

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.module, self.parameters(), (x,))

    def materialize(self, params=None) -> hwnas_torch.HwnasNetwork:
        """The subnet as a stand-alone module (its own layers, none shared)
        with copies of its inherited weights, or of `params`, and its current
        batch-norm statistics."""
        module = hwnas_torch.build(self.network, batch_norm="train")
        module.load_state_dict(self.module.state_dict())
        with torch.no_grad():
            own = dict(module.named_parameters())
            for name, t in (self.parameters() if params is None else params).items():
                own[name].copy_(t)
        module.train(self.module.training)
        return module


class Supernet(nn.Module):
    """The shared tensors of every slot, at the largest shape any scanned
    architecture needs."""

    def __init__(self, shapes: Dict[str, Tuple[int, ...]], meta: Dict, seed: int = 0):
        super().__init__()
        self.keys = sorted(shapes)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.shared = nn.ParameterList([nn.Parameter(_init_shared(k, shapes[k], seed)) for k in self.keys])
        self.meta = dict(meta)
        self._cache: Dict[str, Subnet] = {}
        self.layers: Dict = {}      # hwnas.torch.build's layer cache, shared by the subnets

    @staticmethod
    def shapes_of(networks) -> Dict[str, Tuple[int, ...]]:
        """The largest shape of every slot's parameters over some networks."""
        shapes: Dict[str, Tuple[int, ...]] = {}
        layers: Dict = {}
        for net in networks:
            module = hwnas_torch.build(net, batch_norm="train", layer_cache=layers)
            for _, key, shape in _param_keys(module, layer_slots(net)):
                old = shapes.get(key)
                if old is not None and len(old) != len(shape):
                    raise ValueError(f"layer slot {key}: shapes {old} and {shape} disagree in rank")
                shapes[key] = shape if old is None else tuple(max(a, b) for a, b in zip(old, shape))
        return shapes

    def subnet(self, network: Dict) -> Subnet:
        arch = network.get("arch") or json.dumps(network, sort_keys=True)
        s = self._cache.get(arch)
        if s is None:
            if len(self._cache) >= 4096 or len(self.layers) >= 65536:
                self._cache.clear()
                self.layers.clear()
            s = self._cache[arch] = Subnet(self, network)
        return s

    def state(self) -> Dict:
        return {"format": CHECKPOINT_FORMAT, "keys": self.keys, "shapes": [list(p.shape) for p in self.shared],
                "tensors": [p.detach().clone() for p in self.shared], "meta": self.meta}

    @classmethod
    def from_state(cls, state: Dict) -> "Supernet":
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"checkpoint format {state.get('format')!r}, this hwnas reads {CHECKPOINT_FORMAT}")
        net = cls({k: tuple(s) for k, s in zip(state["keys"], state["shapes"])}, state["meta"])
        with torch.no_grad():
            for p, t in zip(net.shared, state["tensors"]):
                p.copy_(t)
        return net


def load(path: str) -> Tuple[Supernet, Dict]:
    """A checkpoint written by `train`: the supernet and the whole record."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such checkpoint") from None
    except Exception as e:
        raise ValueError(f"{path}: not a supernet checkpoint ({type(e).__name__}: {e})") from None
    if not isinstance(ck, dict) or "supernet" not in ck:
        raise ValueError(f"{path}: not a supernet checkpoint (python -m hwnas.supernet train writes them)")
    return Supernet.from_state(ck["supernet"]), ck


# ---------------------------------------------------------------------------
# Batch norm and accuracy


def recalibrate_batch_norm(subnet: Subnet, x: torch.Tensor, batch: int = 256, params=None) -> None:
    """Re-estimate every BN's running statistics of the subnet on x (the
    exact average over x, not a moving one); weights are not touched.
    `params`: weights to run with instead of the inherited ones."""
    bns = [m for m in subnet.module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, m.training) for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    with torch.no_grad():
        params = subnet.parameters() if params is None else params
        for i in range(0, len(x), batch):
            if len(x[i:i + batch]) >= 2:
                functional_call(subnet.module, params, (x[i:i + batch],))
    for m, (mom, tr) in zip(bns, saved):
        m.momentum = mom
        m.train(tr)


def accuracy(subnet: Subnet, x: torch.Tensor, y: torch.Tensor, batch: int = 512, params=None) -> float:
    subnet.module.eval()
    correct = 0
    with torch.no_grad():
        params = subnet.parameters() if params is None else params
        for i in range(0, len(y), batch):
            logits = functional_call(subnet.module, params, (x[i:i + batch],)).flatten(1)
            correct += int((logits.argmax(1) == y[i:i + batch]).sum())
    return correct / len(y)


def fine_tuned(subnet: Subnet, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float, batch: int = 64,
               seed: int = 0) -> Dict[str, torch.Tensor]:
    """Copies of the subnet's inherited weights after `steps` SGD steps on
    (x, y) (momentum 0.9, batches drawn from `seed`); the supernet's shared
    weights are not touched. Ranks subnets closer to how they train alone
    than inherited weights do (Spearman with MNIST-1D's table 0.32 -> 0.65
    at 80 steps; docs/accuracy-on-your-task.md)."""
    params = {k: v.detach().clone().requires_grad_(True) for k, v in subnet.parameters().items()}
    opt = torch.optim.SGD(params.values(), lr=lr, momentum=0.9)
    gen = torch.Generator().manual_seed(seed + 1)
    subnet.module.train()
    for _ in range(steps):
        idx = torch.randint(len(x), (min(batch, len(x)),), generator=gen)
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(functional_call(subnet.module, params, (x[idx],)).flatten(1), y[idx]).backward()
        opt.step()
    return {k: v.detach() for k, v in params.items()}


def prepared_weights(subnet: Subnet, data, calibration: int, seed: int = 0, finetune_steps: int = 0,
                     finetune_lr: float = 0.03):
    """The weights a subnet is evaluated (and exported) with: inherited, or
    fine-tuned for `finetune_steps` on the training split (None: the
    inherited views); its BN statistics recalibrated on `calibration`
    training samples (a fixed subset) for them."""
    xt, _ = data.for_input(subnet.spatial_dims, subnet.input_shape)
    params = fine_tuned(subnet, xt, data.yt, finetune_steps, finetune_lr, seed=seed) if finetune_steps > 0 else None
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(xt), generator=g)[:max(2, min(calibration, len(xt)))]
    recalibrate_batch_norm(subnet, xt[idx], params=params)
    return params


def inherited_accuracy(subnet: Subnet, data, calibration: int, seed: int = 0, finetune_steps: int = 0,
                       finetune_lr: float = 0.03) -> float:
    """Accuracy on the data's test split with inherited weights (after
    `finetune_steps` steps of fine-tuning on the training split, when asked),
    after BN recalibration on `calibration` training samples."""
    params = prepared_weights(subnet, data, calibration, seed, finetune_steps, finetune_lr)
    _, xv = data.for_input(subnet.spatial_dims, subnet.input_shape)
    return accuracy(subnet, xv, data.yv, params=params)


# ---------------------------------------------------------------------------
# Training


class _Space:
    """The space through the host: random architectures and their networks,
    and the largest and smallest by parameter count."""

    def __init__(self, space: str, options: Dict[str, str], seed: int, scan: int = 400):
        import hwnas
        self.host = hwnas.Host()
        self.space, self.options = space, options
        info = self.host.space(space, options)
        if not info.get("builds_networks", True):
            raise ValueError(f"space {space} does not build networks; a supernet needs one that does")
        self.choices = [len(c) for c in info["choices"]]
        self.rng = np.random.default_rng(seed)
        cm = self.host.cost_model("stm32f746", space, options)
        col = cm.metric_names.index("params")
        g = [np.zeros(len(self.choices), np.int32), np.array([c - 1 for c in self.choices], np.int32)]
        g += [self.random_genotype() for _ in range(scan)]
        archs = list(dict.fromkeys(self.host.arch(space, x, options) for x in g))
        params = cm.estimate(archs)[:, col]
        order = np.argsort(params)
        self.smallest, self.largest = archs[int(order[0])], archs[int(order[-1])]
        self.scanned = archs
        self._networks: Dict[str, Dict] = {}

    def random_genotype(self):
        return np.array([self.rng.integers(0, c) for c in self.choices], np.int32)

    def random_arch(self) -> str:
        return self.host.arch(self.space, self.random_genotype(), self.options)

    def network(self, arch: str) -> Dict:
        n = self._networks.get(arch)
        if n is None:
            if len(self._networks) >= 4096:
                self._networks.clear()
            n = self._networks[arch] = self.host.network(self.space, arch, self.options)
        return n


def train(args) -> None:
    from .data import load_dataset
    torch.set_num_threads(args.threads)
    data = load_dataset(args.dataset)
    options = space_options(args.space_option)
    space = _Space(args.space, options, args.seed)
    config = {"space": args.space, "space_options": options, "dataset": args.dataset, "epochs": args.epochs,
              "batch_size": args.batch_size, "lr": args.lr, "random": args.random, "seed": args.seed}
    if args.resume:
        supernet, ck = load(args.output)
        if ck["config"] != config:
            diff = sorted(k for k in config if ck["config"].get(k) != config[k])
            raise ValueError(f"{args.output}: made with other settings ({', '.join(diff)}); "
                             f"give the same ones to resume, or another --output")
        start_epoch = ck["epoch"]
    else:
        if os.path.exists(args.output):
            raise ValueError(f"{args.output} exists: give --resume to continue it, or another --output")
        log(f"scanning {len(space.scanned)} architectures of {args.space} for the shared shapes")
        shapes = Supernet.shapes_of(space.network(a) for a in space.scanned + [space.largest, space.smallest])
        supernet = Supernet(shapes, {"space": args.space, "space_options": options}, seed=args.seed)
        ck, start_epoch = None, 0
    # Every subnet must fit: check the two ends and the data's shape first.
    for arch in (space.largest, space.smallest):
        sub = supernet.subnet(space.network(arch))
        data.for_input(sub.spatial_dims, sub.input_shape)
    n_params = sum(p.numel() for p in supernet.shared)
    log(f"{data.name}: {len(data.yt)} train, {len(data.yv)} test; supernet {len(supernet.keys)} shared tensors, "
        f"{n_params} parameters; largest {space.largest}, smallest {space.smallest}")
    opt = torch.optim.SGD(supernet.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    if ck is not None:
        opt.load_state_dict(ck["optimizer"])
        space.rng = np.random.default_rng(ck["rng_seed"])
    steps_per_epoch = max(1, len(data.yt) // args.batch_size)
    total = args.epochs * steps_per_epoch
    warm = min(steps_per_epoch, total // 4)

    def lr_at(step):
        if step < warm:
            return args.lr * (step + 1) / (warm + 1)
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    gen = torch.Generator().manual_seed(args.seed * 1000003 + start_epoch)
    t0 = time.perf_counter()
    for epoch in range(start_epoch, args.epochs):
        loss_sum, seen, last = 0.0, 0, time.perf_counter()
        order = torch.randperm(len(data.yt), generator=gen)
        for b in range(steps_per_epoch):
            step = epoch * steps_per_epoch + b
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            archs = [space.largest, space.smallest] + [space.random_arch() for _ in range(args.random)]
            opt.zero_grad(set_to_none=True)
            teacher = None
            for k, arch in enumerate(archs):
                sub = supernet.subnet(space.network(arch))
                sub.module.train()
                xt, _ = data.for_input(sub.spatial_dims, sub.input_shape)
                logits = sub(xt[idx]).flatten(1)
                if k == 0:
                    loss = F.cross_entropy(logits, data.yt[idx])
                    teacher = F.softmax(logits.detach(), dim=1)
                    loss_sum += float(loss.detach()) * len(idx)
                    seen += len(idx)
                else:   # in-place distillation from the largest subnet
                    loss = F.kl_div(F.log_softmax(logits, dim=1), teacher, reduction="batchmean")
                loss.backward()
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(supernet.parameters(), args.clip)
            opt.step()
            now = time.perf_counter()
            if now - last > 10 and not args.quiet:
                last = now
                done = step + 1 - start_epoch * steps_per_epoch
                eta = (now - t0) / done * (total - step - 1)
                log(f"epoch {epoch + 1}/{args.epochs} step {b + 1}/{steps_per_epoch}, loss {loss_sum / max(seen, 1):.3f}, "
                    f"ETA {eta:.0f} s")
        if not math.isfinite(loss_sum):
            raise ValueError(f"training diverged in epoch {epoch + 1}; lower --lr")
        accs = {}
        for name, arch in (("largest", space.largest), ("smallest", space.smallest)):
            accs[name] = inherited_accuracy(supernet.subnet(space.network(arch)), data, args.calibration)
        log(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / max(seen, 1):.4f}, test accuracy largest "
            f"{accs['largest']:.4f}, smallest {accs['smallest']:.4f} ({time.perf_counter() - t0:.0f} s)")
        record = {"supernet": supernet.state(), "optimizer": opt.state_dict(), "epoch": epoch + 1, "config": config,
                  "rng_seed": int(space.rng.integers(0, 2**62)), "largest": space.largest, "smallest": space.smallest,
                  "dataset": args.dataset, "history": (ck or {}).get("history", []) + [
                      {"epoch": epoch + 1, "loss": loss_sum / max(seen, 1), **accs,
                       "seconds": time.perf_counter() - t0}]}
        ck = record
        buffer = io.BytesIO()
        torch.save(record, buffer)
        write_atomically(args.output, buffer.getvalue())       # a kill never leaves a half-written checkpoint
    log(f"{args.output}: {args.epochs} epochs, {time.perf_counter() - t0:.0f} s this run")


# ---------------------------------------------------------------------------
# Evaluating: one command, or the evaluator protocol


def _evaluator(args):
    from .data import load_dataset
    torch.set_num_threads(args.threads)
    supernet, ck = load(args.checkpoint)
    data = load_dataset(args.dataset or ck["dataset"])
    return supernet, ck, data


def evaluate_cmd(args) -> None:
    supernet, ck, data = _evaluator(args)
    meta = supernet.meta
    import hwnas
    host = hwnas.Host()
    for arch in args.arch:
        t = time.perf_counter()
        sub = Subnet(supernet, host.network(meta["space"], arch, meta["space_options"]))
        acc = inherited_accuracy(sub, data, args.calibration, finetune_steps=args.finetune_steps, finetune_lr=args.finetune_lr)
        print(json.dumps({"arch": arch, "accuracy": acc, "seconds": time.perf_counter() - t}), flush=True)


def serve(args) -> None:
    """hwnas's evaluator protocol (docs/evaluator-protocol.md) on stdin/stdout:
    each request's network is the subnet; its answer the inherited accuracy."""
    supernet, ck, data = _evaluator(args)
    log(f"{args.checkpoint}: {ck['epoch']} epochs on {ck['dataset']}, {len(supernet.keys)} shared tensors; "
        f"BN recalibrated on {args.calibration} training samples")
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("type") == "hello":
            print(json.dumps({"type": "hello", "protocol": 1, "name": "hwnas.supernet"}), flush=True)
        elif msg.get("type") == "evaluate":
            t = time.perf_counter()
            try:
                network = msg.get("network")
                if not network:
                    raise ValueError("the request has no network (a space that builds networks is needed)")
                sub = Subnet(supernet, network)
                acc = inherited_accuracy(sub, data, args.calibration, finetune_steps=args.finetune_steps, finetune_lr=args.finetune_lr)
            except Exception as e:
                print(json.dumps({"id": msg["id"], "error": f"{type(e).__name__}: {e}"}), flush=True)
                continue
            print(json.dumps({"id": msg["id"], "objective": acc,
                              "metrics": {"eval_seconds": time.perf_counter() - t}}), flush=True)


def correlate_cmd(args) -> None:
    """Inherited accuracy of every architecture of a truth table (tools/
    trained-truth) against its trained accuracies."""
    import csv
    supernet, ck, data = _evaluator(args)
    meta = supernet.meta
    import hwnas
    host = hwnas.Host()
    with open(args.table, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "arch" not in rows[0] or "accuracy" not in rows[0]:
        raise ValueError(f"{args.table}: needs columns arch and accuracy (tools/trained-truth writes them)")
    seeds = sorted(c for c in rows[0] if c.startswith("accuracy_seed"))
    inherited, t0 = [], time.perf_counter()
    for k, r in enumerate(rows):
        sub = Subnet(supernet, host.network(meta["space"], r["arch"], meta["space_options"]))
        inherited.append(inherited_accuracy(sub, data, args.calibration, finetune_steps=args.finetune_steps, finetune_lr=args.finetune_lr))
        if not args.quiet and (k + 1) % 25 == 0:
            log(f"{k + 1}/{len(rows)} evaluated")
    secs = (time.perf_counter() - t0) / len(rows)
    truth = [float(r["accuracy"]) for r in rows]
    pairs = [(a, b) for i, a in enumerate(seeds) for b in seeds[i + 1:]]
    ceiling = [spearman([float(r[a]) for r in rows], [float(r[b]) for r in rows]) for a, b in pairs]
    out = {"table": args.table, "checkpoint": args.checkpoint, "architectures": len(rows),
           "spearman_mean": spearman(inherited, truth),
           "spearman_per_seed": {s: spearman(inherited, [float(r[s]) for r in rows]) for s in seeds},
           "seed_to_seed": float(np.mean(ceiling)) if ceiling else None,
           "seconds_per_subnet": secs, "inherited_range": [min(inherited), max(inherited)]}
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["arch", "inherited_accuracy", "accuracy"])
            for r, a in zip(rows, inherited):
                w.writerow([r["arch"], f"{a:.6f}", r["accuracy"]])
    print(json.dumps(out, indent=1))


def _hwnas_binary(given):
    import shutil
    if given:
        return given
    env = os.environ.get("HWNAS_BIN")
    if env:
        return env
    found = shutil.which("hwnas")
    if found:
        return found
    here = os.path.dirname(os.path.abspath(__file__))
    for config in ("release", "debug"):
        p = os.path.join(here, "..", "..", ".build", config, "hwnas")
        if os.path.isfile(p):
            return os.path.normpath(p)
    raise ValueError("no hwnas command: put it on PATH, set HWNAS_BIN or give --hwnas")


def export_cmd(args) -> None:
    """A subnet with its inherited weights as ONNX: BN recalibrated, then
    folded into the convolutions; the graph is hwnas's own export of the
    architecture, its initializers the subnet's weights."""
    import subprocess
    import tempfile
    supernet, ck, data = _evaluator(args)
    meta = supernet.meta
    import hwnas
    host = hwnas.Host()
    if args.space is not None or args.space_option:
        given = space_options(args.space_option)
        name = host.space(args.space or meta["space"], given)["name"]
        trained = host.space(meta["space"], meta["space_options"])["name"]
        if name != trained or given != meta["space_options"]:
            def say(space, opts):
                return " ".join([space] + [f"{k}={v}" for k, v in sorted(opts.items())])
            raise ValueError(f"--space {say(args.space or meta['space'], given)}: the supernet was trained on "
                             f"{say(trained, meta['space_options'])}; give that space and its options, or none")
    network = host.network(meta["space"], args.arch, meta["space_options"])
    sub = Subnet(supernet, network)
    params = prepared_weights(sub, data, args.calibration, finetune_steps=args.finetune_steps, finetune_lr=args.finetune_lr)
    acc = accuracy(sub, data.for_input(sub.spatial_dims, sub.input_shape)[1], data.yv, params=params)
    folded = hwnas_torch.fold_batch_norm(sub.materialize(params), network)
    cmd = [_hwnas_binary(args.hwnas), "export", "--space", meta["space"], "--arch", args.arch, "--format", "onnx"]
    for k, v in meta["space_options"].items():
        cmd += ["--space-option", f"{k}={v}"]
    with tempfile.TemporaryDirectory() as tmp:
        graph = os.path.join(tmp, "graph.onnx")
        r = subprocess.run(cmd + ["--output", graph], capture_output=True, text=True)
        if r.returncode != 0:
            raise ValueError(f"hwnas export failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
        out_tmp = os.path.join(tmp, "out.onnx")
        hwnas_torch.save_onnx_weights(folded, graph, out_tmp)
        with open(out_tmp, "rb") as f:
            write_atomically(args.output, f.read())   # a kill leaves no half-written file under the name
    print(json.dumps({"arch": args.arch, "output": args.output, "accuracy": acc}), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hwnas.supernet", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a supernet on a data set")
    t.add_argument("--space", required=True)
    t.add_argument("--space-option", action="append", help="KEY=VALUE (repeatable)")
    t.add_argument("--dataset", required=True, help="a bundled data set (hwnas.data) or a .npz file")
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=0.05)
    t.add_argument("--weight-decay", type=float, default=1e-5)
    t.add_argument("--clip", type=float, default=5.0)
    t.add_argument("--random", type=int, default=2, help="random subnets per step besides the largest and smallest")
    t.add_argument("--calibration", type=int, default=500, help="training samples for BN recalibration")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    t.add_argument("--output", required=True, help="checkpoint, rewritten after every epoch")
    t.add_argument("--resume", action="store_true", help="continue the checkpoint at --output")
    t.add_argument("--quiet", action="store_true")
    for name, helptext in (("evaluate", "inherited accuracy of architectures"),
                           ("serve", "the evaluator protocol on stdin/stdout (hwnas search --evaluator command)"),
                           ("correlate", "inherited accuracy against a truth table (tools/trained-truth)"),
                           ("export", "a subnet with its inherited weights as ONNX (BN recalibrated and folded)")):
        e = sub.add_parser(name, help=helptext)
        e.add_argument("--checkpoint", required=True)
        e.add_argument("--dataset", help="default: the one the supernet was trained on")
        e.add_argument("--calibration", type=int, default=500, help="training samples for BN recalibration")
        e.add_argument("--threads", type=int, default=1)
        e.add_argument("--finetune-steps", type=int, default=0,
                       help="SGD steps on the training split before evaluating (copies; the supernet is not changed)")
        e.add_argument("--finetune-lr", type=float, default=0.03)
        if name == "evaluate":
            e.add_argument("--arch", action="append", required=True)
        if name == "export":
            e.add_argument("--arch", required=True)
            e.add_argument("--output", required=True, help="the .onnx file to write")
            e.add_argument("--hwnas", help="the hwnas command (default: HWNAS_BIN, PATH, this checkout's build)")
            e.add_argument("--space", help="must be the supernet's space (a check)")
            e.add_argument("--space-option", action="append", help="must be the supernet's (a check)")
        if name == "correlate":
            e.add_argument("--table", required=True)
            e.add_argument("--csv", help="write arch, inherited_accuracy, accuracy here")
            e.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd != "train" and (args.finetune_steps < 0 or args.finetune_lr <= 0):
        ap.error("--finetune-steps >= 0, --finetune-lr > 0")
    if args.cmd == "train" and (args.epochs < 1 or args.batch_size < 2 or args.lr <= 0 or args.random < 0):
        ap.error("--epochs >= 1, --batch-size >= 2, --lr > 0, --random >= 0")
    try:
        {"train": train, "evaluate": evaluate_cmd, "serve": serve, "correlate": correlate_cmd,
         "export": export_cmd}[args.cmd](args)
    except ValueError as e:
        print(f"hwnas.supernet: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
