/* The session worker's policy tables: accepted environment, signal names. */
#include "config.h"

#include <signal.h>

#include "session/session.h"
#include "unit.h"

static void
test_env(void)
{
	CHECK(policy_env_allowed("", "LANG"));
	CHECK(policy_env_allowed("", "LC_ALL"));
	CHECK(policy_env_allowed("", "LC_CTYPE"));
	CHECK(policy_env_allowed(NULL, "TERM"));
	CHECK(!policy_env_allowed("", "LANGUAGE"));
	CHECK(!policy_env_allowed("", "PATH"));
	CHECK(!policy_env_allowed("", "LD_PRELOAD"));
	CHECK(!policy_env_allowed("", "LC"));
	CHECK(!policy_env_allowed("", ""));
	CHECK(!policy_env_allowed("*", "A=B"));
	CHECK(policy_env_allowed("FOO,MYAPP_*", "FOO"));
	CHECK(policy_env_allowed("FOO,MYAPP_*", "MYAPP_X"));
	CHECK(!policy_env_allowed("FOO,MYAPP_*", "MYAPP"));
	CHECK(!policy_env_allowed("FOO,MYAPP_*", "FOOBAR"));
	CHECK(policy_env_allowed(",,BAR,", "BAR"));
	CHECK(!policy_env_allowed(",,BAR,", "BA"));
}

static void
test_signals(void)
{
	CHECK_EQ_U64(policy_signal_number("INT"), SIGINT);
	CHECK_EQ_U64(policy_signal_number("KILL"), SIGKILL);
	CHECK_EQ_U64(policy_signal_number("USR2"), SIGUSR2);
	CHECK_EQ_U64(policy_signal_number("SIGINT"), 0);
	CHECK_EQ_U64(policy_signal_number("int"), 0);
	CHECK_EQ_U64(policy_signal_number(""), 0);
	CHECK_STR(policy_signal_name(SIGTERM), "TERM");
	CHECK_STR(policy_signal_name(SIGSEGV), "SEGV");
	CHECK_STR(policy_signal_name(SIGWINCH), "WINCH");
	CHECK(policy_signal_name(0) == NULL);
	CHECK(policy_signal_name(SIGRTMIN + 1) == NULL);
	/* Every name maps back to itself. */
	for (int sig = 1; sig < 32; sig++) {
		const char *n = policy_signal_name(sig);
		if (n != NULL)
			CHECK_EQ_U64(policy_signal_number(n), sig);
	}
}

int
main(void)
{
	test_env();
	test_signals();
	return unit_done();
}
