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

Multi-fidelity searches (hwnas --fidelity): requests carry "fidelity" and
"resume", replies "checkpoint"; the bridge passes them through, and its hello
announces the fidelities the trainer's own hello lists (asked once, in a Ray
task) or those given by --fidelity. A checkpoint is a path on the node that
wrote it; with --ship-checkpoints DIR the bridge copies it into DIR on this
machine and sends it along with the promotion, wherever Ray runs that, so a
cluster needs no shared file system and a lost node loses no checkpoint.

    hwnas search ... --parallel 8 --evaluator command \
      --evaluator-option workers=1 --evaluator-option timeout=600 \
      --evaluator-option command="python3 tools/ray-evaluator/ray_evaluator.py \
          --address auto --num-gpus 1 --trainer 'python3 train.py'"
"""
import argparse
import hashlib
import importlib
import io
import json
import os
import queue
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

PROTOCOL = 1


def log(msg):
    print(f"[ray_evaluator] {msg}", file=sys.stderr, flush=True)


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


SHIPPED = "ray-bridge-checkpoint:"   # prefix of the tokens hwnas gets for shipped checkpoints


def trainer_argv(command):
    return ["/bin/sh", "-c", command] if any(c in command for c in "|&;<>$`") else shlex.split(command)


def close_trainer(proc, grace):
    """EOF to the trainer, then `grace` seconds to exit before it is killed."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def trainer_hello(command, timeout=120):
    """The trainer's own hello (a Ray task: the trainer runs where tasks run)."""
    proc = subprocess.Popen(trainer_argv(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        proc.stdin.write(json.dumps({"type": "hello", "protocol": PROTOCOL, "host": "ray_evaluator", "worker": 0}) + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + timeout
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                msg = json.loads(line)
                if msg.get("type") == "hello":
                    return msg
            if time.monotonic() > deadline:
                break
        return None
    finally:
        close_trainer(proc, grace=10)


def pack_path(path):
    """A file or folder as tar.gz bytes (its base name kept)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(path, arcname=os.path.basename(os.path.normpath(path)))
    return buf.getvalue()


def unpack_into(blob, folder):
    """The inverse of pack_path: returns the path of the unpacked file or folder."""
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        names = tar.getnames()
        tar.extractall(folder, filter="data")
    return os.path.join(folder, names[0].split("/")[0])


def run_trainer_once(command, request, timeout):
    """Run a protocol-speaking program for one candidate; returns its reply dict."""
    proc = subprocess.Popen(trainer_argv(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
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
        close_trainer(proc, grace=5)


def evaluate_candidate(request, trainer, function, timeout, resume_blob=None, ship=False):
    """The body of one Ray task: the reply, and with `ship` the checkpoint's
    bytes (None when the reply's checkpoint is not a path on this node)."""
    scratch = None
    try:
        if resume_blob is not None:
            # A shipped checkpoint: unpack it here and give the trainer that path.
            scratch = tempfile.mkdtemp(prefix="hwnas-resume-")
            request = dict(request, resume=unpack_into(resume_blob, scratch))
        if function:
            module, _, name = function.partition(":")
            result = getattr(importlib.import_module(module), name)(request)
            reply = {"objective": result["objective"], "metrics": result.get("metrics", {})}
            if "checkpoint" in result:
                reply["checkpoint"] = result["checkpoint"]
        else:
            reply = run_trainer_once(trainer, request, timeout)
        reply["id"] = request["id"]
        checkpoint = reply.get("checkpoint")
        blob = pack_path(checkpoint) if ship and isinstance(checkpoint, str) and os.path.exists(checkpoint) else None
        return reply, blob
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


class CheckpointShelf:
    """Shipped checkpoints, kept on the bridge's machine in one folder. hwnas
    gets a token naming the file; a journal resume with the same folder finds
    them again."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        os.makedirs(self.folder, exist_ok=True)

    def keep(self, request, original, blob):
        key = hashlib.sha256(f"{request.get('arch')}|{json.dumps(request.get('fidelity'), sort_keys=True)}|{original}".encode()).hexdigest()[:24]
        path = os.path.join(self.folder, key + ".tar.gz")
        with open(path + ".tmp", "wb") as f:
            f.write(blob)
        os.replace(path + ".tmp", path)  # a kill never leaves half a checkpoint under the final name
        return SHIPPED + key

    def blob(self, token):
        """The bytes for a shipped token; None for a token this shelf did not make."""
        if not isinstance(token, str) or not token.startswith(SHIPPED):
            return None
        key = token[len(SHIPPED):]
        path = os.path.join(self.folder, key + ".tar.gz")
        if not key.isalnum() or not os.path.exists(path):
            raise FileNotFoundError(f"shipped checkpoint {token!r} is not in {self.folder} (another --ship-checkpoints folder?)")
        with open(path, "rb") as f:
            return f.read()


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
    ap.add_argument("--fidelity", default=None,
                    help="fidelities the trainer or function takes, comma-separated (e.g. epochs); "
                         "default: what the trainer's hello lists (none for --function)")
    ap.add_argument("--ship-checkpoints", metavar="DIR", default=None,
                    help="copy each checkpoint (a file or folder on the node that wrote it) into DIR here and send it "
                         "with the candidate's promotion to whichever node runs it")
    return ap.parse_args(argv)


def announced_fidelity(args, ray):
    """The fidelities the hello announces: --fidelity, or the trainer's hello."""
    if args.fidelity is not None:
        return [f for f in args.fidelity.split(",") if f]
    if args.function:
        return []
    hello = ray.get(ray.remote(trainer_hello).options(num_cpus=args.num_cpus, num_gpus=args.num_gpus,
                                                      max_retries=args.max_retries).remote(args.trainer))
    if hello is None:
        log("the trainer answered no hello: announcing no fidelity")
        return []
    return list(hello.get("fidelity") or [])


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
    shelf = CheckpointShelf(args.ship_checkpoints) if args.ship_checkpoints else None

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
                hello = {"type": "hello", "protocol": PROTOCOL, "name": "ray_evaluator",
                         "max_in_flight": args.max_in_flight}
                fidelity = announced_fidelity(args, ray)
                if fidelity:
                    hello["fidelity"] = fidelity
                send(hello)
            elif kind == "evaluate":
                try:
                    blob = shelf.blob(msg.get("resume")) if shelf else None
                except OSError as e:
                    send({"id": msg["id"], "error": str(e)})
                    continue
                ref = remote.remote(msg, args.trainer, args.function, args.task_timeout, blob, shelf is not None)
                pending[ref] = msg
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
            request = pending.pop(ref)
            rid = request["id"]
            by_id.pop(rid, None)
            try:
                reply, blob = ray.get(ref)
                if blob is not None:
                    reply["checkpoint"] = shelf.keep(request, reply["checkpoint"], blob)
                send(reply)
            except Exception as e:  # the trainer failed, or retries ran out
                send({"id": rid, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"})
    ray.shutdown()


if __name__ == "__main__":
    main()
