"""Data sets for training candidates and supernets: bundled ones (generated
or shipped inside Python packages, nothing is downloaded) and a user's own
.npz file. Used by examples/trainer/train_torch.py, tools/trained-truth and
hwnas.supernet.

  digits          scikit-learn's 8x8 digits, 10 classes, fixed 80/20 split
  basicmotions    aeon's UEA BasicMotions, 6 x 100, 4 classes, 40 / 40
  arrowhead       aeon's UCR ArrowHead, 1 x 251, 3 classes, 36 / 175
  mnist1d         MNIST-1D from the mnist1d package's templates, 1 x 40, 10 classes, 4000 / 1000
  japanesevowels  aeon's UEA JapaneseVowels, 12 x 29 (zero-padded), 9 classes, 270 / 370
  FILE.npz        x_train, y_train, x_test, y_test; never resized

`load_dataset(name)` returns a `Dataset`; `Dataset.for_input(spatial_dims,
shape)` gives its train and test tensors in a network's input shape
(bundled sets are resized to it, a user's file must match it).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["Dataset", "load_dataset", "LOADERS"]


def log(msg):
    print(f"[hwnas.data] {msg}", file=sys.stderr, flush=True)


class Dataset:
    """Train and validation tensors, [N, C, H, W] (images) or [N, C, W] (series)."""

    def __init__(self, name, spatial_dims, classes, xt, yt, xv, yv, resizable=True):
        self.name, self.spatial_dims, self.classes = name, spatial_dims, classes
        self.xt, self.yt, self.xv, self.yv = xt, yt, xv, yv
        self.resizable = resizable
        self._cache = {}

    def for_input(self, spatial_dims, shape):
        """The data in the network's input shape (C, H, W) / (C, W), resized if needed."""
        key = (spatial_dims, tuple(shape))
        if key in self._cache:
            return self._cache[key]
        if spatial_dims != self.spatial_dims:
            kind = "2-D images" if self.spatial_dims == 2 else "1-D series"
            raise ValueError(f"{self.name} is {kind}; the network has spatial_dims {spatial_dims}")
        if not self.resizable and tuple(self.xt.shape[1:]) != tuple(shape):
            raise ValueError(f"{self.name}: the data's input is {tuple(self.xt.shape[1:])} (C, ...); the network "
                             f"takes {tuple(shape)}: give the space the data's channels and size")
        xs = []
        notes = []
        for x in (self.xt, self.xv):
            c = x.shape[1]
            if shape[0] != c:
                if self.spatial_dims == 2 and c == 1:
                    x = x.repeat(1, shape[0], 1, 1)
                    notes.append(f"gray channel repeated x{shape[0]}")
                else:
                    raise ValueError(f"{self.name} has {c} channels; the network takes {shape[0]}")
            if tuple(x.shape[2:]) != tuple(shape[1:]):
                mode = "bilinear" if self.spatial_dims == 2 else "linear"
                notes.append(f"{mode} resize {tuple(x.shape[2:])} -> {tuple(shape[1:])}")
                x = F.interpolate(x, size=tuple(shape[1:]), mode=mode, align_corners=False)
            xs.append(x.contiguous())
        if notes:
            log(f"{self.name} for a network input {tuple(shape)}: {'; '.join(sorted(set(notes)))}")
        self._cache[key] = (xs[0], xs[1])
        return self._cache[key]


def load_digits_data():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = d.images.astype(np.float32) / 16.0
    y = d.target.astype(np.int64)
    rng = np.random.default_rng(0)               # the split is fixed, whatever --seed
    val = np.zeros(len(y), bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        val[rng.permutation(idx)[: int(round(0.2 * len(idx)))]] = True
    mean, std = x[~val].mean(), x[~val].std()
    x = (x - mean) / std
    t = torch.from_numpy(x).unsqueeze(1)           # [N, 1, 8, 8]
    yt = torch.from_numpy(y)
    tr, va = torch.from_numpy(~val), torch.from_numpy(val)
    return Dataset("digits", 2, 10, t[tr], yt[tr], t[va], yt[va])


def load_ucr(name, loader):
    """A UCR/UEA set bundled in aeon: its own train/test split, z-scored per
    channel with the training statistics."""
    import aeon.datasets as ad
    load = getattr(ad, loader)
    xt, yt = load(split="train")
    xv, yv = load(split="test")
    labels = sorted(set(yt.tolist()) | set(yv.tolist()))
    index = {l: i for i, l in enumerate(labels)}
    xt, xv = xt.astype(np.float32), xv.astype(np.float32)      # [N, C, W]
    mean = xt.mean(axis=(0, 2), keepdims=True)
    std = xt.std(axis=(0, 2), keepdims=True) + 1e-6
    xt, xv = (xt - mean) / std, (xv - mean) / std
    to_y = lambda ys: torch.tensor([index[v] for v in ys.tolist()], dtype=torch.int64)
    return Dataset(name, 1, len(labels), torch.from_numpy(xt), to_y(yt), torch.from_numpy(xv), to_y(yv))


def load_basicmotions_data():
    return load_ucr("basicmotions", "load_basic_motions")     # 6 channels x 100, 4 classes, 40 / 40


def load_arrowhead_data():
    return load_ucr("arrowhead", "load_arrow_head")           # 1 channel x 251, 3 classes, 36 / 175


def load_mnist1d_data():
    """MNIST-1D generated from the package's templates (no download): its
    default arguments, 5,000 sequences split 4,000 / 1,000, already centred
    and scaled to unit variance by the generator."""
    from mnist1d.data import get_dataset_args, make_dataset
    args = get_dataset_args()
    d = make_dataset(args)
    to_x = lambda a: torch.from_numpy(np.asarray(a, np.float32)).unsqueeze(1)     # [N, 1, 40]
    to_y = lambda a: torch.from_numpy(np.asarray(a, np.int64))
    return Dataset("mnist1d", 1, 10, to_x(d["x"]), to_y(d["y"]), to_x(d["x_test"]), to_y(d["y_test"]))


def load_japanesevowels_data():
    """UEA JapaneseVowels: series of 7-29 steps, z-scored per channel with the
    training statistics, then zero-padded at the end to 29 (the longest)."""
    import aeon.datasets as ad
    xt, yt = ad.load_japanese_vowels(split="train")
    xv, yv = ad.load_japanese_vowels(split="test")
    cat = np.concatenate([np.asarray(a, np.float32) for a in xt], axis=1)       # [12, total steps]
    mean, std = cat.mean(axis=1, keepdims=True), cat.std(axis=1, keepdims=True) + 1e-6
    length = max(a.shape[1] for a in list(xt) + list(xv))

    def pad(series):
        out = np.zeros((len(series), series[0].shape[0], length), np.float32)
        for i, a in enumerate(series):
            out[i, :, :a.shape[1]] = (np.asarray(a, np.float32) - mean) / std
        return torch.from_numpy(out)
    labels = sorted(set(np.asarray(yt).tolist()) | set(np.asarray(yv).tolist()))
    index = {l: i for i, l in enumerate(labels)}
    to_y = lambda ys: torch.tensor([index[v] for v in np.asarray(ys).tolist()], dtype=torch.int64)
    return Dataset("japanesevowels", 1, len(labels), pad(xt), to_y(yt), pad(xv), to_y(yv))


def load_npz_data(path):
    """A user's data set: x_train, y_train, x_test, y_test in one .npz file.
    Every problem is one line naming the file."""
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as e:
        raise ValueError(f"{path}: cannot read as .npz ({type(e).__name__}: {e})") from None
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in z.files]
    if missing:
        raise ValueError(f"{path}: missing array(s) {', '.join(missing)} (needs x_train, y_train, x_test, y_test)")
    xt, yt, xv, yv = (z[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    if xt.ndim not in (3, 4):
        raise ValueError(f"{path}: x_train has shape {xt.shape}; expected [N, C, W] (series) or [N, C, H, W] (images)")
    if xv.shape[1:] != xt.shape[1:]:
        raise ValueError(f"{path}: x_test's sample shape {xv.shape[1:]} differs from x_train's {xt.shape[1:]}")
    for name, x, y in (("train", xt, yt), ("test", xv, yv)):
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"{path}: y_{name} has shape {y.shape}; expected [{len(x)}] (one label per x_{name} row)")
        if len(x) < 2:
            raise ValueError(f"{path}: x_{name} has {len(x)} sample(s); at least 2 are needed")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{path}: y_{name} is {y.dtype}; class labels must be integers 0..K-1")
        if not np.issubdtype(x.dtype, np.number) or not np.isfinite(x).all():
            raise ValueError(f"{path}: x_{name} must be finite numbers (dtype {x.dtype})")
    if min(yt.min(), yv.min()) < 0:
        raise ValueError(f"{path}: negative class label {int(min(yt.min(), yv.min()))}; labels are 0..K-1")
    classes = int(max(yt.max(), yv.max())) + 1
    to_x = lambda a: torch.from_numpy(np.ascontiguousarray(a, np.float32))
    to_y = lambda a: torch.from_numpy(a.astype(np.int64))
    return Dataset(os.path.basename(path), xt.ndim - 2, classes, to_x(xt), to_y(yt), to_x(xv), to_y(yv), resizable=False)


LOADERS = {"digits": load_digits_data, "basicmotions": load_basicmotions_data, "arrowhead": load_arrowhead_data,
           "mnist1d": load_mnist1d_data, "japanesevowels": load_japanesevowels_data}


def load_dataset(name):
    """A bundled set by name, or a user's .npz file by path."""
    if name in LOADERS:
        return LOADERS[name]()
    if name.endswith(".npz"):
        return load_npz_data(name)
    raise ValueError(f"unknown dataset '{name}' (bundled: {', '.join(sorted(LOADERS))}; or a path to a .npz file)")
