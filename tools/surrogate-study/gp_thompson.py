"""A study, not part of hwnas: would a Gaussian-process surrogate reach the
predictor's open bar (the exact optimum by 200 evaluations in >= 90 % of
runs) on the 8 zc tasks of bench/nb201-tasks-zc.yaml?

It simulates the predictor's loop outside hwnas on the same data (accuracy
and latency from ../shared/benchmarks/nb201/nb201_hw.csv, meco from
bench/nb201-meco.csv): 2 random warm-up proposals, then the posterior mean's
argmax (share 0.8 until 60 evaluations, 0.5 after) or a Thompson sample.
The surrogate is an exact GP with an RBF kernel on the 6x5 one-hot cell,
meco's rank score and half the log latency's rank score; targets are normal
scores of the observed accuracies' ranks. Thompson samples are drawn jointly
over the 300 best by mean + 2 sd among the 1,500 best by mean (a full joint
sample over the feasible set is too large). docs/strategies.md has its
figures. Run from the repository root, numpy, scipy and PyYAML installed:

    python3 tools/surrogate-study/gp_thompson.py [ELL] [META_WEIGHT] [NOISE] [SEEDS]
    (defaults 2.0 1.0 0.05 20; TASKS=0,3 limits the tasks; TOP=300, PRE=1500
    and LATW=0.5 set the joint sample's breadth and the latency score's weight)

The predictor's `surrogate=gp` is the port of this study (docs/strategies.md).
"""
import csv, os, sys
import numpy as np
import yaml
from scipy.stats import norm, rankdata

ROWS = list(csv.DictReader(open('../shared/benchmarks/nb201/nb201_hw.csv')))
MECO = {r['arch']: float(r['meco']) for r in csv.DictReader(open('bench/nb201-meco.csv'))}
OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']


def zc_tasks(path='bench/nb201-tasks-zc.yaml'):
    """(name, accuracy column, latency column, bound) of each task, read from the task file and its profiles."""
    spec = yaml.safe_load(open(path))
    out = []
    for t in spec['tasks']:
        profile = yaml.safe_load(open(os.path.join(os.path.dirname(path), t['profile'])))
        bound = next(float(c.split('<=')[1]) for c in t['constraints'] if c.startswith('latency_ms<='))
        out.append((t['name'], t['evaluator_options']['column'], profile['latency']['column'], bound))
    return out


TASKS = zc_tasks()
ELL, META, NOISE = (float(a) for a in (sys.argv[1:4] + ['2.0', '1.0', '0.05'][len(sys.argv[1:4]):]))
SEEDS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
# Joint-sample breadth (the TOP best by mean + 2 sd among the PRE best by mean) and the latency score's weight.
TOP, PRE = int(os.environ.get('TOP', 300)), int(os.environ.get('PRE', 1500))
LATW = float(os.environ.get('LATW', 0.5))


def onehot(arch):
    ops = [t.split('~')[0] for t in arch.strip('|').replace('|+|', '|').split('|')]
    v = np.zeros(30)
    for i, o in enumerate(ops):
        v[i * 5 + OPS.index(o)] = 1
    return v


CELLS = np.array([onehot(r['arch']) for r in ROWS])
MECOS = np.array([MECO[r['arch']] for r in ROWS])


def scores(v):
    """Normal scores of ranks (ties in order), as the predictor's targets."""
    return norm.ppf((rankdata(v, method='ordinal') - 0.5) / len(v))


def kernel(a, b):
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.exp(-np.maximum(d2, 0) / (2 * ELL * ELL))


def run(task, seed, budget=200):
    _, col, lat, bound = task
    latency = np.array([float(r[lat]) for r in ROWS])
    feasible = np.where(latency <= bound)[0]
    acc = np.array([float(ROWS[i][col]) for i in feasible])
    optimum = acc.max()
    x = np.hstack([CELLS[feasible], META * scores(MECOS[feasible])[:, None], LATW * scores(np.log(latency[feasible]))[:, None]])
    rng = np.random.default_rng(seed)
    taken = np.zeros(len(feasible), bool)
    seen, best, hit = [], [], None
    for t in range(budget):
        if t < 2:
            i = rng.choice(np.where(~taken)[0])
        else:
            idx = np.array(seen)
            chol = np.linalg.cholesky(kernel(x[idx], x[idx]) + NOISE * np.eye(len(idx)))
            alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, scores(acc[idx])))
            cand = np.where(~taken)[0]
            ks = kernel(x[cand], x[idx])
            mean = ks @ alpha
            if rng.random() < (0.8 if t < 60 else 0.5):
                i = cand[np.argmax(mean)]
            else:
                pre = np.argsort(-mean)[:PRE]
                v = np.linalg.solve(chol, ks[pre].T)
                sd = np.sqrt(np.maximum(1 - (v * v).sum(0), 1e-9))
                top = np.argsort(-(mean[pre] + 2 * sd))[:TOP]
                c = cand[pre[top]]
                cov = kernel(x[c], x[c]) - v[:, top].T @ v[:, top]
                sample = mean[pre[top]] + np.linalg.cholesky(cov + 1e-5 * np.eye(len(top))) @ rng.standard_normal(len(top))
                i = c[np.argmax(sample)]
        taken[i] = True
        seen.append(i)
        best.append(acc[seen].max())
        if hit is None and best[-1] == optimum:
            hit = t + 1
    return optimum - best[49], optimum - best[99], optimum - best[199], hit


only = [int(k) for k in os.environ.get('TASKS', '0,1,2,3,4,5,6,7').split(',')]
runs = [(task[0],) + run(task, seed) for k, task in enumerate(TASKS) if k in only for seed in range(1, SEEDS + 1)]
r = np.array([x[1:4] for x in runs])
hits = [x[4] for x in runs]
misses = {}
for x in runs:
    if x[4] is None:
        misses[x[0]] = misses.get(x[0], 0) + 1
print(f"ell={ELL} meta={META} noise={NOISE} top={TOP} pre={PRE} latw={LATW}: {len(runs)} runs, regret @50 {r[:, 0].mean():.3f} @100 {r[:, 1].mean():.3f} "
      f"@200 {r[:, 2].mean():.3f}; optimum by 100 {np.mean([h is not None and h <= 100 for h in hits]):.0%}, "
      f"by 200 {np.mean([h is not None for h in hits]):.0%}; misses by 200: {misses}")
