/* The sandbox handle: a name under MSB_HOME, checked when opened and on use. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "host/msb_home.h"
#include "host/sandbox.h"

MSB_API msb_status
msb_sandbox_open(const char *name, msb_sandbox **out)
{
	const char *why;

	if (out == NULL)
		return MSB_ERR_INVALID;
	msb_sandbox *sb = calloc(1, sizeof(*sb));
	*out = sb;
	if (sb == NULL)
		return MSB_ERR_NOMEM;
	if (name == NULL)
		return api_fail(&sb->err, MSB_ERR_INVALID, "no sandbox name given");
	snprintf(sb->name, sizeof(sb->name), "%s", name);
	if (msb_name_check(name, &why) != 0)
		return api_fail(&sb->err, MSB_ERR_INVALID, "invalid sandbox name '%s': %s", name, why);
	struct api_capture cap;
	api_capture_begin(&cap);
	bool exists = sandbox_exists(name);
	api_capture_end();
	if (!exists)
		return api_fail(&sb->err, MSB_ERR_NO_SANDBOX, "no sandbox named '%s'%s%s (see 'msb ls')",
		    name, cap.msg[0] != '\0' ? ": " : "", cap.msg);
	return api_ok(&sb->err);
}

MSB_API const char *
msb_sandbox_name(const msb_sandbox *sb)
{
	return sb != NULL ? sb->name : "";
}

MSB_API const char *
msb_sandbox_errmsg(const msb_sandbox *sb)
{
	return sb != NULL ? sb->err.msg : "no sandbox handle (out of memory?)";
}

MSB_API void
msb_sandbox_close(msb_sandbox *sb)
{
	free(sb);
}

msb_status
api_sandbox_ready(const char *name, struct api_err *e)
{
	struct sandbox_status st;
	struct api_capture cap;

	api_capture_begin(&cap);
	bool exists = sandbox_exists(name);
	int rc = exists ? sandbox_status_read(name, &st) : 0;
	api_capture_end();
	if (!exists)
		return api_fail(e, MSB_ERR_NO_SANDBOX, "no sandbox named '%s'", name);
	if (rc != 0)
		return api_fail(e, MSB_ERR_SETUP, "cannot read the state of sandbox '%s': %s", name,
		    cap.msg);
	if (st.state != SANDBOX_RUNNING)
		return api_fail(e, MSB_ERR_NOT_RUNNING, "sandbox '%s' is %s%s%s; start it with "
		    "'msb start %s'", name, sandbox_state_name(st.state),
		    st.reason[0] != '\0' ? ": " : "", st.reason, name);
	return MSB_OK;
}
