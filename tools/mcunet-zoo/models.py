#!/usr/bin/env python3
"""The MobileNetV2 and ProxylessNAS baselines of MCUNet's model zoo, built in PyTorch by
MCUNet's own rules and exported as ONNX, so hwnas prices networks whose
memory on a board is published for TF Lite Micro and for TinyEngine.

Rules (mit-han-lab/mcunet, mcunet/tinynas/nn/networks/mobilenet_v2.py and
proxyless_nets.py): channels x width rounded by make_divisible(8) (never
below 90 % of the scaled value); stem 3x3 conv 32 / 2; blocks (t, c, n, s)
(1, 16, 1, 1) (6, 24, 2, 2) (6, 32, 3, 2) (6, 64, 4, 2) (6, 96, 3, 1)
(6, 160, 3, 2) (6, 320, 1, 1), 3x3 depthwise, ReLU6 after the expansion
and the depthwise convolution, a residual add where t > 1, the stride is 1
and the channels match; a 1x1 feature-mix conv of 1280 x width channels
(the zoo's models scale it: mbv2-w0.35-r144 has the published 23.5 M MACs
and 0.75 M parameters only so); global average pool; dense 1000.

  mbv2-w0.35-r144   width 0.35, 144 x 144 (mcunet README: TinyEngine on
                    STM32F746, 308 kB SRAM, 862 kB flash)
  mbv2-w0.3-r64     width 0.3, 64 x 64 (tinyengine README, STM32H743:
                    TF Lite Micro 173 kB / 940 kB, CMSIS-NN 173 kB / 959 kB,
                    X-CUBE-AI 88 kB / 768 kB, TinyEngine 61 kB / 690 kB)
  proxyless-w0.3-r64  ProxylessNAS-Mobile at width 0.3, 64 x 64 (tinyengine
                    README, STM32H743: TF Lite Micro 128 kB / 1065 kB,
                    CMSIS-NN 136 kB / 1084 kB, X-CUBE-AI 97 kB / 865 kB,
                    TinyEngine 35 kB / 777 kB)
  proxyless-w0.3-r176 the same at 176 x 176 (TF Lite Micro 453 kB / 1065 kB,
                    CMSIS-NN 453 kB / 1084 kB, X-CUBE-AI 221 kB / 865 kB,
                    TinyEngine 259 kB / 779 kB; mcunet README: 38.3 M MACs,
                    0.75 M parameters)

Batch norms are kept (hwnas folds them); weights are random: costs need
shapes, not trained values.

usage: models.py OUTDIR [name ...]   writes OUTDIR/<name>.onnx
"""
import os
import sys

import torch
from torch import nn


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def conv_bn(cin, cout, k, stride=1, groups=1, relu6=True):
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU6()) if relu6 else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t, k=3):
        super().__init__()
        mid = round(cin * t)
        layers = [conv_bn(cin, mid, 1)] if t != 1 else []
        layers += [conv_bn(mid, mid, k, stride, groups=mid), conv_bn(mid, cout, 1, relu6=False)]
        self.body = nn.Sequential(*layers)
        self.residual = t > 1 and stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


def mobilenet_v2(width, classes=1000):
    c = make_divisible(32 * width)
    layers = [conv_bn(3, c, 3, 2)]
    for t, channels, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                              (6, 160, 3, 2), (6, 320, 1, 1)]:
        out = make_divisible(channels * width)
        for i in range(n):
            layers.append(InvertedResidual(c, out, s if i == 0 else 1, t))
            c = out
    last = make_divisible(1280 * width)
    layers += [conv_bn(c, last, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(last, classes)]
    return nn.Sequential(*layers)


# ProxylessNAS-Mobile (Cai et al., ICLR 2019), the searched network as
# published: per stage (channels, first stride, blocks as (kernel, expansion));
# the blocks the search made zero layers are absent (their residual is the
# identity). The first block is MB1 3x3 to 16 channels.
PROXYLESS_MOBILE = [
    (32, 2, [(5, 3), (3, 3)]),
    (40, 2, [(7, 3), (3, 3), (5, 3), (5, 3)]),
    (80, 2, [(7, 6), (5, 3), (5, 3), (5, 3)]),
    (96, 1, [(5, 6), (5, 3), (5, 3), (5, 3)]),
    (192, 2, [(7, 6), (7, 6), (7, 3), (7, 3)]),
    (320, 1, [(7, 6)]),
]


def proxyless_mobile(width, classes=1000, widths=None):
    """MCUNet's proxyless-w0.3: the same width rules as mobilenet_v2 (stem,
    stages and the 1280-channel feature mix all scaled), except where
    `widths` (stage channels -> scaled channels) overrides them."""
    widths = widths or {}
    c = make_divisible(32 * width)
    layers = [conv_bn(3, c, 3, 2)]
    out = make_divisible(16 * width)
    layers.append(InvertedResidual(c, out, 1, 1))
    c = out
    for channels, stride, blocks in PROXYLESS_MOBILE:
        out = widths.get(channels, make_divisible(channels * width))
        for i, (k, t) in enumerate(blocks):
            layers.append(InvertedResidual(c, out, stride if i == 0 else 1, t, k))
            c = out
    last = make_divisible(1280 * width)
    layers += [conv_bn(c, last, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(last, classes)]
    return nn.Sequential(*layers)


def proxyless_w03(classes=1000):
    """The zoo's proxyless-w0.3 (published: 38.3 M MACs at 176 x 176, 0.75 M
    parameters): its 192-channel stage has 64 channels, not the 56 that
    make_divisible gives; 38.28 M and 0.754 M come out only so (56: 36.8 M
    and 0.71 M)."""
    return proxyless_mobile(0.3, classes, widths={192: 64})


MODELS = {"mbv2-w0.35-r144": (lambda: mobilenet_v2(0.35), 144), "mbv2-w0.3-r64": (lambda: mobilenet_v2(0.3), 64),
          "proxyless-w0.3-r176": (proxyless_w03, 176), "proxyless-w0.3-r64": (proxyless_w03, 64)}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().split("\n\n")[-1])
    out = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"models.py: unknown model {unknown[0]!r} (known: {', '.join(MODELS)})")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in names:
        build, res = MODELS[name]
        m = build().eval()
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(m, torch.randn(1, 3, res, res), path, opset_version=17, input_names=["input"],
                          output_names=["output"], dynamo=False)
        print(path)


if __name__ == "__main__":
    main()
