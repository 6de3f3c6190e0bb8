/*
 * textfile.c - write the metrics file atomically (see textfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "textfile.h"

/* temp_name - ".NAME.PID.tmp" next to path */
static int
temp_name(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash != NULL ? (int)(slash - path + 1) : 0;
	int n;

	n = snprintf(out, len, "%.*s.%s.%ld.tmp", dirlen, path, path + dirlen,
	    (long)getpid());
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* write_all - the whole buffer, retrying short writes */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* textfile_write - temp file, 0644, rename over path */
int
textfile_write(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	char tmp[4096];
	int fd, saved;

	if (temp_name(path, tmp, sizeof tmp) < 0) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0) {
		snprintf(err, errlen, "create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, 0644) < 0) {
		saved = errno;
		close(fd);
	} else
		saved = close(fd) < 0 ? errno : 0;
	if (saved != 0) {
		unlink(tmp);
		snprintf(err, errlen, "write %s: %s", tmp, strerror(saved));
		return -1;
	}
	if (rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		    strerror(saved));
		return -1;
	}
	return 0;
}

/* textfile_init - nothing written yet */
void
textfile_init(struct textfile *tf, const char *path)
{
	tf->path = path;
	tf->failing = 0;
}

/* textfile_update - write; log the first failure and the recovery */
int
textfile_update(struct textfile *tf, const char *data, size_t len)
{
	char err[512];

	if (tf->path == NULL || *tf->path == '\0')
		return 0;
	if (textfile_write(tf->path, data, len, err, sizeof err) < 0) {
		if (!tf->failing)
			log_warnx("MetricsFile: %s (the folder must be "
				  "writable by the UserID user)",
			    err);
		tf->failing = 1;
		return -1;
	}
	if (tf->failing)
		log_notice("MetricsFile: writing %s again", tf->path);
	tf->failing = 0;
	return 0;
}
