/* Claims ABI 2.0: must be refused with a version message. */
#define FIXTURE_ID "future"
#include "fixture_common.h"
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {2, 0, 0}, fx_init, fx_deinit, fx_get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }
