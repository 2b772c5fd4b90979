/*
 * msb-exec: runs one command in a sandbox through libmsb and prints its
 * output, the smallest complete use of the C API.
 *
 *   cc msb-exec.c $(pkg-config --cflags --libs msb) -o msb-exec
 *   ./msb-exec devbox 'uname -a'
 */
#include <stdio.h>
#include <string.h>

#include <msb/msb.h>

int
main(int argc, char **argv)
{
	msb_sandbox *sb;
	msb_ssh_client *client;
	msb_ssh_output out;

	if (argc != 3 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr, "usage: msb-exec SANDBOX COMMAND\n");
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	if (msb_sandbox_open(argv[1], &sb) != MSB_OK ||
	    msb_ssh_connect(sb, NULL, &client) != MSB_OK) {
		fprintf(stderr, "msb-exec: %s\n", msb_sandbox_errmsg(sb));
		msb_sandbox_close(sb);
		return 255;
	}
	msb_sandbox_close(sb);
	msb_status st = msb_ssh_client_exec(client, argv[2], &out);
	if (st != MSB_OK) {
		fprintf(stderr, "msb-exec: %s: %s\n", msb_status_name(st), msb_ssh_client_errmsg(client));
		msb_ssh_client_close(client);
		return 255;
	}
	fwrite(out.stdout_data, 1, out.stdout_len, stdout);
	fwrite(out.stderr_data, 1, out.stderr_len, stderr);
	int status = out.status;
	msb_ssh_output_free(&out);
	msb_ssh_client_close(client);
	return status;
}
