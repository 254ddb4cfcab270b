/*
 * ctl.h - the verbs of reboundctl(1), one function per verb family.
 *
 * Each takes the arguments after the verb (argv[0] is the verb) and returns
 * the process exit status.  Offline verbs (classify, rules, parse, replay,
 * batv) work without a running daemon; the rest talk to it over the
 * control socket (ctl_client.c).
 */
#ifndef REBOUND_CTL_H
#define REBOUND_CTL_H

int ctl_classify(int argc, char **argv);	/* ctl_classify.c */
int ctl_rules(int argc, char **argv);		/* ctl_classify.c */
int ctl_parse(int argc, char **argv);		/* ctl_parse.c */
int ctl_replay(int argc, char **argv);		/* ctl_replay.c */
int ctl_client(int argc, char **argv);		/* ctl_client.c */
int ctl_batv(int argc, char **argv);		/* ctl_batv.c */

#endif
