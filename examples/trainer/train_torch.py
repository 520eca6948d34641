#!/usr/bin/env python3
r"""A PyTorch trainer for `hwnas search --evaluator command` (docs/evaluator-protocol.md).

Every candidate is built exactly as the request's network IR says
(docs/network-ir.md) with `hwnas.torch.build(network, batch_norm="train")`
(convolutions + BatchNorm, trainable), trained on CPU on a real data set that
ships inside a Python package (nothing is downloaded), and answered with its
validation accuracy as the objective. JSON
lines on stdin/stdout, logs on stderr.

Data sets (--dataset):

  digits        scikit-learn's load_digits: 1797 8x8 grayscale digits, 10
                classes; a fixed stratified split (whatever --seed), 80%
                train (1438), 20% validation (359). For a 2-D space with a
                1x8x8 input, e.g.
                  --space nb201 --space-option input_size=8 --space-option input_channels=1
                  --space mcunet-mbv2 --space-option resolution=8 --space-option input_channels=1
                (on stm32f746, 4767 of nb201's 15625 networks at 8x8 fit
                64 KB SRAM and 256 KB flash; no mcunet-mbv2 network does,
                its flash starts at ~300 KB: give it flash_kb<=1024.)
                A network whose input is larger than 8x8 gets the images
                upsampled (bilinear) to its size, and a network with 3 input
                channels gets the gray channel repeated; both are logged.
  basicmotions  aeon's bundled UCR/UEA BasicMotions: 6 channels x 100 steps,
                4 classes, its own split of 40 train / 40 test series (the
                test split is the validation set). For micronas-1d as shipped
                (its default input is 6 x 100, 4 classes); a network of
                another length gets the series resampled (linear) to it.
  arrowhead     aeon's bundled UCR ArrowHead: 1 channel x 251 steps, 3
                classes, 36 train / 175 test series: harder (accuracies
                spread over 0.5-0.9). For micronas-1d with --space-option
                input_channels=1 --space-option length=251 --space-option classes=3.
  mnist1d       MNIST-1D (Greydanus 2020), generated offline by the `mnist1d`
                package from its ten templates with its default arguments:
                1 channel x 40 steps, 10 classes, 4,000 train / 1,000 test.
                For micronas-1d with --space-option input_channels=1
                --space-option length=40 --space-option classes=10.
  japanesevowels
                aeon's bundled UEA JapaneseVowels: 12 channels (LPC
                cepstra), 7-29 steps zero-padded at the end to 29, 9
                speakers, 270 train / 370 test. For micronas-1d with
                --space-option input_channels=12 --space-option length=29
                --space-option classes=9.
  FILE.npz      your own data: arrays x_train, y_train, x_test, y_test;
                x is [N, C, W] (series) or [N, C, H, W] (images), float;
                y integer class labels 0..K-1. The test split is the
                validation set. Nothing is resized: a network whose input
                is not the file's (C, W) / (C, H, W) is refused with one
                line naming the file and both shapes.

The network's classifier must have at least the data set's classes (extra
outputs are never the target; they are logged). A mismatch that cannot be
fixed (a 1-D network on images, fewer outputs than classes, another number of
channels for a time series) is an error reply for that candidate, not a crash.

Training: SGD with Nesterov momentum 0.9 (--optimizer adam: AdamW), --lr
(default 0.05 for SGD, 0.005 for Adam), one epoch of linear warm-up then a
cosine decay to 0, gradient norm clipped at --clip 5, cross entropy,
--epochs (default: 6 for digits, 20 for basicmotions), --batch-size (64 /
8; a last batch of 1 is dropped, BatchNorm needs 2); then the model in eval
mode (BatchNorm running statistics) on the validation set.

Deterministic given --seed and --threads: the candidate's weights and batch
order come from (seed, arch) alone, so the same candidate gets the same
accuracy in any worker, in any order. --max-seconds stops a
candidate's training early (0: never); the answer then says so
(time_limited 1, fractional epochs) and depends on the machine's speed.

    hwnas search --space micronas-1d --profile stm32f746 \
        --constraint "peak_sram_kb<=64" --constraint "flash_kb<=256" \
        --evaluator command \
        --evaluator-option command="python3 examples/trainer/train_torch.py --dataset basicmotions" \
        --evaluator-option extra_metrics=train_seconds,epochs,train_loss,val_loss,trainable_params \
        --budget 8 --parallel 2 --output run.json
    hwnas search --space nb201 --space-option input_size=8 --space-option input_channels=1 \
        --profile stm32f746 --constraint "peak_sram_kb<=64" --constraint "flash_kb<=256" \
        --evaluator command \
        --evaluator-option command="python3 examples/trainer/train_torch.py --dataset digits" \
        --budget 8 --parallel 2 --output digits.json

Reply metrics: train_seconds, epochs, steps, train_loss (last epoch's mean),
val_loss, train_accuracy (last epoch, training mode), trainable_params,
time_limited.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

try:
    import hwnas.torch as hwnas_torch
except ImportError:   # not installed: the repository's python/ folder
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    import hwnas.torch as hwnas_torch

PROTOCOL = 1
DEFAULTS = {"digits": {"epochs": 6, "batch_size": 64},
            "basicmotions": {"epochs": 20, "batch_size": 8},
            "arrowhead": {"epochs": 30, "batch_size": 8},
            "mnist1d": {"epochs": 10, "batch_size": 64},
            "japanesevowels": {"epochs": 10, "batch_size": 16},
            "file": {"epochs": 10, "batch_size": 32}}


def log(msg):
    print(f"[train_torch] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Data


class Dataset:
    """Train and validation tensors, [N, C, H, W] (images) or [N, C, W] (series)."""

    def __init__(self, name, spatial_dims, classes, xt, yt, xv, yv, resizable=True):
        self.name, self.spatial_dims, self.classes = name, spatial_dims, classes
        self.xt, self.yt, self.xv, self.yv = xt, yt, xv, yv
        self.resizable = resizable
        self._cache = {}

    def for_input(self, spatial_dims, shape):
        """The data in the network's input shape (C, H, W) / (C, W), resized if needed."""
        key = (spatial_dims, tuple(shape))
        if key in self._cache:
            return self._cache[key]
        if spatial_dims != self.spatial_dims:
            kind = "2-D images" if self.spatial_dims == 2 else "1-D series"
            raise ValueError(f"{self.name} is {kind}; the network has spatial_dims {spatial_dims}")
        if not self.resizable and tuple(self.xt.shape[1:]) != tuple(shape):
            raise ValueError(f"{self.name}: the data's input is {tuple(self.xt.shape[1:])} (C, ...); the network "
                             f"takes {tuple(shape)}: give the space the data's channels and size")
        xs = []
        notes = []
        for x in (self.xt, self.xv):
            c = x.shape[1]
            if shape[0] != c:
                if self.spatial_dims == 2 and c == 1:
                    x = x.repeat(1, shape[0], 1, 1)
                    notes.append(f"gray channel repeated x{shape[0]}")
                else:
                    raise ValueError(f"{self.name} has {c} channels; the network takes {shape[0]}")
            if tuple(x.shape[2:]) != tuple(shape[1:]):
                mode = "bilinear" if self.spatial_dims == 2 else "linear"
                notes.append(f"{mode} resize {tuple(x.shape[2:])} -> {tuple(shape[1:])}")
                x = F.interpolate(x, size=tuple(shape[1:]), mode=mode, align_corners=False)
            xs.append(x.contiguous())
        if notes:
            log(f"{self.name} for a network input {tuple(shape)}: {'; '.join(sorted(set(notes)))}")
        self._cache[key] = (xs[0], xs[1])
        return self._cache[key]


def load_digits_data():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = d.images.astype(np.float32) / 16.0
    y = d.target.astype(np.int64)
    rng = np.random.default_rng(0)               # the split is fixed, whatever --seed
    val = np.zeros(len(y), bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        val[rng.permutation(idx)[: int(round(0.2 * len(idx)))]] = True
    mean, std = x[~val].mean(), x[~val].std()
    x = (x - mean) / std
    t = torch.from_numpy(x).unsqueeze(1)           # [N, 1, 8, 8]
    yt = torch.from_numpy(y)
    tr, va = torch.from_numpy(~val), torch.from_numpy(val)
    return Dataset("digits", 2, 10, t[tr], yt[tr], t[va], yt[va])


def load_ucr(name, loader):
    """A UCR/UEA set bundled in aeon: its own train/test split, z-scored per
    channel with the training statistics."""
    import aeon.datasets as ad
    load = getattr(ad, loader)
    xt, yt = load(split="train")
    xv, yv = load(split="test")
    labels = sorted(set(yt.tolist()) | set(yv.tolist()))
    index = {l: i for i, l in enumerate(labels)}
    xt, xv = xt.astype(np.float32), xv.astype(np.float32)      # [N, C, W]
    mean = xt.mean(axis=(0, 2), keepdims=True)
    std = xt.std(axis=(0, 2), keepdims=True) + 1e-6
    xt, xv = (xt - mean) / std, (xv - mean) / std
    to_y = lambda ys: torch.tensor([index[v] for v in ys.tolist()], dtype=torch.int64)
    return Dataset(name, 1, len(labels), torch.from_numpy(xt), to_y(yt), torch.from_numpy(xv), to_y(yv))


def load_basicmotions_data():
    return load_ucr("basicmotions", "load_basic_motions")     # 6 channels x 100, 4 classes, 40 / 40


def load_arrowhead_data():
    return load_ucr("arrowhead", "load_arrow_head")           # 1 channel x 251, 3 classes, 36 / 175


def load_mnist1d_data():
    """MNIST-1D generated from the package's templates (no download): its
    default arguments, 5,000 sequences split 4,000 / 1,000, already centred
    and scaled to unit variance by the generator."""
    from mnist1d.data import get_dataset_args, make_dataset
    args = get_dataset_args()
    d = make_dataset(args)
    to_x = lambda a: torch.from_numpy(np.asarray(a, np.float32)).unsqueeze(1)     # [N, 1, 40]
    to_y = lambda a: torch.from_numpy(np.asarray(a, np.int64))
    return Dataset("mnist1d", 1, 10, to_x(d["x"]), to_y(d["y"]), to_x(d["x_test"]), to_y(d["y_test"]))


def load_japanesevowels_data():
    """UEA JapaneseVowels: series of 7-29 steps, z-scored per channel with the
    training statistics, then zero-padded at the end to 29 (the longest)."""
    import aeon.datasets as ad
    xt, yt = ad.load_japanese_vowels(split="train")
    xv, yv = ad.load_japanese_vowels(split="test")
    cat = np.concatenate([np.asarray(a, np.float32) for a in xt], axis=1)       # [12, total steps]
    mean, std = cat.mean(axis=1, keepdims=True), cat.std(axis=1, keepdims=True) + 1e-6
    length = max(a.shape[1] for a in list(xt) + list(xv))

    def pad(series):
        out = np.zeros((len(series), series[0].shape[0], length), np.float32)
        for i, a in enumerate(series):
            out[i, :, :a.shape[1]] = (np.asarray(a, np.float32) - mean) / std
        return torch.from_numpy(out)
    labels = sorted(set(np.asarray(yt).tolist()) | set(np.asarray(yv).tolist()))
    index = {l: i for i, l in enumerate(labels)}
    to_y = lambda ys: torch.tensor([index[v] for v in np.asarray(ys).tolist()], dtype=torch.int64)
    return Dataset("japanesevowels", 1, len(labels), pad(xt), to_y(yt), pad(xv), to_y(yv))


def load_npz_data(path):
    """A user's data set: x_train, y_train, x_test, y_test in one .npz file.
    Every problem is one line naming the file."""
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as e:
        raise ValueError(f"{path}: cannot read as .npz ({type(e).__name__}: {e})") from None
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in z.files]
    if missing:
        raise ValueError(f"{path}: missing array(s) {', '.join(missing)} (needs x_train, y_train, x_test, y_test)")
    xt, yt, xv, yv = (z[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    if xt.ndim not in (3, 4):
        raise ValueError(f"{path}: x_train has shape {xt.shape}; expected [N, C, W] (series) or [N, C, H, W] (images)")
    if xv.shape[1:] != xt.shape[1:]:
        raise ValueError(f"{path}: x_test's sample shape {xv.shape[1:]} differs from x_train's {xt.shape[1:]}")
    for name, x, y in (("train", xt, yt), ("test", xv, yv)):
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"{path}: y_{name} has shape {y.shape}; expected [{len(x)}] (one label per x_{name} row)")
        if len(x) < 2:
            raise ValueError(f"{path}: x_{name} has {len(x)} sample(s); at least 2 are needed")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{path}: y_{name} is {y.dtype}; class labels must be integers 0..K-1")
        if not np.issubdtype(x.dtype, np.number) or not np.isfinite(x).all():
            raise ValueError(f"{path}: x_{name} must be finite numbers (dtype {x.dtype})")
    if min(yt.min(), yv.min()) < 0:
        raise ValueError(f"{path}: negative class label {int(min(yt.min(), yv.min()))}; labels are 0..K-1")
    classes = int(max(yt.max(), yv.max())) + 1
    to_x = lambda a: torch.from_numpy(np.ascontiguousarray(a, np.float32))
    to_y = lambda a: torch.from_numpy(a.astype(np.int64))
    return Dataset(os.path.basename(path), xt.ndim - 2, classes, to_x(xt), to_y(yt), to_x(xv), to_y(yv), resizable=False)


LOADERS = {"digits": load_digits_data, "basicmotions": load_basicmotions_data, "arrowhead": load_arrowhead_data,
           "mnist1d": load_mnist1d_data, "japanesevowels": load_japanesevowels_data}


def load_dataset(name):
    """A bundled set by name, or a user's .npz file by path."""
    if name in LOADERS:
        return LOADERS[name]()
    if name.endswith(".npz"):
        return load_npz_data(name)
    raise ValueError(f"unknown dataset '{name}' (bundled: {', '.join(sorted(LOADERS))}; or a path to a .npz file)")


def defaults_for(name):
    return DEFAULTS[name if name in DEFAULTS else "file"]


# ---------------------------------------------------------------------------
# Training


def candidate_seed(seed, arch):
    h = hashlib.sha256(f"{seed}:{arch}".encode()).digest()
    return int.from_bytes(h[:8], "big") & ((1 << 63) - 1)


def evaluate(model, x, y, batch=512):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            logits = model(x[i:i + batch]).flatten(1)
            loss += float(F.cross_entropy(logits, y[i:i + batch], reduction="sum"))
            correct += int((logits.argmax(1) == y[i:i + batch]).sum())
    return correct / len(y), loss / len(y)


def train(request, data, args):
    network = request.get("network")
    if not network:
        raise ValueError("this trainer needs the network IR (a space that builds networks)")
    seed = candidate_seed(args.seed, request.get("arch", ""))
    torch.manual_seed(seed)
    model = hwnas_torch.build(network, batch_norm="train")
    n_params = hwnas_torch.count_parameters(model)
    spatial_dims = model.spatial_dims
    xt, xv = data.for_input(spatial_dims, model.input_shape)
    yt, yv = data.yt, data.yv
    out_c = network["tensors"][network["layers"][-1]["output"]]
    n_out = out_c["c"] * out_c["h"] * out_c["w"]
    if n_out < data.classes:
        raise ValueError(f"the network has {n_out} outputs for {data.classes} classes "
                         f"(give the space's classes option)")
    if n_out > data.classes:
        log(f"{request.get('arch')}: {n_out} outputs for {data.classes} classes (the extra ones are never a target)")

    bs = args.batch_size
    steps_per_epoch = max(1, len(yt) // bs) if len(yt) % bs < 2 else len(yt) // bs + 1
    total = args.epochs * steps_per_epoch
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    warm = min(steps_per_epoch, total // 4)     # linear warm-up over the first epoch, then cosine to 0

    def lr_factor(s):
        if s < warm:
            return (s + 1) / (warm + 1)
        return 0.5 * (1 + math.cos(math.pi * min(s - warm, total - warm) / max(1, total - warm)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    step, time_limited = 0, False
    train_loss, train_acc = float("nan"), float("nan")
    curve = []          # validation accuracy after each epoch (getattr: callers' args may predate it)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(yt), generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for b in range(steps_per_epoch):
            idx = order[b * bs:(b + 1) * bs]
            if len(idx) < 2:            # BatchNorm needs 2 samples per channel
                continue
            logits = model(xt[idx]).flatten(1)
            loss = F.cross_entropy(logits, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            sched.step()
            step += 1
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yt[idx]).sum())
            seen += len(idx)
            if args.max_seconds > 0 and time.perf_counter() - start > args.max_seconds:
                time_limited = True
                break
        if seen:
            train_loss, train_acc = loss_sum / seen, correct / seen
        if not math.isfinite(train_loss):
            raise ValueError(f"training diverged (loss {train_loss}) in epoch {epoch + 1}")
        if time_limited:
            break
        if getattr(args, "curve", False) and epoch + 1 < args.epochs:
            paused = time.perf_counter()
            curve.append(evaluate(model, xv, yv)[0])
            start += time.perf_counter() - paused      # train_seconds counts training only
    train_seconds = time.perf_counter() - start
    acc, val_loss = evaluate(model, xv, yv)
    metrics = {"train_seconds": train_seconds, "epochs": step / steps_per_epoch, "steps": step,
               "train_loss": train_loss, "val_loss": val_loss, "train_accuracy": train_acc,
               "trainable_params": n_params, "time_limited": int(time_limited)}
    if getattr(args, "curve", False):
        curve.append(acc)
        for e, a in enumerate(curve):
            metrics[f"val_accuracy_epoch{e + 1}"] = a
    return acc, metrics


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="digits",
                    help=f"{', '.join(sorted(LOADERS))}, or a .npz file (x_train, y_train, x_test, y_test)")
    ap.add_argument("--epochs", type=int, help="epochs per candidate (default: 6 digits, 20 basicmotions, "
                    "30 arrowhead, 10 mnist1d, japanesevowels and a file)")
    ap.add_argument("--batch-size", type=int, help="mini-batch (default: 64 digits and mnist1d, 8 basicmotions "
                    "and arrowhead, 16 japanesevowels, 32 a file)")
    ap.add_argument("--curve", action="store_true",
                    help="also report the validation accuracy after every epoch (val_accuracy_epoch1, ...)")
    ap.add_argument("--lr", type=float, help="peak learning rate (default 0.05 sgd, 0.005 adam)")
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd",
                    help="adam (AdamW) or sgd (momentum 0.9, Nesterov)")
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--clip", type=float, default=5.0, help="gradient norm clip (0: none)")
    ap.add_argument("--seed", type=int, default=0, help="seed of weights and batch order (with the arch)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--max-seconds", type=float, default=0.0,
                    help="stop a candidate's training after this long (0: never)")
    args = ap.parse_args()
    for k, v in defaults_for(args.dataset).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.lr is None:
        args.lr = 0.05 if args.optimizer == "sgd" else 0.005
    if args.epochs < 1 or args.batch_size < 2 or args.lr <= 0 or args.threads < 1:
        ap.error("--epochs >= 1, --batch-size >= 2, --lr > 0 and --threads >= 1")
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    t0 = time.perf_counter()
    try:
        data = load_dataset(args.dataset)     # fails here, before hello, if the data set cannot load
    except ValueError as e:
        sys.exit(f"train_torch.py: {e}")
    log(f"{data.name}: {len(data.yt)} train, {len(data.yv)} validation, {data.classes} classes "
        f"({time.perf_counter() - t0:.1f} s); {args.optimizer} lr {args.lr}, epochs {args.epochs}, batch {args.batch_size}, "
        f"threads {args.threads}, worker {os.environ.get('HWNAS_WORKER_INDEX', '-')}")
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": PROTOCOL, "name": "train_torch"})
        elif kind == "evaluate":
            try:
                acc, metrics = train(msg, data, args)
            except Exception as e:  # report, do not die: the search goes on
                log(f"{msg.get('arch')}: {type(e).__name__}: {e}")
                send({"id": msg["id"], "error": f"{type(e).__name__}: {e}"})
                continue
            send({"id": msg["id"], "objective": acc, "metrics": metrics})
            log(f"{msg.get('arch')}: accuracy {acc:.4f}, {metrics['trainable_params']} params, "
                f"{metrics['epochs']:.1f} epochs in {metrics['train_seconds']:.2f} s")
        # "cancel" and unknown types are ignored; EOF on stdin ends the program.


if __name__ == "__main__":
    main()
