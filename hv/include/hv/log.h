/*
 * Logging through a sink. Core code never touches stdio: every message goes
 * to the sink given in struct hv_config (the CLI prints, tests capture).
 */
#ifndef HV_LOG_H
#define HV_LOG_H

struct hv;

enum hv_log_level { HV_LOG_ERR, HV_LOG_WARN, HV_LOG_INFO, HV_LOG_DEBUG };

typedef void (*hv_log_sink_t)(void *ctx, enum hv_log_level lvl, const char *msg);

void hv_log(struct hv *hv, enum hv_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define hv_err(hv, ...) hv_log(hv, HV_LOG_ERR, __VA_ARGS__)
#define hv_warn(hv, ...) hv_log(hv, HV_LOG_WARN, __VA_ARGS__)
#define hv_info(hv, ...) hv_log(hv, HV_LOG_INFO, __VA_ARGS__)
#define hv_dbg(hv, ...) hv_log(hv, HV_LOG_DEBUG, __VA_ARGS__)

#endif
