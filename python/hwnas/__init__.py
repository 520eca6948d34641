"""hwnas for Python.

- hwnas.Host: hwnas's host through its C API (cffi): cost models of hardware
  profiles, search strategies (ask/tell), search spaces and the exact network
  IR of any architecture — the same code and numbers as the `hwnas` command.
- hwnas.search: a constrained search (the loop `hwnas search` runs) scored
  by a plugin evaluator or a Python callable; returns a SearchResult.
- hwnas.torch.build: the network IR as a torch.nn.Module (import hwnas.torch).
- hwnas.plugin: a strategy written in Python, built into a plugin library
  `hwnas search --strategy ID` loads.
"""
from .host import CostModel, Host, HwnasError, Strategy
from .search import Candidate, SearchResult, search

__all__ = ["Host", "CostModel", "Strategy", "HwnasError", "search", "SearchResult", "Candidate"]
