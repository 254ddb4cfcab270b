/*
 * check_classify.c - case tables for the classifier: the codes of the
 * seed articles' tables, provider tokens, multi-line replies, codes that
 * contradict the text, missing codes, hostile input, and rule files that
 * must be refused with file:line.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "rules.h"

static struct classifier *cl;
static struct classify_scratch *sc;

static void
setup(void)
{
	char err[512];

	cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cl != NULL, "%s", err);
	sc = classify_scratch_new(cl);
	ck_assert_ptr_nonnull(sc);
}

static void
teardown(void)
{
	classify_scratch_free(sc);
	classifier_free(cl);
}

static void
run(const char *text, const char *enh, const char *rcpt, const char *mx,
    enum rb_outcome hint, struct rb_verdict *v)
{
	struct classify_input in;

	memset(&in, 0, sizeof(in));
	in.text = text;
	in.textlen = text ? strlen(text) : 0;
	in.enhanced = enh;
	in.recipient = rcpt;
	in.mx = mx;
	in.hint = hint;
	ck_assert_int_eq(classify(cl, sc, &in, v), 0);
}

/* What the seed articles' code tables say, one row per code. */
static const struct {
	const char *reply, *rcpt;
	const char *category, *action;
} seed_codes[] = {
	{ "550 5.1.1 User unknown", "a@example.com", "invalid-address", "suppress" },
	{ "550 5.1.2 Domain not found", "a@example.invalid", "invalid-domain", "suppress" },
	{ "550 5.1.10 Recipient not found", "a@outlook.com", "invalid-address", "suppress" },
	{ "550 5.2.1 Account disabled", "a@example.com", "mailbox-inactive", "suppress" },
	{ "552 5.2.2 Mailbox full", "a@example.com", "mailbox-full", "retry" },
	{ "452 4.2.2 Over quota", "a@gmail.com", "mailbox-full", "retry" },
	{ "550 5.7.26 Unauthenticated email is not accepted due to DMARC policy", "a@gmail.com", "authentication", "fix-sender" },
	{ "550 5.7.27 SPF check failed", "a@gmail.com", "authentication", "fix-sender" },
	{ "550 5.7.23 SPF validation failed", "a@outlook.com", "authentication", "fix-sender" },
	{ "550 5.7.25 The IP address sending this message does not have a PTR record", "a@gmail.com", "authentication", "fix-sender" },
	{ "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred", "a@yahoo.com", "reputation", "slow-down" },
	{ "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1", "a@yahoo.com", "blocklist", "fix-sender" },
	{ "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. S3150", "a@hotmail.com", "reputation", "fix-sender" },
	{ "550 5.7.1 Message rejected due to content restrictions (S3110)", "a@outlook.com", "content", "fix-sender" },
	{ "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. (S3113)", "a@outlook.com", "reputation", "slow-down" },
	{ "554 The mail could not be delivered to the recipient because the domain is not reachable. Please check the domain and try again", "a@example.com", "invalid-domain", "suppress" },
	{ "554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0]", "a@yahoo.com", "invalid-address", "suppress" },
	{ "550 5.2.1 Recipient address rejected: User unknown. See https://example.org/reason/#filtered", "a@example.com", "invalid-address", "suppress" },
	{ "550 5.7.1 Message was filtered as spam", "a@example.com", "content", "fix-sender" },
	{ "421 4.7.28 Our system has detected an unusual rate of unsolicited mail", "a@gmail.com", "reputation", "slow-down" },
	{ "550 5.7.28 Our system has detected an unusual rate of unsolicited mail", "a@gmail.com", "reputation", "fix-sender" },
	{ "452 4.5.3 Too many recipients", "a@example.com", "rate-limit", "slow-down" },
	/* iCloud's word for an address it does not serve. */
	{ "550 5.1.1 <a@icloud.com>: inactive email address", "a@icloud.com", "invalid-address", "suppress" },
	/* A Hide My Email relay address its owner turned off. */
	{ "550 5.7.1 Relay not permitted for user.", "a@privaterelay.appleid.com", "mailbox-inactive", "suppress" },
	{ "421 4.7.26 Too many connections from your IP", "a@example.com", "rate-limit", "slow-down" },
	{ "552 5.3.4 Message size exceeds fixed maximum message size", "a@example.com", "message", "fix-sender" },
	{ "554 5.7.1 Relay access denied", "a@example.com", "policy", "fix-sender" },
	{ "550 5.4.6 Routing loop detected", "a@example.com", "routing", "fix-sender" },
	/* Gmail's throttle of an IP that sends unsolicited mail, folded. */
	{ "421-4.7.0 [192.0.2.1] Our system has detected an unusual amount of 421-4.7.0 unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.", "a@gmail.com", "reputation", "slow-down" },
	/* A sender's penalty for retrying too fast names the recipient's
	 * address as "blocked": a throttle, not a disabled mailbox. */
	{ "550 5.7.1 <a@example.pl>: Recipient address rejected: temporarily blocked because of previous errors - retrying too fast. penalty: 30 seconds x 0 retries.", "a@example.pl", "rate-limit", "slow-down" },
	{ "421 mx.example.net out of connection slots", "a@example.net", "rate-limit", "slow-down" },
	{ "550 The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.", "a@example.net", "policy", "fix-sender" },
	{ "553 5.7.1 [TSS07] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/errors/postmaster-27.html", "a@yahoo.com", "blocklist", "fix-sender" },
	/* DNS is routing (TAXONOMY.md); a lookup failed for now is retried. */
	{ "451 4.4.3 Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again", "a@example.net", "routing", "retry" },
	{ "451 4.4.3 DNS lookup timeout for example.net", "a@example.net", "routing", "retry" },
	{ "451 4.4.1 No answer from host", "a@example.com", "network", "retry" },
	{ "421 4.3.0 Temporary system problem", "a@example.com", "remote-server", "retry" },
	{ "451 4.7.1 Greylisted, please try again in 300 seconds", "a@example.com", "remote-server", "retry" },
	{ "451 4.4.7 Message expired in queue", "a@outlook.com", "expired", "retry" },
	{ "550 5.4.310 DNS domain example.com does not exist", "a@outlook.com", "invalid-domain", "suppress" },
	{ "553 mx.example.net does not exist (in reply to end of DATA command)", "a@example.net", "invalid-domain", "suppress" },
	{ "550 <someone@example.net> does not exist (in reply to RCPT TO command)", "someone@example.net", "invalid-address", "suppress" },
	{ "550 5.0.0 Undefined error", "a@example.com", "other", "review" },
	{ "554 Transaction failed", "a@example.com", "other", "review" },
};

/* reply for rcpt must get this category and this action. */
static void
expect_verdict(const char *reply, const char *rcpt, const char *category,
    const char *action)
{
	struct rb_verdict v;

	run(reply, NULL, rcpt, NULL, RB_OUTCOME_UNKNOWN, &v);
	ck_assert_msg(strcmp(taxonomy_category_name(v.category), category) == 0 &&
	    strcmp(taxonomy_action_name(v.action), action) == 0,
	    "\"%s\": got %s/%s (rule %s), want %s/%s", reply,
	    taxonomy_category_name(v.category), taxonomy_action_name(v.action),
	    v.rule, category, action);
}

START_TEST(test_seed_codes)
{
	for (size_t i = 0; i < sizeof(seed_codes) / sizeof(seed_codes[0]); i++)
		expect_verdict(seed_codes[i].reply, seed_codes[i].rcpt,
		    seed_codes[i].category, seed_codes[i].action);
}
END_TEST

/*
 * Words that mean one thing at one provider: rules with a provider:
 * condition hold when the recipient's domain or the MX host is that
 * provider's, and only then.
 */
START_TEST(test_provider_rules)
{
	/* Tencent's guard on a recipient getting much mail; Cox: no user. */
	expect_verdict("550 Mailbox unavailable or access denied", "a@qq.com", "rate-limit", "slow-down");
	expect_verdict("550 Mailbox unavailable or access denied", "a@example.com", "policy", "fix-sender");
	/* docomo's full mailbox; elsewhere a gateway's size refusal. */
	expect_verdict("552 Too much mail data", "a@docomo.ne.jp", "mailbox-full", "retry");
	expect_verdict("552 Too much mail data", "a@example.com", "message", "fix-sender");
	struct rb_verdict v;
	run("552 Too much mail data", NULL, "a@example.com", "mfsmx.docomo.ne.jp", RB_OUTCOME_UNKNOWN, &v);
	ck_assert_str_eq(taxonomy_category_name(v.category), "mailbox-full");
}
END_TEST

/*
 * Replies whose meaning their senders document (vendors' error code
 * pages, mail servers' sources), beyond the seed articles: what they say
 * about the recipient decides the category and the action.
 */
static const struct {
	const char *reply, *category, *action;
} documented[] = {
	/* qmail's list of valid recipients, whatever X.7.1 it gives. */
	{ "553 sorry, this recipient is not in my validrcptto list (#5.7.1)", "invalid-address", "suppress" },
	/* Sophos Email: the protected domain has no such recipient. */
	{ "550 5.7.1 XGEMAIL_0011 Command rejected", "invalid-address", "suppress" },
	/* ... and its other codes stay the sender's. */
	{ "550 5.7.1 XGEMAIL_0008 Command rejected", "policy", "fix-sender" },
	/* Null MX (RFC 7505), in Exim's words and Postfix's. */
	{ "550 an MX or SRV record indicated no SMTP service", "invalid-domain", "suppress" },
	{ "556 5.1.10 <a@b.example>: Recipient address rejected: Domain b.example does not accept mail (nullMX)", "invalid-domain", "suppress" },
	/* The recipient unsubscribed; the receiver refuses our mail to them. */
	{ "550 5.7.1 [UNS] Recipient has unsubscribed from your list.", "policy", "suppress" },
	/* A bare "Invalid User" (Tencent QQ) is a recipient that does not exist. */
	{ "550 Invalid User", "invalid-address", "suppress" },
	/* GMX and WEB.DE: a mailbox out of storage or holding too many messages. */
	{ "550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.", "mailbox-full", "retry" },
	{ "550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.", "mailbox-full", "retry" },
	/* Old mail systems' notices, from public bounce collections. */
	{ "550 L'adresse de messagerie r\xc3\xa9" "f\xc3\xa9renc\xc3\xa9" "e ci-dessus n'existe pas. Veuillez en v\xc3\xa9rifier l'orthographe.", "invalid-address", "suppress" },
	{ "553 Exceeded maximum inbound message size", "message", "fix-sender" },
	{ "554 Messages without To: fields are not accepted here", "message", "fix-sender" },
	{ "554 No Resent-From field given", "message", "fix-sender" },
	{ "550 Delivery failed 20 attempts: a@b.example", "expired", "retry" },
	/* qmail's badrcptto list; a mailbox the site has deactivated. */
	{ "553 sorry, badrcptto(user mail-box not found) (#5.7.1)", "invalid-address", "suppress" },
	{ "551 <a@b.example> is a deactivated mailbox", "mailbox-inactive", "suppress" },
	{ "550 5.7.1 No mailbox found", "invalid-address", "suppress" },
	{ "550 ** No mail box available for this user **", "invalid-address", "suppress" },
	{ "550 BAD_RECIPIENT - see http://mail.b.example/undelivered.php?r=BAD_RECIPIENT", "invalid-address", "suppress" },
	{ "550 a@b.example is not an active address at this host (invalid username)", "invalid-address", "suppress" },
	/* A relay's footer about scanning for viruses is no virus found. */
	{ "550 5.1.1 a@b.example **** This email has come from the internet and has been scanned for all viruses and potentially offensive content ****", "invalid-address", "suppress" },
	{ "554 5.7.1 ClamAV: virus found: \"Eicar-Signature\"", "content", "fix-sender" },
	/* The scanner's own trouble is no virus in the message. */
	{ "550 5.7.1 Message rejected because our antivirus scanner is unavailable", "policy", "fix-sender" },
	/* A filter's spam patterns are the content; a spam list, senders. */
	{ "553 Blocked using spam pattern, your message may contain the spam contents", "content", "fix-sender" },
	{ "550 Denied due to spam list", "blocklist", "fix-sender" },
	{ "554 5.7.1 Your message failed several antispam checks (SCORING) and it was rejected", "content", "fix-sender" },
	{ "553 5.7.3 CONTENT REJECT:192.0.2.162.2011101001.XXYIvtHf:dspam check:4", "content", "fix-sender" },
	{ "550 Message refused by MailMarshal SpamProfiler", "content", "fix-sender" },
	/* A mailbox over its size, not a message too big. */
	{ "550 5.7.1 The recipient mailbox has exceeded its disk space limit.", "mailbox-full", "retry" },
	{ "552 5.3.4 Message exceeds the maximum size", "message", "fix-sender" },
	{ "554 5.4.4 Name service error for name=b.example type=MX: Malformed name server reply", "routing", "review" },
	/* ...while a name with no record for mail is still a dead domain. */
	{ "550 5.4.4 Name service error for name=b.example type=MX: No address associated with hostname", "invalid-domain", "suppress" },
	/* An SPF refusal in words, without naming SPF. */
	{ "550 192.0.2.68 is not allowed to send mail from test.example", "authentication", "fix-sender" },
	/*
	 * Postfix on a garbled DNS reply: nothing said about the domain, which
	 * a 5.4.4 would otherwise have suppressed as nonexistent.
	 */
	{ "554 5.4.4 Name service error for name=b.example type=MX: Malformed or unexpected name server reply", "routing", "review" },
	/*
	 * Challenge-response filters (Boxbe, Bluebottle) holding the message
	 * for the sender to prove itself a person: no failure of the address,
	 * nothing to retry or escalate.
	 */
	{ "Sender not pre-approved.  Follow instructions in above notice", "auto-reply", "none" },
	{ "This account is protected by Bluebottle.  Please click on the following link to have your address added to the recipient's allowed list", "auto-reply", "none" },
	/* Mimecast: a sender invalid because DMARC failed is authentication. */
	{ "550 DMARC Sender Invalid - envelope rejected - https://community.mimecast.com/docs/DOC-1369#550", "authentication", "fix-sender" },
	/* Microsoft 365: a group that takes mail only from its own
	 * organisation's signed-in senders is policy, not SPF or DKIM. */
	{ "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; Authentication required; Delivery restriction check failed because the sender was not authenticated when sending to this group", "policy", "fix-sender" },
	/* Mimecast's words for a message over its size limit. */
	{ "554 Maximum email size exceeded - https://community.mimecast.com/docs/DOC-1369#554", "message", "fix-sender" },
	/*
	 * Replies of the providers' own pages, which the rules were not
	 * written from: words in them that had meant something else.
	 */
	/* "closing connection" ends many replies; it says no more. */
	{ "451 4.4.2 Timeout - closing connection.", "network", "retry" },
	{ "421 4.3.2 The maximum number of concurrent connections per resource forest has exceeded a limit, closing transmission channel.", "rate-limit", "slow-down" },
	/* The receiving organisation's queue, not a mailbox's quota. */
	{ "450 4.7.3 Organization queue quota exceeded.", "rate-limit", "slow-down" },
	/* A message's form, in a reply that also speaks of spam. */
	{ "550-5.7.1 [192.0.2.9 11] Our system has detected that this message is 550-5.7.1 not RFC 2822 compliant. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked.", "message", "fix-sender" },
	/* Not an address: dead as written, whatever the code says of domains. */
	{ "553 5.1.2 The recipient address <.@gmail.com> is not a valid RFC-5321 address. - gsmtp", "invalid-address", "suppress" },
	/* Postfix's reject_unverified_recipient while its probe runs. */
	{ "450 4.1.1 <a@example.com>: Recipient address rejected: unverified address: Address verification in progress", "remote-server", "retry" },
	/* Mail servers' own texts, in words the rules had in another order. */
	{ "554 bizsmtp 0bcW1i00G0jifNx01bcmHa no DNS reverse for 192.0.2.10", "authentication", "fix-sender" },
	{ "451 4.1.8 Client IP address 192.0.2.10 does not resolve", "authentication", "fix-sender" },
	{ "451 4.1.8 Possibly forged hostname for 192.0.2.10", "authentication", "fix-sender" },
	{ "550 Sorry, no access for this ip", "blocklist", "fix-sender" },
	{ "451 4.5.1 [192.0.2.10] Max concurrent sessions (#1.04)", "rate-limit", "slow-down" },
	{ "571 sorry, reached maximum number of recipients for one session (#5.7.1 - chkuser)", "rate-limit", "slow-down" },
	{ "500 5.0.0 Line too long", "message", "fix-sender" },
	{ "451 See http://pobox.com/~djb/docs/smtplf.html.", "message", "fix-sender" },
	{ "451 From:domain must resolve", "policy", "fix-sender" },
	{ "550 5.1.1 Suspended user", "mailbox-inactive", "suppress" },
	/*
	 * An address between the words: its dots end no sentence.  The
	 * sender's address, not the recipient's, does not exist.
	 */
	{ "550 Sender address bob.smith@example.com does not exist", "policy", "fix-sender" },
	{ "550 5.1.0 Sender address <bob.smith@example.com> does not exist", "policy", "fix-sender" },
	{ "550 Sender account bob@example.com is disabled", "policy", "fix-sender" },
	{ "550 User bob@163.net is disabled", "mailbox-inactive", "suppress" },
	/* Gateways' words for attachments, spam sources and rates. */
	{ "550 This message contains an unwanted binary Attachment", "content", "fix-sender" },
	{ "500 These attachments are not allowed -- Please compress (zip,tar..) them before mailing.", "content", "fix-sender" },
	{ "554 5.5.4 Spam IP rejected", "blocklist", "fix-sender" },
	{ "550 Invalid sender", "policy", "fix-sender" },
	{ "421 4.4.2 Message submission rate for this client has exceeded the configured limit", "rate-limit", "slow-down" },
	/* QQ Mail's and NetEase's words. */
	{ "550 该用户不存在", "invalid-address", "suppress" },
	{ "550 该用户未开通QQ邮箱", "mailbox-inactive", "suppress" },
	{ "552 收件人空间不足", "mailbox-full", "retry" },
	/*
	 * The account this system sends through, suspended at its relay: a
	 * refusal of every message, never a dead recipient (suppressing them
	 * all would empty a list).
	 */
	{ "550 5.7.1 Sending account suspended", "policy", "fix-sender" },
	{ "554 Account blocked due to abuse", "policy", "fix-sender" },
	{ "550 5.7.1 Your account has been temporarily disabled for sending", "policy", "fix-sender" },
	{ "550 Suspended account: outbound mail disabled", "policy", "fix-sender" },
	{ "535 5.7.8 Account disabled", "authentication", "fix-sender" },
	{ "554 5.7.0 Your account has been blocked", "policy", "fix-sender" },
	/* An email service provider's relay refusing this system's account. */
	{ "554 Message rejected: Sending paused for this account.", "policy", "fix-sender" },
	{ "554 Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.", "policy", "fix-sender" },
	{ "530 5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM", "authentication", "fix-sender" },
	{ "554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; Failed to process message due to a permanent exception", "policy", "fix-sender" },
	{ "550 5.7.60 SMTP; Client does not have permissions to send as this sender", "policy", "fix-sender" },
	{ "550 This domain is not associated with your account", "policy", "fix-sender" },
	{ "451 The server has reached its limit for processing requests from your host. Please try again later.", "rate-limit", "slow-down" },
	/* ... while the recipient's disabled account stays one. */
	{ "550 5.2.1 Account disabled", "mailbox-inactive", "suppress" },
	{ "554 5.7.1 <bob@example.org>: account is disabled", "mailbox-inactive", "suppress" },
	/* This system's own TLS policy not met: never escalated. */
	{ "delivery temporarily suspended: TLS is required, but was not offered by host mx.example.org[192.0.2.32]", "network", "fix-sender" },
	{ "Server certificate not trusted", "network", "fix-sender" },
	{ "no TLSA records found", "network", "fix-sender" },
	/* Submission and relay refusals a Postfix relaying through a provider meets. */
	{ "550 smtp auth required", "authentication", "fix-sender" },
	{ "553 Relaying disallowed", "policy", "fix-sender" },
	{ "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", "rate-limit", "slow-down" },
	{ "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception", "policy", "fix-sender" },
	{ "550 Outgoing mail from \"example.com\" has been suspended.", "policy", "fix-sender" },
	{ "552 MS-Office file containing VBA macros found inside of the email", "content", "fix-sender" },
	{ "554 Message Not Accepted by filter.", "content", "fix-sender" },
	{ "451 VS1-IP Excessive unknown recipients - possible Open Relay (#4.1.8)", "reputation", "slow-down" },
	{ "421 [IPTS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1", "reputation", "slow-down" },
	{ "554 5.7.1 Rejected because Bad IP", "blocklist", "fix-sender" },
	{ "550 5.7.0 (COL0-MC6-F31) Unfortunately, messages from (192.0.2.1) on behalf of (example.com) could not be delivered due to domain owner policy restrictions.", "authentication", "fix-sender" },
	/* The receiver's blocklist lookups fail: not a listing of the sender. */
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/192.0.2.1", "remote-server", "review" },
	/*
	 * Postfix's reject_non_fqdn_recipient: the address as written has
	 * no domain and is dead, whatever 5.5.2 says; the sender's own is
	 * the sender's to fix.
	 */
	{ "504 5.5.2 <john>: Recipient address rejected: need fully-qualified address", "invalid-address", "suppress" },
	{ "504 5.5.2 <john@host>: Sender address rejected: need fully-qualified address", "policy", "fix-sender" },
	/* A disabled address at Apple, in its words. */
	{ "550 5.1.1 <a@icloud.com>: inactive email address (in reply to RCPT TO command)", "mailbox-inactive", "suppress" },
	/* A smarthost's daily cap on a customer, whatever the word "spam". */
	{ "4.5.9|Spam limit has been reached.", "rate-limit", "slow-down" },
	{ "421 4.7.0 Message limit exceeded, try again later", "rate-limit", "slow-down" },
	/* A header the receiver will not take: the message is to change. */
	{ "550 5.0.350 Remote server returned an error -> 550 x-dg-ref header is too long.", "message", "fix-sender" },
	{ "Disallowed Attach Type", "content", "fix-sender" },
	/* Spam this sender sent before, not this message's content. */
	{ "550 5.7.1 192.0.2.1 is blocked from sending. Probably due to sending spam messages.", "reputation", "fix-sender" },
	{ "550 Blocked by spam statistics", "reputation", "fix-sender" },
	/* A list host's SpamAssassin score, in its own words. */
	{ "550 This message scored 11.4 points. Congratulations!", "content", "fix-sender" },
	/* QQ Mail's guard on a recipient flooded with mail, by its token or link. */
	{ "550 Mailbox unavailable or access denied [MAFll5UQriBvAv2oxSFc7c9IMwnBBzRPvmLXnHGl2T+F7e31k62B55xKok/RoUjwyA== IP: 192.0.2.9]", "rate-limit", "slow-down" },
	{ "550 Mailbox unavailable or access denied http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000729", "rate-limit", "slow-down" },
	/* SPF or a reverse lookup the receiver could not finish this time. */
	{ "450 sender <bounce@example.com> SPF Temporary Error", "authentication", "retry" },
	{ "451 4.4.3 Temporarily rejected: Problem on SPF lookup", "authentication", "retry" },
	{ "451 4.7.23 SPF authentication failed with a temporary error", "authentication", "retry" },
	{ "550 5.7.23 SPF validation failed", "authentication", "fix-sender" },
	{ "421 client [192.0.2.25] rDNS lookup timeout", "network", "retry" },
	{ "451 4.7.25 Temporary error validating reverse DNS.", "network", "retry" },
	/* A virus named by the reply alone, not "No virus found". */
	{ "554 5.7.1 Virus found", "content", "fix-sender" },
	{ "550 5.7.1 No virus found in this message, but SPF fail", "authentication", "fix-sender" },
	/* A header a filter requires, or a Date far off. */
	{ "550 Required header 'Date' missing", "message", "fix-sender" },
	/* Trend Micro's reputation lists, named where a recipient is refused. */
	{ "450 4.7.1 <aaa@example.com>: Recipient address rejected: ERS-QIL.", "reputation", "slow-down" },
	{ "550 5.7.1 <aaa@example.com>: Recipient address rejected: ERS-RBL.", "blocklist", "fix-sender" },
	/* A policy refusal with an unknown user's code (Zoho). */
	{ "552 5.1.1 <someone@zoho.example> Mailbox delivery failure policy error", "policy", "fix-sender" },
	/* A permanent code that asks to try again later: no proof of a dead mailbox. */
	{ "550-Requested action not taken: mailbox unavailable 550 Failure sending mail. Try again later", "other", "review" },
	/* The sender's own account stopped, not a routing loop (5.4.6). */
	{ "550 5.4.6 Unusual sending activity detected.", "policy", "fix-sender" },
	/* The sending IP named as blocked: a block list, not the content. */
	{ "571 Email from 198.51.100.138 is currently blocked by Verizon Online's anti-spam system. The email sender or Email Service Provider may visit http://www.verizon.net/whitelist and request removal of the block.", "blocklist", "fix-sender" },
	/* A spam filter named by its name. */
	{ "554 5.7.1 rejected by rspamd filter", "content", "fix-sender" },
	{ "451 4.7.1 Try again later (rspamd: soft reject)", "remote-server", "retry" },
	/* The account may not receive: disabled, whatever the odd code. */
	{ "542 This account isn't allowed to receive email", "mailbox-inactive", "suppress" },
	/* Not allowed to receive from some senders: a policy, not a dead account. */
	{ "550 5.7.1 This account is not allowed to receive mail from external senders", "policy", "fix-sender" },
	{ "550 #2175041 unavailable mail user", "invalid-address", "suppress" },
	{ "452 4.5.3 max rcpt per message exceeded", "rate-limit", "slow-down" },
	/* Sending quotas are the sender's pace; one Message-ID's copies its message. */
	{ "421 4.7.28 Gmail has detected this message exceeded its quota for sending messages with the same Message-ID:. To best protect our users, the message has been temporarily rejected.", "message", "fix-sender" },
	{ "451 4.7.1 Sending quota exceeded for this account", "rate-limit", "slow-down" },
	{ "452 4.1.1 <user@comcast.example> too many recent messages; Try again later", "rate-limit", "slow-down" },
	/* This system's connector points at the wrong Microsoft 365 region. */
	{ "451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35. For more information please go to https://go.microsoft.com/fwlink/?linkid=865268", "routing", "fix-sender" },
	/* A receiving organisation's own block list is its policy, not a DNSBL. */
	{ "550 5.7.513 Service unavailable, Client host [192.0.2.1] blocked by example.com using Customer Block list (AS16012607)", "policy", "fix-sender" },
	/* A temporary rejection and nothing more is left to its code. */
	{ "451 4.3.0 Mail server temporarily rejected message. - gsmtp", "remote-server", "retry" },
	/* The remote could not check authentication this time: retried. */
	{ "454 4.7.0 Temporary authentication failure.", "authentication", "retry" },
	{ "501 Invalid RCPT TO address provided", "invalid-address", "suppress" },
	/* A second MAIL FROM on a reused connection: this client's fault. */
	{ "503 Sender already specified.", "message", "fix-sender" },
	{ "554 5.7.1 Reached address outgoing limits for <sender@example.com>", "rate-limit", "slow-down" },
	/* A reply code followed by a colon is still the reply code. */
	{ "554: Dialup/transient IP not allowed. Use a mailgateway or contact toda@rx.t-online.de if obsolete. (DIAL)", "reputation", "fix-sender" },
	/* A header named in double quotes as well as in single ones. */
	{ "550 Header \"Date\" is missing", "message", "fix-sender" },
	{ "552 The Date header is too far in the past", "message", "fix-sender" },
	/* A filter's memory of this client's conduct. */
	{ "550 very bad karma score: -8", "reputation", "fix-sender" },
	{ "550 You were naughty. You are penalized for 0.73 more days.", "reputation", "fix-sender" },
	/* The receiver's own list lookup failed: no listing of this sender. */
	{ "421 DNS error on zen.spamhaus.org", "remote-server", "retry" },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org", "blocklist", "fix-sender" },
	/* Size refusals in other words; docomo's full mailbox in the same. */
	{ "552 Too much mail data.", "message", "fix-sender" },
	{ "552 Too much mail data xxx@docomo.ne.jp", "mailbox-full", "retry" },
	{ "550 [Sniper] Exceeds the limit size of email", "message", "fix-sender" },
	{ "552 Taille limite du message atteinte", "message", "fix-sender" },
	{ "550 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be sent via DATA and receiving system does not support BDAT", "message", "fix-sender" },
	/* Closed or suspended accounts. */
	{ "550 5.0.0 Recipient suspend the service", "mailbox-inactive", "suppress" },
	{ "550 Local mailbox a@b.example is unavailable: user is terminated", "mailbox-inactive", "suppress" },
	/* Domino's unknown user in Spanish, French and Japanese. */
	{ "550 a@b.example no se encuentra en el Directorio de Domino", "invalid-address", "suppress" },
	{ "550 a@b.example non r\xc3\xa9pertori\xc3\xa9 dans l'annuaire Domino", "invalid-address", "suppress" },
	{ "550 a@b.example Domino \xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88\xe3\x83\xaa\xe3\x81\xab\xe3\x81\xaf\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", "invalid-address", "suppress" },
	/* The domain, not the mailbox. */
	{ "550 5.1.2 <a@b.example>: Recipient address rejected: unknown domain name", "invalid-domain", "suppress" },
	{ "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", "invalid-domain", "suppress" },
	{ "550 No mail servers appear to exists for the recipient's address.", "invalid-domain", "suppress" },
	/* A loop back to this system: its routing, never a dead address. */
	{ "554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for the destination domain are configured in a loop", "routing", "fix-sender" },
	{ "550 Message has exceeded maximum hop count", "routing", "fix-sender" },
	/* Giving up, in Exim's and Spanish words; a lookup that failed now. */
	{ "550 retry time not reached for any host after a long failure period", "expired", "retry" },
	{ "451 tiempo de entrega vencido", "expired", "retry" },
	{ "451 Temporary failure in MX lookup", "routing", "retry" },
	{ "451 No valid route to remote MX", "routing", "retry" },
	/* A size limit stated in bytes. */
	{ "554 Message rejected: Stream is more than 10485760 bytes long.", "message", "fix-sender" },
	/* A filter at the recipient held the message (quarantine). */
	{ "550 permanent failure for one or more recipients (support@example.ca:quarantined)", "content", "fix-sender" },
	/* A server that takes mail from its own authenticated users only. */
	{ "550 message submission is for authorised users only!", "policy", "fix-sender" },
	/* Gmail: no From: address, an RFC 5322 matter of the message. */
	{ "550 5.7.1 Messages missing a valid address in the From: header, or having no From: header, are not accepted.", "message", "fix-sender" },
	/* Orange's OFR004 is the sender's address, not the sending IP. */
	{ "501 5.1.0 Emetteur invalide. Invalid Sender. OFR004_405 [405]", "policy", "fix-sender" },
	/* The receiver's own list of addresses known to bounce. */
	{ "554 5.7.1 <user@example.com.br>: Recipient address rejected: policy rejection: user@example.com.br: recipient is known to bounce", "policy", "fix-sender" },
	/* Sender verification that could not be done now. */
	{ "421 unable to verify sender domain", "policy", "fix-sender" },
	/* A TLS session that could not be set up, despite "Access Denied". */
	{ "454 4.7.0 Failed to establish appropriate TLS channel: Access Denied", "network", "retry" },
	/* T-Online: its generic refusal, and the same on its block list. */
	{ "554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.)", "reputation", "fix-sender" },
	{ "554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)", "blocklist", "fix-sender" },
	/* NetEase's own English: a recipient's filter, its limits. */
	{ "550 Mail is rejected by recipients", "policy", "fix-sender" },
	{ "504 the number of RCPT attempts is achieved the maximum threshold", "rate-limit", "slow-down" },
	{ "510 The length of Attach is achieved the maximum threshold", "message", "fix-sender" },
	{ "550 The mail may contain inappropriate words or content.", "content", "fix-sender" },
	/* Comcast's block of a sending IP for spam is the IP's standing. */
	{ "554 imta14.emeryville.ca.mail.comcast.net comcast 192.0.2.2 Comcast block for spam.", "reputation", "fix-sender" },
	/* The sender's address, whatever X.1.0 says of a recipient. */
	{ "553 5.1.0 Sender address syntax error", "policy", "fix-sender" },
	/* A domain list used on the sender's address: the domain is listed. */
	{ "554 5.7.1 Service unavailable; Sender address [promo@example.net] blocked using dbl.spamhaus.org; https://www.spamhaus.org/query/domain/example.net", "blocklist", "fix-sender" },
	/* Sendmail: the client's PTR name does not resolve back to it. */
	{ "550 5.7.1 <info@example.org>... Relaying denied. IP name possibly forged [198.51.100.40]", "authentication", "fix-sender" },
	/* The receiver took the message but could not store it. */
	{ "554 Your message was received but it could not be saved. Please retry later.", "remote-server", "retry" },
	/* AOL: 521 is the host refusing, whatever X.2.1 says of a mailbox. */
	{ "521 5.2.1 : AOL will not accept delivery of this message.", "policy", "fix-sender" },
	/* AOL's DNS:NR (no reverse DNS) and HVU:B1 (a URL in the message). */
	{ "421 4.7.1 : (DNS:NR) http://postmaster.info.aol.com/errors/421dnsnr.html", "authentication", "fix-sender" },
	{ "554 HVU:B1 http://postmaster.info.aol.com/errors/554hvub1.html", "content", "fix-sender" },
	/* Yahoo: phishing-like content; DMARC when it names postmaster-28. */
	{ "554 Message not allowed - [PH01] Email not accepted for policy reasons", "content", "fix-sender" },
	{ "554 5.7.9 Message not accepted for policy reasons.  See http://postmaster.yahoo.com/errors/postmaster-28.html", "authentication", "fix-sender" },
	/* Exchange's store driver on its mailbox database: the server's. */
	{ "532 5.3.2 STOREDRV.Deliver; Missing or bad mailbox Database property", "remote-server", "retry" },
	/* A generic PTR name refused: a reverse DNS name to get. */
	{ "550 Sorry, we do not accept mail from hosts with dynamic IP or generic DNS PTR-records. Please get a custom reverse DNS name from your ISP for your host", "authentication", "fix-sender" },
	/* Sender and protocol faults in their servers' words. */
	{ "501 mail from address must be same as authorization user", "policy", "fix-sender" },
	{ "501 <www-data via Redmine>: \"@\" or \".\" expected after \"Redmine\"", "message", "fix-sender" },
	{ "555 RCPT TO parameters not recognized or not implemented", "message", "fix-sender" },
	{ "550 Header value not allowed", "message", "fix-sender" },
	{ "451-Requested action aborted 451 Mails per session limit", "rate-limit", "slow-down" },
	{ "550 5.2.5 Folder full", "mailbox-full", "retry" },
	{ "550 recipient e-mail adress unknown", "invalid-address", "suppress" },
	/* Every MX tried and none reached: not a domain without MX. */
	{ "550 4.4.0 [internal] no MXs for this domain could be reached at this time", "network", "retry" },
	/* Microsoft's 5.7.501-503: a sender banned for spam, by its code. */
	{ "550 5.7.503 Access denied, spam abuse detected. See the sender support page", "reputation", "fix-sender" },
	/* TLS demanded, in parentheses after a protocol complaint. */
	{ "530 Bad sequence of commands (TLS required)", "network", "fix-sender" },
	{ "554 Error: \"From\" address missing", "message", "fix-sender" },
	{ "550 Relaying through this host without authentication is not allowed", "authentication", "fix-sender" },
	{ "554 Relay operation refused", "policy", "fix-sender" },
	/* A volume limit, even where the receiver calls such mail spam. */
	{ "550 You have sent too many messages today; mail in such volume is treated as spam", "rate-limit", "slow-down" },
	/* The sender's address on the receiver's own list, not a DNSBL. */
	{ "553 Sender address blocked", "policy", "fix-sender" },
	{ "550 Sender is on the organisation's blocklist", "policy", "fix-sender" },
	/* A list that takes posts from its members only; a "new address"
	 * there is the sender's, not a moved mailbox. */
	{ "550 Only members may post to this list; subscribe your new address first", "policy", "fix-sender" },
	{ "550 5.1.6 The recipient has a new address: see the website", "invalid-address", "suppress" },
	/* Cox's published codes. */
	{ "554 Refer to Error Codes section for more information. AUP#CXBL", "reputation", "fix-sender" },
	{ "554 Refer to Error Codes section for more information. AUP#IPBL0001", "blocklist", "fix-sender" },
	{ "550 message rejected. Refer to Error Codes section for more information. AUP#CXSNDR", "authentication", "fix-sender" },
	{ "452 Refer to Error Codes section for more information. AUP#CXMXRT", "rate-limit", "slow-down" },
	{ "550 Please turn SMTP authentication on in your mail client", "authentication", "fix-sender" },
	{ "550 Access denied (sender blacklisted)", "policy", "fix-sender" },
	/* This host's EHLO name, whichever word comes first. */
	{ "501 EHLO invalid domain name", "policy", "fix-sender" },
	/* Unknown or full, the receiver does not say which. */
	{ "550 Usuario desconocido o buzon lleno", "other", "review" },
	{ "550 Mailbox full or user unknown", "other", "review" },
	/* Full mailboxes in words of their own. */
	{ "452 Allocated mailbox storage exceeded", "mailbox-full", "retry" },
	{ "452 Message would exceed maximum mailbox size for this user", "mailbox-full", "retry" },
	{ "450 Das Postfach von Herrn Muster ist voll.", "mailbox-full", "retry" },
	{ "450 La bo\xc3\xaete aux lettres de votre correspondant est pleine.", "mailbox-full", "retry" },
	{ "554 5.7.0 The limit on the number of allowed outgoing messages was exceeded.", "rate-limit", "slow-down" },
	{ "451 Too much fail authentication", "authentication", "fix-sender" },
	{ "451 4.3.0 Multiple destination domains per transaction is unsupported. Please try again.", "policy", "retry" },
	{ "451 Host lookup did not complete", "routing", "retry" },
	{ "421 Remote host closed connection unexpectedly", "network", "retry" },
	/* A relay's own list of inactive recipients; one who complained. */
	{ "550 You tried to send to recipients marked as inactive: user@example.com", "policy", "fix-sender" },
	{ "550 Not delivering to a user who marked your messages as spam", "complaint", "suppress" },
	{ "554 5.7.1 spamdefang score too high", "content", "fix-sender" },
	{ "501 Syntax error in parameters or arguments", "message", "fix-sender" },
	/* Spam seen from this sender; SenderBase's score. */
	{ "421 Too many spams from your IP (192.0.2.10), please visit http://postmaster.free.fr/", "reputation", "slow-down" },
	{ "451 4.3.0 <mail.example.com[192.0.2.10]>: Client host rejected: Throttled - Too much spam from your mail server. Try again later.", "reputation", "slow-down" },
	{ "554 SBRS score too low", "reputation", "fix-sender" },
	/* A list of compromised hosts; Cloudmark's score of the IP. */
	{ "450 Temporary denial of connection (450) for Zombie matches (ERS)", "blocklist", "fix-sender" },
	{ "521 5.7.1 <a@b.example>: Recipient address rejected: You are not allowed to send mail. Please see http://csi.cloudmark.com/reset-request/?ip=192.0.2.10 if you feel this is in error.", "reputation", "fix-sender" },
	{ "550 A URL in this email (example . com) is listed on https://uri.example/. Please resolve and retry", "content", "fix-sender" },
	{ "554 5.5.6 Loop detection > 10", "routing", "fix-sender" },
	/* "Podane" is no DANE. */
	{ "550 \"a@b.example\": Podane konto jest zablokowane administracyjnie lub nieaktywne / This account is disabled or not yet active (#5.1.1)", "mailbox-inactive", "suppress" },
	{ "550 a@b.example...user account is unavailable", "invalid-address", "suppress" },
	/* Locked for now is retried; locked, the account is closed. */
	{ "550 This account has been temporarily locked", "mailbox-inactive", "retry" },
	{ "550 Account is locked", "mailbox-inactive", "suppress" },
	{ "554 Transaction failed: Address contains illegal characters in user name: '<\"re:ceiver\"@b.example>'", "invalid-address", "suppress" },
	{ "550 Empty From: header is not allowed", "message", "fix-sender" },
	/* Exchange Online: the recipient domain's tenant has no mail service. */
	{ "451 4.4.4 Mail received as unauthenticated, incoming to a recipient domain configured in a hosted tenant which has no mail-enabled subscriptions.", "routing", "retry" },
};

START_TEST(test_documented)
{
	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		expect_verdict(documented[i].reply, "a@b.example",
		    documented[i].category, documented[i].action);
	/*
	 * An address that is none, at a provider whose domain exists: not a
	 * resolver's fault, which "5.1.2" at gmail.com alone would be.
	 */
	expect_verdict("553 5.1.2 The recipient address <.@gmail.com> is not a valid RFC-5321 address. - gsmtp",
	    ".@gmail.com", "invalid-address", "suppress");
}
END_TEST

/*
 * Sendmail's stat= words for the remote's reply ("User unknown",
 * "Service unavailable") say no more than the code beside them: the code
 * decides whose fault it was.
 */
static const struct {
	const char *reply, *enh, *category, *action;
	enum rb_outcome hint;
} generic_words[] = {
	{ "Service unavailable", "5.0.0", "other", "review", RB_OUTCOME_BOUNCED },
	{ "Service unavailable", "4.0.0", "remote-server", "retry", RB_OUTCOME_DEFERRED },
	{ "421 Service not available, closing transmission channel", NULL, "remote-server", "retry", RB_OUTCOME_UNKNOWN },
	{ "User unknown", "5.7.1", "other", "review", RB_OUTCOME_BOUNCED },
	/* Postfix's local(8) could not write the mailbox: this system's trouble. */
	{ "maildir delivery failed: create maildir file /home/r/Maildir/tmp/1.P1.x: Permission denied", "5.2.0", "remote-server", "fix-sender", RB_OUTCOME_BOUNCED },
	{ "cannot update mailbox /var/mail/bob for user bob. error writing message: Disk quota exceeded", "5.2.2", "mailbox-full", "retry", RB_OUTCOME_BOUNCED },
	{ "User unknown", "5.1.1", "invalid-address", "suppress", RB_OUTCOME_BOUNCED },
	/*
	 * A delay warning is named expired, but nothing gave up: its cause
	 * is what to fix, and with none, it is other.  Given up, expired.
	 */
	{ "Message will be retried for 2 more day(s). The recipient server did not accept our requests to connect.", "4.4.1", "network", "retry", RB_OUTCOME_DEFERRED },
	{ "Delivery to the following recipients has been delayed.", NULL, "other", "review", RB_OUTCOME_DEFERRED },
	{ "Message could not be delivered for 5 days", NULL, "expired", "retry", RB_OUTCOME_BOUNCED },
	{ "451 Message expired in queue", NULL, "expired", "retry", RB_OUTCOME_DEFERRED },
	{ "connect to mx.example.net[192.0.2.1]:25: Connection refused", "4.4.1", "expired", "retry", RB_OUTCOME_EXPIRED },
	{ "554 5.7.1 <a@b.example>: Recipient address rejected: Nonexistent user", NULL, "invalid-address", "suppress", RB_OUTCOME_BOUNCED },
};

START_TEST(test_generic_words)
{
	for (size_t i = 0; i < sizeof(generic_words) / sizeof(generic_words[0]); i++) {
		struct rb_verdict v;
		run(generic_words[i].reply, generic_words[i].enh, "a@example.org", NULL,
		    generic_words[i].hint, &v);
		ck_assert_msg(strcmp(taxonomy_category_name(v.category), generic_words[i].category) == 0 &&
		    strcmp(taxonomy_action_name(v.action), generic_words[i].action) == 0,
		    "\"%s\" %s: got %s/%s (rule %s), want %s/%s", generic_words[i].reply,
		    generic_words[i].enh ? generic_words[i].enh : "-",
		    taxonomy_category_name(v.category), taxonomy_action_name(v.action),
		    v.rule, generic_words[i].category, generic_words[i].action);
	}
}
END_TEST

/* Reasons, hard bounce flag and outcome. */
static const struct {
	const char *reply, *enh;
	enum rb_outcome hint;
	const char *reason;
	int hard;
	const char *outcome;
} reasons[] = {
	{ "550 5.1.1 <a@b>: Recipient address rejected: User unknown", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 sorry, no mailbox here by that name", NULL, 0, "userunknown", 1, "bounced" },
	/* A mailbox's name says nothing about why it failed. */
	{ "550 5.2.1 <filtered@example.net>: Recipient address rejected: User unknown", NULL, 0, "userunknown", 1, "bounced" },
	/* The receiver's rules and the SMTP grammar. */
	{ "550 Protocol violation", NULL, 0, "policyviolation", 0, "bounced" },
	{ "554 Mail from a@example.net rejected for policy reasons.", NULL, 0, "policyviolation", 0, "bounced" },
	{ "504 Command parameter not implemented", NULL, 0, "syntaxerror", 0, "bounced" },
	{ "a@example.org <b@example.net>: malformed address: <b@example.net> may not follow a@example.org", NULL, RB_OUTCOME_BOUNCED, "syntaxerror", 0, "bounced" },
	/* SMTP AUTH required; RFC 3463's cryptographic X.7.6. */
	{ "550 Unauthenticated senders not allowed", NULL, 0, "securityerror", 0, "bounced" },
	{ "550 5.7.6 Failed to delivery", NULL, 0, "securityerror", 0, "bounced" },
	{ "550 5.7.1 <a@b>: Recipient address rejected: User a@b temporary locked. Please try again later!", NULL, 0, "suspend", 0, "bounced" },
	{ "550 5.1.1 <a@b> - 203.0.113.222 has sent to too many recipients this hour. IB607 <http://x.co/rlbounce>", NULL, 0, "speeding", 0, "bounced" },
	{ "452 Too many recipients received this hour", NULL, 0, "speeding", 0, "deferred" },
	{ "554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: a@example.jp", NULL, 0, "norelaying", 0, "bounced" },
	{ "mail.local: unknown user: bob 554 <bob@example.net>... Service unavailable", "5.5.0", RB_OUTCOME_BOUNCED, "userunknown", 1, "bounced" },
	{ "500 Line limit exceeded", NULL, 0, "mesgtoobig", 0, "bounced" },
	{ "554 delivery error: This user doesn't have an account (blocked-spam@example.com)", NULL, 0, "userunknown", 1, "bounced" },
	/* A network failure that ended in a bounce: given up. */
	{ "connect to mx.example.net[192.0.2.1]:25: Connection timed out", NULL, RB_OUTCOME_BOUNCED, "expired", 0, "bounced" },
	{ "connect to mx.example.net[192.0.2.1]:25: Connection timed out", NULL, RB_OUTCOME_DEFERRED, "networkerror", 0, "deferred" },
	{ "551 450 busy - please try later 551 not our user", "5.1.6", 0, "hasmoved", 1, "bounced" },
	{ "550 5.7.9 Rejected", NULL, 0, "securityerror", 0, "bounced" },
	/*
	 * Sendmail's "User unknown" stands for any 5.1.x reply; with 5.1.7
	 * or 5.1.8 it was the sender's address that was refused.
	 */
	{ "User unknown", "5.1.8", RB_OUTCOME_BOUNCED, "rejected", 0, "bounced" },
	{ "User unknown", "5.1.7", RB_OUTCOME_BOUNCED, "rejected", 0, "bounced" },
	{ "User unknown", "5.1.1", RB_OUTCOME_BOUNCED, "userunknown", 1, "bounced" },
	{ "550 Host unknown", NULL, 0, "hostunknown", 1, "bounced" },
	{ "551 5.1.6 Recipient address has moved", NULL, 0, "hasmoved", 1, "bounced" },
	{ "554 5.2.1 Mailbox disabled, not accepting messages", NULL, 0, "suspend", 0, "bounced" },
	{ "452 4.2.2 Mailbox full", NULL, 0, "mailboxfull", 0, "deferred" },
	{ "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", NULL, 0, "userunknown", 1, "bounced" },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", NULL, 0, "blocked", 0, "bounced" },
	/* Postfix's own words after its generic "Client host rejected:". */
	{ "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", NULL, 0, "requireptr", 0, "deferred" },
	{ "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", NULL, 0, "requireptr", 0, "deferred" },
	{ "554 5.7.1 <x.example[192.0.2.1]>: Client host rejected: Access denied", NULL, 0, "blocked", 0, "bounced" },
	{ "421 Too many concurrent SMTP connections from this IP address; please try again later.", NULL, 0, "toomanyconn", 0, "deferred" },
	{ "550-5.7.26 This message does not have authentication information or fails to 550-5.7.26 pass authentication checks. To best protect our users from spam, the 550-5.7.26 message has been blocked.", NULL, 0, "authfailure", 0, "bounced" },
	{ "500 (err.nosuchuser)", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 5.1.2 DNS Error: Domain name not found", NULL, 0, "hostunknown", 1, "bounced" },
	{ "550 Benutzer bob ist nicht im Domino-Verzeichnis aufgef\xc3\xbchrt", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Mailing to remote domains not supported", NULL, 0, "norelaying", 0, "bounced" },
	{ "554 Message looping (received 6 times)", NULL, 0, "networkerror", 0, "bounced" },
	/* A relay's name is not a verdict: "spam" in it says nothing. */
	{ "conversation with spamfilter.example.net[192.0.2.7] timed out while sending end of data -- message may be sent more than once", NULL, 0, "networkerror", 0, "unknown" },
	/* Sendmail defers on a DNS failure so (a DSN's Status: comment). */
	{ "4.0.0 two.example: host name lookup failure", NULL, 0, "networkerror", 0, "deferred" },
	{ "421 4.7.0 [GL01] Message from (192.0.2.1) temporarily deferred - 4.16.50", NULL, 0, "badreputation", 0, "deferred" },
	{ "550 5.7.1 Message rejected because of unacceptable content.", NULL, 0, "contenterror", 0, "bounced" },
	{ "554 rejecting banned content", NULL, 0, "contenterror", 0, "bounced" },
	/* The sender refused: Exim's sender verification, an unverified identity, a blocked senders list. */
	{ "550 Verification failed for <a@s.example> unrouteable mail domain \"s.example\" Sender verify failed", NULL, 0, "rejected", 0, "bounced" },
	{ "554 5.7.1 Message rejected: Email address is not verified.", NULL, 0, "rejected", 0, "bounced" },
	{ "554 Message rejected by Mimecast: Envelope blocked - User Entry", NULL, 0, "rejected", 0, "bounced" },
	/* An address on the receiver's own deny list is not a DNS blocklist; an IP address is. */
	{ "550 Sorry, you are sending to/from an address that has been blacklisted", NULL, 0, "rejected", 0, "bounced" },
	{ "550 5.7.1 Sender address is on our blocklist", NULL, 0, "rejected", 0, "bounced" },
	{ "554 Your IP address has been blacklisted", NULL, 0, "blocked", 0, "bounced" },
	{ "550 Sender address blacklisted by Spamhaus DBL", NULL, 0, "blocked", 0, "bounced" },
	/* Postfix's own words: a message over the server's SIZE, TLS that failed. */
	{ "message size 30000000 exceeds size limit 20000000 of server mx.example[192.0.2.10]", "5.3.4", 0, "mesgtoobig", 0, "bounced" },
	{ "552 5.2.2 Mailbox has exceeded the storage limit", NULL, 0, "mailboxfull", 0, "bounced" },
	/* X.2.3 with words about size is a limit; Exchange's own size code names the message. */
	{ "552 5.2.3 Message size exceeds fixed maximum message size (10485760)", NULL, 0, "exceedlimit", 0, "bounced" },
	{ "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient", NULL, 0, "mesgtoobig", 0, "bounced" },
	{ "550 5.2.3 RESOLVER.RST.SendSizeLimit.Org; message too large for this organization", NULL, 0, "mesgtoobig", 0, "bounced" },
	{ "Server certificate not verified", "4.7.5", 0, "failedstarttls", 0, "deferred" },
	{ "Server certificate not trusted", "4.7.5", 0, "failedstarttls", 0, "deferred" },
	/* Postfix local(8) over mailbox_size_limit: the mailbox is full, not the message too big. */
	{ "cannot update mailbox /var/mail/bob for user bob. error writing message: File too large", "5.2.2", RB_OUTCOME_BOUNCED, "mailboxfull", 0, "bounced" },
	/* Exim's own words: MX hosts that do not exist; a host given up on. */
	{ "all relevant MX records point to non-existent hosts", "5.0.0", RB_OUTCOME_BOUNCED, "hostunknown", 1, "bounced" },
	/* A filtering gateway's list of its customers' addresses, whatever X.7.1 comes with it; an inactive account. */
	{ "550 5.7.1 <a@b.example>: Recipient address rejected: User email address is marked as invalid.", NULL, 0, "userunknown", 1, "bounced" },
	{ "554 5.7.1 <a@b.example>: Recipient address rejected: Not in recipient list", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Account is not active.", NULL, 0, "suspend", 0, "bounced" },
	{ "Boite du destinataire archivee. Archived recipient.", "5.0.0", RB_OUTCOME_BOUNCED, "suspend", 0, "bounced" },
	/* cPanel's words for a domain its DNS router could not route: the domain, not a blocklist. */
	{ "The mail server could not deliver mail to a@b.example.  The account or domain may not exist, they may be blacklisted, or missing the proper dns entries.", "5.0.0", RB_OUTCOME_BOUNCED, "hostunknown", 1, "bounced" },
	{ "all hosts for 'example.com' have been failing for a long time (and retry time not reached)", "5.0.0", RB_OUTCOME_BOUNCED, "expired", 0, "bounced" },
	/* Sendmail's words on giving up a message. */
	{ "Cannot send message for 5 days", NULL, 0, "expired", 0, "unknown" },
	/* The sender's limits and its From:, whatever X.1.x code they come with. */
	{ "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients", NULL, 0, "speeding", 0, "bounced" },
	{ "550 Rejected by header based Anti-Spoofing policy: alice@sender.example", NULL, 0, "authfailure", 0, "bounced" },
	{ "550 5.7.1 Sender address is blocked", NULL, 0, "rejected", 0, "bounced" },
	/* NetEase's codes; content refused; a header over a size limit is the message, whatever header it is. */
	{ "554 DT:SPM mx14,QMCowAD3Sp4V2 1706787349 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "spamdetected", 0, "bounced" },
	{ "554 IP:B037 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "blocked", 0, "bounced" },
	{ "451 MI:DMC mx14,QMCowAD3Sp4V2 1706787349 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "speeding", 0, "deferred" },
	/* Spectrum's and Cox's acceptable-use codes settle it, whatever the reply's words: rate and connection limits, a refused IP. */
	{ "550 5.1.0 <a@b.example> sender rejected. Please see https://www.spectrum.net/support/internet/understanding-email-error-codes for more information. AUP#In-1310", NULL, 0, "toomanyconn", 0, "bounced" },
	{ "421 cmsmtp 192.0.2.1 blocked AUP#In-1340", NULL, 0, "toomanyconn", 0, "deferred" },
	{ "554 dnvrco-cmimta15 esmtp ESMTP server not available AUP#I-1010", NULL, 0, "blocked", 0, "bounced" },
	{ "421 cmsmtp blocked. Refer to Error Codes section at for more information. AUP#CXCNCT", NULL, 0, "toomanyconn", 0, "deferred" },
	{ "421 HL:ICC http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "speeding", 0, "deferred" },
	{ "421 HL:REP http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "badreputation", 0, "deferred" },
	{ "450 WM:BLI http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "blocked", 0, "deferred" },
	{ "450 MI:CEL http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1", NULL, 0, "syntaxerror", 0, "deferred" },
	/* Refusals of an attachment by its extension, a virus named before the verb, rspamd's symbol. */
	{ "550 Rejected due to bad file extension in attachment", NULL, 0, "contenterror", 0, "bounced" },
	{ "554 5.7.1 Matched map: FORBIDDEN_FILE_EXTENSION", NULL, 0, "contenterror", 0, "bounced" },
	{ "552 5.7.1 virus Win. Test. EICAR_HDB-1 detected by Zoho Mail.", NULL, 0, "virusdetected", 0, "bounced" },
	/* Greylisting named by its program; a full mailbox said the other way round. */
	{ "450 4.2.0 <a@b.example>: Recipient address rejected: Delayed by postgrey", NULL, 0, "onhold", 0, "deferred" },
	{ "552 a@b.example has a full mailbox", NULL, 0, "mailboxfull", 0, "bounced" },
	/* A loop, even from a host whose name says dial-up. */
	{ "553 dialup.example.net config error: mail loops back to myself", NULL, 0, "networkerror", 0, "bounced" },
	{ "550 5.7.1 [CSR] Our system has detected an unusual amount of unsolicited email originating from your address", NULL, 0, "badreputation", 0, "bounced" },
	{ "554 IP=192.0.2.10 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t to clarify.) (BL)", NULL, 0, "blocked", 0, "bounced" },
	{ "5.7.1 <a@b.example>: Sender address rejected: not logged in", NULL, 0, "securityerror", 0, "bounced" },
	/* Exim: the recipient domain's MX is this host, which does not take the domain. */
	{ "userx@mxt1.example lowest numbered MX record points to local host", "5.0.0", RB_OUTCOME_BOUNCED, "networkerror", 0, "bounced" },
	/* Greylisting that says "listed by"; a server too busy; a refusal before the session's error limit. */
	{ "450 4.7.1 <a@b.example>: Recipient address rejected: Greylisted by greyfix 0.4.0, try again in 30 seconds.", NULL, 0, "onhold", 0, "deferred" },
	{ "451 ESMTP MailEnable Service temporarily refused connection at 11/27/15 11:25:27 from IP (192.0.2.10) because the server is too busy.", NULL, 0, "systemerror", 0, "deferred" },
	{ "550 5.5.0 Invalid recipient. 554 5.5.1 Error: no valid recipients 421 4.7.0 mx.example Error: too many errors", NULL, 0, "userunknown", 1, "bounced" },
	/* A first line whose address follows the code's dash; a user named in brackets. */
	{ "550-a@b.example is not an active address at this host (invalid FreeUK 550 username)", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 User <benny> unknown", NULL, 0, "userunknown", 1, "bounced" },
	/* Exim's header syntax check; Postfix's reject_multi_recipient_bounce. */
	{ "550-Rejected after DATA: '>' missing at end of address: 550 failing address in \"From\" header is: <user@dom.example", NULL, 0, "notcompliantrfc", 0, "bounced" },
	{ "550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce", NULL, 0, "rejected", 0, "bounced" },
	/* Refused at the greeting for the server's own trouble. */
	{ "host mx.example[192.0.2.1] refused to talk to me: 421 Downstream server timeout", "4.0.0", 0, "systemerror", 0, "deferred" },
	{ "host mx.example[192.0.2.1] refused to talk to me: 421 Server Temporarily unavailable", "4.0.0", 0, "systemerror", 0, "deferred" },
	/* The terse replies of Chinese webmail servers. */
	{ "555 helohost error.", NULL, 0, "blocked", 0, "bounced" },
	{ "552 looping message.", NULL, 0, "networkerror", 0, "bounced" },
	{ "554 attachment is too long.", NULL, 0, "mesgtoobig", 0, "bounced" },
	{ "550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726", NULL, 0, "contenterror", 0, "bounced" },
	{ "554 5.6.211 Invalid MIME Content: Single text value size (32781) exceeded allowed maximum (32768) for the 'DKIM-Signature' header", NULL, 0, "contenterror", 0, "bounced" },
	/* A deferral that gives no cause is on hold; one that says the server is unwell is its error. */
	{ "450 4.0.0 Temporary failure", NULL, 0, "onhold", 0, "deferred" },
	{ "451 Temporary local problem - please try later", NULL, 0, "systemerror", 0, "deferred" },
	{ "421 4.3.2 Service not available, closing transmission channel", NULL, 0, "systemerror", 0, "deferred" },
	/* A notice's words that delivery failed, and no cause: on hold, never suppressed. */
	{ "Your Message To: <a@b.example> Did not reach the following recipient: a@b.example", "5.0.0", RB_OUTCOME_BOUNCED, "onhold", 0, "bounced" },
	{ "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc(\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88)", "5.0.0", RB_OUTCOME_BOUNCED, "onhold", 0, "bounced" },
	/* The sending IP refused: a dynamic range, T-Online's generic refusal. */
	{ "550 rejected because your IP is in a dynamic range", NULL, 0, "blocked", 0, "bounced" },
	{ "554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.)", NULL, 0, "blocked", 0, "bounced" },
	/*
	 * Sendmail logs any 5xx the remote gave as stat=Service unavailable:
	 * the dsn= code says more than those words; a system's own error
	 * still outranks a code.
	 */
	{ "Service unavailable", "5.2.2", RB_OUTCOME_BOUNCED, "mailboxfull", 0, "bounced" },
	{ "Service unavailable", "5.7.1", RB_OUTCOME_BOUNCED, "policyviolation", 0, "bounced" },
	{ "554 5.3.0 <a@b>: Recipient address rejected: Internal system error", NULL, 0, "systemerror", 0, "bounced" },
	{ "550 5.7.1 Message blocked due to suspected phishing", NULL, 0, "spamdetected", 0, "bounced" },
	{ "554 5.7.1 Blocked by SpamAssassin", NULL, 0, "spamdetected", 0, "bounced" },
	{ "451 4.4.0 DNS temporary failure", NULL, 0, "networkerror", 0, "deferred" },
	{ "550 5.5.0 Requested action not taken: mailbox name not allowed", NULL, 0, "userunknown", 1, "bounced" },
	/* The large European providers' own languages, without a code. */
	{ "550 Benutzer unbekannt", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Utilisateur inconnu", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Destinatario inesistente", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Usuario desconocido", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Cette adresse n'existe pas", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Ese buz\xc3\xb3n no existe", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Questo indirizzo non esiste", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Deze gebruiker bestaat niet", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 Esta cuenta ha sido deshabilitada", NULL, 0, "suspend", 0, "bounced" },
	{ "550 La casilla ha expirado por falta de uso", NULL, 0, "suspend", 0, "bounced" },
	{ "550 Die Mailbox wurde deaktiviert", NULL, 0, "suspend", 0, "bounced" },
	{ "550 Ce compte est d\xc3\xa9sactiv\xc3\xa9", NULL, 0, "suspend", 0, "bounced" },
	{ "550 user has no mailbox", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 5.1.1 User is on vacation", NULL, 0, "vacation", 0, "bounced" },
	/* ...but the sender's address in the same words is not the recipient's. */
	{ "550 L'adresse de l'exp\xc3\xa9" "diteur n'existe pas", NULL, 0, "undefined", 0, "bounced" },
	{ "552 Postfach voll", NULL, 0, "mailboxfull", 0, "bounced" },
	{ "452 Bo\xc3\xaete aux lettres pleine", NULL, 0, "mailboxfull", 0, "deferred" },
	{ "421 Zu viele Verbindungen", NULL, 0, "toomanyconn", 0, "deferred" },
	{ "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.", NULL, 0, "speeding", 0, "deferred" },
	{ "554 5.7.0 Reject, id=01234-01 - BANNED: P=004,M=application/x-msdownload,.exe", NULL, 0, "contenterror", 0, "bounced" },
	/* Evidence about the sender, not the recipient: never a suppression. */
	{ "550 5.7.1 Connection refused - <192.0.2.1> - Too many invalid recipients", NULL, 0, "badreputation", 0, "bounced" },
	{ "550 5.7.1 Sender domain does not exist", NULL, 0, "rejected", 0, "bounced" },
	{ "554 Message rejected: The email address is on the Amazon SES suppression list", NULL, 0, "suppressed", 0, "bounced" },
	/* qmail's refusal to relay. */
	{ "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", NULL, 0, "norelaying", 0, "bounced" },
	{ "550 5.7.1 Message rejected as spam", NULL, 0, "spamdetected", 0, "bounced" },
	{ "554 5.7.1 The message was rejected because it contains a virus", NULL, 0, "virusdetected", 0, "bounced" },
	{ "550 5.7.26 DMARC policy violation", NULL, 0, "authfailure", 0, "bounced" },
	{ "Connection timed out", "4.4.1", RB_OUTCOME_DEFERRED, "networkerror", 0, "deferred" },
	{ "Message could not be delivered for 5 days", "4.4.7", RB_OUTCOME_EXPIRED, "expired", 0, "expired" },
	/* after DATA an unknown user is a filter at the recipient ... */
	{ "550 unknown user <a@b> (in reply to end of DATA command)", NULL, 0, "filtered", 0, "bounced" },
	/* ... unless the server had refused the RCPT already */
	{ "550 5.1.1 <a@b>... User Unknown 503 5.0.0 Need RCPT (recipient) (in reply to end of DATA command)", NULL, 0, "userunknown", 1, "bounced" },
	/* X.2.0 says the mailbox exists (RFC 3463): not an unknown user */
	{ "550 Unknown user a@example.jp", "5.2.0", 0, "filtered", 0, "bounced" },
	{ "550 5.2.0 <a@b>: User unknown", NULL, 0, "filtered", 0, "bounced" },
	{ "550 Unknown user a@example.jp", "5.1.1", 0, "userunknown", 1, "bounced" },
	{ "250 2.0.0 Ok: queued as ABC", NULL, 0, "delivered", 0, "delivered" },
	{ "550 5.1.8 Sender address rejected (in reply to MAIL FROM command)", NULL, 0, "rejected", 0, "bounced" },
	/* Microsoft's directory lookup is proof at whatever stage it came. */
	{ "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) (in reply to end of DATA command)", NULL, 0, "userunknown", 1, "bounced" },
	{ "550 There is no such active account.", NULL, 0, "userunknown", 1, "bounced" },
	/* The receiving server's own failure; a flooded mailbox's pace. */
	{ "451 4.3.5 <a@b>: Recipient address rejected: Server configuration problem", NULL, 0, "systemerror", 0, "deferred" },
	{ "450 4.2.1 Mailbox received too much email in a short period of time", NULL, 0, "speeding", 0, "deferred" },
	{ "552 We failed to deliver mail because the volume of recipient's mailbox exceeded the local limit.", NULL, 0, "mailboxfull", 0, "bounced" },
	/* The server's disk, not the mailbox's quota. */
	{ "452 4.4.5 Insufficient disk space; try again later", NULL, 0, "systemfull", 0, "deferred" },
	{ "452 4.2.2 Insufficient disk space for the user", NULL, 0, "mailboxfull", 0, "deferred" },
	{ "550 Insecure Mail Relay", NULL, 0, "norelaying", 0, "bounced" },
	/* Sendmail's delay warning: still queued after hours. */
	{ "Deferred: 421 Warning: message still undelivered after 4 hours Will keep trying until message is 8 hours old", "4.5.0", RB_OUTCOME_DEFERRED, "expired", 0, "deferred" },
	{ "Delevery to the following recipients was aborted after 5.0 hour(s): Routing: Could not find a gateway", NULL, RB_OUTCOME_BOUNCED, "expired", 0, "bounced" },
	{ "550 domain [example.com] mismatches client ip 192.0.2.225.", NULL, 0, "requireptr", 0, "bounced" },
	{ "554 INVALID IP FOR SENDING MAIL OF DOMAIN example.com [RCPT_TO]", NULL, 0, "blocked", 0, "bounced" },
	/* 521: this host takes no mail (RFC 7504); postscreen's 521 to a client it refuses stays a block. */
	{ "521 5.3.2 <a@b>: Recipient address rejected: System not accepting network messages", NULL, 0, "notaccept", 1, "bounced" },
	{ "521 5.3.2 Service currently unavailable", NULL, 0, "blocked", 0, "bounced" },
	{ "451 4.3.2 System not accepting network messages", NULL, 0, "systemerror", 0, "deferred" },
	/* A name that does not exist, in a bounce; deferred, a DNS trouble. */
	{ "There was an error delivering your mail to <a@cx.example.org>. DNS lookup failure: host cx.example.org not found", NULL, RB_OUTCOME_BOUNCED, "hostunknown", 1, "bounced" },
	{ "DNS lookup failure: host cx.example.org not found", NULL, RB_OUTCOME_DEFERRED, "networkerror", 0, "deferred" },
	/* Orange's content filter (OFR_506), and its other codes. */
	{ "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", NULL, 0, "spamdetected", 0, "bounced" },
	{ "550 5.7.1 Service refuse. Service refused. OFR_999 [999]", NULL, 0, "blocked", 0, "bounced" },
	/* Lotus Notes in Japanese: "not in the directory's list". */
	{ "------- Failure Reasons -------- \xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88\xe3\x83\xaa\xe3\x81\xae\xe3\x83\xaa\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xab\xe3\x81\x82\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93 a@example.jp", NULL, RB_OUTCOME_BOUNCED, "userunknown", 1, "bounced" },
};

START_TEST(test_reasons)
{
	struct rb_verdict v;

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		run(reasons[i].reply, reasons[i].enh, "a@example.org", NULL,
		    reasons[i].hint, &v);
		ck_assert_msg(strcmp(taxonomy_reason_name(v.reason), reasons[i].reason) == 0,
		    "\"%s\": reason %s (rule %s), want %s", reasons[i].reply,
		    taxonomy_reason_name(v.reason), v.rule, reasons[i].reason);
		ck_assert_msg(v.hardbounce == reasons[i].hard, "\"%s\": hardbounce %d",
		    reasons[i].reply, v.hardbounce);
		ck_assert_str_eq(taxonomy_outcome_name(v.outcome), reasons[i].outcome);
	}
}
END_TEST

START_TEST(test_multiline_and_codes)
{
	struct rb_verdict v;

	/* A phrase folded across continuation lines still matches. */
	run("550-5.1.1 The email account that you tried to reach does\r\n"
	    "550-5.1.1 not exist. Please try double-checking the recipient's\r\n"
	    "550 5.1.1 email address for typos.", NULL, "x@gmail.com", NULL, 0, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "userunknown");
	ck_assert_str_eq(v.enhanced, "5.1.1");
	ck_assert_int_eq(v.replycode, 550);
	ck_assert_str_eq(v.provider, "gmail");

	/*
	 * Postfix joins a multi-line reply into one line and keeps every
	 * line's codes; a phrase cut by them still matches.
	 */
	run("host gmail-smtp-in.l.google.com[192.0.2.1] said: 550-5.7.1 "
	    "[192.0.2.222 13] Messages with multiple 550 5.7.1 addresses in "
	    "From: header are not accepted. (in reply to end of DATA command)",
	    NULL, "x@gmail.com", NULL, 0, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "notcompliantrfc");
	ck_assert_str_eq(v.enhanced, "5.7.1");
	run("550-5.7.1 Messages with multiple 550-5.7.1 addresses in From: "
	    "header are 550 5.7.1 not accepted.", NULL, "x@gmail.com", NULL, 0,
	    &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "notcompliantrfc");

	/* The text's specific code refines a generic X.0.0 given by the MTA. */
	run("550 5.2.2 <a@b>... Mailbox Full", "5.0.0", "a@b.example", NULL, 0, &v);
	ck_assert_str_eq(v.enhanced, "5.2.2");
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "mailboxfull");

	/* Text evidence beats a contradicting code. */
	run("550 5.1.0 - Unknown address error '5.2.2 <a@b>... Mailbox Full'",
	    NULL, "a@b.example", NULL, 0, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "mailboxfull");

	/* Only an enhanced code, no text. */
	run(NULL, "5.1.2", "a@b.example", NULL, RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "hostunknown");

	/* No code at all: never suppress on a guess. */
	run("something went wrong", NULL, "a@b.example", NULL, 0, &v);
	ck_assert_str_eq(taxonomy_action_name(v.action), "review");
	ck_assert_str_eq(taxonomy_category_name(v.category), "other");

	/* An IP address is not an enhanced status code. */
	run("550 rejected 5.7.1.2 from 4.4.4.4", NULL, NULL, NULL, 0, &v);
	ck_assert_str_eq(v.enhanced, "");

	/* A temporary user-unknown is retried, not suppressed. */
	run("450 4.1.1 <a@b>: Recipient address rejected: User unknown", NULL,
	    "a@b.example", NULL, 0, &v);
	ck_assert_str_eq(taxonomy_action_name(v.action), "retry");

	/*
	 * Words that otherwise describe the recipient (unknown, does not
	 * exist, invalid, quota), said of the sending side: its lists, its
	 * domain or mailbox, its HELO name, its client address, its quota.
	 * A warning, never a suppression.
	 */
	static const char *const sender_side[] = {
		"550 5.1.0 Sender is not a valid user",
		"550 5.7.1 From header is not a valid address",
		"553 Reply-To is not a valid address",
		"553 Your address is not an active user here",
		/* The sender's own account, in the providers' languages. */
		"550 Ihr Konto wurde gesperrt",
		"550 Votre compte a \xc3\xa9t\xc3\xa9 suspendu",
		"550 Il tuo account \xc3\xa8 sospeso",
		"550 Sua conta foi suspensa",
		"550 5.7.1 Connection refused - <192.0.2.1> - Too many invalid recipients",
		"550 5.7.1 Sender domain does not exist",
		"554 Message rejected: The email address is on the Amazon SES suppression list",
		"550-Requested action not taken: mailbox unavailable 550 invalid DNS MX or A/AAAA resource record",
		"554-Requested action not taken: mailbox unavailable 554 Sender address has null MX",
		"550 5.4.5 Daily user sending quota exceeded.",
		"550 Your domain does not exist",
		"550 The sender's mailbox does not exist",
		"550 Verification failed for <a@s.example> The mail server could not deliver mail to a@s.example. The account or domain may not exist, they may be blacklisted. Sender verify failed",
		"550 Verification failed for <a@s.example> The mail server could not deliver mail to a@s.example.  The account or domain may not exist, they may be blacklisted, or missing the proper dns entries. Sender verify failed",
		"550 Unknown sender",
		"550 5.7.1 <mx.sender.example>: Helo command rejected: Host not found",
		"550 Invalid HELO/EHLO: domain does not exist",
		"550 Your HELO hostname does not exist",
		"550 5.7.1 Your IP address 192.0.2.1 does not exist in our allow list",
		"550 Client IP address unknown",
		"550 5.7.1 Bad From: header: domain does not exist",
		"550 Return path domain does not exist",
		"550 5.1.0 Mail from domain not found",
		"550 5.7.1 Our system does not accept mail from addresses that do not exist",
		"550 5.7.1 Mailbox does not accept mail from unverified senders",
		"550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients",
		"550 5.7.0 Mail Sending denied. This error occurs if the sender account is disabled or not registered within your Google Apps domain.",
		"550 5.1.0 Sender <alice@sender.example> unknown",
		"550 Rejected: sending domain has no MX record",
		"550 Sender has no account here",
		"550 5.1.1 From address does not exist",
		"550 5.1.1 Return path address invalid",
		"554 5.7.0 Your message could not be delivered because the recipient mailbox is currently not accepting messages from your domain",
		"550 5.1.1 User unknown for sending address alice@sender.example",
		"550 5.7.1 Rejected: your account does not exist",
		/* The sending client's login, its protocol, its sender domain, its pace. */
		"550 Login credentials no longer valid. Please re-authenticate.",
		"535 5.7.8 Error: authentication failed: invalid credentials",
		"550 Your account is not active",
		"550 [permfail] example.net requires valid sender domain",
		"550 Invalid syntax. Syntax should be MAIL FROM:<user@domain>",
		"503 must have sender first.",
		"550 message sending for this account is disabled",
		"550 No MX for your FROM address",
		"552 mail from invalid.",
		"554 sender is unvalidated.",
		"553 host denies the sender.",
		"550 This message has exceeded the max number of messages per session. Open a new session and try again.",
		/* Security gateways' words for the sender's faults (Mimecast,
		 * MessageLabs, MailChannels, Trend Micro, Google's relay). */
		"550 5.7.1 [BR] Our system has detected an excessively high number of invalid recipients originating from your account.",
		"535 Incorrect authentication data",
		"553 This route requires encryption (TLS)",
		"553 This route requires high-strength ciphers",
		"550 5.7.0 Must issue a STARTTLS command first",
		"553-You are trying to use me [server-4.tower-12.messagelabs.com] as a relay, but I have not been configured to let you [192.0.2.10, mail.example.com] do this.",
		"550 Message bounced due to Content Examination Policy",
		"550 Envelope rejected - Block policy for Envelope From address",
		"501 Connection rejected by policy [7.7] 20805",
		"521 Block permanently (Sender Filtering/Authentication)",
		"554 5.5.7 e-mail Rejected Content Attachment",
		"550 5.4.5 Daily SMTP relay limit exceeded for user.",
		"450 4.2.1 Peak SMTP relay limit exceeded for customer. This is a temporary error.",
		"421 4.7.0 TLS is required, but our TLS engine is unavailable",
		/* Mail servers' own words for the client's faults (Postfix,
		 * qmail's chkuser, Haraka, hMailServer). */
		"511 sorry, can't find a valid MX for sender domain (#5.1.1 - chkuser)",
		"550 Invalid address format in HELO",
		"550 HELO is dynamic",
		"550 HELO must have a dot",
		"503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining",
		"554 SMTP synchronization error",
		"554 SMTP protocol violation",
		"554 Rejected - Message containing bare LF's.",
		"501 <sender@example.net>: sender address must contain a domain",
		"450 4.7.1 Error: too much mail from 192.0.2.10",
		"421 you have exceeded your messaging limits (#4.3.0)",
		"550 sender <sender@example.net> denied",
		/* Postfix's postscreen to a client on its access list's block
		 * side: the server works and refuses this client. */
		"550 5.3.2 Service currently unavailable",
		"521 5.3.2 Service currently unavailable",
		/* Mailbox providers' codes and words for the sending IP's
		 * pace and standing (Yahoo, AOL, Outlook.com, Microsoft 365,
		 * iCloud, Amazon SES as a relay). */
		"421 Message from (192.0.2.10) temporarily deferred - 4.16.50",
		"421 CON:B1",
		"554 RTR:DU",
		"421 RP-001",
		"550 DY-001",
		"550 OU-002",
		"451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (AS761)",
		"454 Throttling failure: Daily message quota exceeded",
		"550 command rejected due to Sender ID validation failure.",
		"421 Max message per connection reached, closing transmission channel",
		"421 4.7.1 Messages to user@icloud.com deferred due to excessive volume. Try again later",
		/* NetEase's coded refusals, SFR's of a sending IP, and other
		 * European and Asian providers' words for the sender's faults. */
		"451 RP:QRC",
		"550 MI:NHD",
		"554 DT:SUM",
		"550 MI:DMA",
		"450 4.7.1 SFR_IN_105",
		"535 Invalid username or password",
		"554 IP is rejected, smtp auth error limit exceed",
		"552 Illegal Attachment",
		/* A gateway's rule on attachments or formats, by its name. */
		"554 Format restriction violation. Email Session ID: {4DA765B1-6-6565EC3F-FFFF}",
		"550 Attachment restriction violation",
		"550 Requested mail action not taken: too much recipient",
		/* A policy named in Polish, whatever X.1.0 says. */
		"550 5.1.0 Naruszenie zasad cNkj1y0022zrrQM01NkjaD, zobacz https://support.example/kb/a4071",
		/* Content named after the verb, with a code that says the
		 * mailbox exists. */
		"552 5.2.0 This message has been rejected due to content judged to be harmful",
		/* TLS the receiver demands, a HELO it refuses, a loop by
		 * hop count, a recipient's own block list. */
		"421 4.7.0 TLS required for RCPT domain, closing connection.",
		"550 Please use your real hostname when saying HELO (not host-1)",
		"554 Too many Received: headers",
		"550 Your message was rejected by this user and was not delivered",
		"550 You are registered as spammer (by user's reject list)",
		/* Deferrals about this sender: its connections, its pace,
		 * its session's errors and logins, its TLS, its domain. */
		"432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information.",
		"450 4.7.1 <a@b.example>: Recipient address rejected: Policy Rejection- Quota Exceeded.",
		"450 too frequent connects from 192.0.2.10, please try again later.",
		"4.2.1 Sender ip address rejected: You sent to many mails from different domains in the last 10 minutes",
		"421 4.4.5 Service unavailable, concurrency limit reached",
		"452 4.4.5 Messages per second limit exceeded",
		"455 Maximum messages sent per minute reached : limit is 100",
		"452 4.2.2 more than 500 messages in past 1m0s from your ip/network",
		"421 4.7.0 mx.example Error: too many errors",
		"421 Exceeded bad SMTP command limit",
		"421 Too many auth failures, try again later",
		"421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.",
		"421 4.7.29 Your email has been rate limited because this message wasn't sent over a TLS connection.",
		"451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see https://postmaster.yahooinc.com/error-codes",
		/* The sender's own quotas and logins at a relay, a
		 * recipient's organisation's policy. */
		"554 5.7.1 <a@b.example>: Recipient address rejected: You have exceeded your Outmail quota.",
		"462 Daily send limit reached. Please try again tomorrow",
		"451 4.0.0 backend: invalid return path: not owned by user",
		"452 <a@b.example> Mailbox delivery restricted by policy error",
		/* Google's guard at the greeting, IceWarp's and MailEnable's
		 * blocks of a client IP: before any recipient was named. */
		"421 4.7.0 Try again later, closing connection. (EHLO) s12si123.25 - gsmtp",
		"421 4.7.1 Intrusion prevention active for [192.0.2.10]",
		"530 mx.example ESMTP MailEnable Service, Version: 9.00--9.00 denied access at 01/01/17 17:00:00",
		/* This system's own faults, in Postfix's words: never an address's. */
		"client TLS configuration problem",
		"TLS is required, but our TLS engine is unavailable",
		"delivery temporarily suspended: unknown mail transport error",
		"mail transport unavailable",
		"mail system configuration error",
		"address resolver failure",
		"bounce or trace service failure",
		"Deferred: local mailer (/usr/sbin/sensible-mda) exited with EX_TEMPFAIL",
		"connect to mx.example[private/dovecot-lmtp]: No such file or directory",
		"connect to mx.example[/var/run/dovecot/lmtp]: Connection refused",
		/* TLS the receiver demands, in an older word for it. */
		"451 TLS/SSLv3 Connection required. (#4.7.1)",
		/* POP before SMTP; a HELO that is no domain name; a broken
		 * MIME header field. */
		"553 5.3.0 <a@b.example>... Please receive your mail before sending.",
		"550 R1: HELO should be a FQDN or address literal (See RFC 2821 4.1.1.1)",
		"554 Failed: Malformed MIME field: ARC-Message-Signature: i=1; a=rsa-sha256",
	};
	/* "removed" is not "moved": a note that the copy was left out. */
	run("550 <a@b.example>: Original message removed", NULL, "a@b.example",
	    NULL, 0, &v);
	ck_assert_msg(v.reason != RB_REASON_HASMOVED, "removed: rule %s", v.rule);
	/* Nor is a message or a server that moved a person who did. */
	static const char *const not_moved[] = {
		"550 5.7.1 Message moved to quarantine",
		"554 This server has moved to mx2.example.com",
		"451 R:O/ (Moved, please try another host)",
	};
	for (size_t i = 0; i < sizeof(not_moved) / sizeof(not_moved[0]); i++) {
		run(not_moved[i], NULL, "a@b.example", NULL, 0, &v);
		ck_assert_msg(v.reason != RB_REASON_HASMOVED &&
		    v.action != RB_ACTION_SUPPRESS, "%s: rule %s",
		    not_moved[i], v.rule);
	}
	run("550 Requested action not taken: mailbox moved", NULL,
	    "a@b.example", NULL, 0, &v);
	ck_assert_int_eq(v.reason, RB_REASON_HASMOVED);
	for (size_t i = 0; i < sizeof(sender_side) / sizeof(sender_side[0]);
	    i++) {
		run(sender_side[i], NULL, "a@b.example", NULL, 0, &v);
		ck_assert_msg(v.action == RB_ACTION_FIX_SENDER ||
		    v.action == RB_ACTION_SLOW_DOWN, "%s: action %s",
		    sender_side[i], taxonomy_action_name(v.action));
	}
}
END_TEST

START_TEST(test_providers)
{
	static const struct { const char *rcpt, *mx, *want; } t[] = {
		{ "a@gmail.com", NULL, "gmail" },
		{ "a@GoogleMail.com", NULL, "gmail" },
		{ "a@company.example", "aspmx.l.google.com", "gmail" },
		{ "a@company.example", "company-example.mail.protection.outlook.com[52.1.1.1]:25", "microsoft" },
		{ "a@hotmail.co.uk", NULL, "microsoft" },
		{ "a@yahoo.co.uk", NULL, "yahoo" },
		{ "a@aol.com", NULL, "yahoo" },
		{ "a@x.example", "mta7.am0.yahoodns.net", "yahoo" },
		{ "a@icloud.com", NULL, "apple" },
		{ "a@example.org", NULL, "other" },
		{ NULL, NULL, "other" },
		{ "no-at-sign", NULL, "other" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(strcmp(classifier_provider(cl, t[i].rcpt, t[i].mx), t[i].want) == 0,
		    "%s / %s", t[i].rcpt, t[i].mx);

	/*
	 * A provider's own domain "not found" is a broken resolver, never a
	 * dead address; another domain not found is that domain's.
	 */
	struct rb_verdict v;
	run("Host or domain name not found. Name service error for name=gmail.com type=MX: Host not found",
	    "5.4.4", "a@gmail.com", NULL, RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "networkerror");
	ck_assert_str_eq(taxonomy_action_name(v.action), "fix-sender");
	ck_assert_int_eq(v.hardbounce, 0);
	run("Host or domain name not found. Name service error for name=gmial.com type=MX: Host not found",
	    "5.4.4", "a@gmial.com", NULL, RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "hostunknown");
	ck_assert_str_eq(taxonomy_action_name(v.action), "suppress");
	/* The domain's own MX host not found is still the domain's. */
	run("Host unknown (Name server: mx2.gmial.com: host not found)",
	    "5.1.2", "a@gmial.com", "mx2.gmial.com", RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "hostunknown");
	/*
	 * A smart host not found (Sendmail's mailer=relay) is this system's
	 * configuration, whatever the recipient; another name not found is
	 * no proof the recipient's domain is dead.
	 */
	run("Host unknown (Name server: 'smtp.relay.example': host not found)",
	    "5.1.2", "a@example.org", "'smtp.relay.example'", RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "networkerror");
	ck_assert_str_eq(taxonomy_action_name(v.action), "fix-sender");
	ck_assert_int_eq(v.hardbounce, 0);
	run("Host unknown (Name server: 192.0.2.2: host not found)",
	    "5.1.2", "postmaster", "192.0.2.2", RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_action_name(v.action), "fix-sender");
	run("Host or domain name not found. Name service error for name=mx.hoster.example type=A: Host not found",
	    "5.4.4", "a@example.org", "none", RB_OUTCOME_BOUNCED, &v);
	ck_assert_str_eq(taxonomy_category_name(v.category), "routing");
	ck_assert_str_eq(taxonomy_action_name(v.action), "review");
	run("550 5.4.310 DNS domain example.com does not exist", NULL, "a@outlook.com",
	    NULL, 0, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "hostunknown");
}
END_TEST

START_TEST(test_fix_is_provider_aware)
{
	struct rb_verdict v;

	run("421 4.7.28 unusual rate of unsolicited mail", NULL, "a@gmail.com", NULL, 0, &v);
	ck_assert_ptr_nonnull(strstr(v.fix, "Postmaster Tools"));
	run("550 5.7.1 banned sender. S3150", NULL, "a@outlook.com", NULL, 0, &v);
	ck_assert_ptr_nonnull(strstr(v.fix, "SNDS"));
	run("553 5.7.1 [BL21] blocked, Spamhaus", NULL, "a@yahoo.com", NULL, 0, &v);
	ck_assert_ptr_nonnull(strstr(v.fix, "delisting"));
}
END_TEST

START_TEST(test_hostile_input)
{
	struct rb_verdict v;
	struct classify_input in;
	size_t big = 64 * 1024;
	char *buf = malloc(big);

	/* 64 KiB of text, with NUL bytes and invalid UTF-8 in it. */
	static const char pattern[] = "550 5.1.1 user \xff\xfe\0unknown ";
	for (size_t i = 0; i < big; i++)
		buf[i] = pattern[i % (sizeof(pattern) - 1)];
	memset(&in, 0, sizeof(in));
	in.text = buf;
	in.textlen = big;
	ck_assert_int_eq(classify(cl, sc, &in, &v), 0);
	ck_assert_int_eq(v.replycode, 550);
	free(buf);

	run("", NULL, NULL, NULL, 0, &v);
	ck_assert_str_eq(taxonomy_action_name(v.action), "review");
	run("999 9.9.9 what", NULL, NULL, NULL, 0, &v);
	ck_assert_int_eq(v.replycode, 0);
	ck_assert_str_eq(v.enhanced, "");
	ck_assert_str_eq(taxonomy_action_name(v.action), "review");
	run("5", "5.", NULL, NULL, 0, &v);
	ck_assert_str_eq(taxonomy_action_name(v.action), "review");
	run("550 5.1.1", "99999.1.1", NULL, NULL, 0, &v);
	ck_assert_str_eq(v.enhanced, "5.1.1");
}
END_TEST

/* Rule files that must be refused, with the line and the reason. */
static const struct { const char *text, *want; } bad_rules[] = {
	{ "ok text:\"a\" -> reason=userunknown\nbad text:\"b\" reason=userunknown\n", "t.rules:2: expected key:value" },
	{ "x text:\"a\" -> reason=nosuchreason\n", "t.rules:1: unknown reason \"nosuchreason\"" },
	{ "x text:\"a\" -> category=invalid-address\n", "t.rules:1: rule has no reason=" },
	{ "x code:5.x.1 -> reason=userunknown\n", "t.rules:1: bad enhanced code pattern" },
	{ "x text:\"unterminated -> reason=userunknown\n", "t.rules:1: unterminated quote" },
	/* A double quote inside a class that was not escaped ends the value. */
	{ "x re:\"a [\"'] b\" -> reason=userunknown\n", "t.rules:1: text right after a closing quote" },
	{ "# comment\n\nx -> reason=userunknown\n", "t.rules:3: rule has no condition" },
	{ "x text:\"a\" -> reason=userunknown action=shout\n", "t.rules:1: unknown action" },
	{ "x text:\"a\" -> reason=userunknown prio=5000\n", "t.rules:1: prio must be 0..999" },
	{ "x bogus:1 -> reason=userunknown\n", "t.rules:1: unknown condition" },
	{ "x text:\"a\" -> reason=userunknown -> reason=hasmoved\n", "t.rules:1: expected exactly one" },
	{ "@advice nocategory \"x\"\n", "t.rules:1: @advice needs a known category" },
	{ "x provider:gmail provider:yahoo -> reason=userunknown\n", "t.rules:1: \"provider\" given twice" },
	{ "x text:\"a\" -> reason=userunknown fix=a fix=b\n", "t.rules:1: \"fix\" given twice" },
	{ "x code:5.1.1 code:5.1.2 -> reason=userunknown\n", "t.rules:1: \"code\" given twice" },
	{ "x text:\"a\" -> reason=userunknown\n\nx text:\"b\" -> reason=hasmoved\n", "t.rules:3: rule x is already defined at t.rules:1" },
};

START_TEST(test_bad_rules)
{
	char err[512];

	for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
		struct rule_set rs;
		memset(&rs, 0, sizeof(rs));
		err[0] = '\0';
		int rc = rules_parse(&rs, "t.rules", bad_rules[i].text,
		    strlen(bad_rules[i].text), 0, err, sizeof(err));
		ck_assert_msg(rc == -1 && strstr(err, bad_rules[i].want) != NULL,
		    "case %zu: rc %d err \"%s\", want \"%s\"", i, rc, err, bad_rules[i].want);
		rules_free(&rs);
	}
	/* NUL byte in a rule file */
	struct rule_set rs;
	memset(&rs, 0, sizeof(rs));
	ck_assert_int_eq(rules_parse(&rs, "t.rules", "x te\0xt:\"a\"", 11, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.rules:1: NUL"));
	rules_free(&rs);
}
END_TEST

/* A file on disk: bad regex names its line; local overrides win. */
START_TEST(test_files_and_overrides)
{
	char dir[] = "/tmp/check_classify.XXXXXX", path[300], local[300], err[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.rules", dir);
	FILE *fp = fopen(path, "w");
	fputs("good text:\"x\" -> reason=userunknown\nbad re:\"(unclosed\" -> reason=userunknown\n", fp);
	fclose(fp);
	struct classifier *c2 = classifier_load(path, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_null(c2);
	ck_assert_msg(strstr(err, "bad.rules:2: bad pattern") != NULL, "%s", err);

	/* The operator says "mailbox full" from this host means a dead box. */
	snprintf(local, sizeof(local), "%s/local.rules", dir);
	fp = fopen(local, "w");
	fputs("local-full text:\"mailbox full\" -> reason=suspend\n", fp);
	fclose(fp);
	c2 = classifier_load(NULL, local, NULL, err, sizeof(err));
	ck_assert_msg(c2 != NULL, "%s", err);
	struct classify_scratch *s2 = classify_scratch_new(c2);
	struct classify_input in;
	struct rb_verdict v;
	memset(&in, 0, sizeof(in));
	in.text = "552 5.2.2 Mailbox full";
	in.textlen = strlen(in.text);
	classify(c2, s2, &in, &v);
	ck_assert_str_eq(taxonomy_reason_name(v.reason), "suspend");
	ck_assert_str_eq(v.rule, "local-full");
	classify_scratch_free(s2);
	classifier_free(c2);
	unlink(path);
	unlink(local);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("core");
	/* Compiled once, before the tests fork: a compile per test is slow
	 * under the sanitizers and proves nothing more. */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seed_codes);
	tcase_add_test(tc, test_provider_rules);
	tcase_add_test(tc, test_documented);
	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_generic_words);
	tcase_add_test(tc, test_multiline_and_codes);
	tcase_add_test(tc, test_providers);
	tcase_add_test(tc, test_fix_is_provider_aware);
	tcase_add_test(tc, test_hostile_input);
	tcase_add_test(tc, test_bad_rules);
	tcase_add_test(tc, test_files_and_overrides);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
