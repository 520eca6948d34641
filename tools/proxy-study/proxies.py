"""A study, not part of hwnas: would a gradient or trainability proxy (the
kind that needs a backward pass, which hwnas's executor does not have) lift
meco's ImageNet16-120 rank correlation on NAS-Bench-201?

It builds each sampled NB201 network in PyTorch (nb201_torch.py: the
benchmark's cells, stem and residual blocks; weights Kaiming-uniform as in
hwnas's executor, batch norm on batch statistics, 32 synthetic inputs uniform
in [-1, 1), 10 random labels) and computes, per architecture:

  meco      MeCo on the torch network (every ReLU, normalised as hwnas does;
            unlike hwnas's IR the torch network keeps branches that never
            reach the cell's output, so it ranks lower: see the table)
  zico      ZiCo: sum over conv/linear layers of log sum |mean g| / sd g,
            gradients of 4 mini-batches of 8
  gradnorm  sum of the layers' gradient norms (first mini-batch)
  snip      sum |w * g| (first mini-batch)
  synflow   SynFlow: |weights|, all-ones input, batch norm as identity
  jacov     NASWOT's earlier Jacobian-covariance score (input gradients)
  expr      AZ-NAS-style expressivity: entropy of the channel covariance
            spectrum of each cell's output, summed
  prog      AZ-NAS-style progressivity: the smallest increase of expr from
            one cell to the next
  jvp_*     trainability from Jacobian-vector products (forward mode):
            r = |J u| / |u| for random u, per cell (sum log r, -sum |log r|)
            and for the whole network (-|log r|: gain far from 1)

and ranks each alone and rank-summed with hwnas's own meco
(bench/nb201-meco.csv) against the three accuracy columns of
../shared/benchmarks/nb201/nb201_hw.csv. docs/evaluators.md has its figures.
Run from the repository root (torch, numpy, scipy; 18 min for 1,200 on 2 cores):

    python3 tools/proxy-study/proxies.py [--sample 1200] [--seed 7] [--jobs 2] [--out proxies.csv]
"""
import argparse, csv, math, multiprocessing, os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = '../shared/benchmarks/nb201/nb201_hw.csv'
MECO_TABLE = 'bench/nb201-meco.csv'
PROXIES = ['params', 'meco', 'zico', 'gradnorm', 'snip', 'synflow', 'jacov', 'expr', 'prog',
           'jvp_sumlog', 'jvp_absdev', 'jvp_net']


def kaiming_uniform(net, seed):
    import torch, torch.nn as nn
    g = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan = m.weight[0].numel(); b = math.sqrt(6.0 / fan)
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 2 * b - b)
                if m.bias is not None:
                    c = 1 / math.sqrt(fan); m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 2 * c - c)


def batch_stats_only(net):
    """Batch norm on the batch's statistics, with no running state (forward-mode AD rejects in-place updates)."""
    import torch.nn as nn
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.track_running_stats = False; m.running_mean = None; m.running_var = None; m.num_batches_tracked = None


def eigvalsh(m):
    import torch
    try:
        return torch.linalg.eigvalsh(m)
    except Exception:  # a degenerate matrix (dead network): no spectrum
        return None


def meco_layer(x):
    """C * lambda_min of the channels' Pearson correlation over the Marchenko-Pastur edge (x: C x HW), as hwnas."""
    C, S = x.shape
    if S <= C or C < 2: return 0.0
    x = x.double(); x = x - x.mean(1, keepdim=True); n = x.norm(dim=1)
    keep = (n > 1e-7 * x.abs().amax(1) * math.sqrt(S)) & (n > 0)
    x = x[keep] / n[keep, None]; k = x.shape[0]
    if k < 2 or k >= S: return 0.0
    ev = eigvalsh(x @ x.T)
    if ev is None: return 0.0
    return C * max(ev[0].item(), 0.0) / max((1 - math.sqrt(k / (S - 1))) ** 2, 1e-3)


def spectrum_entropy(y):
    C = y.shape[1]
    f = y.permute(0, 2, 3, 1).reshape(-1, C).double(); f = f - f.mean(0)
    ev = eigvalsh(f.T @ f / f.shape[0])
    if ev is None: return 0.0
    p = ev.clamp(min=0); p = p / p.sum().clamp(min=1e-30); p = p[p > 0]
    return -(p * p.log()).sum().item()


def score(arch):
    import torch, torch.nn as nn, torch.nn.functional as F
    from torch.func import jvp
    from nb201_torch import Net
    torch.set_num_threads(1)
    net = Net(arch); kaiming_uniform(net, 1); batch_stats_only(net); net.train()
    gen = torch.Generator().manual_seed(2)
    X = torch.rand((32, 3, 32, 32), generator=gen) * 2 - 1
    Y = torch.randint(0, 10, (32,), generator=gen)
    # Forward: every ReLU's map (meco) and every cell's input and output (expr, prog, jvp).
    relus, cell_in, cell_out = [], [], []
    hooks = [m.register_forward_hook(lambda m, a, o: relus.append(o.detach())) for m in net.modules() if isinstance(m, nn.ReLU)]
    def keep_cell(m, a, o):  # returns None: a hook's return value would replace the output
        cell_in.append(a[0].detach()); cell_out.append(o.detach())
    hooks += [c.register_forward_hook(keep_cell) for c in net.cells]
    with torch.no_grad(): net(X[:8])
    for h in hooks: h.remove()
    out = {'params': sum(p.numel() for p in net.parameters())}
    out['meco'] = sum(meco_layer(a[0].reshape(a.shape[1], -1)) for a in relus)
    ent = [spectrum_entropy(y) for y in cell_out]
    out['expr'] = sum(ent); out['prog'] = min(b - a for a, b in zip(ent, ent[1:]))
    with torch.no_grad():
        logs = []
        for c, x in zip(net.cells, cell_in):
            u = torch.randn(x.shape, generator=gen); _, t = jvp(c, (x,), (u,))
            logs.append(math.log(max((t.norm() / u.norm()).item(), 1e-30)))
        u = torch.randn((8, 3, 32, 32), generator=gen); _, t = jvp(net.features, (X[:8],), (u,))
        out['jvp_net'] = -abs(math.log(max((t.norm() / u.norm()).item(), 1e-30)))
    out['jvp_sumlog'] = sum(logs); out['jvp_absdev'] = -sum(abs(v) for v in logs)
    # Backward: weight gradients of 4 mini-batches (zico, gradnorm, snip).
    weights = [m.weight for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    grads = []
    for b in range(4):
        net.zero_grad(); F.cross_entropy(net(X[b * 8:(b + 1) * 8]), Y[b * 8:(b + 1) * 8]).backward()
        grads.append([w.grad.detach().clone() for w in weights])
    zico = 0.0
    for li in range(len(weights)):
        g = torch.stack([gr[li] for gr in grads]).double(); sd = g.std(0, unbiased=False); m = sd > 0
        s = (g.abs().mean(0)[m] / sd[m]).sum().item()
        if s > 0: zico += math.log(s)
    out['zico'] = zico
    out['gradnorm'] = sum(g.double().norm().item() for g in grads[0])
    out['snip'] = sum((g * w).abs().sum().item() for g, w in zip(grads[0], weights))
    xj = X[:8].clone().requires_grad_(True); net.zero_grad(); net(xj).sum().backward()
    ev = eigvalsh(torch.corrcoef(xj.grad.reshape(8, -1).double()))
    out['jacov'] = float('nan') if ev is None else -(torch.log(ev.clamp(min=0) + 1e-5) + 1 / (ev.clamp(min=0) + 1e-5)).sum().item()
    # SynFlow: data-free, |weights|, ones input, batch norm as identity (eval mode at init).
    net2 = Net(arch).double(); kaiming_uniform(net2, 1); net2.eval()
    with torch.no_grad():
        for p in net2.parameters(): p.abs_()
    net2(torch.ones((1, 3, 32, 32), dtype=torch.float64)).sum().backward()
    out['synflow'] = sum((m.weight.grad * m.weight).sum().item() for m in net2.modules()
                         if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None)
    return arch, out


def init_worker():
    sys.path.insert(0, HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sample', type=int, default=1200); ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--jobs', type=int, default=2); ap.add_argument('--out', default='proxies.csv')
    a = ap.parse_args()
    from scipy.stats import spearmanr, rankdata
    rows = list(csv.DictReader(open(TABLE)))
    acc = {r['arch']: [float(r[c]) for c in ('cifar10_acc', 'cifar100_acc', 'imagenet16_acc')] for r in rows}
    hw = {r['arch']: float(r['meco']) for r in csv.DictReader(open(MECO_TABLE))}
    archs = [rows[i]['arch'] for i in np.random.default_rng(a.seed).permutation(len(rows))[:a.sample]]
    with multiprocessing.get_context('spawn').Pool(a.jobs, initializer=init_worker) as pool:
        scored = []
        for n, r in enumerate(pool.imap(score, archs, chunksize=4)):
            scored.append(r)
            if (n + 1) % 100 == 0: print('%d/%d' % (n + 1, len(archs)), file=sys.stderr, flush=True)
    with open(a.out, 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['arch', 'hwnas_meco'] + PROXIES)
        for arch, s in scored: w.writerow([arch, hw[arch]] + [s[p] for p in PROXIES])
    A = np.array([acc[x] for x, _ in scored])
    cols = {'hwnas meco': np.array([hw[x] for x, _ in scored])}
    cols.update({p: np.nan_to_num(np.array([s[p] for _, s in scored], dtype=float), nan=-1e300) for p in PROXIES})
    rank = {k: rankdata(v) / len(v) for k, v in cols.items()}
    print('%d architectures (sample seed %d); Spearman against cifar10 / cifar100 / imagenet16 accuracy\n' % (len(scored), a.seed))
    print('| proxy | cifar10 | cifar100 | imagenet16 |\n| --- | ---: | ---: | ---: |')
    line = lambda name, s: print('| %s | %s |' % (name, ' | '.join('%.3f' % spearmanr(s, A[:, j])[0] for j in range(3))))
    for k, v in cols.items(): line(k, v)
    for p in PROXIES:
        if p == 'meco': continue
        for wt in (0.1, 0.25, 0.5):
            line('rank(hwnas meco) + %.2f rank(%s)' % (wt, p), rank['hwnas meco'] + wt * rank[p])


if __name__ == '__main__':
    main()
