#!/usr/bin/env python3
"""Times ONNX models in ONNX Runtime for `hwnas profile cpu --runtime
onnxruntime` and `hwnas measure --runtime onnxruntime`.

Why a Python helper and not libonnxruntime.so's C API: the onnxruntime wheel
ships the library but not its C header, and the C API is one large table of
function pointers whose layout would have to be copied by hand for one ORT
version. Python's API is ORT's own stable binding; timing wraps
InferenceSession.run, and the cost of that call (measured here on an
Identity model, `overhead`) is reported so hwnas can take it out of every
single-layer time.

Protocol: JSON lines. First line out: {"type": "hello", "onnxruntime":
VERSION, "providers": [...]}. Then one request per line in, one answer out:
  {"type": "time", "model": PATH, "threads": N, "warmup": W, "repeats": R,
   "seed": S}
  -> {"type": "samples", "samples_ms": [...], "inputs": [[name, shape], ...]}
  {"type": "overhead", "threads": N, "warmup": W, "repeats": R}
  -> {"type": "samples", "samples_ms": [...]}   (an Identity model's runs)
Errors: {"type": "error", "message": "..."}; the helper goes on.
Every input is filled with seeded normal values; denormals are flushed to
zero (as hwnas's executor does) so timings do not depend on tiny values.
"""
import json
import os
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

PROVIDER = os.environ.get("HWNAS_ORT_PROVIDER", "CPUExecutionProvider")


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.set_denormal_as_zero", "1")
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=[PROVIDER])


def feeds(sess, seed):
    rng = np.random.default_rng(seed)
    out = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        out[i.name] = rng.standard_normal(shape).astype(np.float32)
    return out


def run_timed(sess, feed, warmup, repeats):
    names = [o.name for o in sess.get_outputs()]
    for _ in range(warmup):
        sess.run(names, feed)
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        sess.run(names, feed)
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


def answer(req):
    threads = int(req.get("threads", 1))
    warmup, repeats = int(req.get("warmup", 5)), int(req.get("repeats", 30))
    if req.get("type") == "overhead":
        sess = session(identity_model(), threads)
        return {"type": "samples", "samples_ms": run_timed(sess, {"input": np.zeros([1], np.float32)}, warmup, repeats)}
    if req.get("type") == "time":
        sess = session(req["model"], threads)
        feed = feeds(sess, int(req.get("seed", 0)))
        return {"type": "samples", "samples_ms": run_timed(sess, feed, warmup, repeats),
                "inputs": [[k, list(v.shape)] for k, v in feed.items()]}
    return {"type": "error", "message": f"unknown request type {req.get('type')!r}"}


def main():
    print(json.dumps({"type": "hello", "onnxruntime": ort.__version__, "providers": [PROVIDER]}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = answer(json.loads(line))
        except Exception as e:  # the helper answers every request and goes on
            out = {"type": "error", "message": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
