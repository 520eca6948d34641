#!/usr/bin/env python3
"""Calibrates hwnas's MCU latency model on published MLPerf Tiny results,
one model per (board, runtime), and reports how well it predicts the
models held back.

The cycle model (docs/operators-and-mcu.md) has one structure for every
board: cycles = conv MACs x a + depthwise MACs x 3a + linear MACs x L a
+ pool window reads x a/2 + elementwise elements x a + conv/linear outputs
x 10a (requantise and store). Only the scale `a` is calibrated: on the IC
model (ResNet-8) of each (board, runtime); KWS (DS-CNN), VWW
(MobileNetV1-0.25) and AD (the dense autoencoder) are predicted. Latency =
1 / median throughput of the single-stream results, closed division
(mlcommons/tiny_results_v0.5 and v1.0,
closed/<submitter>/results/<board>/<task>/performance/).

L, the dense layer's cost per MAC relative to a convolution's, is one
constant of the structure: a dense layer reuses nothing (each weight is
read once, from flash, for one MAC), where a convolution reuses each weight
across the output positions. `--fit-linear` fits it on AD, the one
dense-only model, board by board (X-CUBE-AI's three boards: 1.63-1.70),
and checks it leave-one-board-out: each board's AD predicted with the mean
of the other boards' fits.

usage: calibrate.py --hwnas BIN --models DIR [--json]
       calibrate.py --hwnas BIN --models DIR --check   (the shipped profiles vs the published figures)
       calibrate.py --hwnas BIN --models DIR --fit-linear [--json]
DIR holds ic.onnx, kws.onnx, vww.onnx, ad.onnx (tools/mlperf-tiny/models.py DIR).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = os.path.join(HERE, "../../hardware-profiles")

# Dense cost per MAC relative to a conv MAC, for X-CUBE-AI (--fit-linear: AD
# on its three boards gives 1.640, 1.696 and 1.630; their geometric mean).
# No other runtime here has a published dense-only figure: 1 there.
LINEAR = 1.655

# The structure, relative to a = cycles per conv MAC.
STRUCTURE = {"cycles_per_mac_conv": 1.0, "cycles_per_mac_dwconv": 3.0, "cycles_per_mac_linear": 1.0,
             "cycles_per_mac_pool": 0.5, "cycles_per_elem_eltwise": 1.0, "cycles_per_output": 10.0}


def structure(runtime):
    return dict(STRUCTURE, cycles_per_mac_linear=LINEAR) if runtime.startswith("X-CUBE-AI") else STRUCTURE

# (profile, board, clock MHz, runtime, source, {model: ms}); the first model calibrates.
PUBLISHED = [
    ("nucleo-h7a3zi-q", "NUCLEO-H7A3ZI-Q (Cortex-M7)", 280, "X-CUBE-AI 7.3.0",
     "MLPerf Tiny v1.0, closed/STMicroelectronics/results/NUCLEO-H7A3ZI-Q", {"ic": 54.34, "kws": 16.76, "vww": 50.70,
                                                                              "ad": 1000 / 547.705}),
    ("nucleo-u575zi-q", "NUCLEO-U575ZI-Q (Cortex-M33)", 160, "X-CUBE-AI 7.3.0",
     "MLPerf Tiny v1.0, closed/STMicroelectronics/results/NUCLEO-U575ZI-Q", {"ic": 139.70, "kws": 44.23, "vww": 133.40,
                                                                              "ad": 1000 / 206.211}),
    ("nucleo-l4r5zi", "NUCLEO-L4R5ZI (Cortex-M4)", 120, "X-CUBE-AI 7.3.0",
     "MLPerf Tiny v1.0, closed/STMicroelectronics/results/NUCLEO-L4R5ZI", {"ic": 226.91, "kws": 75.06, "vww": 230.47,
                                                                            "ad": 1000 / 131.950}),
    ("nucleo-l4r5zi-tflm", "NUCLEO-L4R5ZI (Cortex-M4)", 120, "TensorFlow Lite Micro 2.3.1 (MLPerf Tiny reference)",
     "MLPerf Tiny v0.5, closed/reference/results/NUCLEO-L4R5ZI", {"ic": 704.2, "kws": 181.9, "vww": 600.6}),
    ("disco-f746ng-plumerai", "DISCO-F746NG (Cortex-M7)", 216, "Plumerai inference engine",
     "MLPerf Tiny v1.0, closed/plumerai/results/DISCO_F746NG", {"ic": 64.77, "kws": 19.12, "vww": 57.03}),
]


def cost(hwnas, model, profile):
    r = subprocess.run([hwnas, "cost", "--model", model, "--profile", profile], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"calibrate: {model} on {profile}: {r.stderr.strip()}")
    return json.loads(r.stdout)["metrics"]["latency_ms"]


def profile_file(work, clock, params):
    p = os.path.join(work, "p.yaml")
    lines = ["name: calibration", "mcu:", "  model: mcu", f"  clock_mhz: {clock}"] + [f"  {k}: {v:.6g}" for k, v in params.items()]
    open(p, "w").write("\n".join(lines) + "\n")
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hwnas", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--fit-linear", action="store_true", help="fit the dense cost per MAC on AD, leave one board out")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="calibrate-")
    if a.fit_linear:
        return fit_linear(a, work)
    rows = []
    for name, board, clock, runtime, source, ms in PUBLISHED:
        models = list(ms)
        if a.check:
            prof = os.path.join(PROFILES, f"{name}.yaml")
            scale = None
        else:
            unit = cost(a.hwnas, os.path.join(a.models, f"{models[0]}.onnx"), profile_file(work, clock, structure(runtime)))
            scale = ms[models[0]] / unit
            prof = profile_file(work, clock, {k: v * scale for k, v in structure(runtime).items()})
        for i, m in enumerate(models):
            pred = cost(a.hwnas, os.path.join(a.models, f"{m}.onnx"), prof)
            rows.append({"profile": name, "board": board, "runtime": runtime, "model": m, "published_ms": ms[m],
                         "predicted_ms": pred, "error": pred / ms[m] - 1,
                         "role": "calibration" if i == 0 else "dense constant fit" if m == "ad" else "held back",
                         "cycles_per_mac_conv": scale, "source": source})
    if not report(rows, a.json, ["profile", "runtime", "model", "published ms", "hwnas ms", "error", "role"],
                  lambda r: [r["profile"], r["runtime"], r["model"], f"{r['published_ms']:.1f}", f"{r['predicted_ms']:.1f}",
                             f"{100 * r['error']:+.1f}%", r["role"]]):
        return
    if not a.check:
        print()
        for name, _, _, runtime, *_ in PUBLISHED:
            s = next(r["cycles_per_mac_conv"] for r in rows if r["profile"] == name)
            print(f"{name}: " + ", ".join(f"{k}: {v * s:.4g}" for k, v in structure(runtime).items()))


def report(rows, as_json, header, cells):
    """The rows as JSON lines (returns False) or a Markdown table (True)."""
    if as_json:
        for r in rows:
            print(json.dumps(r))
        return False
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for r in rows:
        print("| " + " | ".join(cells(r)) + " |")
    return True


def fit_linear(a, work):
    """L per board: AD's published latency from the board's IC-calibrated a;
    then each board's AD predicted with the mean L of the others."""
    fits = {}
    for name, board, clock, runtime, source, ms in PUBLISHED:
        if "ad" not in ms:
            continue
        base = dict(STRUCTURE, cycles_per_mac_linear=1.0)
        scale = ms["ic"] / cost(a.hwnas, os.path.join(a.models, "ic.onnx"), profile_file(work, clock, base))
        # AD's latency is affine in L: the dense MACs' part plus the rest (outputs).
        at = {L: cost(a.hwnas, os.path.join(a.models, "ad.onnx"),
                      profile_file(work, clock, {k: v * scale for k, v in dict(base, cycles_per_mac_linear=L).items()}))
              for L in (0.0, 1.0)}
        fits[name] = ((ms["ad"] - at[0.0]) / (at[1.0] - at[0.0]), at, ms["ad"])
    rows = []
    for name, (fit, at, published) in fits.items():
        others = [f for n, (f, _, _) in fits.items() if n != name]
        held = math.exp(sum(map(math.log, others)) / len(others))
        predicted = at[0.0] + held * (at[1.0] - at[0.0])
        rows.append({"profile": name, "model": "ad", "fit": fit, "held_out_linear": held, "published_ms": published,
                     "predicted_ms": predicted, "error": predicted / published - 1})
    mean = math.exp(sum(math.log(r["fit"]) for r in rows) / len(rows))
    if report(rows, a.json, ["profile", "L fit on its AD", "L of the other boards", "published ms", "predicted ms", "error"],
              lambda r: [r["profile"], f"{r['fit']:.3f}", f"{r['held_out_linear']:.3f}", f"{r['published_ms']:.2f}",
                         f"{r['predicted_ms']:.2f}", f"{100 * r['error']:+.1f}%"]):
        print(f"\ngeometric mean L = {mean:.3f} (LINEAR in this script)")


if __name__ == "__main__":
    main()
