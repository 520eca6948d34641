#!/usr/bin/env python3
"""The trust fault corpus, run against one hwnas binary: every case is a
faulty input a careless user or a broken plugin would give, and a judge of
what the binary did with it.

    python3 Tests/trust-corpus/corpus.py --hwnas .build/release/hwnas

prints one line per case and the counts: handled (a clear error, or the
correct answer), crash (killed by a signal without naming the plugin and
the call, or with a backtrace), hang (no end within the case's time),
silent wrong (a plausible answer that is wrong, or bad input accepted), and
evaluations lost. Running it on an older hwnas gives the "before" counts
(options it does not know are left out, so each case asks the same thing of
both). The Swift tests (Tests/CLI/Trust*.swift, Tests/PluginABI/TrustPluginFaultTests.swift) check the same
classes one by one; this script counts them. Needs cc and ../shared.
"""
import argparse
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "plugin-fixtures")
INCLUDE = os.path.join(REPO, "Sources", "CHwnasABI", "include")
CSV = os.path.join(os.path.dirname(REPO), "shared", "benchmarks", "nb201", "nb201_hw.csv")
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ARCH2 = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


class Run:
    def __init__(self, code, out, err, seconds, timed_out):
        self.code, self.out, self.err, self.seconds, self.timed_out = code, out, err, seconds, timed_out

    @property
    def signaled(self):
        return self.code is not None and self.code < 0

    @property
    def backtrace(self):
        return "Backtrace" in self.err or "Thread 0" in self.err or "Fatal error" in self.err


class Corpus:
    def __init__(self, hwnas, work):
        self.hwnas = os.path.abspath(hwnas)
        self.work = work
        help_text = self.run(["search", "--help"]).out
        self.flags = {f for f in ["--plugin-timeout", "--isolate", "--reuse-journal", "--keep-failed"] if f in help_text}
        self.results = []

    def run(self, args, cwd=None, timeout=60, shell_prefix=None):
        env = dict(os.environ)
        env.pop("HWNAS_PLUGIN_PATH", None)
        cmd = [self.hwnas] + args
        if shell_prefix:
            cmd = ["/bin/bash", "-c", shell_prefix + " exec " + " ".join(f"'{a}'" for a in cmd)]
        t0 = time.time()
        p = subprocess.Popen(cmd, cwd=cwd or self.work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            try:
                out, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:   # a grandchild holds our pipes
                out, err = b"", b""
            timed_out = True
        return Run(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), time.time() - t0, timed_out)

    def dir(self, name):
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        return d

    def cc(self, source, out, defines=()):
        subprocess.run(["cc", "-std=c99", "-shared", "-fPIC", "-I", INCLUDE, *defines, source, "-o", out, "-lm"], check=True)
        return out

    def faulty(self, n):
        d = self.dir(f"fault{n}")
        self.cc(os.path.join(FIXTURES, "faulty_evaluator_cost.c"), os.path.join(d, "libfault.so"), [f"-DFAULT={n}"])
        with open(os.path.join(d, "faulty.yaml"), "w") as f:
            f.write("name: faulty\nlatency:\n  model: faulty-cost\n")
        return d

    def timeout_flag(self, seconds):
        return ["--plugin-timeout", str(seconds)] if "--plugin-timeout" in self.flags else []

    def record(self, klass, name, verdict, lost=0, detail=""):
        self.results.append((klass, name, verdict, lost, detail))
        print(f"{verdict:13s} {klass:9s} {name}" + (f"  [{lost} evaluations lost]" if lost else "") + (f"  ({detail})" if detail else ""),
              flush=True)

    # A run that died: one line naming the plugin is the contract; anything else is a crash.
    def judge_death(self, r, plugin_words):
        if r.timed_out:
            return "hang"
        if r.signaled:
            lines = [l for l in r.err.splitlines() if l.strip()]
            return "handled" if len(lines) == 1 and all(w in lines[0] for w in plugin_words) and not r.backtrace else "crash"
        return None

    def table_search(self, extra, column="cifar10_acc", budget=20):
        args = ["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", f"file={CSV}",
                "--budget", str(budget), "--quiet"]
        if column:
            args += ["--evaluator-option", f"column={column}"]
        return args + extra


def cases(c):
    # ---- options ------------------------------------------------------
    def option_case(name, extra, column="cifar10_acc"):
        d = c.dir("opt-" + name)
        r = c.run(c.table_search(extra + ["--output", f"{d}/r.json"], column=column))
        c.record("options", name, c.judge_death(r, []) or ("handled" if r.code not in (0, 2) else "silent wrong"))
    option_case("misspelt evaluator option colum=", ["--evaluator-option", "colum=cifar100_acc"], column=None)
    option_case("misspelt strategy option populaton=", ["--strategy-option", "populaton=10"])
    option_case("crossover=nan", ["--strategy", "nsga2", "--strategy-option", "crossover=nan"])
    option_case("population=0x10", ["--strategy-option", "population=0x10"])
    option_case("no column: a silent default objective", [], column=None)

    # ---- journals -----------------------------------------------------
    d = c.dir("journal")
    c.run(c.table_search(["--journal", f"{d}/j.jsonl", "--seed", "3", "--constraint", "latency_ms<=10", "--output", f"{d}/a.json"], budget=40))
    r = c.run(c.table_search(["--journal", f"{d}/j.jsonl", "--seed", "3", "--constraint", "latency_ms<=10", "--output", f"{d}/b.json"],
                             column="cifar100_acc", budget=40))
    verdict = c.judge_death(r, [])
    if not verdict:
        best = json.load(open(f"{d}/b.json"))["best"]["objective"] if r.code == 0 else None
        verdict = "handled" if r.code != 0 else ("silent wrong" if best is not None and best > 80 else "handled")
    c.record("journal", "a cifar10 journal reused for a cifar100 search", verdict)

    d = c.dir("retry")
    trainer = f"{d}/train.py"
    cmd = ["search", "--profile", "raspi4", "--evaluator", "command", "--evaluator-option", f"command=python3 {trainer}",
           "--evaluator-option", "stderr=null", "--budget", "8", "--seed", "2", "--journal", f"{d}/j.jsonl", "--quiet",
           "--output", f"{d}/r.json"]
    c.run(cmd)
    with open(trainer, "w") as f:
        f.write("import json, sys\nfor line in sys.stdin:\n    m = json.loads(line)\n"
                "    if m.get('type') == 'hello': print(json.dumps({'type': 'hello', 'protocol': 1}), flush=True)\n"
                "    elif m.get('type') == 'evaluate': print(json.dumps({'id': m['id'], 'objective': 1.0}), flush=True)\n")
    r = c.run(cmd)
    ok = 0
    if r.code == 0:
        ok = sum(1 for h in json.load(open(f"{d}/r.json"))["history"] if h["status"] == "ok")
    c.record("journal", "failures replayed as failures after the trainer is fixed", c.judge_death(r, []) or ("handled" if ok == 8 else "silent wrong"),
             detail=f"{ok}/8 ok on resume")

    # ---- plugins: evaluator and cost model faults -------------------------
    def search_fault(n, name, judge, extra=()):
        d = c.faulty(n)
        args = ["search", "--space", "nb201", "--profile", f"{d}/faulty.yaml", "--evaluator", "faulty-eval", "--plugin-path",
                f"{d}/libfault.so", "--budget", "6", "--quiet", "--journal", f"{d}/j.jsonl", "--output", f"{d}/r.json",
                *c.timeout_flag(5), *extra]
        r = c.run(args, timeout=40)
        c.record("plugin", name, judge(r, d))

    def no_value_taken(r, d):
        v = c.judge_death(r, ["faulty-eval"])
        if v:
            return v
        entries = [json.loads(l) for l in open(f"{d}/j.jsonl") if l.strip()] if os.path.exists(f"{d}/j.jsonl") else []
        ok_without_value = [e for e in entries if e.get("status") == "ok" and not e.get("metrics")]
        best = json.load(open(f"{d}/r.json")).get("best") if os.path.exists(f"{d}/r.json") else None
        return "silent wrong" if ok_without_value or best else "handled"

    search_fault(1, "on_result with an index past the batch", no_value_taken)
    search_fault(2, "OK with a NaN score", no_value_taken)
    search_fault(3, "on_result with NULL metrics, OK", no_value_taken)
    search_fault(4, "evaluate segfaults", lambda r, d: c.judge_death(r, ["faulty-eval", "evaluate"]) or "handled")
    search_fault(5, "estimate segfaults", lambda r, d: c.judge_death(r, ["faulty-cost", "estimate"]) or "handled")
    search_fault(6, "estimate never returns", lambda r, d: c.judge_death(r, []) or "handled")

    def bad_cost(r, d):
        v = c.judge_death(r, [])
        if v:
            return v
        if r.code != 0:
            return "handled"
        hist = json.load(open(f"{d}/r.json"))["history"]
        bad = [h for h in hist if any(x < 0 or x == float("inf") for x in h.get("costs", {}).values())]
        return "silent wrong" if bad else "handled"
    search_fault(7, "a negative latency", bad_cost)
    search_fault(8, "an infinite latency", bad_cost)

    for n, name in [(5, "validate: a cost model that segfaults in estimate"), (6, "validate: an estimate that never returns"),
                    (7, "validate: a cost model returning negative costs"), (1, "validate: on_result out of range")]:
        d = c.faulty(n)
        r = c.run(["plugins", "validate", f"{d}/libfault.so", "--timeout", "3"] if "--isolate" in c.flags
                  else ["plugins", "validate", f"{d}/libfault.so"], timeout=40)
        c.record("plugin", name, "hang" if r.timed_out else ("silent wrong" if r.code == 0 else "handled"))

    d = c.dir("strategies")
    c.cc(os.path.join(FIXTURES, "crashing_strategy.c"), f"{d}/libcrasher.so")
    hang = c.dir("hang-strategy")
    c.cc(os.path.join(FIXTURES, "crashing_strategy.c"), f"{hang}/libhang.so", ["-DFIXTURE_HANG_AFTER=3"])
    r = c.run(c.table_search(["--strategy", "crasher", "--plugin-path", d, "--journal", f"{d}/j.jsonl"], budget=40))
    c.record("plugin", "a strategy segfaults mid-search", c.judge_death(r, ["crasher", "ask"]) or "handled")
    r = c.run(c.table_search(["--strategy", "crasher", "--plugin-path", hang, *c.timeout_flag(5)], budget=40), timeout=40)
    c.record("plugin", "a strategy's ask never returns", c.judge_death(r, []) or "handled")
    r = c.run(["plugins", "validate", f"{hang}/libhang.so"] + (["--timeout", "3"] if "--isolate" in c.flags else []), timeout=40)
    c.record("plugin", "validate: an ask that never returns", "hang" if r.timed_out else ("handled" if r.code != 0 else "silent wrong"))

    d = c.dir("data-entry")
    c.cc(os.path.join(FIXTURES, "entry_as_data.c"), f"{d}/libdata.so")
    r = c.run(["plugins", "list", "--plugin-path", d])
    c.record("plugin", "entry symbol exported as data", c.judge_death(r, []) or ("handled" if "libdata.so" in r.err else "silent wrong"))

    d = c.faulty(0)
    r = c.run(["plugins", "validate", "libfault.so"], cwd=d)
    c.record("plugin", "validate libx.so (bare name, in the current folder)", c.judge_death(r, []) or ("handled" if r.code == 0 else "silent wrong"),
             detail="not found" if r.code != 0 else "")

    # ---- input files -----------------------------------------------------
    def csv_case(name, data):
        d = c.dir("csv-" + name.split()[0])
        path = f"{d}/t.csv"
        with open(path, "wb") as f:
            f.write(data)
        r = c.run(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", f"file={path}",
                   "--evaluator-option", "column=acc", "--budget", "3", "--quiet"])
        lines = [l for l in r.err.splitlines() if l.strip()]
        c.record("files", name, c.judge_death(r, []) or ("handled" if r.code == 1 and len(lines) == 1 and "t.csv" in lines[0] else "silent wrong"))
    csv_case("duplicate keys (last row won)", f"arch,acc\n{ARCH},90\n{ARCH2},80\n{ARCH},10\n".encode())
    csv_case("key padded with a space", f"arch,acc\n {ARCH},90\n".encode())
    csv_case("CR-only line endings", f"arch,acc\r{ARCH},90\r".encode())
    csv_case("non-UTF-8 bytes", b"arch,acc\n|\xe9|,90\n")
    csv_case("0x10 as a number", f"arch,acc\n{ARCH},0x10\n".encode())
    csv_case("nan as a number", f"arch,acc\n{ARCH},nan\n".encode())

    d = c.dir("neg-table")
    with open(f"{d}/lat.csv", "w") as f:
        f.write(f"arch,latency_ms\n{ARCH},-3\n")
    with open(f"{d}/neg.yaml", "w") as f:
        f.write("name: neg\nlatency:\n  model: table\n  file: lat.csv\n  column: latency_ms\n")
    r = c.run(["cost", "--profile", f"{d}/neg.yaml", "--arch", ARCH])
    c.record("files", "a negative latency in a table", c.judge_death(r, []) or ("handled" if r.code != 0 else "silent wrong"))

    d = c.dir("bomb")
    y = "name: bomb\nlatency:\n  model: table\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        y += f"  a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]\n"
    open(f"{d}/bomb.yaml", "w").write(y)
    r = c.run(["search", "--profile", f"{d}/bomb.yaml", "--budget", "3", "--quiet"], timeout=20, shell_prefix="ulimit -v 4000000;")
    c.record("files", "a YAML alias bomb", c.judge_death(r, []) or ("handled" if r.code == 1 and "alias" in r.err else "crash"))

    r = c.run(["search", "--profile", "raspi4", "--budget", "4294967296", "--quiet"])
    c.record("files", "--budget 4294967296", c.judge_death(r, []) or ("handled" if r.code not in (0,) and not r.backtrace else "crash"))

    # ---- outputs and lost work ----------------------------------------------
    def lost_case(name, flag, path):
        d = c.dir("out-" + name.split()[1])
        extra = [flag, path.format(d=d)] + (["--output", f"{d}/r.json"] if flag != "--output" else [])
        r = c.run([a for a in c.table_search(extra, budget=30) if a != "--quiet"])
        v = c.judge_death(r, [])
        # Progress lines mean evaluations ran; an error after them lost them all.
        evaluated = "/30]" in r.err
        if v is None:
            v = "silent wrong" if r.code == 0 else ("lost" if evaluated else "handled")
        c.record("outputs", name, v, lost=30 if v == "lost" else 0)
    lost_case("--output in a missing folder", "--output", "{d}/missing/r.json")
    lost_case("--output is a folder", "--output", "{d}")
    lost_case("--plot in a missing folder", "--plot", "{d}/missing/p.svg")

    d = c.dir("symlink")
    open(f"{d}/real.json", "w").write("{}")
    os.symlink("real.json", f"{d}/link.json")
    r = c.run(c.table_search(["--output", f"{d}/link.json"], budget=5))
    kept = os.path.islink(f"{d}/link.json")
    c.record("outputs", "--output is a symlink", c.judge_death(r, []) or ("handled" if kept else "silent wrong"),
             detail="" if kept else "the link was replaced by a file")

    d = c.dir("journal-full")
    r = c.run(c.table_search(["--journal", f"{d}/j.jsonl", "--output", "/dev/stdout"], budget=100), shell_prefix="ulimit -f 4;")
    c.record("outputs", "a journal write error (ulimit -f)", c.judge_death(r, []) or "handled")

    # ---- trainers ---------------------------------------------------------
    d = c.dir("helpers")
    trainer = f"{d}/train.py"
    open(trainer, "w").write(
        "import json, os, subprocess, sys\n"
        "h = subprocess.Popen(['sleep', '300'])\n"
        f"open(os.path.join('{d}', 'helper-%d.pid' % os.getpid()), 'w').write(str(h.pid))\n"
        "for line in sys.stdin:\n    m = json.loads(line)\n"
        "    if m.get('type') == 'hello': print(json.dumps({'type': 'hello', 'protocol': 1}), flush=True)\n"
        "    elif m.get('type') == 'evaluate': print(json.dumps({'id': m['id'], 'objective': 1.0}), flush=True)\n")
    r = c.run(["search", "--profile", "raspi4", "--evaluator", "command", "--evaluator-option", f"command=python3 {trainer}",
               "--evaluator-option", "stderr=null", "--parallel", "2", "--budget", "6", "--quiet"])
    time.sleep(2)
    pids = [int(open(os.path.join(d, f)).read()) for f in os.listdir(d) if f.startswith("helper-")]
    alive = [p for p in pids if os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read().split(")")[-1].split()[0] not in "ZX"]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    c.record("trainers", "a trainer's helper process outlives the search", "silent wrong" if alive else "handled",
             detail=f"{len(alive)} of {len(pids)} still running" if alive else "")

    # ---- profiles -----------------------------------------------------------
    d = c.dir("shadow")
    os.makedirs(f"{d}/hardware-profiles", exist_ok=True)
    text = open(os.path.join(REPO, "hardware-profiles", "raspi4.yaml")).read().replace("file: ", f"file: {REPO}/hardware-profiles/")
    open(f"{d}/hardware-profiles/raspi4.yaml", "w").write(text)
    r = c.run(c.table_search(["--output", f"{d}/r.json"], budget=3), cwd=d)
    said = f"{d}/hardware-profiles/raspi4.yaml" in r.err or (r.code == 0 and json.load(open(f"{d}/r.json")).get("profile_path"))
    c.record("profiles", "a same-named profile in the current folder", c.judge_death(r, []) or ("handled" if said else "silent wrong"))

    # ---- the default training-free evaluator (meco) ---------------------------
    d = c.dir("training-free")
    scores = []
    for par in ["1", "2"]:
        r = c.run(["search", "--budget", "6", "--parallel", par, "--quiet", "--output", f"{d}/p{par}.json"], timeout=300)
        scores.append([h.get("objective") for h in json.load(open(f"{d}/p{par}.json"))["history"]] if r.code == 0 else None)
    c.record("training-free", "--parallel 2 vs 1 scores", "handled" if scores[0] and scores[0] == scores[1] else "silent wrong")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hwnas", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="hwnas-corpus-")
    c = Corpus(a.hwnas, work)
    print(f"# {a.hwnas} (flags: {', '.join(sorted(c.flags)) or 'none of the new ones'})")
    try:
        cases(c)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    counts = {}
    for _, _, v, _, _ in c.results:
        counts[v] = counts.get(v, 0) + 1
    lost = sum(r[3] for r in c.results)
    print(f"\ncases {len(c.results)}: handled {counts.get('handled', 0)}, crash {counts.get('crash', 0)}, hang {counts.get('hang', 0)}, "
          f"silent wrong {counts.get('silent wrong', 0)}, lost {counts.get('lost', 0)} ({lost} evaluations lost)")


if __name__ == "__main__":
    main()
