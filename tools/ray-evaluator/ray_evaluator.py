#!/usr/bin/env python3
"""Bridge between `hwnas search --evaluator command` and a Ray cluster.

hwnas starts this program as its one evaluator worker; it speaks the hwnas
evaluator protocol (docs/evaluator-protocol.md) on stdin/stdout and runs each
evaluate request as a Ray task somewhere on the cluster, answering requests
as their tasks finish (out of order; its hello announces max_in_flight).

Inside a task the candidate is evaluated by either
  --trainer "CMD ARGS"   a program speaking the same protocol (started for the
                         one candidate: hello, one evaluate, EOF), e.g.
                         examples/trainer/train_torch.py; or
  --function mod:func    a Python function func(request: dict) -> dict with
                         "objective" and optional "metrics" (mod importable on
                         the workers).

A task whose Ray worker process dies (node lost, OOM kill, SIGKILL) is retried
by Ray up to --max-retries times; an exception raised by the trainer is not
retried and comes back as an error reply (the candidate is recorded as failed).

    hwnas search ... --parallel 8 --evaluator command \
      --evaluator-option workers=1 --evaluator-option timeout=600 \
      --evaluator-option command="python3 tools/ray-evaluator/ray_evaluator.py \
          --address auto --num-gpus 1 --trainer 'python3 train.py'"
"""
import argparse
import importlib
import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time

PROTOCOL = 1


def log(msg):
    print(f"[ray_evaluator] {msg}", file=sys.stderr, flush=True)


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run_trainer_once(command, request, timeout):
    """Run a protocol-speaking program for one candidate; returns its reply dict."""
    argv = ["/bin/sh", "-c", command] if any(c in command for c in "|&;<>$`") else shlex.split(command)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        proc.stdin.write(json.dumps({"type": "hello", "protocol": PROTOCOL, "host": "ray_evaluator", "worker": 0}) + "\n")
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + timeout if timeout else None
        for line in proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            msg = json.loads(line)
            if msg.get("type") in ("hello", "log"):
                continue
            if msg.get("id") == request["id"]:
                return msg
            if deadline and time.monotonic() > deadline:
                break
        raise RuntimeError(f"trainer exited with status {proc.wait()} without answering")
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def evaluate_candidate(request, trainer, function, timeout):
    """The body of one Ray task."""
    if function:
        module, _, name = function.partition(":")
        result = getattr(importlib.import_module(module), name)(request)
        return {"id": request["id"], "objective": result["objective"], "metrics": result.get("metrics", {})}
    reply = run_trainer_once(trainer, request, timeout)
    reply["id"] = request["id"]
    return reply


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Run hwnas evaluations as Ray tasks.")
    ap.add_argument("--address", default=None,
                    help="Ray cluster address (ray://host:10001, host:6379 or 'auto'); default: start a local Ray")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--trainer", help="protocol-speaking program run once per candidate inside the task")
    what.add_argument("--function", help="module:function evaluated inside the task")
    ap.add_argument("--num-cpus", type=float, default=1, help="CPUs reserved per task")
    ap.add_argument("--num-gpus", type=float, default=0, help="GPUs reserved per task")
    ap.add_argument("--max-retries", type=int, default=3, help="retries of a task whose worker process died")
    ap.add_argument("--max-in-flight", type=int, default=1024, help="requests accepted at once")
    ap.add_argument("--task-timeout", type=float, default=0, help="seconds a trainer may take inside a task (0 = none)")
    ap.add_argument("--local-cpus", type=int, default=None, help="CPUs of the local Ray started without --address")
    ap.add_argument("--working-dir", default=None,
                    help="ship this folder to the workers (Ray runtime_env working_dir); tasks run inside it")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import ray

    runtime_env = {"working_dir": args.working_dir} if args.working_dir else None
    init_kwargs = dict(address=args.address, runtime_env=runtime_env, include_dashboard=False,
                       log_to_driver=False, logging_level="warning")
    if args.address is None and args.local_cpus:
        init_kwargs["num_cpus"] = args.local_cpus
    ray.init(**{k: v for k, v in init_kwargs.items() if v is not None})
    log(f"connected: {ray.cluster_resources()}")

    remote = ray.remote(evaluate_candidate).options(
        num_cpus=args.num_cpus, num_gpus=args.num_gpus, max_retries=args.max_retries, retry_exceptions=False)

    inbox = queue.Queue()

    def read_stdin():
        for line in sys.stdin:
            if line.strip():
                inbox.put(line)
        inbox.put(None)  # EOF: hwnas has no more requests

    threading.Thread(target=read_stdin, daemon=True).start()
    pending = {}  # ObjectRef -> request id
    by_id = {}
    eof = False
    while not eof or pending:
        # Take every message that arrived, then wait briefly for any task.
        block = not pending
        while True:
            try:
                line = inbox.get(block=block, timeout=None if block else 0)
            except queue.Empty:
                break
            block = False
            if line is None:
                eof = True
                break
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                log(f"ignoring a line that is not JSON: {line[:80]!r}")
                continue
            kind = msg.get("type")
            if kind == "hello":
                send({"type": "hello", "protocol": PROTOCOL, "name": "ray_evaluator",
                      "max_in_flight": args.max_in_flight})
            elif kind == "evaluate":
                ref = remote.remote(msg, args.trainer, args.function, args.task_timeout)
                pending[ref] = msg["id"]
                by_id[msg["id"]] = ref
            elif kind == "cancel":
                ref = by_id.pop(msg.get("id"), None)
                if ref is not None:
                    pending.pop(ref, None)
                    ray.cancel(ref, force=True)
        if eof:
            for ref in pending:
                ray.cancel(ref, force=True)
            break
        if not pending:
            continue
        done, _ = ray.wait(list(pending), num_returns=1, timeout=0.1)
        for ref in done:
            rid = pending.pop(ref)
            by_id.pop(rid, None)
            try:
                send(ray.get(ref))
            except Exception as e:  # the trainer failed, or retries ran out
                send({"id": rid, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"})
    ray.shutdown()


if __name__ == "__main__":
    main()
