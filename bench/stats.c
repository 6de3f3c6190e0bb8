/*
 * stats.c - latency percentiles and RSS sampling for the load generator
 *
 * Interface: stats.h.
 */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* cmp_double - qsort order for doubles */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* st_percentile - nearest-rank percentile */
double
st_percentile(double *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	return v[(rank > n ? n : rank) - 1];
}

/* st_rss_kb - VmRSS in kB */
long
st_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* st_cpu_ticks - utime + stime: fields 14 and 15 of /proc/PID/stat,
 * counted after the ")" that ends the command name (which may hold
 * spaces) */
long
st_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1,
		" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		&stime) != 2)
		return -1;
	return (long)(utime + stime);
}

/* sample - fold one sample into the record */
static void
sample(struct st_rss *r)
{
	long kb = st_rss_kb(r->pid);

	if (kb < 0)
		return;
	r->end_kb = kb;
	if (kb > r->max_kb)
		r->max_kb = kb;
}

/* sampler - thread body: sample every 50 ms until stopped */
static void *
sampler(void *arg)
{
	struct st_rss *r = arg;
	struct timespec ts = {0, 50 * 1000 * 1000};

	while (!r->stop) {
		sample(r);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* st_rss_start - first sample, then sample in the background */
void
st_rss_start(struct st_rss *r, pid_t pid)
{
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->start_kb = r->end_kb = r->max_kb = st_rss_kb(pid);
	r->cpu_start = r->cpu_end = pid > 0 ? st_cpu_ticks(pid) : -1;
	if (pid > 0 && pthread_create(&r->thread, NULL, sampler, r) == 0)
		r->running = 1;
}

/* st_rss_stop - join the sampler, take the last sample */
void
st_rss_stop(struct st_rss *r)
{
	r->stop = 1;
	if (r->running)
		pthread_join(r->thread, NULL);
	r->running = 0;
	sample(r);
	if (r->pid > 0)
		r->cpu_end = st_cpu_ticks(r->pid);
}
