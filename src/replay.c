/*
 * replay.c - see replay.h.  zlib's gz* functions read compressed and
 * plain files alike, so rotated and live files take the same path.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "replay.h"

struct replay_ctx {
	replay_emit_fn emit;
	void *arg;
	uint64_t lineno;
};

static void
forward(void *arg, const struct rb_outcome_rec *o)
{
	struct replay_ctx *c = arg;

	c->emit(c->arg, o, c->lineno);
}

int
replay_file(const char *path, struct logproc *lp, replay_emit_fn emit,
    void *arg, char *err, size_t errlen)
{
	gzFile gz = gzopen(path, "rb");
	struct replay_ctx ctx = { emit, arg, 0 };
	size_t cap = 1 << 20, have = 0, start = 0;
	char *buf;
	int eof = 0, rc = 0;
	time_t now = time(NULL);
	struct stat sb;

	/*
	 * Lines without a year take the latest year that does not put them
	 * after the file was last written: a rotated file from last December
	 * read today must not date its "Dec 8" in this year's coming week.
	 */
	if (stat(path, &sb) == 0 && sb.st_mtime > 0 && sb.st_mtime < now)
		now = sb.st_mtime;
	if (gz == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
		return (-1);
	}
	gzbuffer(gz, 256 * 1024);
	if ((buf = malloc(cap)) == NULL) {
		gzclose(gz);
		snprintf(err, errlen, "%s: out of memory", path);
		return (-1);
	}
	/*
	 * Read big blocks and cut lines out of them; a line that does not fit
	 * the buffer is over any sane limit and is skipped to its newline.
	 */
	int skipping = 0;
	while (!eof || start < have) {
		if (!eof) {
			if (start > 0) {
				memmove(buf, buf + start, have - start);
				have -= start;
				start = 0;
			}
			int r = gzread(gz, buf + have, (unsigned)(cap - have));
			int e = Z_OK;
			if (r < 0) {
				/* zlib's message names the file itself. */
				snprintf(err, errlen, "%s", gzerror(gz, &e));
				rc = -1;
				break;
			}
			/*
			 * The end of the data, but inside a compressed stream:
			 * a file cut short (a copy, a full disk).  What it held
			 * is counted; the rest is not there to count.
			 */
			if (r == 0 && (gzerror(gz, &e), e == Z_BUF_ERROR)) {
				snprintf(err, errlen, "%s: the compressed file is "
				    "cut short (read up to the cut)", path);
				rc = -1;
			}
			if (r == 0)
				eof = 1;
			have += (size_t)r;
		}
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			if (nl == NULL) {
				if (eof && start < have) {
					/* the last line, without its newline */
					if (!skipping) {
						ctx.lineno++;
						logproc_line(lp, buf + start, have - start,
						    now, forward, &ctx);
					}
					start = have;
				} else if (start == 0 && have == cap) {
					/* longer than the whole buffer */
					if (!skipping) {
						ctx.lineno++;
						logproc_line(lp, buf, cap, now, forward, &ctx);
					}
					skipping = 1;
					have = 0;
				}
				break;
			}
			size_t len = (size_t)(nl - (buf + start));
			if (skipping) {
				skipping = 0;
			} else {
				ctx.lineno++;
				logproc_line(lp, buf + start, len, now, forward, &ctx);
			}
			start += len + 1;
		}
		if (eof && start >= have)
			break;
	}
	free(buf);
	gzclose(gz);
	return (rc);
}
