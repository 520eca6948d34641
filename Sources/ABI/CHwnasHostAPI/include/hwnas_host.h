/* hwnas host API: hwnas's host (plugins, search spaces, hardware profiles)
 * driven from C, or from Python through cffi (python/hwnas). The same code
 * as the `hwnas` command: a cost estimate here is the number `hwnas cost`
 * prints, a network the file `hwnas export --format json` writes.
 *
 * Library: libhwnas_host.so (built by `swift build`, next to the plugins).
 * C99, fixed-width types; every object is opaque.
 *
 * Conventions, for every function:
 * - Thread: a session and the objects made from it are not thread-safe;
 *   use them from one thread at a time.
 * - Errors: a function that can fail takes `error` (may be NULL) and
 *   `capacity` (bytes, NUL included) and writes one line there saying what
 *   is wrong and where (the file, option or plugin). Pointer results are
 *   NULL on failure; int32_t results are 0 on success, -1 on failure.
 * - Ownership: strings returned as `char *` are the caller's; free them with
 *   hwnas_host_free. `const char *` results belong to the object they came
 *   from and live as long as it. Arguments are only read during the call.
 * - JSON: options are a JSON object of strings ({"input_size": "64"}),
 *   or NULL for none.
 * - Version: HWNAS_HOST_API_VERSION grows with additions only; check
 *   hwnas_host_api_version() >= the version you need.
 */
#ifndef HWNAS_HOST_API_H
#define HWNAS_HOST_API_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HWNAS_HOST_API_VERSION 2

typedef struct hwnas_host_session hwnas_host_session;
typedef struct hwnas_host_costs hwnas_host_costs;
typedef struct hwnas_host_strategy hwnas_host_strategy;

/* The API version this library implements (HWNAS_HOST_API_VERSION). */
uint32_t hwnas_host_api_version(void);

/* Frees a string this API returned. NULL is allowed. */
void hwnas_host_free(char *text);

/* Opens a session: loads every plugin library on the search path —
 * plugin_path (':'-separated folders or .so files; NULL or "" for none),
 * then HWNAS_PLUGIN_PATH, then the folder holding libhwnas_host.so (where
 * `swift build` puts the built-in plugins). `home` (NULL: HWNAS_HOME) is a
 * folder, or ':'-separated folders, with hardware-profiles/ and
 * search-spaces/, searched first; then the folders this library ships
 * with (its project or installed package), then the current folder. It is
 * this session's own, never the process's environment. Plugin libraries
 * that fail to load are skipped and listed by hwnas_host_problems. */
hwnas_host_session *hwnas_host_open(const char *plugin_path, const char *home, char *error, uint32_t capacity);
void hwnas_host_close(hwnas_host_session *session);

/* Libraries on the search path that did not load, one per line ("" when
 * none). Owned by the session. */
const char *hwnas_host_problems(const hwnas_host_session *session);

/* Plugins loaded, as JSON: [{"kind": "strategy", "id": "...", "file": "..."}]. */
char *hwnas_host_plugins_json(hwnas_host_session *session, char *error, uint32_t capacity);

/* A search space (a name in search-spaces/, a .yaml path or a space plugin
 * id) as JSON: {"name", "dims": [...], "choices": [[...]], "size"}. */
char *hwnas_host_space_json(hwnas_host_session *session, const char *space, const char *options_json,
                            char *error, uint32_t capacity);

/* The canonical architecture string of a genotype (n_dims values) of space. */
char *hwnas_host_arch(hwnas_host_session *session, const char *space, const char *options_json,
                      const int32_t *genotype, uint32_t n_dims, char *error, uint32_t capacity);

/* The network IR of an architecture of space, as JSON: the document
 * `hwnas export --format json` writes (docs/network-ir.md). */
char *hwnas_host_network_json(hwnas_host_session *session, const char *space, const char *options_json,
                              const char *arch, char *error, uint32_t capacity);

/* The cost models of hardware profile `profile` (a name in
 * hardware-profiles/ or a .yaml path) over space. */
hwnas_host_costs *hwnas_host_costs_open(hwnas_host_session *session, const char *profile, const char *space,
                                        const char *options_json, char *error, uint32_t capacity);
void hwnas_host_costs_close(hwnas_host_costs *costs);
/* Metrics, in the order estimates fill them. */
uint32_t hwnas_host_costs_metric_count(const hwnas_host_costs *costs);
/* NULL when index >= the count. */
const char *hwnas_host_costs_metric_name(const hwnas_host_costs *costs, uint32_t index);
/* Genotype length of the space. */
uint32_t hwnas_host_costs_dims(const hwnas_host_costs *costs);
/* Fills out[count][metric count] for `count` architecture strings; NaN
 * where a model knows no value. */
int32_t hwnas_host_costs_estimate_archs(hwnas_host_costs *costs, uint32_t count, const char *const *archs,
                                        double *out, char *error, uint32_t capacity);
/* The same for genotypes[count][dims]. */
int32_t hwnas_host_costs_estimate_genotypes(hwnas_host_costs *costs, uint32_t count, const int32_t *genotypes,
                                            double *out, char *error, uint32_t capacity);

/* ---- Version 1 ---- */

/* A search strategy plugin `id` over space, with a seed, the evaluation
 * budget it plans for and its options (checked like `hwnas search
 * --strategy-option`). One objective, larger is better. `profile` (may be
 * NULL) gives the strategy the profile's metrics through query_costs; every
 * candidate counts as feasible. */
hwnas_host_strategy *hwnas_host_strategy_open(hwnas_host_session *session, const char *id, const char *space,
                                              const char *space_options_json, uint64_t seed, uint32_t budget,
                                              const char *options_json, const char *profile,
                                              char *error, uint32_t capacity);
void hwnas_host_strategy_close(hwnas_host_strategy *strategy);
uint32_t hwnas_host_strategy_dims(const hwnas_host_strategy *strategy);
/* Up to max_count genotypes into genotypes_out[max_count][dims], their
 * number into *count_out. Returns 1 when the strategy has nothing left or
 * the budget is spent (results told plus genotypes asked and not yet told). */
int32_t hwnas_host_strategy_ask(hwnas_host_strategy *strategy, uint32_t max_count, int32_t *genotypes_out,
                                uint32_t *count_out, char *error, uint32_t capacity);
/* Results of asked genotypes[count][dims]: objectives[count], larger is
 * better, NaN for a failed evaluation. Only genotypes this strategy asked
 * and whose result was not told yet; otherwise -1 and nothing is told. */
int32_t hwnas_host_strategy_tell(hwnas_host_strategy *strategy, uint32_t count, const int32_t *genotypes,
                                 const double *objectives, char *error, uint32_t capacity);

/* ---- Version 2: strategies with constraints and objectives, whole searches ---- */

/* A strategy as hwnas search runs it, configured by a JSON object:
 *   {"strategy": id, "space": name, "space_options": {}, "seed": 1,
 *    "budget": 100, "strategy_options": {}, "profile": name or path,
 *    "constraints": ["peak_sram_kb<=256"],
 *    "objectives": ["accuracy:max", "latency_ms:min"]}
 * strategy, space and budget are required; an unknown key is an error.
 * Constraints need a profile: ask returns only proposals the profile's
 * cost models find feasible (the others are told to the strategy as
 * infeasible, as the search loop does) and never one already told or
 * outstanding. Objectives default to ["objective:max"]; one named after a
 * profile metric is filled from the profile when tell gets fewer values. */
hwnas_host_strategy *hwnas_host_strategy_open_with(hwnas_host_session *session, const char *config_json,
                                                   char *error, uint32_t capacity);
/* The strategy's objectives: tell_values takes either this many values per
 * genotype, or hwnas_host_strategy_user_objective_count (the objectives
 * that are not profile metrics, in order; the host fills the rest). */
uint32_t hwnas_host_strategy_objective_count(const hwnas_host_strategy *strategy);
uint32_t hwnas_host_strategy_user_objective_count(const hwnas_host_strategy *strategy);
/* NULL when index >= hwnas_host_strategy_objective_count; "accuracy:max". */
const char *hwnas_host_strategy_objective(const hwnas_host_strategy *strategy, uint32_t index);
/* Results of asked genotypes[count][dims]: values[count][n_values] in the
 * objectives' own units and directions (the host orients them: a :min
 * objective is told negated). NaN anywhere in a row: a failed evaluation.
 * The same all-or-none rules as hwnas_host_strategy_tell. */
int32_t hwnas_host_strategy_tell_values(hwnas_host_strategy *strategy, uint32_t count, const int32_t *genotypes,
                                        const double *values, uint32_t n_values, char *error, uint32_t capacity);

/* A search's evaluator as a function (hwnas_host_search). Called on the
 * thread that called hwnas_host_search, once per round, with the round's new
 * feasible candidates; with schedule "async" and parallel > 1, from the
 * search's worker threads instead, one candidate per call and several calls
 * at once (the function must then be thread-safe). archs[count] (canonical
 * strings), genotypes[count]
 * [n_dims]. Fill metrics_out[count][n_metrics] (NaN on entry; a NaN first
 * metric is a failed evaluation) and, for a failure, its reason into
 * reasons_out + i * reason_capacity (NUL-terminated; "" on entry). Return
 * 0 to go on, 1 to end the search after this round (its results count),
 * -1 when the whole call failed (every candidate fails with the reason in
 * reasons_out[0]). Pointers are valid during the call only. */
typedef int32_t (*hwnas_host_evaluate_fn)(void *user_data, uint32_t count, const char *const *archs,
                                          const int32_t *genotypes, uint32_t n_dims, double *metrics_out,
                                          uint32_t n_metrics, char *reasons_out, uint32_t reason_capacity);

/* Told after every round ({"event": "round", "evaluations", "budget",
 * "seconds", "metric", "best", "best_arch", "infeasible", "duplicates",
 * "failed"}) and when a whole evaluator call fails ({"event":
 * "evaluator_error", "message"}), on the searching thread. Return nonzero to
 * end the search after this round (a caller's Ctrl-C). */
typedef int32_t (*hwnas_host_progress_fn)(void *user_data, const char *event_json);

/* Runs a search, the loop `hwnas search` runs (screening, de-duplication,
 * journal and resume, failures counted), configured by a JSON object with
 * the command's options as keys:
 *   space, space_options {}, profile, constraints [], objectives [],
 *   soft [], strategy, strategy_options {}, evaluator (a plugin id) and
 *   evaluator_options {}, budget, seed, parallel, schedule ("rounds" or "async"),
 *   fidelity ("epochs=1:27:3"), scheduler ("asha", "successive-halving", "hyperband"),
 *   fidelity_budget, journal, reuse_journal,
 *   keep_failed, output (the result file), plot (an .svg).
 * With `evaluate` (may be NULL) the function scores instead of a plugin:
 * give evaluator_metrics (its metric names, the first the primary) and
 * evaluator_name (how the result and journal name it), not evaluator.
 * `progress` may be NULL. Returns the result document `hwnas search
 * --output` writes (the caller frees it), or NULL with the error when the
 * search could not start or its output could not be written (the journal
 * keeps what was evaluated). */
char *hwnas_host_search(hwnas_host_session *session, const char *config_json,
                        hwnas_host_evaluate_fn evaluate, void *evaluate_data,
                        hwnas_host_progress_fn progress, void *progress_data,
                        char *error, uint32_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* HWNAS_HOST_API_H */
