/*
 * libFuzzer target for the monitor's state machine: its dispatch table
 * (monitor/mon_dispatch.c), the login's handling (mon_auth.c: keys,
 * certificates, the gateway's routing, the count of tries) and the session
 * worker's reports (mon_worker.c: audit, recordings), fed by a hostile
 * network child and then, once that child had a login accepted, by a
 * hostile session worker. The real code runs over socketpairs with the
 * process effects of regress/mon_fixture.c, as Dropbear's fuzz harnesses
 * run its server over fake descriptors; refusals are not delayed here
 * (sshd's fixed delay is time only).
 *
 * Input: byte 0 picks the setup (FIX_* bits of mon_fixture.h), bytes 1-2
 * (big-endian) the length of the network child's stream, the rest is the
 * session worker's stream.
 *
 * MSB_FUZZ_SEEDS=DIR writes the seed corpus, encoded by the real codec,
 * and exits: regress/fuzz/corpus/monitor_auth holds its output.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_split.h"
#include "regress/mon_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int fail_delay_init(struct fail_delay *d, const void *key, size_t len)
{
	(void)key;
	(void)len;
	memset(d, 0, sizeof(*d));
	return 0;
}
uint64_t fail_delay_us(const struct fail_delay *d, const char *login) { (void)d; (void)login; return 0; }
void fail_delay_wait(int64_t start_us, uint64_t delay_us) { (void)start_us; (void)delay_us; }
int64_t fail_delay_now_us(void) { return 0; }

static void
write_seed(const char *dir, const char *name, uint8_t setup, const struct msb_mon *pre,
    size_t npre, const struct msb_mon *ses, size_t nses)
{
	struct msb_buf a, b;

	msb_buf_init(&a, 1 << 16);
	msb_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < npre; i++)
		if (msb_mon_put(&a, &pre[i]) != 0)
			abort();
	for (size_t i = 0; i < nses; i++)
		if (msb_mon_put(&b, &ses[i]) != 0)
			abort();
	fuzz_input_write(dir, name, setup, msb_buf_ptr(&a), msb_buf_avail(&a),
	    msb_buf_ptr(&b), msb_buf_avail(&b));
	msb_buf_free(&a);
	msb_buf_free(&b);
}

#define REQ(method_, user_, key_, signed_) { .type = MSB_MON_AUTH_REQUEST, \
	.method = (method_), .user = (user_), .user_len = strlen(user_), \
	.key = (key_), .key_len = strlen(key_), .is_signed = (signed_) }
#define NONE(user_) REQ(MSB_MON_METHOD_NONE, user_, "", false)
#define PK(user_, key_, signed_) REQ(MSB_MON_METHOD_PUBLICKEY, user_, key_, signed_)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
write_seeds(const char *dir)
{
	const struct msb_mon plain[] = { NONE("root"), PK("root", FIX_KEY_OTHER, false),
	    PK("root", FIX_KEY_USER, false), PK("root", FIX_KEY_USER, true) };
	const struct msb_mon global[] = { NONE("alice"), PK("alice", FIX_KEY_GLOBAL, true) };
	const struct msb_mon cert[] = { NONE("alice"), PK("alice", FIX_CERT_USER, false),
	    PK("alice", FIX_CERT_USER, true) };
	const struct msb_mon forced[] = { PK("root", FIX_CERT_FORCED, true) };
	const struct msb_mon gateway[] = { NONE("root+box"), PK("root+box", FIX_KEY_USER, true) };
	const struct msb_mon nobox[] = { NONE("nobox"), PK("nobox", FIX_KEY_USER, true),
	    REQ(MSB_MON_METHOD_PASSWORD, "nobox", "", false) };
	const struct msb_mon tries[] = { REQ(MSB_MON_METHOD_KBDINT, "root", "", false),
	    PK("root", "ssh-rsa AAAA", true), PK("root", FIX_KEY_OTHER, true) };
	const struct msb_mon worker[] = {
	    { .type = MSB_MON_RECORD_OPEN, .chan = 0, .what = MSB_MON_WHAT_EXEC,
		.detail = "ls -l", .detail_len = 5, .term = "xterm", .term_len = 5, .cols = 80, .rows = 24 },
	    { .type = MSB_MON_AUDIT_OPEN, .chan = 0, .kind = MSB_MON_KIND_SESSION,
		.detail = "ls -l", .detail_len = 5 },
	    { .type = MSB_MON_AUDIT_OPEN, .chan = 1, .kind = MSB_MON_KIND_DIRECT_TCPIP,
		.detail = "10.0.0.1:80", .detail_len = 11 },
	    { .type = MSB_MON_AUDIT_CLOSE, .chan = 1, .bytes_in = 10, .bytes_out = 20, .exit = -1 },
	    { .type = MSB_MON_AUDIT_CLOSE, .chan = 0, .bytes_in = 1, .bytes_out = 2, .exit = 0 },
	};
	const struct msb_mon late[] = { PK("root", FIX_KEY_USER, true), NONE("root") };

	write_seed(dir, "plain", 0, plain, N(plain), worker + 1, N(worker) - 1);
	write_seed(dir, "plain-record", FIX_RECORD, plain, N(plain), worker, N(worker));
	write_seed(dir, "global", 0, global, N(global), NULL, 0);
	write_seed(dir, "cert", 0, cert, N(cert), worker + 2, 2);
	write_seed(dir, "cert-forced", FIX_RECORD, forced, N(forced), worker, N(worker));
	write_seed(dir, "gateway", FIX_GATEWAY, gateway, N(gateway), worker + 1, N(worker) - 1);
	write_seed(dir, "gateway-nobox", FIX_GATEWAY, nobox, N(nobox), NULL, 0);
	write_seed(dir, "tries", FIX_ONE_TRY, tries, N(tries), NULL, 0);
	write_seed(dir, "from-refused", FIX_FAR_PEER, plain, N(plain), NULL, 0);
	write_seed(dir, "late-request", 0, late, N(late), NULL, 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_input_seeds(write_seeds);
	mon_fixture_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct monitor_opts o;
	static struct mon m;

	struct fuzz_input in;

	if (fuzz_input_split(data, size, &in) != 0)
		return 0;
	mon_fixture_start(&m, &o, in.setup);
	if (mon_fixture_serve(&m, MON_FROM_PREAUTH, in.first, in.nfirst, NULL) == NULL &&
	    m.phase == PH_POSTAUTH)
		(void)mon_fixture_serve(&m, MON_FROM_WORKER, in.second, in.nsecond, NULL);
	mon_fixture_end(&m);
	return 0;
}
