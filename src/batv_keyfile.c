/*
 * batv_keyfile.c - the BATV key file: permissions, then batv_keys_parse()
 * (see batv_keyfile.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batv.h"
#include "batv_keyfile.h"

#define KEYFILE_MAX	65536	/* ten keys need far less */

int
batv_keyfile_load(const char *path, struct batv_keys *keys, char *err,
    size_t errlen)
{
	char buf[KEYFILE_MAX];
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd;

	batv_keys_init(keys);
	if (path == NULL || path[0] == '\0')
		return (0);
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return (-1);
	}
	/* Group read is allowed: root-owned, group rebound, mode 0640. */
	if ((st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
		snprintf(err, errlen, "%s: mode %04o lets others read or change "
		    "the secrets (chmod 0600, or 0640 for the rebound group)",
		    path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return (-1);
	}
	while (len < sizeof(buf) &&
	    (r = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return (-1);
		}
		len += (size_t)r;
	}
	close(fd);
	int rc = -1;
	if (len == sizeof(buf))
		snprintf(err, errlen, "%s: larger than %d bytes", path, KEYFILE_MAX - 1);
	else if (batv_keys_parse(keys, path, buf, len, err, errlen) == 0) {
		if (keys->nkeys == 0)
			snprintf(err, errlen, "%s: no key in it (\"K SECRET\" "
			    "lines)", path);
		else
			rc = 0;
	}
	explicit_bzero(buf, sizeof(buf));
	return (rc);
}
