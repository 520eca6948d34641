/* Valid, but reuses the built-in id "random": the second one is skipped. */
#define FIXTURE_ID "random"
#include "fixture_common.h"
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {1, 0, 0}, fx_init, fx_deinit, fx_get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }
