#!/usr/bin/env python3
"""hwnas's MCU memory and flash estimates against TensorFlow Lite Micro.

For sampled networks of hwnas's spaces (and ONNX models), writes each as an
int8 .tflite (`hwnas export --format tflite`), runs it once in TFLM
(tools/tflm/arena.py: the host interpreter, 64-bit) and prices it with the
mcu cost model three ways:
  ideal     runtime ideal + 8 KB runtime SRAM, 128 B of flash per layer (stm32f746
            before `runtime: tflm`)
  tflm-64   runtime tflm with 8-byte pointers: what the host interpreter allocates
  tflm-32   runtime tflm with 4-byte pointers: what a 32-bit MCU allocates
The ratios compare ideal and tflm-64 with TFLM's total arena (head + tail),
and the flash estimate (runtime code left out) with the .tflite file's size.

With --converter the file is the one users ship: the network built in Keras
and converted by TFLiteConverter (keras_convert.py; needs tensorflow-cpu).

usage: arena_table.py --hwnas BIN [--spaces nb201,fbnet] [--seeds 1,2] [--model net.onnx ...]
                      [--json] [--work DIR] [--converter]
Prints a Markdown table (or, with --json, one JSON object per network).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SPACES = ["nb201", "fbnet", "mcunet-mbv2", "micronas-1d", "ofa-mbv3"]
PROFILES = {
    "ideal": {"runtime": "ideal", "runtime_sram_kb": 8, "layer_overhead_bytes": 128},
    "tflm-64": {"runtime": "tflm", "pointer_bytes": 8},
    "tflm-32": {"runtime": "tflm", "pointer_bytes": 4},
}


def write_profiles(work):
    paths = {}
    for name, keys in PROFILES.items():
        p = os.path.join(work, f"{name}.yaml")
        lines = [f"name: {name}", f"description: arena_table.py profile ({name})", "mcu:", "  model: mcu", "  clock_mhz: 216"]
        lines += [f"  {k}: {v}" for k, v in keys.items()]
        open(p, "w").write("\n".join(lines) + "\n")
        paths[name] = p
    return paths


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"arena_table: {' '.join(cmd)}: {(r.stderr or r.stdout).strip()}")
    return r.stdout


def sample(hwnas, space, seed):
    out = run([hwnas, "spaces", "show", space, "--seed", str(seed)])
    for line in out.splitlines():
        if line.startswith("sample: "):
            return line[len("sample: "):]
    sys.exit(f"arena_table: no sample line for {space}")


def measure(hwnas, profiles, work, name, which, converter=False):
    """which: ["--space", S, "--arch", A] or ["--model", M]. converter: the
    file TFLiteConverter writes for the network built in Keras
    (keras_convert.py), not hwnas's own export."""
    base = os.path.join(work, name.replace("/", "_").replace(" ", "_"))
    tfl = base + ".tflite"
    if converter:
        import keras_convert
        run([hwnas, "export", *which, "--format", "json", "--output", base + ".json"])
        with open(base + ".json") as f:
            keras_convert.convert(json.load(f), tfl)
    else:
        run([hwnas, "export", *which, "--output", tfl])
    arena = json.loads(run([sys.executable, os.path.join(HERE, "arena.py"), tfl]))
    row = {"network": name, "tflm_head_kb": arena["head"] / 1024, "tflm_tail_kb": arena["tail"] / 1024,
           "tflm_total_kb": arena["total"] / 1024, "tflite_kb": os.path.getsize(tfl) / 1024}
    for p, path in profiles.items():
        m = json.loads(run([hwnas, "cost", *which, "--profile", path]))["metrics"]
        row[f"{p}_sram_kb"] = m["peak_sram_kb"]
        row[f"{p}_flash_kb"] = m["flash_kb"]
    row["ratio_ideal"] = row["ideal_sram_kb"] / row["tflm_total_kb"]
    row["ratio_tflm"] = row["tflm-64_sram_kb"] / row["tflm_total_kb"]
    row["flash_ratio"] = row["tflm-64_flash_kb"] / row["tflite_kb"]
    row["flash_ratio_ideal"] = row["ideal_flash_kb"] / row["tflite_kb"]
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hwnas", required=True)
    ap.add_argument("--spaces", default=",".join(SPACES))
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--work")
    ap.add_argument("--converter", action="store_true",
                    help="price the file TFLiteConverter writes (the network built in Keras), not hwnas's export")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="arena_table-")
    os.makedirs(work, exist_ok=True)
    profiles = write_profiles(work)
    jobs = []
    for space in [s for s in a.spaces.split(",") if s]:
        for seed in [int(s) for s in a.seeds.split(",") if s]:
            arch = sample(a.hwnas, space, seed)
            jobs.append((f"{space} (seed {seed})", ["--space", space, "--arch", arch]))
    for m in a.model:
        jobs.append((os.path.basename(m), ["--model", m]))
    if not a.json:
        print("| network | ideal (before) | tflm 64-bit | TFLM head | TFLM tail | TFLM total | before / TFLM | tflm / TFLM"
              " | tflm 32-bit | .tflite | flash before / file | flash est. / file |")
        print("| --- | " + " | ".join(["---"] * 12) + " |")
    for name, which in jobs:
        r = measure(a.hwnas, profiles, work, name, which, a.converter)
        if a.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"| {name} | {r['ideal_sram_kb']:.1f} | {r['tflm-64_sram_kb']:.1f} | {r['tflm_head_kb']:.1f} | {r['tflm_tail_kb']:.1f}"
                  f" | {r['tflm_total_kb']:.1f} | {r['ratio_ideal']:.2f} | {r['ratio_tflm']:.3f} | {r['tflm-32_sram_kb']:.1f}"
                  f" | {r['tflite_kb']:.1f} | {r['flash_ratio_ideal']:.3f} | {r['flash_ratio']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
