/* An entry struct_size too small to hold get_factory. */
#define FIXTURE_ID "truncated"
#include "fixture_common.h"
static const hwnas_plugin_entry entry = {16, 0, {1, 0, 0}, fx_init, fx_deinit, fx_get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }
