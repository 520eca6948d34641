"""tools/trained-truth/make_table.py on a tiny task (JapaneseVowels on
micronas-1d, 1 epoch): the sample covers the space's size range, every
(architecture, seed) is trained and written with its learning curve, a kill
loses no finished training, and a partial file made with other settings is
refused in one line."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "trained-truth" / "make_table.py"
ARGS = ["--task", "japanesevowels", "--archs", "6", "--seeds", "2", "--epochs", "2", "--pool", "200", "--jobs", "2"]


def run(out, extra=(), **kw):
    return subprocess.run([sys.executable, str(TOOL), *ARGS, *extra, "--out", str(out)], capture_output=True,
                          text=True, timeout=600, **kw)


def read(out):
    rows = list(csv.DictReader(open(f"{out}.csv")))
    curves = list(csv.DictReader(open(f"{out}-curves.csv")))
    return rows, curves


def test_table_covers_sizes_and_records_curves(tmp_path):
    out = tmp_path / "jv"
    p = run(out)
    assert p.returncode == 0, p.stderr[-3000:]
    rows, curves = read(out)
    assert len(rows) == 6
    params = [float(r["params"]) for r in rows]
    assert params == sorted(params) and params[-1] > 4 * params[0]     # spread over the size range, small to large
    for r in rows:
        seeds = [float(r["accuracy_seed0"]), float(r["accuracy_seed1"])]
        assert abs(float(r["accuracy"]) - sum(seeds) / 2) < 1e-5
        assert all(0 <= a <= 1 for a in seeds) and float(r["train_seconds"]) > 0
    assert len(curves) == 6 * 2 * 2
    last = {(c["arch"], c["seed"]): float(c["val_accuracy"]) for c in curves if c["epoch"] == "2"}
    for r in rows:          # the curve's last point is the table's accuracy
        assert abs(last[(r["arch"], "0")] - float(r["accuracy_seed0"])) < 1e-5
    assert "seed-to-seed Spearman" in p.stderr
    assert not os.path.exists(f"{out}.partial.jsonl")


def test_a_kill_loses_no_training_and_the_rerun_completes(tmp_path):
    out = tmp_path / "jv"
    partial = Path(f"{out}.partial.jsonl")
    proc = subprocess.Popen([sys.executable, str(TOOL), *ARGS, "--out", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if partial.exists() and len(partial.read_text().splitlines()) >= 4:     # header + 3 trainings
            break
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = len(partial.read_text().splitlines()) - 1
    assert kept >= 3
    p = run(out)
    assert p.returncode == 0, p.stderr[-3000:]
    line = next(l for l in p.stderr.splitlines() if "trainings from" in l)
    assert f"{kept} trainings from" in line or f"{kept - 1} trainings from" in line, line   # a line cut by the kill is retrained
    rows, curves = read(out)
    assert len(rows) == 6 and len(curves) == 6 * 2 * 2


def test_a_partial_file_of_other_settings_is_refused(tmp_path):
    out = tmp_path / "jv"
    partial = Path(f"{out}.partial.jsonl")
    header = {"config": {"space": "micronas-1d", "epochs": 99}}
    partial.write_text(json.dumps(header) + "\n")
    p = run(out)
    assert p.returncode != 0
    lines = [l for l in p.stderr.splitlines() if l.strip() and not l.startswith("[")]
    assert lines == [f"make_table.py: {partial} was made with other settings (space, data, epochs or sample); "
                     f"remove it or give another --out"], p.stderr


def test_a_users_npz_of_the_wrong_shape_is_refused_before_training(tmp_path):
    import numpy as np
    data = tmp_path / "mine.npz"
    np.savez(data, x_train=np.zeros((8, 2, 16), np.float32), y_train=np.arange(8) % 2,
             x_test=np.zeros((4, 2, 16), np.float32), y_test=np.arange(4) % 2)
    p = subprocess.run([sys.executable, str(TOOL), "--dataset", str(data), "--space", "micronas-1d",
                        "--space-option", "input_channels=3", "--space-option", "length=16", "--space-option", "classes=2",
                        "--archs", "3", "--pool", "50", "--out", str(tmp_path / "t")], capture_output=True, text=True, timeout=300)
    assert p.returncode != 0
    assert "mine.npz: the data's input is (2, 16)" in p.stderr and "(3, 16)" in p.stderr, p.stderr
    assert not os.path.exists(tmp_path / "t.partial.jsonl")
