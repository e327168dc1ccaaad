/* audit_log (plain C99): writes one "audit_logs" record after every successful create, update
 * and delete of any other collection.
 *
 * audit_logs fields used: action (text), collection (text), record (text), data (json).
 * If the collection does not exist the plugin logs one warning and stays quiet.
 *
 * The hooks are AFTER_*_SUCCESS: the change is committed, so the audit record is saved in its own
 * transaction, and a failure to write it is logged rather than failing the (already done) request.
 */
#include <pb_plugin.h>

#include <string.h>

#define AUDIT_COLLECTION "audit_logs"

static const pb_host_api* api;
static pb_plugin_ctx* plugin_ctx;
static int warned_missing; /* benign race: at worst two warnings */

static void log_text(int32_t level, const char* msg) {
    api->log(plugin_ctx, level, msg, PB_AUTO_LENGTH);
}

static int str_eq(pb_str s, const char* lit) {
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* user_data is a static string naming the action; it needs no destroy callback. */
static pb_status on_change(pb_call* call, pb_event* ev, void* user_data) {
    const char* action = (const char*)user_data;
    pb_str coll, id, data;
    pb_record* rec = NULL;
    pb_record* entry = NULL;
    pb_status s;

    if (api->event_collection(call, ev, &coll) != PB_OK) return PB_OK;
    if (str_eq(coll, AUDIT_COLLECTION)) return PB_OK; /* never audit the audit trail itself */
    if (api->event_record(call, ev, &rec) != PB_OK) return PB_OK;
    if (api->record_id(call, rec, &id) != PB_OK) return PB_OK;
    if (api->record_to_json(call, rec, &data) != PB_OK) data.ptr = NULL, data.len = 0;

    s = api->record_new(call, AUDIT_COLLECTION, PB_AUTO_LENGTH, &entry);
    if (s == PB_E_NOT_FOUND) {
        if (!warned_missing) {
            warned_missing = 1;
            log_text(PB_LOG_WARN, "collection \"" AUDIT_COLLECTION "\" does not exist; nothing is audited");
        }
        return PB_OK;
    }
    if (s != PB_OK) return PB_OK;

    if (api->record_set_text(call, entry, "action", 6, action, PB_AUTO_LENGTH) != PB_OK ||
        api->record_set_text(call, entry, "collection", 10, coll.ptr, coll.len) != PB_OK ||
        api->record_set_text(call, entry, "record", 6, id.ptr, id.len) != PB_OK ||
        (data.len > 0 && api->record_set_json(call, entry, "data", 4, data.ptr, data.len) != PB_OK)) {
        log_text(PB_LOG_WARN, "audit_logs is missing one of the fields action/collection/record/data");
    } else if (api->record_save(call, entry) != PB_OK) {
        pb_status es = PB_OK;
        pb_str msg = {NULL, 0};
        api->get_error(call, &es, &msg);
        api->log(plugin_ctx, PB_LOG_ERROR, msg.ptr, msg.len);
        api->set_error(call, PB_OK, NULL, 0); /* handled here: do not leak into the caller's error */
    }
    api->record_release(call, entry);
    /* Explicit continue: the other after-success handlers still run. */
    return PB_OK;
}

static pb_status audit_init(const pb_host_api* host, pb_plugin_ctx* ctx, void** state) {
    static const int32_t events[3] = {PB_EVENT_RECORD_AFTER_CREATE_SUCCESS,
                                      PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS,
                                      PB_EVENT_RECORD_AFTER_DELETE_SUCCESS};
    static const char* const actions[3] = {"create", "update", "delete"};
    pb_bind_opts opts;
    int i;

    api = host;
    plugin_ctx = ctx;
    *state = NULL;

    memset(&opts, 0, sizeof opts);
    opts.struct_size = sizeof opts;
    opts.priority = 100; /* after ordinary handlers: audit what they left behind */
    for (i = 0; i < 3; ++i) {
        pb_status s = api->bind(ctx, events[i], &opts, on_change, (void*)actions[i], NULL);
        if (s != PB_OK) return api->init_error(ctx, s, "cannot bind the after-success hooks", PB_AUTO_LENGTH);
    }
    log_text(PB_LOG_INFO, "audit_log ready");
    return PB_OK;
}

PB_PLUGIN_DEFINE("audit_log", "1.0.0", "Writes an audit trail to the audit_logs collection", 0,
                 audit_init, NULL)
