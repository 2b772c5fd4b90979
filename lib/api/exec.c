/* client.exec() and client.run(): a command's output into memory or onto descriptors. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"

MSB_API void
msb_ssh_exec_opts_init(msb_ssh_exec_opts *opts)
{
	if (opts != NULL)
		*opts = (msb_ssh_exec_opts){ .tty = 0 };
}

static void
run_init(struct api_run *r, const msb_ssh_client *c, const char *command,
    const msb_ssh_exec_opts *opts)
{
	*r = (struct api_run){
		.command = command, .pty = opts != NULL && opts->tty != 0, .term = c->term,
		.in_fd = -1, .out = { .fd = -1 }, .err = { .fd = -1 }, .wake_fd = -1,
	};
}

MSB_API msb_status
msb_ssh_client_exec_with(msb_ssh_client *c, const char *command, const msb_ssh_exec_opts *opts,
    msb_ssh_output *out)
{
	struct api_run r;

	if (c == NULL)
		return MSB_ERR_INVALID;
	if (command == NULL || out == NULL)
		return api_fail(&c->err, MSB_ERR_INVALID, "exec needs a command and an output");
	memset(out, 0, sizeof(*out));
	run_init(&r, c, command, opts);
	msb_status st = api_run(c, &r);
	if (st == MSB_OK && (r.out.data == NULL || r.err.data == NULL)) {
		/* Empty streams still come back as "" so callers need no NULL checks. */
		unsigned char *o = r.out.data != NULL ? r.out.data : calloc(1, 1);
		unsigned char *e = r.err.data != NULL ? r.err.data : calloc(1, 1);
		r.out.data = o;
		r.err.data = e;
		if (o == NULL || e == NULL)
			st = api_fail(&c->err, MSB_ERR_NOMEM, "out of memory");
	}
	if (st != MSB_OK) {
		free(r.out.data);
		free(r.err.data);
		return st;
	}
	*out = (msb_ssh_output){
		.status = r.exit_status, .signal = r.exit_signal,
		.stdout_data = r.out.data, .stdout_len = r.out.len,
		.stderr_data = r.err.data, .stderr_len = r.err.len,
	};
	return MSB_OK;
}

MSB_API msb_status
msb_ssh_client_exec(msb_ssh_client *c, const char *command, msb_ssh_output *out)
{
	return msb_ssh_client_exec_with(c, command, NULL, out);
}

MSB_API int
msb_ssh_output_success(const msb_ssh_output *out)
{
	return out != NULL && out->status == 0 && out->signal == 0;
}

MSB_API void
msb_ssh_output_free(msb_ssh_output *out)
{
	if (out == NULL)
		return;
	free(out->stdout_data);
	free(out->stderr_data);
	memset(out, 0, sizeof(*out));
}

MSB_API msb_status
msb_ssh_client_run(msb_ssh_client *c, const char *command, const msb_ssh_exec_opts *opts,
    int in_fd, int out_fd, int err_fd, int *status, int *signal)
{
	struct api_run r;

	if (c == NULL)
		return MSB_ERR_INVALID;
	if (out_fd < 0 || err_fd < 0 || status == NULL)
		return api_fail(&c->err, MSB_ERR_INVALID, "run needs output descriptors and a status");
	run_init(&r, c, command, opts);
	r.in_fd = in_fd;
	r.out.fd = out_fd;
	r.err.fd = err_fd;
	msb_status st = api_run(c, &r);
	if (st != MSB_OK)
		return st;
	*status = r.exit_status;
	if (signal != NULL)
		*signal = r.exit_signal;
	return MSB_OK;
}
