/* Status names, error messages kept in handles, and memory handed to callers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "lib/log.h"

MSB_API const char *
msb_status_name(msb_status status)
{
	static const char *const names[] = {
		[MSB_OK] = "MSB_OK",
		[MSB_ERR_INVALID] = "MSB_ERR_INVALID",
		[MSB_ERR_NOMEM] = "MSB_ERR_NOMEM",
		[MSB_ERR_NO_SANDBOX] = "MSB_ERR_NO_SANDBOX",
		[MSB_ERR_NOT_RUNNING] = "MSB_ERR_NOT_RUNNING",
		[MSB_ERR_SETUP] = "MSB_ERR_SETUP",
		[MSB_ERR_KEYS] = "MSB_ERR_KEYS",
		[MSB_ERR_AUTH] = "MSB_ERR_AUTH",
		[MSB_ERR_SSH] = "MSB_ERR_SSH",
		[MSB_ERR_CHANNEL] = "MSB_ERR_CHANNEL",
		[MSB_ERR_SFTP_UNAVAILABLE] = "MSB_ERR_SFTP_UNAVAILABLE",
		[MSB_ERR_NOT_FOUND] = "MSB_ERR_NOT_FOUND",
		[MSB_ERR_PERMISSION] = "MSB_ERR_PERMISSION",
		[MSB_ERR_EXISTS] = "MSB_ERR_EXISTS",
		[MSB_ERR_SFTP] = "MSB_ERR_SFTP",
		[MSB_ERR_NOT_A_TTY] = "MSB_ERR_NOT_A_TTY",
		[MSB_ERR_IO] = "MSB_ERR_IO",
		[MSB_DETACHED] = "MSB_DETACHED",
	};

	if ((unsigned)status < sizeof(names) / sizeof(names[0]) && names[status] != NULL)
		return names[status];
	return "MSB_ERR_UNKNOWN";
}

MSB_API void
msb_free(void *p)
{
	free(p);
}

msb_status
api_fail(struct api_err *e, msb_status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

msb_status
api_ok(struct api_err *e)
{
	e->code = MSB_OK;
	e->msg[0] = '\0';
	return MSB_OK;
}

void
api_capture_begin(struct api_capture *c)
{
	msb_log_capture(c->msg, sizeof(c->msg));
}

void
api_capture_end(void)
{
	msb_log_capture(NULL, 0);
}
