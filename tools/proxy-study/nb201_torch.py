"""NAS-Bench-201 networks in PyTorch, for tools/proxy-study only (not hwnas's executor)."""
import torch, torch.nn as nn

class ReLUConvBN(nn.Module):
    def __init__(s, ci, co, k, stride):
        super().__init__()
        s.relu = nn.ReLU(inplace=False)
        s.conv = nn.Conv2d(ci, co, k, stride, (k - 1) // 2, bias=False)
        s.bn = nn.BatchNorm2d(co)
    def forward(s, x): return s.bn(s.conv(s.relu(x)))

class Zero(nn.Module):
    def forward(s, x): return x * 0.0

def make_op(name, c):
    if name == 'none': return Zero()
    if name == 'skip_connect': return nn.Identity()
    if name == 'nor_conv_1x1': return ReLUConvBN(c, c, 1, 1)
    if name == 'nor_conv_3x3': return ReLUConvBN(c, c, 3, 1)
    if name == 'avg_pool_3x3': return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    raise ValueError(name)

def parse(arch):
    nodes = arch.strip('|').split('|+|')
    edges = []
    for j, node in enumerate(nodes, start=1):
        for e in node.strip('|').split('|'):
            op, i = e.split('~'); edges.append((j, int(i), op))
    return edges

class Cell(nn.Module):
    def __init__(s, arch, c):
        super().__init__()
        s.edges = parse(arch)
        s.ops = nn.ModuleList([make_op(op, c) for (_, _, op) in s.edges])
    def forward(s, x):
        nodes = [x]
        for j in range(1, 4):
            acc = None
            for (jj, i, _), op in zip(s.edges, s.ops):
                if jj == j:
                    y = op(nodes[i]); acc = y if acc is None else acc + y
            nodes.append(acc)
        return nodes[3]

class ResBlock(nn.Module):
    def __init__(s, ci, co):
        super().__init__()
        s.a = ReLUConvBN(ci, co, 3, 2); s.b = ReLUConvBN(co, co, 3, 1)
        s.down = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(ci, co, 1, bias=False))
    def forward(s, x): return s.down(x) + s.b(s.a(x))

class Net(nn.Module):
    def __init__(s, arch, C=16, N=5, classes=10):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        layers = []
        c = C
        for stage in range(3):
            if stage > 0: layers.append(ResBlock(c, c * 2)); c *= 2
            layers += [Cell(arch, c) for _ in range(N)]
        s.cells = nn.Sequential(*layers)
        s.last = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())
        s.pool = nn.AdaptiveAvgPool2d(1)
        s.fc = nn.Linear(c, classes)
    def features(s, x): return s.last(s.cells(s.stem(x)))
    def forward(s, x): return s.fc(s.pool(s.features(x)).flatten(1))
