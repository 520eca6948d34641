/* Built "against a newer header": ABI 1.9 with the structs this host reads
 * at their full size. Same major, readable structs: must load and search.
 * With -DFIXTURE_SMALL_INSTANCE its strategy instance is 16 bytes: the host
 * must refuse it with a clear line instead of reading past its end. */
#define FIXTURE_ID "newer-minor"
#include "fixture_common.h"
#ifdef FIXTURE_SMALL_INSTANCE
static hwnas_status small_create(const hwnas_strategy_factory *f, const char *id, const hwnas_host *h,
                                 const hwnas_search_context *ctx, const hwnas_options *o, hwnas_strategy **out,
                                 char *err, uint32_t cap) {
    hwnas_status st = fx_create(f, id, h, ctx, o, out, err, cap);
    if (st == HWNAS_OK) (*out)->struct_size = 16;
    return st;
}
static const hwnas_strategy_factory small_factory = {sizeof(hwnas_strategy_factory), 0, fx_count, fx_descriptor, small_create};
static const void *get_factory(const char *id) {
    return strcmp(id, HWNAS_STRATEGY_FACTORY_ID) == 0 ? &small_factory : NULL;
}
#else
#define get_factory fx_get_factory
#endif
static const hwnas_plugin_entry entry = {sizeof(hwnas_plugin_entry), 0, {1, 9, 0}, fx_init, fx_deinit, get_factory};
const hwnas_plugin_entry *hwnas_get_plugin_entry(void) { return &entry; }
