#!/usr/bin/env python3
"""Runs a .tflite model once in TensorFlow Lite Micro (the tflite-micro
package's interpreter, with its recording allocator) and prints what the
arena held, as JSON: total, head (the tensor arena: activations and
scratch, planned by TFLM's greedy planner), tail (persistent: tensor
structs, quantisation data, op data, node structs) and the tail's parts.

usage: arena.py MODEL.tflite

The interpreter is the host build (64-bit): its persistent structures hold
pointers of 8 bytes where a 32-bit MCU's hold 4 (TfLiteEvalTensor, node
and registration structs, quantisation pointers), so the tail overstates an
MCU's; the head (int8 tensor data) is the same on both.
"""
import json
import os
import re
import subprocess
import sys


def child(path):
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_file(path, arena_size=64 << 20)
    d = it.get_input_details(0)
    it.set_input(np.zeros(d["shape"], dtype=d["dtype"]), 0)
    it.invoke()
    it.print_allocations()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit("usage: arena.py MODEL.tflite")
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", sys.argv[1]], capture_output=True, text=True)
    text = r.stdout + r.stderr
    if r.returncode != 0:
        last = [l for l in text.strip().split("\n") if l.strip()]
        sys.exit(f"arena: {sys.argv[1]}: TFLM failed: {last[-1] if last else 'no message'}")
    out = {"model": sys.argv[1], "parts": {}}
    for key, field in [("total", r"Arena allocation total (\d+) bytes"), ("head", r"Arena allocation head (\d+) bytes"),
                       ("tail", r"Arena allocation tail (\d+) bytes")]:
        m = re.search(field, text)
        if not m:
            sys.exit(f"arena: {sys.argv[1]}: no '{key}' in TFLM's report")
        out[key] = int(m.group(1))
    for m in re.finditer(r"'([^']+)' used (\d+) bytes", text):
        out["parts"][m.group(1)] = int(m.group(2))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
