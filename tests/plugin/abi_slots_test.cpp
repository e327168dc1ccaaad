// Golden layout of the 1.0 host table: the offset of every slot is frozen (a plugin built against
// 1.0 reads slots at these offsets forever), and the table the host hands to plugins has every
// slot filled. The numbers are written out by hand on purpose: they do not come from the list in
// core/plugin/host_slots.hpp that the host itself uses. x86-64 / aarch64 (LP64) layout.
#include <gtest/gtest.h>
#include <pb_plugin.h>

#include <cstddef>

#include "plugin/internal.hpp"

#define PB_GOLDEN_SLOTS_1_0(G) \
    G(status_string, 24) \
    G(log, 32) \
    G(set_error, 40) \
    G(add_field_error, 48) \
    G(get_error, 56) \
    G(config, 64) \
    G(init_error, 72) \
    G(bind, 80) \
    G(group, 88) \
    G(middleware, 96) \
    G(route, 104) \
    G(cron, 112) \
    G(schedule, 120) \
    G(event_kind, 128) \
    G(event_next, 136) \
    G(event_record, 144) \
    G(event_collection, 152) \
    G(event_request, 160) \
    G(event_get, 168) \
    G(record_id, 176) \
    G(record_collection, 184) \
    G(record_get_text, 192) \
    G(record_get_number, 200) \
    G(record_get_bool, 208) \
    G(record_get_json, 216) \
    G(record_set_text, 224) \
    G(record_set_number, 232) \
    G(record_set_bool, 240) \
    G(record_set_json, 248) \
    G(record_to_json, 256) \
    G(record_new, 264) \
    G(record_find_by_id, 272) \
    G(record_find_by_filter, 280) \
    G(record_list_count, 288) \
    G(record_list_at, 296) \
    G(record_list_release, 304) \
    G(record_save, 312) \
    G(record_delete, 320) \
    G(record_release, 328) \
    G(req_method, 336) \
    G(req_path, 344) \
    G(req_path_param, 352) \
    G(req_query, 360) \
    G(req_header, 368) \
    G(req_body, 376) \
    G(req_auth, 384) \
    G(req_remote_ip, 392) \
    G(res_set_header, 400) \
    G(res_write_json, 408) \
    G(res_write_bytes, 416) \
    G(res_written, 424) \
    G(realtime_send, 432)

TEST(PluginAbiSlots, OffsetsOfEvery1_0SlotAreFrozen) {
    EXPECT_EQ(offsetof(pb_host_api, struct_size), 0u);
    EXPECT_EQ(offsetof(pb_host_api, abi_major), 4u);
    EXPECT_EQ(offsetof(pb_host_api, abi_minor), 8u);
    EXPECT_EQ(offsetof(pb_host_api, host_version), 16u);
#define PB_CHECK_OFFSET(slot, off) EXPECT_EQ(offsetof(pb_host_api, slot), static_cast<size_t>(off)) << #slot;
    PB_GOLDEN_SLOTS_1_0(PB_CHECK_OFFSET)
#undef PB_CHECK_OFFSET
    // 1.0 ends with realtime_send; later minors only append.
    EXPECT_GE(sizeof(pb_host_api), offsetof(pb_host_api, realtime_send) + sizeof(void*));
}

TEST(PluginAbiSlots, HostTableHasEverySlotFilled) {
    const pb_host_api* t = pb::plugin::hostApi();
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->struct_size, sizeof(pb_host_api));
    EXPECT_EQ(t->abi_major, static_cast<uint32_t>(PB_ABI_MAJOR));
    EXPECT_EQ(t->abi_minor, static_cast<uint32_t>(PB_ABI_MINOR));
    ASSERT_NE(t->host_version, nullptr);
#define PB_CHECK_FILLED(slot, off) EXPECT_NE(reinterpret_cast<const void*>(t->slot), nullptr) << #slot;
    PB_GOLDEN_SLOTS_1_0(PB_CHECK_FILLED)
#undef PB_CHECK_FILLED
}
