"""A search strategy in Python: random start, then mutations of the best
genotype seen (one dim changed at a time). `python -m hwnas.plugin`-style
build: see python/README.md.

Options: warmup (random genotypes before mutating, default 8)."""
import numpy as np


class MutationStrategy:
    def __init__(self, space, seed, budget, options):
        unknown = set(options) - {"warmup"}
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; MutationStrategy takes: warmup")
        self.counts = [len(c) for c in space["choices"]]
        self.rng = np.random.default_rng(seed)
        self.warmup = int(options.get("warmup", 8))
        self.best, self.best_value, self.told = None, -np.inf, 0
        self.seen = set()

    def _random(self):
        return [int(self.rng.integers(c)) for c in self.counts]

    def _mutate(self, g):
        g = list(g)
        d = int(self.rng.integers(len(g)))
        g[d] = int((g[d] + 1 + self.rng.integers(max(self.counts[d] - 1, 1))) % self.counts[d])
        return g

    def ask(self, n):
        out = []
        for _ in range(50 * n):
            if len(out) == n:
                break
            g = self._random() if self.best is None or self.told < self.warmup else self._mutate(self.best)
            if tuple(g) not in self.seen:
                self.seen.add(tuple(g))
                out.append(g)
        return out

    def tell(self, genotypes, objectives, outcomes):
        for g, v, o in zip(genotypes, objectives, outcomes):
            self.told += 1
            if o == 0 and v > self.best_value:
                self.best, self.best_value = list(g), float(v)
