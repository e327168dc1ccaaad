/* nightly_cron (plain C99): a cron job that deletes old audit_logs records every night.
 *
 * Configuration, <plugins_dir>/nightly_cron.json (all optional):
 *   { "schedule": "0 3 * * *", "retentionDays": 30, "batch": 500 }
 * Cron runs in UTC, outside any transaction; each delete is its own transaction.
 */
#define _POSIX_C_SOURCE 200809L
#include <pb_plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct cleanup_cfg {
    char schedule[64];
    long retention_days;
    long batch;
} cleanup_cfg;

static const pb_host_api* api;
static pb_plugin_ctx* plugin_ctx;

static void logf_(int32_t level, const char* fmt, long a, long b) {
    char buf[256];
    int n = snprintf(buf, sizeof buf, fmt, a, b);
    if (n > 0) api->log(plugin_ctx, level, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Finds "key": in a flat JSON object (the config view is NUL-terminated by the host) and
 * returns a pointer just after the colon, or NULL. Good enough for a small config file. */
static const char* json_find(const char* json, const char* key) {
    char pat[64];
    const char* p;
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = json ? strstr(json, pat) : NULL;
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
    return *p == ':' ? p + 1 : NULL;
}

static void load_config(cleanup_cfg* cfg) {
    pb_str json = {NULL, 0};
    const char* v;
    strcpy(cfg->schedule, "0 3 * * *");
    cfg->retention_days = 30;
    cfg->batch = 500;
    if (api->config(plugin_ctx, &json) != PB_OK) return;
    if ((v = json_find(json.ptr, "retentionDays")) != NULL && strtol(v, NULL, 10) > 0)
        cfg->retention_days = strtol(v, NULL, 10);
    if ((v = json_find(json.ptr, "batch")) != NULL && strtol(v, NULL, 10) > 0)
        cfg->batch = strtol(v, NULL, 10);
    if ((v = json_find(json.ptr, "schedule")) != NULL) {
        const char* start = strchr(v, '"');
        const char* end = start ? strchr(start + 1, '"') : NULL;
        if (end && (size_t)(end - start - 1) < sizeof cfg->schedule) {
            memcpy(cfg->schedule, start + 1, (size_t)(end - start - 1));
            cfg->schedule[end - start - 1] = '\0';
        }
    }
}

static pb_status cleanup(pb_call* call, void* user_data) {
    const cleanup_cfg* cfg = (const cleanup_cfg*)user_data;
    time_t cutoff = time(NULL) - (time_t)cfg->retention_days * 86400;
    struct tm tm;
    char params[96];
    pb_record_list* list = NULL;
    size_t i, n;
    long deleted = 0;
    pb_status s;

    gmtime_r(&cutoff, &tm);
    /* PocketBase date format; bound as {:cutoff}, never pasted into the filter. */
    strftime(params, sizeof params, "{\"cutoff\":\"%Y-%m-%d %H:%M:%S.000Z\"}", &tm);
    s = api->record_find_by_filter(call, "audit_logs", PB_AUTO_LENGTH, "created < {:cutoff}",
                                   PB_AUTO_LENGTH, params, PB_AUTO_LENGTH, "created",
                                   PB_AUTO_LENGTH, cfg->batch, 0, &list);
    if (s == PB_E_NOT_FOUND) {
        api->log(plugin_ctx, PB_LOG_DEBUG, "no audit_logs collection; nothing to clean", PB_AUTO_LENGTH);
        return PB_OK;
    }
    if (s != PB_OK) return s; /* the host logs the failed run with the call's error detail */

    n = api->record_list_count(call, list);
    for (i = 0; i < n; ++i) {
        if (api->record_delete(call, api->record_list_at(call, list, i)) == PB_OK) ++deleted;
    }
    api->record_list_release(call, list);
    logf_(PB_LOG_INFO, "nightly cleanup: deleted %ld audit_logs record(s) older than %ld day(s)",
          deleted, cfg->retention_days);
    return PB_OK;
}

static void free_cfg(void* p) { free(p); }

static pb_status cron_init(const pb_host_api* host, pb_plugin_ctx* ctx, void** state) {
    cleanup_cfg* cfg;
    pb_status s;
    api = host;
    plugin_ctx = ctx;
    *state = NULL;

    cfg = (cleanup_cfg*)malloc(sizeof *cfg);
    if (!cfg) return PB_E_NOMEM;
    load_config(cfg);
    /* On success the host owns cfg and calls free_cfg exactly once (after unload/reload). */
    s = api->cron(ctx, "cleanup_audit_logs", PB_AUTO_LENGTH, cfg->schedule, PB_AUTO_LENGTH,
                  cleanup, cfg, free_cfg);
    if (s != PB_OK) {
        free(cfg); /* a failed registration leaves user_data with us */
        return api->init_error(ctx, s, "bad cron schedule in nightly_cron.json", PB_AUTO_LENGTH);
    }
    logf_(PB_LOG_INFO, "nightly cleanup scheduled (retention %ld days, batch %ld)", cfg->retention_days,
          cfg->batch);
    return PB_OK;
}

PB_PLUGIN_DEFINE("nightly_cron", "1.0.0", "Deletes old audit_logs records every night", 0,
                 cron_init, NULL)
