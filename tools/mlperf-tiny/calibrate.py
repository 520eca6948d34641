#!/usr/bin/env python3
"""Calibrates hwnas's MCU latency model on published MLPerf Tiny results,
one model per (board, runtime), and reports how well it predicts the
models held back.

The cycle model (docs/operators-and-mcu.md) has one structure for every
board: cycles = conv MACs x a + depthwise MACs x 3a + linear MACs x a
+ pool window reads x a/2 + elementwise elements x a + conv/linear outputs
x 10a (requantise and store). Only the scale `a` is calibrated: on the IC
model (ResNet-8) of each (board, runtime); KWS (DS-CNN) and VWW
(MobileNetV1-0.25) are predicted. Latency = 1 / median throughput of the
single-stream results, closed division (mlcommons/tiny_results_v0.5 and
v1.0, closed/<submitter>/results/<board>/<task>/performance/).

usage: calibrate.py --hwnas BIN --models DIR [--json]
       calibrate.py --hwnas BIN --models DIR --check   (the shipped profiles vs the published figures)
DIR holds ic.onnx, kws.onnx, vww.onnx (tools/mlperf-tiny/models.py DIR).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = os.path.join(HERE, "../../hardware-profiles")

# The structure, relative to a = cycles per conv MAC.
STRUCTURE = {"cycles_per_mac_conv": 1.0, "cycles_per_mac_dwconv": 3.0, "cycles_per_mac_linear": 1.0,
             "cycles_per_mac_pool": 0.5, "cycles_per_elem_eltwise": 1.0, "cycles_per_output": 10.0}

# (profile, board, clock MHz, runtime, source, {model: ms}); the first model calibrates.
PUBLISHED = [
    ("nucleo-h7a3zi-q", "NUCLEO-H7A3ZI-Q (Cortex-M7)", 280, "X-CUBE-AI 7.3.0",
     "MLPerf Tiny v1.0, closed/STMicroelectronics/results/NUCLEO-H7A3ZI-Q", {"ic": 54.34, "kws": 16.76, "vww": 50.70}),
    ("nucleo-u575zi-q", "NUCLEO-U575ZI-Q (Cortex-M33)", 160, "X-CUBE-AI 7.3.0",
     "MLPerf Tiny v1.0, closed/STMicroelectronics/results/NUCLEO-U575ZI-Q", {"ic": 139.70, "kws": 44.23, "vww": 133.40}),
    ("nucleo-l4r5zi", "NUCLEO-L4R5ZI (Cortex-M4)", 120, "X-CUBE-AI 7.3.0",
     "MLPerf Tiny v1.0, closed/STMicroelectronics/results/NUCLEO-L4R5ZI", {"ic": 226.91, "kws": 75.06, "vww": 230.47}),
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
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="calibrate-")
    rows = []
    for name, board, clock, runtime, source, ms in PUBLISHED:
        models = list(ms)
        if a.check:
            prof = os.path.join(PROFILES, f"{name}.yaml")
            scale = None
        else:
            unit = cost(a.hwnas, os.path.join(a.models, f"{models[0]}.onnx"), profile_file(work, clock, STRUCTURE))
            scale = ms[models[0]] / unit
            prof = profile_file(work, clock, {k: v * scale for k, v in STRUCTURE.items()})
        for i, m in enumerate(models):
            pred = cost(a.hwnas, os.path.join(a.models, f"{m}.onnx"), prof)
            rows.append({"profile": name, "board": board, "runtime": runtime, "model": m, "published_ms": ms[m],
                         "predicted_ms": pred, "error": pred / ms[m] - 1, "role": "calibration" if i == 0 else "held back",
                         "cycles_per_mac_conv": scale, "source": source})
    if a.json:
        for r in rows:
            print(json.dumps(r))
        return
    print("| profile | runtime | model | published ms | hwnas ms | error | role |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['profile']} | {r['runtime']} | {r['model']} | {r['published_ms']:.1f} | {r['predicted_ms']:.1f}"
              f" | {100 * r['error']:+.1f}% | {r['role']} |")
    if not a.check:
        print()
        for name, *_ in PUBLISHED:
            s = next(r["cycles_per_mac_conv"] for r in rows if r["profile"] == name)
            print(f"{name}: " + ", ".join(f"{k}: {v * s:.4g}" for k, v in STRUCTURE.items()))


if __name__ == "__main__":
    main()
