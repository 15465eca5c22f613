/* h_health.c: liveness, readiness and the Prometheus metrics (metrics.h) */
#include "cache.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Read at scrape time: the table is the truth, and a counter kept beside it would drift. */
DB_STMT(export_job_states_stmt, 0, "SELECT state, count(*) AS jobs FROM export_jobs GROUP BY state");

/* Every state of export_jobs.state (sql/004_exports.sql), so a state with no job still shows 0. */
static const char *const export_states[] = { "queued", "sending", "sent", "failed" };
#define NSTATES (sizeof export_states / sizeof export_states[0])

/* GET /healthz: the worker answers. Nothing else is asked, so a down database never fails liveness. */
void health_live(struct request *req)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "status", json_object_new_string("ok"));
	reply_data(req, 200, data);
}

/* GET /readyz: 200 when PostgreSQL and Redis both answer now; 503 naming each that does not. */
void health_ready(struct request *req)
{
	int db_ok = db_ping() == 0, redis_ok = cache_ping() == 0;
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "postgresql", json_object_new_string(db_ok ? "ok" : "unreachable"));
	json_object_object_add(data, "redis", json_object_new_string(redis_ok ? "ok" : "unreachable"));
	if (db_ok && redis_ok) {
		json_object_object_add(data, "status", json_object_new_string("ready"));
		reply_data(req, 200, data);
		return;
	}
	reply_error_data(req, 503, data, "not ready: %s%s%s unreachable", db_ok ? "" : "PostgreSQL",
			 !db_ok && !redis_ok ? " and " : "", redis_ok ? "" : "Redis");
}

/*
 * The export jobs by state as Prometheus samples, in the request arena; a
 * comment instead when PostgreSQL cannot be asked (the scrape still succeeds:
 * the other metrics do not depend on it).
 */
static const char *export_job_samples(struct request *req)
{
	static const char head[] = "# HELP queued_export_jobs Export jobs in export_jobs, by state (read at scrape time).\n"
				   "# TYPE queued_export_jobs gauge\n";
	long long counts[NSTATES] = { 0 };
	PGresult *res = NULL;
	const char *text;

	if (db_exec(&export_job_states_stmt, NULL, &res) != DB_OK) {
		PQclear(res);
		return "# queued_export_jobs: PostgreSQL could not be asked\n";
	}
	for (int row = 0; row < PQntuples(res); row++)
		for (size_t s = 0; s < NSTATES; s++)
			if (strcmp(db_text(res, row, "state"), export_states[s]) == 0)
				counts[s] = db_long(res, row, "jobs");
	PQclear(res);
	text = req_printf(req, "%squeued_export_jobs{state=\"%s\"} %lld\nqueued_export_jobs{state=\"%s\"} %lld\n"
			  "queued_export_jobs{state=\"%s\"} %lld\nqueued_export_jobs{state=\"%s\"} %lld\n",
			  head, export_states[0], counts[0], export_states[1], counts[1],
			  export_states[2], counts[2], export_states[3], counts[3]);
	return text;
}

/*
 * nginx serves the snapshot files without a worker, so nginx counts them: the
 * snapshot location appends a two-byte line ("s\n") per file it sends to
 * SNAPSHOT_HITS_LOG (nginx/queued.conf.in), and the count is that file's
 * size halved: one stat() per scrape, nothing on the read path but nginx's
 * buffered write. A rotated log starts again from 0, which Prometheus takes
 * for a counter reset.
 */
static const char *snapshot_file_samples(struct request *req)
{
	static const char head[] =
		"# HELP queued_snapshot_files_served_total Room queue snapshot files nginx served without a worker.\n"
		"# TYPE queued_snapshot_files_served_total counter\n";
	struct stat st;

	if (config.snapshot_hits_log == NULL)
		return "";
	if (stat(config.snapshot_hits_log, &st) != 0)
		return req_printf(req, "%squeued_snapshot_files_served_total 0\n", head);
	return req_printf(req, "%squeued_snapshot_files_served_total %lld\n", head, (long long)st.st_size / 2);
}

/* GET /metrics: the Prometheus text, only for the addresses of METRICS_ALLOW (403 for the rest). */
void health_metrics(struct request *req)
{
	struct metrics_route_label *labels;
	int vote_route = -1;
	char *text;
	size_t len;

	if (!metrics_addr_allowed(config.metrics_allow, req->remote_addr)) {
		reply_error(req, 403, "metrics are not served to this address");
		return;
	}
	labels = req_alloc(req, routes_count * sizeof *labels);
	for (size_t i = 0; i < routes_count; i++) {
		labels[i].method = routes[i].method;
		labels[i].pattern = routes[i].pattern;
		if (routes[i].handler == queue_vote)
			vote_route = (int)i;
	}
	text = metrics_render(labels, routes_count, vote_route,
			      req_printf(req, "%s%s", export_job_samples(req), snapshot_file_samples(req)), &len);
	if (text == NULL) {
		req_out_of_memory(req);
		return;
	}
	reply_file(req, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
