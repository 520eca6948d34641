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
import tempfile
import time

# The same figures on any x86-64 machine with AVX2 (Intel or AMD): PyTorch
# and its oneDNN convolutions pick kernels by instruction set (AVX-512, AVX2,
# none) and their float rounding differs. Measured on ArrowHead (12
# candidates, 30 epochs, 175 validation series): oneDNN's AVX-512 against
# its AVX2 kernels moved single accuracies by up to 0.08, ATen's plain path
# by up to 0.06. Capping both at AVX2 makes an AVX-512 machine compute what
# an AVX2 one does, run after run; set these variables to choose otherwise.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import torch
import torch.nn.functional as F

# The package of this checkout when run from one (it matches this file),
# else the installed one.
_CHECKOUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python")
if os.path.isfile(os.path.join(_CHECKOUT, "hwnas", "data.py")):
    sys.path.insert(0, _CHECKOUT)
import hwnas.torch as hwnas_torch  # noqa: E402
from hwnas.data import LOADERS, load_dataset  # noqa: E402

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


def checkpoint_path(args, arch, epochs):
    """Where a candidate's state after `epochs` is saved: --checkpoint-dir
    (shared by the workers), named by (seed, arch, epochs)."""
    h = hashlib.sha256(f"{args.seed}:{arch}:{epochs}".encode()).hexdigest()[:24]
    return os.path.join(args.checkpoint_dir, f"{h}.pt")


def train(request, data, args):
    """(accuracy, metrics, checkpoint path or None). With a "fidelity"
    request ({"epochs": k}) the schedule spans --epochs and training stops
    after k of them, saving its state; "resume" continues from a saved state
    (the candidate's, at fewer epochs) instead of starting again."""
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
    stop_after = args.epochs
    first_epoch, resumed_from = 0, 0
    if "fidelity" in request:
        stop_after = int(request["fidelity"].get("epochs", args.epochs))
        if not 1 <= stop_after <= args.epochs:
            raise ValueError(f"fidelity epochs {stop_after} is outside 1..--epochs {args.epochs} "
                             "(the schedule spans --epochs: set it to the --fidelity maximum)")
    if request.get("resume"):
        state = torch.load(request["resume"], weights_only=False)
        if state.get("arch") != request.get("arch") or state.get("seed") != args.seed:
            raise ValueError(f"resume {request['resume']}: a checkpoint of another candidate or seed")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        first_epoch = resumed_from = state["epochs"]
        if first_epoch >= stop_after:
            raise ValueError(f"resume {request['resume']}: it is at {first_epoch} epochs, asked for {stop_after}")
    start = time.perf_counter()
    step, time_limited = first_epoch * steps_per_epoch, False
    train_loss, train_acc = float("nan"), float("nan")
    curve = []          # validation accuracy after each epoch (with --curve)
    for epoch in range(first_epoch, stop_after):
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
        if args.curve and epoch + 1 < stop_after:
            paused = time.perf_counter()
            curve.append(evaluate(model, xv, yv)[0])
            start += time.perf_counter() - paused      # train_seconds counts training only
    train_seconds = time.perf_counter() - start
    acc, val_loss = evaluate(model, xv, yv)
    metrics = {"train_seconds": train_seconds, "epochs": step / steps_per_epoch, "steps": step,
               "train_loss": train_loss, "val_loss": val_loss, "train_accuracy": train_acc,
               "trainable_params": n_params, "time_limited": int(time_limited), "resumed_from": resumed_from}
    if args.curve:
        curve.append(acc)
        for e, a in enumerate(curve):
            metrics[f"val_accuracy_epoch{first_epoch + e + 1}"] = a
    checkpoint = None
    if "fidelity" in request and not time_limited and stop_after < args.epochs:
        # Saved through a temporary and a rename: a worker killed mid-save leaves no half file.
        os.makedirs(args.checkpoint_dir, exist_ok=True)
        checkpoint = checkpoint_path(args, request.get("arch", ""), stop_after)
        part = f"{checkpoint}.part-{os.getpid()}"
        torch.save({"arch": request.get("arch"), "seed": args.seed, "epochs": stop_after, "model": model.state_dict(),
                    "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "generator": gen.get_state()}, part)
        os.replace(part, checkpoint)
    return acc, metrics, checkpoint


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
    ap.add_argument("--checkpoint-dir", default=os.path.join(tempfile.gettempdir(), "hwnas-train-torch-checkpoints"),
                    help="where a multi-fidelity search's candidates are saved between rungs (shared by the workers)")
    args = ap.parse_args()
    for k, v in defaults_for(args.dataset).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.lr is None:
        args.lr = 0.05 if args.optimizer == "sgd" else 0.005
    if args.epochs < 1 or args.batch_size < 2 or args.lr <= 0 or args.threads < 1:
        ap.error("--epochs >= 1, --batch-size >= 2, --lr > 0 and --threads >= 1")
    torch.set_num_threads(args.threads)
    # Same answer for the same candidate run after run: kernels that have a
    # deterministic variant use it (one that has none would be an error here).
    torch.use_deterministic_algorithms(True)
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
            # "fidelity": epochs, for hwnas search --fidelity epochs=MIN:MAX:ETA.
            send({"type": "hello", "protocol": PROTOCOL, "name": "train_torch", "fidelity": ["epochs"]})
        elif kind == "evaluate":
            try:
                acc, metrics, checkpoint = train(msg, data, args)
            except Exception as e:  # report, do not die: the search goes on
                log(f"{msg.get('arch')}: {type(e).__name__}: {e}")
                send({"id": msg["id"], "error": f"{type(e).__name__}: {e}"})
                continue
            reply = {"id": msg["id"], "objective": acc, "metrics": metrics}
            if checkpoint:
                reply["checkpoint"] = checkpoint
            send(reply)
            log(f"{msg.get('arch')}: accuracy {acc:.4f}, {metrics['trainable_params']} params, "
                f"{metrics['epochs']:.1f} epochs in {metrics['train_seconds']:.2f} s")
        # "cancel" and unknown types are ignored; EOF on stdin ends the program.


if __name__ == "__main__":
    main()
