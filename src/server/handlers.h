/*
 * Every API handler, grouped by file. Each parses the request, calls the
 * library and renders JSON; none of them touches libmicrohttpd.
 */
#ifndef REGIO_SERVER_HANDLERS_H
#define REGIO_SERVER_HANDLERS_H

#include "server/app.h"

#define SRV_HANDLER(name) void name(srv_app *app, srv_request *rq, srv_response *rs)

/* api_core.c: health, config, territories, metrics, alignment edits */
SRV_HANDLER(api_health);
SRV_HANDLER(api_config);
SRV_HANDLER(api_models_list);
SRV_HANDLER(api_model_get);
SRV_HANDLER(api_territories);
SRV_HANDLER(api_territories_geojson);
SRV_HANDLER(api_default_territories_geojson);
SRV_HANDLER(api_alignment);
/* api_reasons.c: why units moved (the reasons stored with a model) */
SRV_HANDLER(api_reasons);
SRV_HANDLER(api_moves);
SRV_HANDLER(api_locks);

/* api_models.c: scenario life cycle, compare, exports */
SRV_HANDLER(api_model_create);
SRV_HANDLER(api_model_clone);
SRV_HANDLER(api_model_promote);
SRV_HANDLER(api_model_archive);
SRV_HANDLER(api_models_history);
SRV_HANDLER(api_models_rollback);
SRV_HANDLER(api_compare);
SRV_HANDLER(api_export);

/* api_data.c: units, accounts, reps */
SRV_HANDLER(api_units);
SRV_HANDLER(api_unit_get);
SRV_HANDLER(api_units_geojson);
SRV_HANDLER(api_accounts);
SRV_HANDLER(api_reps);

/* api_org.c: users, roles, memberships, associations, territory edits,
 * one account with the caller's level, the audit log */
SRV_HANDLER(api_users_list);
SRV_HANDLER(api_user_upsert);
SRV_HANDLER(api_roles_list);
SRV_HANDLER(api_role_upsert);
SRV_HANDLER(api_memberships);
SRV_HANDLER(api_membership_edit);
SRV_HANDLER(api_associations);
SRV_HANDLER(api_association_edit);
SRV_HANDLER(api_territory_edit);
SRV_HANDLER(api_account_get);
SRV_HANDLER(api_audit_list);
SRV_HANDLER(api_audit_verify);

/* api_challenges.c: what a planning model changes for the caller, challenges and
 * their decisions, a model's automatic approval */
SRV_HANDLER(api_changes_summary);
SRV_HANDLER(api_model_changes);
SRV_HANDLER(api_challenges_list);
SRV_HANDLER(api_challenge_get);
SRV_HANDLER(api_challenge_raise);
SRV_HANDLER(api_challenge_approve);
SRV_HANDLER(api_challenge_reject);
SRV_HANDLER(api_challenge_withdraw);
SRV_HANDLER(api_auto_approval);

/* api_rules.c: assignment rules of a territory, the live count, rule runs */
SRV_HANDLER(api_rules_list);
SRV_HANDLER(api_rule_create);
SRV_HANDLER(api_rule_update);
SRV_HANDLER(api_rule_delete);
SRV_HANDLER(api_rule_count);
SRV_HANDLER(api_rules_run);

/* api_jobs.c: design and realign runs */
SRV_HANDLER(api_job_create);
SRV_HANDLER(api_jobs_list);
SRV_HANDLER(api_job_get);
SRV_HANDLER(api_job_cancel);

/* api_plans.c: call plans and routes */
SRV_HANDLER(api_plan);

/* api_workload.c: every territory planned, the workload stored per unit */
SRV_HANDLER(api_workload);

/* api_activities.c: activities logged with a client id, read back; the check-in page's day */
SRV_HANDLER(api_activities_log);
SRV_HANDLER(api_activities_list);
SRV_HANDLER(api_checkin_today);

/* api_perf.c: the figures of docs/PERFORMANCE.md and their monthly trend */
SRV_HANDLER(api_perf);
SRV_HANDLER(api_perf_trend);
SRV_HANDLER(api_quota_allocate);
SRV_HANDLER(api_territory_brief);

/* static.c: the app's files */
SRV_HANDLER(srv_static);

#endif
