#pragma once
// Every function slot of pb_host_api (sdk/include/pb_plugin.h), in struct order, with how the
// host calls it. This one list drives the table plugins see (api_table.cpp hostApi(): each slot
// is wrapped by its mode) and its checks: a static_assert that the list covers the struct exactly
// (no slot missing, none twice, struct order), a start-up check that every slot was filled, and the
// golden offsets of tests/plugin/abi_slots_test.cpp.
//
//   RAW     installed as filled: no state, any thread (status_string only)
//   DIRECT  runs on the calling runner under the job lock
//   MARSHAL runs on the owner thread: touches the database, pins, the serial lock or the init phase
//
// A new ABI minor appends its slots at the end of the struct and of this list, under a
// "since 1.N" line, and adds them to the golden test.
#define PB_HOST_API_SLOTS(X)                                                                                    \
    /* since 1.0: meta, errors, config */                                                                       \
    X(status_string, RAW) X(log, DIRECT) X(set_error, DIRECT) X(add_field_error, DIRECT) X(get_error, DIRECT)    \
    X(config, DIRECT) X(init_error, MARSHAL)                                                                    \
    /* registration (staged during init), schedule */                                                           \
    X(bind, MARSHAL) X(group, MARSHAL) X(middleware, MARSHAL) X(route, MARSHAL) X(cron, MARSHAL)                \
    X(schedule, MARSHAL)                                                                                        \
    /* events */                                                                                                \
    X(event_kind, DIRECT) X(event_next, MARSHAL) X(event_record, DIRECT) X(event_collection, DIRECT)            \
    X(event_request, DIRECT) X(event_get, DIRECT)                                                               \
    /* records */                                                                                               \
    X(record_id, DIRECT) X(record_collection, DIRECT) X(record_get_text, DIRECT) X(record_get_number, DIRECT)   \
    X(record_get_bool, DIRECT) X(record_get_json, DIRECT) X(record_set_text, DIRECT)                            \
    X(record_set_number, DIRECT) X(record_set_bool, DIRECT) X(record_set_json, DIRECT)                          \
    X(record_to_json, MARSHAL) X(record_new, MARSHAL) X(record_find_by_id, MARSHAL)                             \
    X(record_find_by_filter, MARSHAL) X(record_list_count, DIRECT) X(record_list_at, DIRECT)                    \
    X(record_list_release, DIRECT) X(record_save, MARSHAL) X(record_delete, MARSHAL) X(record_release, DIRECT)  \
    /* request and response */                                                                                  \
    X(req_method, DIRECT) X(req_path, DIRECT) X(req_path_param, DIRECT) X(req_query, DIRECT)                    \
    X(req_header, DIRECT) X(req_body, DIRECT) X(req_auth, DIRECT) X(req_remote_ip, DIRECT)                      \
    X(res_set_header, DIRECT) X(res_write_json, DIRECT) X(res_write_bytes, DIRECT) X(res_written, DIRECT)       \
    /* realtime */                                                                                              \
    X(realtime_send, MARSHAL)
