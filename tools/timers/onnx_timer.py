#!/usr/bin/env python3
"""Times ONNX models that hwnas exported, for `hwnas profile cpu|gpu
--runtime onnxruntime|torch` and `hwnas measure --runtime ...`.

Backends (--backend): onnxruntime (CPUExecutionProvider, or
CUDAExecutionProvider with --device cuda) and torch (the model run as a
PyTorch module by onnx_torch.py, on the CPU or a CUDA GPU). On a GPU every
sample is bracketed by CUDA events after a synchronize; on the CPU by
time.perf_counter_ns.

Why a Python helper and not libonnxruntime.so's C API: the onnxruntime wheel
ships the library but not its C header, and the C API is one large table of
function pointers whose layout would have to be copied by hand for one ORT
version. Python's API is ORT's own stable binding; timing wraps
InferenceSession.run, and the cost of that call (measured here on an
Identity model, `overhead`) is reported so hwnas can take it out of every
single-layer time.

Protocol: JSON lines. First line out: {"type": "hello", "runtime": NAME,
"version": VERSION, "device": "cpu" | "cuda:0", "provenance": {KEY: VALUE}}.
Then one request per line in, one answer out:
  {"type": "time", "model": PATH, "threads": N, "warmup": W, "repeats": R,
   "seed": S}
  -> {"type": "samples", "samples_ms": [...]}
  {"type": "overhead", "threads": N, "warmup": W, "repeats": R}
  -> {"type": "samples", "samples_ms": [...]}   (an Identity model's runs)
Errors: {"type": "error", "message": "..."}; the helper goes on.
Every input is filled with seeded normal values; ORT flushes denormals to
zero (as hwnas's executor does) so timings do not depend on tiny values.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


class OrtBackend:
    def __init__(self, device):
        import onnxruntime as ort
        self.ort = ort
        self.provider = "CUDAExecutionProvider" if device == "cuda" else "CPUExecutionProvider"
        if self.provider not in ort.get_available_providers():
            raise SystemExit(f"onnxruntime {ort.__version__} has no {self.provider} here (available: {ort.get_available_providers()})")
        self.hello = {"runtime": "onnxruntime", "version": ort.__version__, "device": "cuda:0" if device == "cuda" else "cpu",
                      "provenance": {"execution_provider": self.provider}}

    def prepare(self, path, threads, seed):
        sess = session(self.ort, path, threads, self.provider)
        feed = feeds([(i.name, i.shape) for i in sess.get_inputs()], seed)
        names = [o.name for o in sess.get_outputs()]
        return lambda: sess.run(names, feed), None


class TorchBackend:
    def __init__(self, device):
        import torch
        import onnx_torch
        self.torch, self.onnx_torch = torch, onnx_torch
        if device == "cuda" and not torch.cuda.is_available():
            raise SystemExit(f"torch {torch.__version__}: no CUDA device here")
        self.device = torch.device("cuda:0" if device == "cuda" else "cpu")
        prov = {"torch_device": str(self.device)}
        if device == "cuda":
            prov.update({"gpu": torch.cuda.get_device_name(0), "cuda": torch.version.cuda,
                         "cudnn": str(torch.backends.cudnn.version())})
            torch.backends.cudnn.benchmark = True
        self.hello = {"runtime": "torch", "version": torch.__version__, "device": str(self.device), "provenance": prov}

    def prepare(self, path, threads, seed):
        torch = self.torch
        if self.device.type == "cpu":
            torch.set_num_threads(threads)
        m = self.onnx_torch.load(path).to(self.device)
        import onnx
        g = onnx.load(path).graph
        inits = {t.name for t in g.initializer}
        shapes = [(i.name, [d.dim_value for d in i.type.tensor_type.shape.dim]) for i in g.input if i.name not in inits]
        xs = [torch.from_numpy(v).to(self.device) for v in feeds(shapes, seed).values()]
        def call():
            with torch.inference_mode():
                m(*xs)
        return call, (torch.cuda if self.device.type == "cuda" else None)


def session(ort, path, threads, provider):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.set_denormal_as_zero", "1")
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=[provider])


def feeds(shapes, seed):
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal([d if isinstance(d, int) and d > 0 else 1 for d in shape]).astype(np.float32)
            for name, shape in shapes}


def run_timed(call, cuda, warmup, repeats):
    for _ in range(warmup):
        call()
    samples = []
    if cuda is not None:
        for _ in range(repeats):
            start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
            cuda.synchronize()
            start.record()
            call()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
        return samples
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - t0) * 1e-6)
    return samples


def identity_model():
    """A model of one Identity on a 1-element tensor: the cost of a run call."""
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "overhead",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    path = os.path.join(tempfile.mkdtemp(prefix="hwnas-ort-"), "identity.onnx")
    onnx.save(m, path)
    return path


def answer(backend, req):
    threads = int(req.get("threads", 1))
    warmup, repeats = int(req.get("warmup", 5)), int(req.get("repeats", 30))
    if req.get("type") in ("overhead", "time"):
        path = identity_model() if req["type"] == "overhead" else req["model"]
        call, cuda = backend.prepare(path, threads, int(req.get("seed", 0)))
        return {"type": "samples", "samples_ms": run_timed(call, cuda, warmup, repeats)}
    return {"type": "error", "message": f"unknown request type {req.get('type')!r}"}


def main():
    ap = argparse.ArgumentParser(description="hwnas's timer for exported ONNX models (JSON lines on stdin/stdout)")
    ap.add_argument("--backend", choices=["onnxruntime", "torch"], default="onnxruntime")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = ap.parse_args()
    backend = OrtBackend(args.device) if args.backend == "onnxruntime" else TorchBackend(args.device)
    print(json.dumps({"type": "hello", **backend.hello}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = answer(backend, json.loads(line))
        except Exception as e:  # the helper answers every request and goes on
            out = {"type": "error", "message": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
