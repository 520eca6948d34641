"""tools/proxy-study (docs/evaluators.md, "Would a backward pass help?"):
its torch NB201 network is NB201's (the published parameter count), its
meco is hwnas's formula (random channels score about C: lambda_min at the
Marchenko-Pastur edge), and one architecture gets a finite value for every
proxy the study ranks."""
import math
import os
import sys

import torch

STUDY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "proxy-study")
sys.path.insert(0, STUDY)

import proxies  # noqa: E402
from nb201_torch import Net  # noqa: E402

ALL_3X3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_network_has_nb201s_parameter_count():
    # NAS-Bench-201 lists 1.531546 M parameters for this cell on CIFAR-10.
    assert sum(p.numel() for p in Net(ALL_3X3).parameters()) == 1531546


def test_meco_of_random_channels_is_about_their_count():
    g = torch.Generator().manual_seed(3)
    # 32 channels over 256 positions: the unnormalised C * lambda_min is ~14.
    score = proxies.meco_layer(torch.randn((32, 256), generator=g))
    assert 0.8 * 32 < score < 1.4 * 32, score
    # Fewer positions than channels: a singular correlation scores nothing.
    assert proxies.meco_layer(torch.randn((16, 8), generator=g)) == 0.0


def test_every_proxy_is_finite_on_one_architecture():
    torch.set_num_threads(1)
    arch, scores = proxies.score("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|")
    assert set(scores) == set(proxies.PROXIES)
    assert all(math.isfinite(v) for v in scores.values()), scores
    assert scores["meco"] > 0 and scores["zico"] > 0 and scores["synflow"] > 0
