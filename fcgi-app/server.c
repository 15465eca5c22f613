/* server.c: the supervisor: the listening socket, a pool of forked workers kept full, a periodic hook, an orderly shutdown, a reload that loses no request */
#define _GNU_SOURCE /* pipe2 */
#include "server.h"
#include "config.h"
#include "fcgi_adapter.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_SECONDS 60   /* between calls of hooks->every_minute */
#define STOP_SECONDS 30   /* a stopping worker's time to finish its request before SIGKILL */
#define READY_SECONDS 10  /* a reload's wait for the new workers; the old ones go then anyway */
#define MAX_OLD 1024      /* old workers a reload takes over at most */
/* What a reload hands to the program it becomes (server_keep_command). */
#define LISTEN_FD_VAR "QUEUED_LISTEN_FD"
#define OLD_WORKERS_VAR "QUEUED_OLD_WORKERS"

enum { SUPERVISE_STOP, SUPERVISE_RELOAD };

extern char **environ;

struct pool {
	const struct server_hooks *hooks;
	int sock;
	pid_t *pids;          /* one slot per worker; 0 for an empty slot */
	int size, alive;
	time_t last_respawn;
	int quick_deaths;
	pid_t old[MAX_OLD];   /* the replaced program's workers, finishing their request; 0 once gone */
	int old_slots, old_alive;
	time_t old_deadline;  /* monotonic: SIGKILL for old workers still there */
	int ready[2];         /* during a reload each new worker writes a byte once connected; else -1 */
};

/* How this program was started: a reload starts it again so (server_keep_command). */
static struct {
	char exe[PATH_MAX];
	char **argv, **envp;
} command;

static time_t monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec;
}

/* The child's side of a fork: serve until told to stop, then exit. */
static void worker_main(const struct pool *pool)
{
	/* A reload is the supervisor's; a hang-up (of a terminal) is nothing to a worker. */
	signal(SIGHUP, SIG_IGN);
	if (pool->hooks->worker_start != NULL)
		pool->hooks->worker_start();
	if (pool->ready[1] >= 0) {
		/* Connected: the supervisor may now let the old workers go. */
		if (write(pool->ready[1], "", 1) < 0)
			log_warn("cannot tell the supervisor that this worker is ready");
		close(pool->ready[1]);
		close(pool->ready[0]);
	}
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

/* Old worker pid gone; 0 when it was no old worker. */
static int forget_old(struct pool *pool, pid_t pid)
{
	for (int i = 0; i < pool->old_slots; i++) {
		if (pool->old[i] == pid) {
			pool->old[i] = 0;
			if (--pool->old_alive == 0)
				log_info("reload done: the old workers have finished");
			return 1;
		}
	}
	return 0;
}

/* sig to every worker, new and old. */
static void signal_workers(const struct pool *pool, int sig)
{
	for (int i = 0; i < pool->size; i++)
		if (pool->pids[i] > 0)
			kill(pool->pids[i], sig);
	for (int i = 0; i < pool->old_slots; i++)
		if (pool->old[i] > 0)
			kill(pool->old[i], sig);
}

/* Reap every worker that died and start another in its place (not for an old one). */
static void replace_dead_workers(struct pool *pool)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((i = release(pool, pid)) < 0) {
			forget_old(pool, pid);
			continue;
		}
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
	log_info("shutting down: letting %d workers finish their requests", pool->alive + pool->old_alive);
	signal_workers(pool, SIGTERM);
	for (time_t deadline = time(NULL) + STOP_SECONDS; pool->alive + pool->old_alive > 0;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0) {
			if (release(pool, pid) < 0)
				forget_old(pool, pid);
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (time(NULL) > deadline) {
			log_warn("workers did not stop in %d s; killing them", STOP_SECONDS);
			signal_workers(pool, SIGKILL);
			deadline = time(NULL) + 5;
		}
		usleep(20000);
	}
}

/* Old workers past their time: SIGKILL, and five more seconds for the reaping. */
static void kill_old_workers(struct pool *pool)
{
	log_warn("old workers did not finish in %d s; killing them", STOP_SECONDS);
	for (int i = 0; i < pool->old_slots; i++)
		if (pool->old[i] > 0)
			kill(pool->old[i], SIGKILL);
	pool->old_deadline = monotonic_seconds() + 5;
}

/*
 * The supervisor's loop, until SIGTERM or SIGINT (SUPERVISE_STOP) or SIGHUP
 * (SUPERVISE_RELOAD). Its signals stay blocked and are taken here one at a
 * time (no handler runs in the middle of anything); the wait ends early for
 * the periodic hook and for old workers that overstay.
 */
static int supervise(struct pool *pool, const sigset_t *signals)
{
	time_t next_tick = monotonic_seconds() + TICK_SECONDS;

	for (;;) {
		time_t wake = pool->old_alive > 0 && pool->old_deadline < next_tick ? pool->old_deadline : next_tick;
		time_t left = wake - monotonic_seconds();
		struct timespec wait = { .tv_sec = left > 0 ? left : 0 };
		int sig = sigtimedwait(signals, NULL, &wait);

		if (sig == SIGTERM || sig == SIGINT)
			return SUPERVISE_STOP;
		if (sig == SIGHUP)
			return SUPERVISE_RELOAD;
		if (sig == SIGCHLD)
			replace_dead_workers(pool);
		if (pool->old_alive > 0 && monotonic_seconds() >= pool->old_deadline)
			kill_old_workers(pool);
		if (monotonic_seconds() >= next_tick) {
			if (pool->hooks->every_minute != NULL)
				pool->hooks->every_minute();
			next_tick = monotonic_seconds() + TICK_SECONDS;
		}
	}
}

static int is_var(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* A copy of the list from, with room for spare more; the reload's variables left out. */
static char **copy_list(char *const *from, int spare)
{
	size_t n = 0, k = 0;
	char **to;

	while (from[n] != NULL)
		n++;
	if ((to = calloc(n + (size_t)spare + 1, sizeof *to)) == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++) {
		if (is_var(from[i], LISTEN_FD_VAR) || is_var(from[i], OLD_WORKERS_VAR))
			continue;
		if ((to[k++] = strdup(from[i])) == NULL)
			fatal("out of memory");
	}
	return to;
}

void server_keep_command(char **argv)
{
	ssize_t n = readlink("/proc/self/exe", command.exe, sizeof command.exe - 1);

	command.exe[n > 0 ? n : 0] = '\0';
	command.argv = copy_list(argv, 0);
	command.envp = copy_list(environ, 2);
}

/* Every descriptor but the standard ones and sock closes at the exec (the auth slots' file, ...). */
static void close_on_exec_but(int sock)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != sock && fd != dirfd(dir))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(dir);
	fcntl(sock, F_SETFD, 0);
}

/* OLD_WORKERS_VAR=pid,pid,...: every worker, new and old, for the program that takes over. */
static char *workers_var(const struct pool *pool)
{
	size_t cap = sizeof OLD_WORKERS_VAR + 12 * (size_t)(pool->size + pool->old_slots + 1), len;
	char *var = malloc(cap);

	if (var == NULL)
		return NULL;
	len = (size_t)snprintf(var, cap, "%s=", OLD_WORKERS_VAR);
	for (int i = 0; i < pool->size; i++)
		if (pool->pids[i] > 0)
			len += (size_t)snprintf(var + len, cap - len, "%d,", (int)pool->pids[i]);
	for (int i = 0; i < pool->old_slots; i++)
		if (pool->old[i] > 0)
			len += (size_t)snprintf(var + len, cap - len, "%d,", (int)pool->old[i]);
	return var;
}

/*
 * SIGHUP: become the program again, from its file (a new build, if it was
 * replaced), in this same process: the pid that dev and systemd know stays,
 * the workers stay its children, and the socket stays open, never unlinked,
 * so nginx's connects never fail. The workers keep serving meanwhile; the
 * new program starts its own and then lets these go (take_over). Returns
 * only when the exec failed; the pool carries on as it was.
 */
static void reexec(struct pool *pool)
{
	char fd_var[sizeof LISTEN_FD_VAR + 16], *old_var = workers_var(pool);
	int k = 0;

	if (command.argv == NULL || command.exe[0] == '\0' || old_var == NULL) {
		log_error("reload: the program's own path is unknown; nothing changes");
		free(old_var);
		return;
	}
	snprintf(fd_var, sizeof fd_var, "%s=%d", LISTEN_FD_VAR, pool->sock);
	while (command.envp[k] != NULL)
		k++;
	command.envp[k] = fd_var;
	command.envp[k + 1] = old_var;
	close_on_exec_but(pool->sock);
	log_info("reload: %s takes over the socket and %d workers", command.exe, pool->alive + pool->old_alive);
	execve(command.exe, command.argv, command.envp);
	log_error("reload: cannot run %s: %s; the workers stay", command.exe, strerror(errno));
	command.envp[k] = NULL;
	free(old_var);
}

/* The socket: the one handed over by a reload, or a new one at config.socket_path. */
static int open_socket(struct pool *pool)
{
	const char *fd = getenv(LISTEN_FD_VAR), *old = getenv(OLD_WORKERS_VAR);
	char *end;

	if (fd == NULL)
		return pool->sock = fcgi_listen(config.socket_path);
	for (const char *p = old != NULL ? old : ""; *p != '\0' && pool->old_slots < MAX_OLD; p = end + (*end == ',')) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			pool->old[pool->old_slots++] = (pid_t)pid;
	}
	pool->old_alive = pool->old_slots;
	pool->sock = fcgi_adopt(atoi(fd));
	/* Not for the workers, nor for the next reload's environment. */
	unsetenv(LISTEN_FD_VAR);
	unsetenv(OLD_WORKERS_VAR);
	return pool->sock;
}

/* Wait until each new worker is connected (or READY_SECONDS), then SIGTERM to the old ones. */
static void take_over(struct pool *pool)
{
	time_t deadline = monotonic_seconds() + READY_SECONDS;
	int ready = 0;
	char buf[64];

	close(pool->ready[1]);
	while (ready < pool->alive) {
		struct pollfd pfd = { .fd = pool->ready[0], .events = POLLIN };
		time_t left = deadline - monotonic_seconds();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left * 1000) <= 0)
			break;
		if ((n = read(pool->ready[0], buf, sizeof buf)) <= 0)
			break; /* every new worker has written or died */
		ready += (int)n;
	}
	close(pool->ready[0]);
	pool->ready[0] = pool->ready[1] = -1;
	if (ready < pool->alive)
		log_warn("reload: %d of %d new workers ready after %d s", ready, pool->alive, READY_SECONDS);
	log_info("reload: letting %d old workers finish their requests", pool->old_alive);
	for (int i = 0; i < pool->old_slots; i++)
		if (pool->old[i] > 0)
			kill(pool->old[i], SIGTERM);
	pool->old_deadline = monotonic_seconds() + STOP_SECONDS;
}

/* The workers: config.workers of them; after a reload, the old ones are let go once these are ready. */
static void start_workers(struct pool *pool)
{
	pool->pids = calloc((size_t)pool->size, sizeof *pool->pids);
	if (pool->pids == NULL)
		fatal("out of memory");
	if (pool->old_alive > 0 && pipe2(pool->ready, O_CLOEXEC) != 0) {
		log_warn("reload: pipe: %s", strerror(errno));
		pool->ready[0] = pool->ready[1] = -1;
	}
	for (int i = 0; i < pool->size; i++)
		spawn(pool, i);
	log_info("listening on %s with %d workers%s", config.socket_path, pool->alive,
		pool->old_alive > 0 ? " (reloaded)" : "");
	if (pool->ready[0] >= 0)
		take_over(pool);
	else if (pool->old_alive > 0)
		pool->old_deadline = monotonic_seconds(); /* no pipe: they go at once */
}

int server_run(const struct server_hooks *hooks)
{
	struct pool pool = { .hooks = hooks, .size = config.workers, .ready = { -1, -1 } };
	sigset_t signals;

	if (open_socket(&pool) < 0)
		return -1;
	/*
	 * Blocked before the first fork: a worker inherits them blocked and
	 * unblocks them once it handles them (fcgi_serve). A second SIGTERM
	 * during the shutdown stays pending and harmless. They stay blocked
	 * across a reload's exec: one that comes meanwhile waits for the new
	 * program.
	 */
	sigemptyset(&signals);
	sigaddset(&signals, SIGCHLD);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	/* Whatever was inherited: an ignored SIGCHLD would reap the workers before waitpid could. */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (hooks->prepare != NULL)
		hooks->prepare();

	start_workers(&pool);
	while (supervise(&pool, &signals) == SUPERVISE_RELOAD)
		reexec(&pool);
	stop_workers(&pool);
	free(pool.pids);
	close(pool.sock);
	unlink(config.socket_path);
	log_info("stopped");
	return 0;
}
