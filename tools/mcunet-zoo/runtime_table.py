#!/usr/bin/env python3
"""hwnas against the published STM32H743 figures of the mit-han-lab/tinyengine
README for the zoo networks models.py rebuilds: peak SRAM, flash and latency
with TF Lite Micro + CMSIS-NN (profile stm32h743) and with TinyEngine
(profile stm32h743-tinyengine). kB is read as 1024 bytes.

usage: runtime_table.py --hwnas .build/release/hwnas --models DIR [--markdown]
       (DIR: written by models.py DIR)
"""
import argparse
import json
import os
import subprocess
import sys

# model: {runtime: (peak SRAM kB, flash kB, latency ms)}; None: not published
# (proxyless-w0.3-r64's latency cells repeat its SRAM figures).
PUBLISHED = {
    "mbv2-w0.3-r64": {"stm32h743": (173, 959, 43), "stm32h743-tinyengine": (61, 690, 23)},
    "proxyless-w0.3-r64": {"stm32h743": (136, 1084, None), "stm32h743-tinyengine": (35, 777, None)},
    "proxyless-w0.3-r176": {"stm32h743": (453, 1084, 380), "stm32h743-tinyengine": (259, 779, 176)},
}
METRICS = ["peak_sram_kb", "flash_kb", "latency_ms"]


def cost(hwnas, model, profile):
    r = subprocess.run([hwnas, "cost", "--model", model, "--profile", profile], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"runtime_table.py: hwnas cost --model {model} --profile {profile}: {r.stderr.strip()}")
    return json.loads(r.stdout)["metrics"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hwnas", required=True)
    ap.add_argument("--models", required=True, help="folder written by models.py")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    rows = []
    for model, runtimes in PUBLISHED.items():
        path = os.path.join(a.models, model + ".onnx")
        if not os.path.exists(path):
            sys.exit(f"runtime_table.py: {path} is missing (run: python3 tools/mcunet-zoo/models.py {a.models})")
        for profile, published in runtimes.items():
            m = cost(a.hwnas, path, profile)
            for metric, pub in zip(METRICS, published):
                v = m[metric]
                err = f"{100 * (v / pub - 1):+.1f}%" if pub else "-"
                rows.append((model, profile, metric, pub if pub is not None else "-", f"{v:.1f}", err))
    head = ("network", "profile", "metric", "published", "hwnas", "error")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + " --- |" * len(head))
        for r in rows:
            print("| " + " | ".join(str(x) for x in r) + " |")
    else:
        widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))


if __name__ == "__main__":
    main()
