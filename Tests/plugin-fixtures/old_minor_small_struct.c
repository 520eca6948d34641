/* Built "against an older header": a v1.0 plugin whose entry struct_size is
 * exactly the v1.0 size. Must keep loading. */
#define FIXTURE_ID "old-plugin"
#include "fixture_common.h"
static const hwnas_plugin_entry entry = {48, 0, {1, 0, 0}, fx_init, fx_deinit, fx_get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }
