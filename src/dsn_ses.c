/*
 * dsn_ses.c - Amazon SES bounce and complaint notifications, as JSON.
 *
 * SES does not mail a bounce back to the sender when it is told to
 * publish the event instead: an SNS topic then mails the subscriber a
 * JSON document ("AWS Notification Message").  Its "Message" member is
 * a string holding the SES notification itself, again JSON:
 *   notificationType (or eventType): Bounce, Complaint or Delivery;
 *   bounce: bounceType (Permanent, Transient, Undetermined),
 *     bouncedRecipients[] { emailAddress, action, status, diagnosticCode },
 *     reportingMTA;
 *   complaint: complainedRecipients[] { emailAddress },
 *     complaintFeedbackType;
 *   delivery: recipients[] (plain addresses), smtpResponse, reportingMTA;
 *   mail: source, commonHeaders { messageId }.
 * The same notification without the SNS wrapper (raw delivery) is read
 * too.  A delivery is reported as one (outcome delivered), as in RFC 3464
 * reports: it is evidence that the address works.
 *
 * Works on the dsn_ctx of one call; any thread.  jansson does the JSON.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsn_int.h"
#include "util.h"

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return (s != NULL ? s : "");
}

/* "dsn; mx.example", "smtp; 550 ..." into dst without the type. */
static void
untyped_copy(char *dst, size_t dstlen, const char *s)
{
	size_t n = strlen(s);
	dsn_untyped(&s, &n);
	dsn_squeeze(dst, dstlen, s, n);
}

/*
 * The document at the first '{' of the text.  A mailer may have folded
 * its long lines (a line break and a blank inserted): outside strings
 * that is white space, inside one it breaks the JSON, so on failure the
 * folds are taken out and it is read again.
 */
static json_t *
load(const char *t, size_t n)
{
	const char *b = memchr(t, '{', n);
	if (b == NULL)
		return (NULL);
	n -= (size_t)(b - t);
	json_t *j = json_loadb(b, n, JSON_DISABLE_EOF_CHECK, NULL);
	if (j != NULL)
		return (j);
	char *u = malloc(n + 1);
	if (u == NULL)
		return (NULL);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n')
			continue;
		if (b[i] == '\n' && i + 1 < n && (b[i + 1] == ' ' ||
		    b[i + 1] == '\t')) {
			i++;
			continue;
		}
		u[k++] = b[i];
	}
	j = json_loadb(u, k, JSON_DISABLE_EOF_CHECK, NULL);
	free(u);
	return (j);
}

/*
 * A record for the recipient addr of the notification, with what every
 * record shares; NULL when addr names nobody or no record can be added.
 */
static struct dsn_record *
rcpt_record(struct dsn_ctx *ctx, const char *addr, json_t *mail)
{
	if (addr == NULL || addr[0] == '\0')
		return (NULL);
	struct dsn_record *r = dsn_record_new(ctx);
	if (r == NULL)
		return (NULL);
	dsn_addr_clean(r->recipient, sizeof(r->recipient), addr,
	    strlen(addr));
	const char *mid = str(json_object_get(mail, "commonHeaders"),
	    "messageId");
	dsn_copy(r->orig_message_id, sizeof(r->orig_message_id), mid,
	    strlen(mid));
	const char *src = str(mail, "source");
	dsn_addr_clean(r->envelope_sender, sizeof(r->envelope_sender), src,
	    strlen(src));
	return (r);
}

static int
bounces(struct dsn_ctx *ctx, json_t *b, json_t *mail)
{
	json_t *list = json_object_get(b, "bouncedRecipients"), *it;
	/*
	 * A transient bounce is SES giving up on a temporary failure, as
	 * an expired message is; the rest are refusals.
	 */
	enum rb_outcome hint = strcmp(str(b, "bounceType"), "Transient") == 0 ?
	    RB_OUTCOME_EXPIRED : RB_OUTCOME_BOUNCED;
	size_t i;
	int added = 0;

	json_array_foreach(list, i, it) {
		struct dsn_record *r = rcpt_record(ctx,
		    str(it, "emailAddress"), mail);
		if (r == NULL)
			continue;
		const char *act = str(it, "action");
		dsn_copy(r->action, sizeof(r->action), act[0] ? act : "failed",
		    act[0] ? strlen(act) : 6);
		for (char *p = r->action; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *st = str(it, "status");
		dsn_codes(st, strlen(st), r->status, sizeof(r->status), NULL);
		untyped_copy(r->diagnostic, sizeof(r->diagnostic),
		    str(it, "diagnosticCode"));
		untyped_copy(r->reporting_mta, sizeof(r->reporting_mta),
		    str(b, "reportingMTA"));
		dsn_record_finish(ctx, r, hint);
		added++;
	}
	return (added);
}

/* Delivered: the recipients are plain strings, the reply is shared. */
static int
deliveries(struct dsn_ctx *ctx, json_t *d, json_t *mail)
{
	json_t *list = json_object_get(d, "recipients"), *it;
	const char *reply = str(d, "smtpResponse");
	size_t i;
	int added = 0;

	json_array_foreach(list, i, it) {
		struct dsn_record *r = rcpt_record(ctx,
		    json_string_value(it), mail);
		if (r == NULL)
			continue;
		dsn_copy(r->action, sizeof(r->action), "delivered", 9);
		dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), reply,
		    strlen(reply));
		untyped_copy(r->reporting_mta, sizeof(r->reporting_mta),
		    str(d, "reportingMTA"));
		dsn_record_finish(ctx, r, RB_OUTCOME_DELIVERED);
		added++;
	}
	return (added);
}

static int
complaints(struct dsn_ctx *ctx, json_t *c, json_t *mail)
{
	json_t *list = json_object_get(c, "complainedRecipients"), *it;
	const char *type = str(c, "complaintFeedbackType");
	size_t i;
	int added = 0;

	json_array_foreach(list, i, it) {
		struct dsn_record *r = rcpt_record(ctx,
		    str(it, "emailAddress"), mail);
		if (r == NULL)
			continue;
		dsn_copy(r->feedback_type, sizeof(r->feedback_type),
		    type[0] ? type : "abuse", type[0] ? strlen(type) : 5);
		dsn_copy(r->action, sizeof(r->action), "complaint", 9);
		dsn_record_finish(ctx, r, RB_OUTCOME_COMPLAINT);
		added++;
	}
	return (added);
}

int
dsn_ses_scan(struct dsn_ctx *ctx)
{
	if (ctx->text == NULL || (util_memcasemem(ctx->text, ctx->textlen,
	    "notificationType") == NULL && util_memcasemem(ctx->text,
	    ctx->textlen, "eventType") == NULL))
		return (0);
	json_t *top = load(ctx->text, ctx->textlen), *n = top;
	if (top == NULL) {
		/*
		 * Longer than the text kept (thousands of recipients): the
		 * cut JSON does not load.  Said, rather than no record and
		 * no word.
		 */
		if (ctx->textlen >= DSN_TEXT_KEEP)
			ctx->res->truncated = 1;
		return (0);
	}
	/* The SNS envelope carries the notification as a string. */
	json_t *inner = NULL;
	const char *msg = json_string_value(json_object_get(top, "Message"));
	if (msg != NULL) {
		inner = json_loads(msg, 0, NULL);
		n = inner;
	}
	int added = 0;
	if (json_is_object(n)) {
		const char *type = str(n, "notificationType");
		if (type[0] == '\0')
			type = str(n, "eventType");
		json_t *mail = json_object_get(n, "mail");
		if (strcmp(type, "Bounce") == 0)
			added = bounces(ctx, json_object_get(n, "bounce"), mail);
		else if (strcmp(type, "Complaint") == 0)
			added = complaints(ctx, json_object_get(n, "complaint"),
			    mail);
		else if (strcmp(type, "Delivery") == 0)
			added = deliveries(ctx, json_object_get(n, "delivery"),
			    mail);
	}
	json_decref(inner);
	json_decref(top);
	return (added);
}
