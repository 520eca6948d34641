#!/usr/bin/env python3
"""Measure a per-operator latency lookup table on a CUDA GPU with PyTorch.

Reads the operator configurations from an existing table (the `.lut.csv`
that `hwnas profile cpu --space SPACE` writes: one row per (op, input shape,
output shape, kernel, stride, groups, expansion, residual)), builds each
operator as a PyTorch module, times it with CUDA events and writes the same
format (docs/lut-format.md) plus a hardware profile YAML with provenance.

    python tools/gpu-lut/measure_gpu_lut.py \
        --keys hardware-profiles/cpu-epyc-nb201.lut.csv \
        --out hardware-profiles/gpu-nb201.yaml --batch 1 --repeats 200

Timing per operator: `--warmup` untimed calls, then `--repeats` calls, each
between two CUDA events (torch.cuda.Event(enable_timing=True)); the median,
10th/90th percentiles and median absolute deviation are recorded.
Overhead rows are written neutral (__network__ 0, __per_layer__ 0,
__scale__ 1): the tool has no network expander to calibrate them with.
"""
import argparse
import csv
import datetime
import os
import platform
import statistics
import sys

KEY_COLUMNS = ["op", "in_c", "in_h", "in_w", "out_c", "out_h", "out_w",
               "kernel", "stride", "groups", "expansion", "residual"]


def build_module(torch, row):
    """The PyTorch module of one table row (same semantics as the CPU executor)."""
    nn = torch.nn
    op = row["op"]
    ic, oc = int(row["in_c"]), int(row["out_c"])
    k = max(int(row["kernel"]), 1)
    s = max(int(row["stride"]), 1)
    g = max(int(row["groups"]), 1)
    e = max(int(row["expansion"]), 1)
    pad = (k - 1) // 2

    def conv_bn(cin, cout, kk, ss, gg, relu, bias=False, bn=True):
        layers = [nn.Conv2d(cin, cout, kk, ss, (kk - 1) // 2, groups=gg, bias=bias)]
        if bn:
            layers.append(nn.BatchNorm2d(cout))
        if relu:
            layers.append(nn.ReLU(inplace=True))
        return nn.Sequential(*layers)

    if op == "conv2d":
        return conv_bn(ic, oc, k, s, g, relu=True)
    if op == "conv2d_nobias":
        return conv_bn(ic, oc, k, s, g, relu=False, bn=False)
    if op == "relu_conv_bn":
        return nn.Sequential(nn.ReLU(inplace=False), conv_bn(ic, oc, k, s, g, relu=False))
    if op == "pwconv2d":
        # Expand (feeds a depthwise conv) carries a ReLU; a ReLU costs little,
        # so the table keys do not distinguish it: include it.
        return conv_bn(ic, oc, 1, s, g, relu=True)
    if op == "dwconv2d":
        return conv_bn(ic, oc, k, s, ic, relu=True)
    if op == "inverted_residual":
        mid = ic * e
        return nn.Sequential(conv_bn(ic, mid, 1, 1, g, True), conv_bn(mid, mid, k, s, mid, True),
                             conv_bn(mid, oc, 1, 1, g, False))
    if op == "avgpool":
        return nn.AvgPool2d(k, s, pad, count_include_pad=False)
    if op == "maxpool":
        return nn.MaxPool2d(k, s, pad)
    if op == "global_avgpool":
        return nn.AdaptiveAvgPool2d(1)
    if op == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(ic * int(row["in_h"]) * int(row["in_w"]), oc))
    if op == "batchnorm":
        return nn.Sequential(nn.BatchNorm2d(ic), nn.ReLU(inplace=True))
    if op in ("identity", "add", "zero"):
        return None  # handled in time_row
    raise ValueError(f"operator {op!r} has no PyTorch equivalent in this tool")


def time_row(torch, row, batch, warmup, repeats, dtype):
    dev = torch.device("cuda")
    x = torch.randn(batch, int(row["in_c"]), int(row["in_h"]), int(row["in_w"]), device=dev, dtype=dtype)
    other = torch.randn(batch, int(row["out_c"]), int(row["out_h"]), int(row["out_w"]), device=dev, dtype=dtype)
    residual = row["residual"] == "1"
    mod = build_module(torch, row)
    if mod is not None:
        mod = mod.to(dev, dtype).eval()

    def call():
        if row["op"] == "add":
            return x + other
        if row["op"] == "zero":
            return torch.zeros_like(x)
        if row["op"] == "identity":
            return x.clone()
        y = mod(x)
        return y + other if residual else y

    samples = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            call()
            end.record()
            torch.cuda.synchronize()
            if i >= warmup:
                samples.append(start.elapsed_time(end))  # ms
    return summarize(samples)


def summarize(samples):
    s = sorted(samples)

    def q(p):
        x = p * (len(s) - 1)
        i = int(x)
        f = x - i
        return s[i] * (1 - f) + s[i + 1] * f if i + 1 < len(s) else s[i]

    med = q(0.5)
    mad = statistics.median(abs(v - med) for v in s)
    return med, q(0.1), q(0.9), mad, len(s)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", required=True, help="a .lut.csv whose operator rows name the configurations")
    ap.add_argument("--out", required=True, help="output profile .yaml (table written as <stem>.lut.csv)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--dtype", choices=["float32", "float16"], default="float32")
    ap.add_argument("--device", type=int, default=0)
    args = ap.parse_args(argv)

    import torch  # imported late so --help works without PyTorch
    if not torch.cuda.is_available():
        sys.exit("measure_gpu_lut: no CUDA device visible to PyTorch")
    torch.cuda.set_device(args.device)
    torch.backends.cudnn.benchmark = True
    dtype = getattr(torch, args.dtype)

    with open(args.keys, newline="") as f:
        rows = [r for r in csv.DictReader(f) if not r["op"].startswith("__")]
    stem = os.path.splitext(os.path.basename(args.out))[0]
    out_dir = os.path.dirname(os.path.abspath(args.out))
    table = os.path.join(out_dir, stem + ".lut.csv")
    with open(table, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(KEY_COLUMNS + ["median_ms", "p10_ms", "p90_ms", "mad_ms", "repeats"])
        blank = [""] * (len(KEY_COLUMNS) - 1)
        w.writerow(["__network__"] + blank + ["0", "", "", "", "0"])
        w.writerow(["__per_layer__"] + blank + ["0", "", "", "", "0"])
        w.writerow(["__scale__"] + blank + ["1", "", "", "", "0"])
        for n, r in enumerate(rows, 1):
            med, p10, p90, mad, cnt = time_row(torch, r, args.batch, args.warmup, args.repeats, dtype)
            w.writerow([r[c] for c in KEY_COLUMNS] + [f"{med:.6g}", f"{p10:.6g}", f"{p90:.6g}", f"{mad:.6g}", cnt])
            print(f"\r{n}/{len(rows)} {r['op']}", end="", file=sys.stderr)
    print(file=sys.stderr)
    props = torch.cuda.get_device_properties(args.device)
    with open(args.out, "w") as f:
        f.write(f"""# Written by tools/gpu-lut/measure_gpu_lut.py; see docs/lut-format.md.
name: {stem}
description: "per-operator GPU latency ({props.name}, batch {args.batch}, {args.dtype})"
provenance:
  tool: tools/gpu-lut/measure_gpu_lut.py
  date: "{datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}"
  gpu: "{props.name}"
  cuda: "{torch.version.cuda}"
  cudnn: "{torch.backends.cudnn.version()}"
  torch: "{torch.__version__}"
  host: "{platform.node()}"
  batch: {args.batch}
  dtype: {args.dtype}
  warmup: {args.warmup}
  repeats: {args.repeats}
  statistic: median
  timer: cuda-events
  keys_from: "{args.keys}"
latency:
  model: cpu-lut
  file: {stem}.lut.csv
""")
    print(f"wrote {args.out} and {table} ({len(rows)} configurations)")


if __name__ == "__main__":
    main()
