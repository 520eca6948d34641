/*
 * hwnas plugin ABI, version 1.1 — the umbrella header.
 *
 * A plugin is a shared library that exports the entry FUNCTION
 * `hwnas_get_plugin_entry` (entry.h). Everything a plugin and the host
 * exchange crosses these headers: C99, fixed-width integers, doubles, UTF-8
 * NUL-terminated strings, plain structs and function pointers. One header per
 * concept:
 *
 *   version.h       versions, HWNAS_HAS_FIELD, HWNAS_EXPORT, thread tags
 *   status.h        status codes, log levels
 *   options.h       key/value options, descriptors
 *   host.h          what the host offers every plugin
 *   entry.h         the exported entry and its factories
 *   space.h         a search space as plain arrays
 *   network.h       the network IR: layers, tensors, networks
 *   candidates.h    candidate batches for cost models and evaluators
 *   strategy.h      ask/tell strategies          "hwnas.strategy-factory/1"
 *   cost-model.h    hardware cost models         "hwnas.cost-model-factory/1"
 *   operator-set.h  operator math                "hwnas.operator-set-factory/1"
 *   evaluator.h     evaluators                   "hwnas.evaluator-factory/1"
 *   search-space.h  search spaces (1.1)          "hwnas.search-space-factory/1"
 *
 * Rules that make this a promise (docs/plugin-abi.md explains each):
 *  - Every struct starts with `struct_size` and only ever grows at its end;
 *    check HWNAS_HAS_FIELD before reading a field of a later minor.
 *  - Capabilities are found by string id: get_factory(id) returns NULL for an
 *    id it does not know. Factory ids carry a revision ("/1").
 *  - Ownership: pointers handed INTO a call are valid only during that call
 *    unless stated otherwise. Pointers a plugin RETURNS are owned by the
 *    plugin; the host never frees them. Instances are released with their own
 *    destroy(). Memory allocated on one side is freed by the same side.
 *  - Every function pointer carries a thread tag (version.h).
 */
#ifndef HWNAS_PLUGIN_H
#define HWNAS_PLUGIN_H

#include "version.h"
#include "status.h"
#include "options.h"
#include "host.h"
#include "entry.h"
#include "space.h"
#include "network.h"
#include "candidates.h"
#include "strategy.h"
#include "cost-model.h"
#include "operator-set.h"
#include "evaluator.h"
#include "search-space.h"

#endif /* HWNAS_PLUGIN_H */
