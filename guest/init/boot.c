#include "config.h"

#include "lib/log.h"
#include "boot_steps.h"
#include "init.h"

int
msb_init_boot(void)
{
	struct msb_cmdline cl;

	if (msb_init_early_mounts() == -1)
		goto fail;
	msb_cmdline_read(&cl);
	/* A missing module shows up below as a missing disk or NIC, and the
	 * loader has said which one failed; the boot goes on regardless. */
	(void)msb_init_load_modules();
	if (msb_init_mount_root(&cl) == -1 ||
	    msb_init_switch_root() == -1 ||
	    msb_init_root_mounts() == -1 ||
	    msb_init_set_hostname(&cl) == -1)
		goto fail;
	/* The agent serves over vsock; a sandbox without network is degraded,
	 * not unusable. */
	if (msb_init_net_up() == -1)
		error_f("network configuration failed; continuing without it");
	info_f("boot complete");
	return 0;
fail:
	error_f("boot failed");
	return -1;
}
