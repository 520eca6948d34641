/* Exports the entry's name as a variable, not a function: calling it would
 * jump into data. The host must refuse it by name, without calling it. */
#include <hwnas/plugin.h>
HWNAS_EXPORT const hwnas_plugin_entry hwnas_get_plugin_entry = {sizeof(hwnas_plugin_entry), 0, {1, 1, 0}, 0, 0, 0};
