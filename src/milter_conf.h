/*
 * milter_conf.h - the milter's settings as its callbacks use them.
 *
 * milter_conf_compile() checks the milter_* keys (and batv_key_file) of
 * one rb_settings and compiles them into a struct mconf: policy, reply,
 * scope, networks, bounce address patterns, DSN handling, BATV keys.
 * The result is immutable; milter.c swaps it whole on reload and frees
 * it with milter_conf_free() once no callback holds it.  No state and
 * no libmilter calls; the only I/O is reading batv_key_file.  Any
 * thread.  Internal to the milter.
 */
#ifndef REBOUND_MILTER_CONF_H
#define REBOUND_MILTER_CONF_H

#include <stddef.h>

#include <libmilter/mfapi.h>

#include "batv.h"
#include "classify.h"
#include "dsn.h"
#include "settings.h"
#include "verdict.h"

#define MAX_NETS	64
#define MAX_NAMES	32
#define MAX_BOUNCE	32
#define NETS_BUF	2048	/* milter_client_networks, as kept */

_Static_assert(MAX_NAMES <= MAX_NETS && MAX_BOUNCE <= MAX_NETS,
    "check_words() splits into MAX_NETS + 1 words");

enum policy { POL_REJECT, POL_TEMPFAIL, POL_TAG, POL_DROP };
enum dsn_act { DSNA_ACCEPT, DSNA_DISCARD, DSNA_QUARANTINE };

#define SCOPE_AUTH	0x01
#define SCOPE_NETS	0x02
#define SCOPE_LOCAL	0x04
#define SCOPE_DAEMON	0x08
#define SCOPE_ALL	0x10

struct net {
	int af;
	unsigned char addr[16];
	int bits;
};

/* Settings compiled for the callbacks; replaced whole on reload. */
struct mconf {
	enum policy policy;
	char reply_code[4];
	char reply_xcode[RB_ENHANCED_MAX];
	char reply_text[512];
	char tag_header[128];
	unsigned scope;
	struct net nets[MAX_NETS];
	int nnets;
	char names_buf[1024];
	const char *names[MAX_NAMES];
	int nnames;
	char bounce_buf[2048];
	const char *bounce[MAX_BOUNCE];
	int nbounce;
	enum dsn_act dsn_action;
	int require_verified;
	size_t max_body;
	sfsistat on_error;
	struct dsn_options dopt;
	char verp_buf[1024];
	struct batv_keys batv;		/* nkeys 0: BATV off */
	int batv_max_age;		/* days */
	int batv_sign;			/* milter_batv_sign, with a key */
	const struct classifier *cl;
};

/* By enum policy: the milter_policy words, also the counters' names. */
extern const char *const milter_policy_names[4];

/* NULL with the key and reason in err when a value is refused. */
struct mconf *milter_conf_compile(const struct rb_settings *,
    const struct classifier *, char *err, size_t errlen);
void milter_conf_free(struct mconf *);
/* Whether address a (bits unused) is inside network n. */
int milter_net_match(const struct net *n, const struct net *a);

#endif
