/*
 * What a session may ask for: which environment variables pass, and how
 * SSH signal names map to signal numbers.
 */
#include "config.h"

#include <fnmatch.h>
#include <signal.h>
#include <string.h>

#include "session.h"

/* Always accepted, as OpenSSH's default AcceptEnv in Debian. */
static const char *const env_default[] = { "LANG", "LC_*", "TERM" };

static bool
env_valid_name(const char *name)
{
	if (name[0] == '\0')
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '=')
			return false;
	}
	return true;
}

/* allow: comma-separated names and shell patterns such as "MYAPP_*". */
bool
policy_env_allowed(const char *allow, const char *name)
{
	if (!env_valid_name(name))
		return false;
	for (size_t i = 0; i < sizeof(env_default) / sizeof(env_default[0]); i++) {
		if (fnmatch(env_default[i], name, 0) == 0)
			return true;
	}
	const char *p = allow != NULL ? allow : "";
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char pat[256];
		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(pat, name, 0) == 0)
				return true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static const struct {
	const char *name;
	int signo;
} signals[] = {
	/* RFC 4254 6.10 first; the rest are what Linux guests can report. */
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "FPE", SIGFPE },
	{ "HUP", SIGHUP }, { "ILL", SIGILL }, { "INT", SIGINT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "QUIT", SIGQUIT },
	{ "SEGV", SIGSEGV }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 },
	{ "BUS", SIGBUS }, { "TRAP", SIGTRAP }, { "SYS", SIGSYS },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO }, { "PWR", SIGPWR },
};

int
policy_signal_number(const char *name)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcmp(signals[i].name, name) == 0)
			return signals[i].signo;
	}
	return 0;
}

const char *
policy_signal_name(int signo)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (signals[i].signo == signo)
			return signals[i].name;
	}
	return NULL;
}
