#!/usr/bin/env python3
"""The MLPerf Tiny reference models (v0.5/v1.0 closed division), built in
PyTorch from their published architectures and exported as ONNX, so hwnas
prices them (`hwnas cost --model`) on the boards whose MLPerf Tiny
latencies calibrate its MCU profiles (docs/operators-and-mcu.md).

  ic    ResNet-8 on CIFAR-10, 32x32x3: conv 16; three residual stacks of two
        3x3 convs (16, 32/2, 64/2; 1x1 conv shortcuts where the stride is 2);
        global average pool; dense 10
  kws   DS-CNN (small) keyword spotting, 49x10x1 MFCC: conv 64 (10x4, stride
        2); four depthwise-separable blocks of 64; average pool; dense 12
  vww   MobileNetV1 width 0.25 visual wake words, 96x96x3: conv 8/2; 13
        depthwise-separable blocks (16 .. 256 channels); average pool; dense 2
  ad    the anomaly-detection autoencoder on 640 log-mel features (a
        [batch, 640] input): dense 128 x4, dense 8, dense 128 x4, each with
        batch norm and ReLU, then dense 640
The final softmax is left out (hwnas refuses Softmax; it is a few dozen
operations). Batch norms are kept (hwnas folds them); weights are random:
costs need shapes, not trained values.

usage: models.py OUTDIR [ic kws vww ad]   writes OUTDIR/<name>.onnx
"""
import os
import sys

import torch
from torch import nn


def conv_bn(cin, cout, k, stride=1, padding=None, groups=1, relu=True):
    pad = (k - 1) // 2 if padding is None else padding
    layers = [nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)


class ResidualStack(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = conv_bn(cout, cout, 3, relu=False)
        self.shortcut = conv_bn(cin, cout, 1, stride, padding=0, relu=False) if stride != 1 or cin != cout else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.b(self.a(x)) + self.shortcut(x))


def resnet8():
    return nn.Sequential(conv_bn(3, 16, 3), ResidualStack(16, 16, 1), ResidualStack(16, 32, 2), ResidualStack(32, 64, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def separable(cin, cout, stride):
    return nn.Sequential(conv_bn(cin, cin, 3, stride, groups=cin), conv_bn(cin, cout, 1, padding=0))


def ds_cnn():
    # 10x4 stride 2 "same" on 49x10 gives 25x5; padding (5, 1) gives the same size.
    blocks = [conv_bn(1, 64, (10, 4), 2, padding=(5, 1))] + [separable(64, 64, 1) for _ in range(4)]
    return nn.Sequential(*blocks, nn.AvgPool2d((25, 5)), nn.Flatten(), nn.Linear(64, 12))


def mobilenet_v1_025():
    cfg = [(8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2)] + [(128, 128, 1)] * 5 + \
          [(128, 256, 2), (256, 256, 1)]
    return nn.Sequential(conv_bn(3, 8, 3, 2), *[separable(a, b, s) for a, b, s in cfg],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 2))


def autoencoder():
    sizes = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
    layers = [m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU())]
    return nn.Sequential(*layers, nn.Linear(128, 640))


MODELS = {"ic": (resnet8, (1, 3, 32, 32)), "kws": (ds_cnn, (1, 1, 49, 10)), "vww": (mobilenet_v1_025, (1, 3, 96, 96)),
          "ad": (autoencoder, (1, 640))}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[-1])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in sys.argv[2:] or list(MODELS):
        build, shape = MODELS[name]
        m = build().eval()
        torch.onnx.export(m, (torch.randn(*shape),), os.path.join(out, f"{name}.onnx"), input_names=["input"],
                          output_names=["output"], opset_version=17, dynamo=False)


if __name__ == "__main__":
    main()
