#!/usr/bin/env python3
"""A tiny trainer for `hwnas search --evaluator command` (docs/evaluator-protocol.md).

Builds a small proxy of each candidate and trains it for a few hundred SGD
steps on a synthetic 10-class problem, then answers the validation accuracy.
Only NumPy is needed; one evaluation takes well under a second.

The proxy: every weighted op of the candidate (a layer with params > 0 in the
expanded network, or a conv choice when hwnas sends no network) becomes a
dense ReLU layer of width min(64, out_c); skip connections become residual
adds, pooling ops a fixed averaging mix, "none" is dropped. It is a proxy,
not a faithful NB201 training: it shows the plumbing (network description
in, objective and extra metrics out), and candidates get different,
reproducible accuracies.

    hwnas search --space nb201 --evaluator command \
        --evaluator-option command="python3 examples/trainer/train_numpy.py --steps 300" \
        --budget 20 --parallel 2

Options: --steps N (SGD steps), --seed S (data seed), --lr.
Logs go to stderr; stdout carries protocol lines only.
"""
import argparse
import hashlib
import json
import sys
import time

import numpy as np

PROTOCOL = 1
N_FEATURES, N_CLASSES = 16, 10


def make_data(seed):
    """A fixed random teacher network labels Gaussian inputs: learnable, not trivial."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(size=(N_FEATURES, 32))
    w2 = rng.normal(size=(32, N_CLASSES))
    x = rng.normal(size=(3000, N_FEATURES)).astype(np.float32)
    y = np.argmax(np.tanh(x @ w1) @ w2, axis=1)
    return (x[:2000], y[:2000]), (x[2000:], y[2000:])


def proxy_layers(request):
    """[(kind, width)] with kind in dense / skip / pool, from the network or the choice names."""
    network = request.get("network")
    layers = []
    if network and network.get("layers"):
        for layer in network["layers"]:
            op = layer["op"]
            if layer.get("params", 0) > 0 and "conv" in op or op in ("linear", "dense"):
                layers.append(("dense", max(8, min(64, layer["out_c"]))))
            elif layer.get("residual") or "skip" in op or op == "identity":
                layers.append(("skip", 0))
            elif "pool" in op:
                layers.append(("pool", 0))
    else:
        for name in request.get("choices", []):
            if "conv" in name or name.startswith(("mb", "ir_", "k3", "k5")):
                layers.append(("dense", 32))
            elif "skip" in name:
                layers.append(("skip", 0))
            elif "pool" in name:
                layers.append(("pool", 0))
    # Keep the demo fast whatever the network size.
    dense = [l for l in layers if l[0] == "dense"][:6]
    other = [l for l in layers if l[0] != "dense"][:4]
    return dense + other if dense else other


def train(request, data, steps, lr):
    (xt, yt), (xv, yv) = data
    seed = int.from_bytes(hashlib.sha256(request["arch"].encode()).digest()[:4], "big")
    rng = np.random.default_rng(seed)
    spec = proxy_layers(request)
    width = N_FEATURES
    params = []  # (kind, W, b)
    for kind, w in spec:
        if kind == "dense":
            params.append(("dense", rng.normal(scale=np.sqrt(2 / width), size=(width, w)).astype(np.float32),
                           np.zeros(w, np.float32)))
            width = w
        else:
            params.append((kind, None, None))
    head_w = rng.normal(scale=np.sqrt(1 / width), size=(width, N_CLASSES)).astype(np.float32)
    head_b = np.zeros(N_CLASSES, np.float32)

    def forward(x):
        acts = [x]
        h = x
        for kind, w, b in params:
            if kind == "dense":
                h = np.maximum(h @ w + b, 0)
            elif kind == "skip":
                h = h + acts[-1] if acts[-1].shape == h.shape else h
            elif kind == "pool":
                h = 0.5 * (h + np.roll(h, 1, axis=1))
            acts.append(h)
        return acts, h @ head_w + head_b

    loss = float("nan")
    for step in range(steps):
        idx = rng.integers(0, len(xt), 64)
        x, y = xt[idx], yt[idx]
        acts, logits = forward(x)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        loss = float(-np.log(p[np.arange(len(y)), y] + 1e-9).mean())
        g = p
        g[np.arange(len(y)), y] -= 1
        g /= len(y)
        # Backprop through the head and dense layers; skip/pool are treated as
        # identity in the backward pass (a proxy, not exact gradients).
        grad_h = g @ head_w.T
        head_w -= lr * acts[-1].T @ g
        head_b -= lr * g.sum(axis=0)
        for i in range(len(params) - 1, -1, -1):
            kind, w, b = params[i]
            if kind != "dense":
                continue
            grad_h = grad_h * (acts[i + 1] > 0)
            inp = acts[i]
            gw = inp.T @ grad_h
            new_grad = grad_h @ w.T
            w -= lr * gw
            b -= lr * grad_h.sum(axis=0)
            grad_h = new_grad
    _, logits = forward(xv)
    accuracy = float((logits.argmax(axis=1) == yv).mean())
    n_params = sum(w.size + b.size for k, w, b in params if k == "dense") + head_w.size + head_b.size
    return accuracy, {"train_loss": loss, "proxy_params": int(n_params)}


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data = make_data(args.seed)
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": PROTOCOL, "name": "train_numpy"})
        elif kind == "evaluate":
            start = time.perf_counter()
            try:
                acc, metrics = train(msg, data, args.steps, args.lr)
            except Exception as e:  # report, do not die: the search goes on
                send({"id": msg["id"], "error": f"{type(e).__name__}: {e}"})
                continue
            metrics["train_seconds"] = time.perf_counter() - start
            send({"id": msg["id"], "objective": acc, "metrics": metrics})
            print(f"[train_numpy] {msg['arch']}: accuracy {acc:.3f}", file=sys.stderr)
        # "cancel" and unknown types are ignored; EOF on stdin ends the program.


if __name__ == "__main__":
    main()
