/* server.c: the supervisor: the listening socket, a pool of forked workers kept full, a periodic hook, an orderly shutdown */
#include "server.h"
#include "config.h"
#include "fcgi_adapter.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_SECONDS 60   /* between calls of hooks->every_minute */
#define STOP_SECONDS 30   /* a stopping worker's time to finish its request before SIGKILL */

struct pool {
	const struct server_hooks *hooks;
	int sock;
	pid_t *pids;          /* one slot per worker; 0 for an empty slot */
	int size, alive;
	time_t last_respawn;
	int quick_deaths;
};

static time_t monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec;
}

/* The child's side of a fork: serve until told to stop, then exit. */
static void worker_main(const struct pool *pool)
{
	if (pool->hooks->worker_start != NULL)
		pool->hooks->worker_start();
	fcgi_serve(pool->sock);
	if (pool->hooks->worker_stop != NULL)
		pool->hooks->worker_stop();
	log_info("worker exits");
	exit(0);
}

/* Fill slot i with a new worker. */
static void spawn(struct pool *pool, int i)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(pool);
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		pid = 0;
	} else {
		pool->alive++;
	}
	pool->pids[i] = pid;
}

/* The slot of worker pid, emptied; -1 for a process that is not one of ours. */
static int release(struct pool *pool, pid_t pid)
{
	for (int i = 0; i < pool->size; i++) {
		if (pool->pids[i] == pid) {
			pool->pids[i] = 0;
			pool->alive--;
			return i;
		}
	}
	return -1;
}

/* Reap every worker that died and start another in its place. */
static void replace_dead_workers(struct pool *pool)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((i = release(pool, pid)) < 0)
			continue;
		if (WIFSIGNALED(status))
			log_error("worker %d killed by signal %d; restarting", (int)pid, WTERMSIG(status));
		else
			log_error("worker %d exited with %d; restarting", (int)pid, WEXITSTATUS(status));
		/* A worker that dies at once every time must not spin the CPU. */
		if (time(NULL) - pool->last_respawn < 1 && ++pool->quick_deaths > 10)
			sleep(1);
		else if (time(NULL) - pool->last_respawn >= 1)
			pool->quick_deaths = 0;
		pool->last_respawn = time(NULL);
		spawn(pool, i);
	}
}

/* SIGTERM to every worker; after STOP_SECONDS, SIGKILL to those still there. */
static void stop_workers(struct pool *pool)
{
	log_info("shutting down: letting %d workers finish their requests", pool->alive);
	for (int i = 0; i < pool->size; i++)
		if (pool->pids[i] > 0)
			kill(pool->pids[i], SIGTERM);
	for (time_t deadline = time(NULL) + STOP_SECONDS; pool->alive > 0;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0) {
			release(pool, pid);
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (time(NULL) > deadline) {
			log_warn("workers did not stop in %d s; killing them", STOP_SECONDS);
			for (int i = 0; i < pool->size; i++)
				if (pool->pids[i] > 0)
					kill(pool->pids[i], SIGKILL);
			deadline = time(NULL) + 5;
		}
		usleep(20000);
	}
}

/*
 * The supervisor's loop. Its signals stay blocked and are taken here one at
 * a time (no handler runs in the middle of anything); the wait ends early
 * for the periodic hook.
 */
static void supervise(struct pool *pool, const sigset_t *signals)
{
	time_t next_tick = monotonic_seconds() + TICK_SECONDS;

	for (;;) {
		time_t left = next_tick - monotonic_seconds();
		struct timespec wait = { .tv_sec = left > 0 ? left : 0 };
		int sig = sigtimedwait(signals, NULL, &wait);

		if (sig == SIGTERM || sig == SIGINT)
			return;
		if (sig == SIGCHLD)
			replace_dead_workers(pool);
		if (monotonic_seconds() >= next_tick) {
			if (pool->hooks->every_minute != NULL)
				pool->hooks->every_minute();
			next_tick = monotonic_seconds() + TICK_SECONDS;
		}
	}
}

int server_run(const struct server_hooks *hooks)
{
	struct pool pool = { .hooks = hooks, .size = config.workers };
	sigset_t signals;

	pool.sock = fcgi_listen(config.socket_path);
	if (pool.sock < 0)
		return -1;
	/*
	 * Blocked before the first fork: a worker inherits them blocked and
	 * unblocks them once it handles them (fcgi_serve). A second SIGTERM
	 * during the shutdown stays pending and harmless.
	 */
	sigemptyset(&signals);
	sigaddset(&signals, SIGCHLD);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	/* Whatever was inherited: an ignored SIGCHLD would reap the workers before waitpid could. */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (hooks->prepare != NULL)
		hooks->prepare();

	pool.pids = calloc((size_t)pool.size, sizeof *pool.pids);
	if (pool.pids == NULL)
		fatal("out of memory");
	for (int i = 0; i < pool.size; i++)
		spawn(&pool, i);
	log_info("listening on %s with %d workers", config.socket_path, pool.alive);
	supervise(&pool, &signals);
	stop_workers(&pool);
	free(pool.pids);
	close(pool.sock);
	unlink(config.socket_path);
	log_info("stopped");
	return 0;
}
