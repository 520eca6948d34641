"""How far any predictor built from the other devices can go on NB201, with
ALL of the held-out device's timings to fit on (not 10): relative least
squares on the 7 other devices' additive tables, on their measured
latencies, on both, and on both plus op counts. The share within +-10 %
this reaches bounds what a 10-measurement fit can reach.

    cd tools/few-shot-latency && python3 oracle.py
"""
import numpy as np
from scipy.stats import spearmanr

from data import DEV
from fewshot import space

G, Y, Xs, cls, ops = space('nb201')
A = np.hstack([np.ones((len(Y), 1)), Xs])
P = np.stack([A @ np.linalg.lstsq(A / Y[:, j][:, None], np.ones(len(Y)), rcond=1e-10)[0] for j in range(Y.shape[1])], 1)
C = (cls - cls.mean(0)) / (cls.std(0) + 1e-12)


def z(F):
    return (F - F.mean(0)) / F.std(0)


shares = {}
for t, dev in enumerate(DEV):
    src = [j for j in range(len(DEV)) if j != t]
    row = []
    for name, F in [('tables', z(P[:, src])), ('measured', z(Y[:, src])), ('both', np.hstack([z(P[:, src]), z(Y[:, src])])),
                    ('both+counts', np.hstack([z(P[:, src]), z(Y[:, src]), C]))]:
        y = Y[:, t]
        B = np.hstack([np.ones((len(y), 1)), F])
        p = B @ np.linalg.lstsq(B / y[:, None], np.ones(len(y)), rcond=None)[0]
        w = np.mean(abs(p / y - 1) < .1)
        shares.setdefault(name, []).append(w)
        row.append(f'{name} {spearmanr(p, y)[0]:.3f} / {100 * w:.1f} %')
    print(f'{dev:12s} ' + ' | '.join(row))
print('mean share within +-10 %: ' + ', '.join(f'{k} {100 * np.mean(v):.1f} %' for k, v in shares.items()))
