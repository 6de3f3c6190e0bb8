/*
 * stats.h - latency percentiles and a process's resident memory
 *
 * st_percentile  p-th percentile (0..100) of n values; sorts them
 * st_rss_kb      VmRSS of a process from /proc/PID/status, -1 if gone
 * st_rss_start   sample a process's VmRSS every 50 ms in a thread,
 *                keeping the first, last and largest value
 * st_rss_stop    stop sampling and take the final sample
 * st_cpu_ticks   user + system CPU time of a process (all its threads)
 *                from /proc/PID/stat, in clock ticks; -1 if gone
 *
 * st_rss_start and st_rss_stop also read st_cpu_ticks, so a run knows
 * how much CPU the filter spent per message: a second view of its cost
 * beside msg/s.
 */
#ifndef STATS_H
#define STATS_H

#include <pthread.h>
#include <sys/types.h>

struct st_rss {
	pid_t pid;
	long start_kb, end_kb, max_kb;
	long cpu_start, cpu_end; /* clock ticks */
	volatile int stop;
	pthread_t thread;
	int running;
};

double st_percentile(double *v, size_t n, double p);
long st_rss_kb(pid_t pid);
long st_cpu_ticks(pid_t pid);
void st_rss_start(struct st_rss *r, pid_t pid);
void st_rss_stop(struct st_rss *r);

#endif
