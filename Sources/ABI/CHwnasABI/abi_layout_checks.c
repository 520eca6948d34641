/* Compile-time checks that the ABI structs keep their layout on LP64
 * platforms: the v1.0 fields where they always were, the 1.1 and 1.2 fields
 * appended after them. A failing check breaks the build: a shipped struct changed
 * shape. Tests/PluginABI/ABILayoutTests.swift checks the same numbers from
 * Swift, and Tests/abi-fixtures/v1.0 and v1.1 keep those headers themselves. */
#include "hwnas/plugin.h"

/* C99 has no _Static_assert: a negative array size fails compilation. */
#define HWNAS_CHECK(name, cond) typedef char hwnas_layout_check_##name[(cond) ? 1 : -1]

#if UINTPTR_MAX == 0xffffffffffffffffu
HWNAS_CHECK(version, sizeof(hwnas_version) == 12);
HWNAS_CHECK(option, sizeof(hwnas_option) == 16);
HWNAS_CHECK(options, sizeof(hwnas_options) == 16);
HWNAS_CHECK(host, sizeof(hwnas_host) == 56);
HWNAS_CHECK(host_log, offsetof(hwnas_host, log) == 48);
HWNAS_CHECK(descriptor, sizeof(hwnas_descriptor) == 64);
HWNAS_CHECK(descriptor_options, offsetof(hwnas_descriptor, options) == 48);
HWNAS_CHECK(option_spec, sizeof(hwnas_option_spec) == 64);
HWNAS_CHECK(space, sizeof(hwnas_search_space) == 48);
HWNAS_CHECK(layer, sizeof(hwnas_layer) == 184);
HWNAS_CHECK(layer_1_0, HWNAS_LAYER_SIZE_1_0 == 112);
HWNAS_CHECK(layer_kernel_h, offsetof(hwnas_layer, kernel_h) == 112);
HWNAS_CHECK(layer_gate, offsetof(hwnas_layer, gate_activation) == 176);
HWNAS_CHECK(layer_params, offsetof(hwnas_layer, params) == 72);
HWNAS_CHECK(layer_cell, offsetof(hwnas_layer, cell) == 104);
HWNAS_CHECK(tensor, sizeof(hwnas_tensor) == 16);
HWNAS_CHECK(network, sizeof(hwnas_network) == 40);
HWNAS_CHECK(network_layer_size, offsetof(hwnas_network, layer_size) == 32);
HWNAS_CHECK(batch, sizeof(hwnas_candidate_batch) == 48);
HWNAS_CHECK(batch_1_1, offsetof(hwnas_candidate_batch, requests) == 40);
HWNAS_CHECK(batch_networks, offsetof(hwnas_candidate_batch, networks) == 32);
HWNAS_CHECK(tell, sizeof(hwnas_tell) == 64);
HWNAS_CHECK(context, sizeof(hwnas_search_context) == 72);
HWNAS_CHECK(context_query, offsetof(hwnas_search_context, query_costs) == 56);
HWNAS_CHECK(strategy, sizeof(hwnas_strategy) == 48);
HWNAS_CHECK(factory, sizeof(hwnas_strategy_factory) == 32);
HWNAS_CHECK(cost_model, sizeof(hwnas_cost_model) == 64);
HWNAS_CHECK(op_query, sizeof(hwnas_op_query) == 96);
HWNAS_CHECK(op_query_kernel_h, offsetof(hwnas_op_query, kernel_h) == 48);
HWNAS_CHECK(op_info, sizeof(hwnas_op_info) == 64);
HWNAS_CHECK(operator_set, sizeof(hwnas_operator_set) == 48);
HWNAS_CHECK(request, sizeof(hwnas_evaluation_request) == 40);
HWNAS_CHECK(request_1_1, offsetof(hwnas_evaluation_request, on_result_text) == 32);
HWNAS_CHECK(evaluator, sizeof(hwnas_evaluator) == 64);
HWNAS_CHECK(evaluator_1_1, offsetof(hwnas_evaluator, capabilities) == 56);
HWNAS_CHECK(entry, sizeof(hwnas_plugin_entry) == 48);
HWNAS_CHECK(entry_init, offsetof(hwnas_plugin_entry, init) == 24);
/* 1.1 */
HWNAS_CHECK(builder, sizeof(hwnas_network_builder) == 56);
HWNAS_CHECK(space_instance, sizeof(hwnas_space) == 72);
HWNAS_CHECK(space_describe, offsetof(hwnas_space, describe) == 24);
HWNAS_CHECK(space_factory, sizeof(hwnas_search_space_factory) == 32);
/* Every factory starts alike (the host reads count and descriptor through
 * one layout, whatever the kind). */
#define HWNAS_FACTORY_PREFIX(name, t) \
    HWNAS_CHECK(name##_count, offsetof(t, count) == 8); \
    HWNAS_CHECK(name##_descriptor, offsetof(t, descriptor) == 16); \
    HWNAS_CHECK(name##_create, offsetof(t, create) == 24)
HWNAS_FACTORY_PREFIX(strategy_factory, hwnas_strategy_factory);
HWNAS_FACTORY_PREFIX(cost_model_factory, hwnas_cost_model_factory);
HWNAS_FACTORY_PREFIX(operator_set_factory, hwnas_operator_set_factory);
HWNAS_FACTORY_PREFIX(evaluator_factory, hwnas_evaluator_factory);
HWNAS_FACTORY_PREFIX(space_factory, hwnas_search_space_factory);
#endif

/* Gives the target one symbol so every toolchain accepts it. */
uint32_t hwnas_abi_header_major(void) { return HWNAS_ABI_VERSION_MAJOR; }
