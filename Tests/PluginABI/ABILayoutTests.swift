// The Swift view of the ABI structs must match the C layout checks in
// Sources/ABI/CHwnasABI/abi_layout_checks.c: a shipped struct never changes
// shape; 1.1 only appended fields (the 1.0 offsets are unchanged).
import HwnasTestSupport
import CHwnasABI
import Testing

@Suite(.tags(.pluginABI)) struct ABILayoutTests {
    @Test func structSizesMatchV1_1() {
        #expect(MemoryLayout<hwnas_version>.size == 12)
        #expect(MemoryLayout<hwnas_option>.size == 16)
        #expect(MemoryLayout<hwnas_options>.size == 16)
        #expect(MemoryLayout<hwnas_host>.size == 56)
        #expect(MemoryLayout<hwnas_descriptor>.size == 64)
        #expect(MemoryLayout<hwnas_option_spec>.size == 64)
        #expect(MemoryLayout<hwnas_search_space>.size == 48)
        #expect(MemoryLayout<hwnas_layer>.size == 184)
        #expect(MemoryLayout<hwnas_tensor>.size == 16)
        #expect(MemoryLayout<hwnas_network>.size == 40)
        #expect(MemoryLayout<hwnas_candidate_batch>.size == 48)
        #expect(MemoryLayout<hwnas_tell>.size == 64)
        #expect(MemoryLayout<hwnas_search_context>.size == 72)
        #expect(MemoryLayout<hwnas_strategy>.size == 48)
        #expect(MemoryLayout<hwnas_strategy_factory>.size == 32)
        #expect(MemoryLayout<hwnas_cost_model>.size == 64)
        #expect(MemoryLayout<hwnas_op_query>.size == 96)
        #expect(MemoryLayout<hwnas_op_info>.size == 64)
        #expect(MemoryLayout<hwnas_operator_set>.size == 48)
        #expect(MemoryLayout<hwnas_evaluation_request>.size == 40)
        #expect(MemoryLayout<hwnas_evaluator>.size == 64)
        #expect(MemoryLayout<hwnas_plugin_entry>.size == 48)
        // 1.1
        #expect(MemoryLayout<hwnas_network_builder>.size == 56)
        #expect(MemoryLayout<hwnas_space>.size == 72)
        #expect(MemoryLayout<hwnas_search_space_factory>.size == 32)
    }

    @Test func fieldOffsetsMatchV1() {
        #expect(MemoryLayout<hwnas_host>.offset(of: \.log) == 48)
        #expect(MemoryLayout<hwnas_layer>.offset(of: \.params) == 72)
        #expect(MemoryLayout<hwnas_layer>.offset(of: \.cell) == 104)
        #expect(MemoryLayout<hwnas_candidate_batch>.offset(of: \.networks) == 32)
        // 1.2: appended after the 1.1 fields.
        #expect(MemoryLayout<hwnas_candidate_batch>.offset(of: \.requests) == 40)
        #expect(MemoryLayout<hwnas_evaluation_request>.offset(of: \.on_result_text) == 32)
        #expect(MemoryLayout<hwnas_evaluator>.offset(of: \.capabilities) == 56)
        #expect(MemoryLayout<hwnas_search_context>.offset(of: \.query_costs) == 56)
        #expect(MemoryLayout<hwnas_plugin_entry>.offset(of: \.`init`) == 24)
        #expect(MemoryLayout<hwnas_plugin_entry>.offset(of: \.get_factory) == 40)
        // 1.1 fields start where the 1.0 structs ended.
        #expect(MemoryLayout<hwnas_layer>.offset(of: \.kernel_h) == 112)
        #expect(MemoryLayout<hwnas_layer>.offset(of: \.gate_activation) == 176)
        #expect(MemoryLayout<hwnas_network>.offset(of: \.layer_size) == 32)
        #expect(MemoryLayout<hwnas_op_query>.offset(of: \.kernel_h) == 48)
        #expect(MemoryLayout<hwnas_space>.offset(of: \.describe) == 24)
        #expect(MemoryLayout<hwnas_descriptor>.offset(of: \.options) == 48)
    }

    @Test func versionConstants() {
        #expect(HWNAS_ABI_VERSION_MAJOR == 1 && HWNAS_ABI_VERSION_MINOR == 2)
        #expect(String(cString: HWNAS_ENTRY_SYMBOL) == "hwnas_get_plugin_entry")
    }
}
