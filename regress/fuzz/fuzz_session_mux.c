/*
 * libFuzzer target for the session worker's state machines: its poll loop
 * (session/session_loop.c), the mux dispatch (mux_link.c), the channels
 * (chan.c: policy, requests, the close handshake), the agent dial and
 * handshake (chan_agent.c), the relay both ways with its credit
 * (chan_relay.c) and the recordings (record.c), fed by a hostile network
 * child on the mux and a hostile agent (or vsock backend) on every agent
 * stream. The real code runs over socketpairs and a Unix listener played
 * by regress/session_fixture.c, as Dropbear's fuzz harnesses run its
 * server over fake descriptors; the fixture's oracles abort on any frame
 * or agent request the protocol or the session's policy forbids.
 *
 * Input: byte 0 picks the setup (SFIX_* bits of session_fixture.h), bytes
 * 1-2 (big-endian) the length of the network child's stream (mux frames),
 * the rest is the agent's script (session_fixture.h).
 *
 * MSB_FUZZ_SEEDS=DIR writes the seed corpus, encoded by the real codecs,
 * and exits: regress/fuzz/corpus/session_mux holds its output, and beside
 * it, named regress-*, the inputs that found a bug, as they were found.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/agent_proto.h"
#include "input_split.h"
#include "lib/mux_proto.h"
#include "regress/session_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- seeds ------------------------------------------------------------------------- */

struct seed {
	struct msb_buf net, script, frame;
};

static void
seed_init(struct seed *s)
{
	msb_buf_init(&s->net, 1 << 16);
	msb_buf_init(&s->script, 1 << 16);
	msb_buf_init(&s->frame, 1 << 16);
	struct msb_mux hello = { .type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION };
	if (msb_mux_put(&s->net, &hello) != 0)
		abort();
}

static void
net(struct seed *s, struct msb_mux m)
{
	if (msb_mux_put(&s->net, &m) != 0)
		abort();
}

static void
net_str(struct seed *s, uint8_t type, uint32_t chan, const char *str, const char *str2)
{
	net(s, (struct msb_mux){ .type = type, .chan = chan, .want_reply = true,
	    .str = str, .str_len = strlen(str), .str2 = str2, .str2_len = str2 != NULL ? strlen(str2) : 0 });
}

static void
net_data(struct seed *s, uint32_t chan, const char *data)
{
	net(s, (struct msb_mux){ .type = MSB_MUX_DATA, .chan = chan,
	    .data = (const uint8_t *)data, .len = strlen(data) });
}

/* One script record: op, and for a write the frames gathered in s->frame (or raw). */
static void
op(struct seed *s, uint8_t code, const void *raw, size_t n)
{
	const uint8_t *p = raw != NULL ? raw : msb_buf_ptr(&s->frame);

	if (raw == NULL)
		n = msb_buf_avail(&s->frame);
	if (msb_buf_put_u8(&s->script, code) != 0)
		abort();
	if ((code & 0xc0u) == SFIX_OP_WRITE &&
	    (msb_buf_put(&s->script, (uint8_t[]){ (uint8_t)(n >> 8), (uint8_t)n }, 2) != 0 ||
	    (n > 0 && msb_buf_put(&s->script, p, n) != 0)))
		abort();
	msb_buf_reset(&s->frame);
}

static void
agent_hello(struct seed *s)
{
	struct msb_agent_hello h = {
		.magic = MSB_AGENT_MAGIC, .version = MSB_AGENT_VERSION, .software = "fuzz-agent",
	};

	if (msb_agent_put_hello(&s->frame, &h) != 0)
		abort();
}

static void
agent_put(int rc)
{
	if (rc != 0)
		abort();
}

static void
agent_out(struct seed *s, uint8_t type, const char *text)
{
	agent_put(msb_agent_put_data(&s->frame, type, text, strlen(text)));
}

static void
agent_exit(struct seed *s, uint32_t kind, uint32_t value)
{
	struct msb_agent_exit e = { .kind = kind, .value = value };

	agent_put(msb_agent_put_exit(&s->frame, &e));
}

static void
seed_write(struct seed *s, const char *dir, const char *name, uint8_t setup)
{
	fuzz_input_write(dir, name, setup, msb_buf_ptr(&s->net), msb_buf_avail(&s->net),
	    msb_buf_ptr(&s->script), msb_buf_avail(&s->script));
	msb_buf_free(&s->net);
	msb_buf_free(&s->script);
	msb_buf_free(&s->frame);
}

#define YIELD(conn) (SFIX_OP_NOTHING | SFIX_OP_YIELD | (conn))

/* exec with env, stdin, output both ways, an exit status; refused env; the close. */
static void
seed_exec(const char *dir)
{
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net_str(&s, MSB_MUX_REQ_ENV, 0, "LANG", "C.UTF-8");
	net_str(&s, MSB_MUX_REQ_ENV, 0, "LD_PRELOAD", "/tmp/x.so");
	net_str(&s, MSB_MUX_REQ_ENV, 0, "MYAPP_MODE", "test");
	net_str(&s, MSB_MUX_REQ_EXEC, 0, "cat; echo done >&2", NULL);
	net(&s, (struct msb_mux){ .type = MSB_MUX_WINDOW, .chan = 0, .n = 65536 });
	net_data(&s, 0, "input line\n");
	net(&s, (struct msb_mux){ .type = MSB_MUX_EOF, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 0 });
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	agent_put(msb_agent_put_u32_msg(&s.frame, MSB_AGENT_WINDOW, 4096));
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, YIELD(0), NULL, 0);
	agent_out(&s, MSB_AGENT_STDOUT, "input line\n");
	agent_out(&s, MSB_AGENT_STDERR, "done\n");
	op(&s, SFIX_OP_WRITE, NULL, 0);
	agent_exit(&s, MSB_EXIT_CODE, 3);
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, SFIX_OP_CLOSE, NULL, 0);
	seed_write(&s, dir, "exec", 0);
}

/* A login shell on a PTY: resize, a signal, killed by it. */
static void
seed_shell(const char *dir, const char *name, uint8_t setup)
{
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 1 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_PTY, .chan = 1, .want_reply = true,
	    .str = "xterm-256color", .str_len = 14, .cols = 80, .rows = 24,
	    .data = (const uint8_t *)"\x81\x00\x00\x96\x00", .len = 5 });
	net_str(&s, MSB_MUX_REQ_ENV, 1, "TERM", "xterm");
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_SHELL, .chan = 1, .want_reply = true });
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_WINDOW_CHANGE, .chan = 1, .cols = 120, .rows = 40 });
	net_data(&s, 1, "ls -l\r");
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_SIGNAL, .chan = 1, .str = "INT", .str_len = 3 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 1 });
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	agent_put(msb_agent_put_u32_msg(&s.frame, MSB_AGENT_WINDOW, 256 * 1024));
	agent_out(&s, MSB_AGENT_STDOUT, "$ ");
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, YIELD(0), NULL, 0);
	agent_out(&s, MSB_AGENT_STDOUT, "total 0\r\n$ ");
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	agent_exit(&s, MSB_EXIT_SIGNAL, 2);
	op(&s, SFIX_OP_WRITE, NULL, 0);
	op(&s, SFIX_OP_CLOSE | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, name, setup);
}

/* The forced command runs whatever is asked, on no PTY. */
static void
seed_forced(const char *dir)
{
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_PTY, .chan = 0, .want_reply = true,
	    .str = "vt100", .str_len = 5, .cols = 80, .rows = 24 });
	net_str(&s, MSB_MUX_REQ_SUBSYSTEM, 0, "sftp", NULL);
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	agent_out(&s, MSB_AGENT_STDOUT, "1000\n");
	agent_exit(&s, MSB_EXIT_CODE, 0);
	op(&s, SFIX_OP_WRITE, NULL, 0);
	op(&s, SFIX_OP_CLOSE | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, "forced", SFIX_FORCED | SFIX_NO_PTY | SFIX_NO_SFTP);
}

/* The sftp subsystem: raw bytes both ways, the agent's EOF ends it. */
static void
seed_sftp(const char *dir, const char *name, uint8_t setup)
{
	static const uint8_t init[] = { 0, 0, 0, 5, 1, 0, 0, 0, 3 };
	static const uint8_t version[] = { 0, 0, 0, 5, 2, 0, 0, 0, 3 };
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 2 });
	net_str(&s, MSB_MUX_REQ_SUBSYSTEM, 2, "sftp-extra", NULL);
	net_str(&s, MSB_MUX_REQ_SUBSYSTEM, 2, "sftp", NULL);
	net(&s, (struct msb_mux){ .type = MSB_MUX_DATA, .chan = 2, .data = init, .len = sizeof(init) });
	net(&s, (struct msb_mux){ .type = MSB_MUX_EOF, .chan = 2 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 2 });
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, SFIX_OP_WRITE, version, sizeof(version));
	op(&s, SFIX_OP_SHUT_WR | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, name, setup);
}

/* direct-tcpip: confirmed once the agent connected, raw both ways, half-closes. */
static void
seed_tcpip(const char *dir, const char *name, uint8_t setup)
{
	struct seed s;

	seed_init(&s);
	if (setup & SFIX_VSOCK)
		op(&s, SFIX_OP_WRITE, "OK 1073741824\n", 14);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_DIRECT_TCPIP, .chan = 7,
	    .str = "10.0.2.15", .str_len = 9, .port = 80, .str2 = "127.0.0.1", .str2_len = 9,
	    .orig_port = 50000 });
	net_data(&s, 7, "GET / HTTP/1.0\r\n\r\n");
	net(&s, (struct msb_mux){ .type = MSB_MUX_EOF, .chan = 7 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 7 });
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, SFIX_OP_WRITE, "HTTP/1.0 200 OK\r\n\r\nhi", 21);
	op(&s, SFIX_OP_SHUT_WR | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, name, setup);
}

/* The agent refuses: an error, or no agent at all (malformed hello). */
static void
seed_agent_error(const char *dir)
{
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net_str(&s, MSB_MUX_REQ_EXEC, 0, "nosuch", NULL);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_DIRECT_TCPIP, .chan = 1,
	    .str = "nowhere", .str_len = 7, .port = 22, .str2 = "", .orig_port = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 0 });
	agent_hello(&s);
	agent_put(msb_agent_put_error(&s.frame, MSB_AGENT_E_EXEC, "nosuch: not found"));
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	agent_hello(&s);
	agent_put(msb_agent_put_error(&s.frame, MSB_AGENT_E_BAD_NAME, "nowhere: unknown"));
	op(&s, SFIX_OP_WRITE | 1, NULL, 0);
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD | 1, "\0\0\0\0", 4);
	seed_write(&s, dir, "agent-error", 0);
}

/* Through the hybrid-vsock backend: its OK line first. */
static void
seed_vsock(const char *dir)
{
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net_str(&s, MSB_MUX_REQ_EXEC, 0, "uname", NULL);
	op(&s, SFIX_OP_WRITE, "OK 1073741824\n", 14);
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	agent_out(&s, MSB_AGENT_STDOUT, "Linux\n");
	agent_exit(&s, MSB_EXIT_CODE, 0);
	op(&s, SFIX_OP_WRITE, NULL, 0);
	op(&s, SFIX_OP_CLOSE | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, "vsock", SFIX_VSOCK);
}

/* --record: channel 0 recorded (past its cap), channel 1 refused by the monitor. */
static void
seed_record(const char *dir)
{
	char big[3000];
	struct seed s;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_PTY, .chan = 0, .want_reply = true,
	    .str = "xterm", .str_len = 5, .cols = 80, .rows = 24 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_SHELL, .chan = 0, .want_reply = true });
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 1 });
	net_str(&s, MSB_MUX_REQ_EXEC, 1, "true", NULL);
	net_data(&s, 0, "echo \xc3\xa9t\xc3\xa9\r");
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_WINDOW_CHANGE, .chan = 0, .cols = 100, .rows = 30 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 1 });
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	agent_put(msb_agent_put_u32_msg(&s.frame, MSB_AGENT_WINDOW, 65536));
	agent_out(&s, MSB_AGENT_STDOUT, "\xc3");
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, YIELD(0), NULL, 0);
	agent_out(&s, MSB_AGENT_STDOUT, "\xa9t\xc3\xa9\r\n");
	agent_out(&s, MSB_AGENT_STDOUT, big);
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	agent_exit(&s, MSB_EXIT_CODE, 0);
	op(&s, SFIX_OP_WRITE, NULL, 0);
	op(&s, SFIX_OP_CLOSE | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, "record", SFIX_RECORD);
}

/* --max-sessions 1, a reused channel id, a second program on one channel. */
static void
seed_limits(const char *dir)
{
	struct seed s;

	seed_init(&s);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 1 });
	net_str(&s, MSB_MUX_REQ_EXEC, 0, "true", NULL);
	net_str(&s, MSB_MUX_REQ_EXEC, 0, "false", NULL);
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_DIRECT_TCPIP, .chan = 1,
	    .str = "localhost", .str_len = 9, .port = 5432, .str2 = "", .orig_port = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_CLOSE, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net(&s, (struct msb_mux){ .type = MSB_MUX_REQ_SHELL, .chan = 0 });
	agent_hello(&s);
	agent_put(msb_agent_put_ok(&s.frame));
	agent_exit(&s, MSB_EXIT_CODE, 0);
	op(&s, SFIX_OP_WRITE | SFIX_OP_YIELD, NULL, 0);
	op(&s, SFIX_OP_CLOSE | SFIX_OP_YIELD, NULL, 0);
	seed_write(&s, dir, "limits", SFIX_ONE_SESSION | SFIX_NO_PORT_FWD);
}

static void
write_seeds(const char *dir)
{
	seed_exec(dir);
	seed_shell(dir, "shell", 0);
	seed_shell(dir, "shell-no-pty", SFIX_NO_PTY | SFIX_ONE_SESSION);
	seed_forced(dir);
	seed_sftp(dir, "sftp", SFIX_SFTP_POLICY);
	seed_sftp(dir, "sftp-refused", SFIX_NO_SFTP);
	seed_tcpip(dir, "tcpip", 0);
	seed_tcpip(dir, "tcpip-vsock", SFIX_VSOCK | SFIX_SFTP_POLICY);
	seed_agent_error(dir);
	seed_vsock(dir);
	seed_record(dir);
	seed_limits(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_input_seeds(write_seeds);
	sfix_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;

	if (fuzz_input_split(data, size, &in) != 0)
		return 0;
	sfix_run(in.setup, in.first, in.nfirst, in.second, in.nsecond, NULL);
	return 0;
}
