/*
 * authorized_keys parsing and from= matching (host/authkeys.c,
 * host/from_match.c): every key type, the option grammar with quoting,
 * lines skipped rather than fatal, and the key lookup the monitor does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "host/authkeys.h"
#include "host/from_match.h"
#include "lib/log.h"
#include "unit.h"

/* Public keys made with ssh-keygen for this test. */
#define ED25519_TYPE "ssh-ed25519"
#define ED25519_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIDkm1iM0RbIiOIUrCD7fybNft6MYj+leacUE8rahcXqb"
#define ED25519 ED25519_TYPE " " ED25519_B64
#define P256_TYPE "ecdsa-sha2-nistp256"
#define P256_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD1E1Wmm52IY/rIM9+Dx+GM8I3bPT2FqrVZC3gTpyNl0q+VhfYiqYrx9vANJVoA6xQBalSMz+enpySLFi3SeTe0="
#define P256 P256_TYPE " " P256_B64
#define P384_TYPE "ecdsa-sha2-nistp384"
#define P384_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBGv+WDDpb9sjAqdSxswa3J/2N3IxvSy58lZhOC4IPy0Op1nf9otq6nlwjyajueNM4DTumEfGBGsUJscLBYIr6xDsQnXCLO/yxArDWLtGIL2zngl3CPDBPKiBc40l7+IvqA=="
#define P384 P384_TYPE " " P384_B64
#define P521_TYPE "ecdsa-sha2-nistp521"
#define P521_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAAlCU81iqxBG3Bvfs+6Zw9rf4DTwSuAA5R3/KBBkhCQbw05TmrQUBNyTWitRc6/H66C389ztfaC6coqKwnqwxKtaABjh+RJTfCBFcDciDevMQuGuyjuA2dQo7p0+dWFB7TqdP3i752OWDEX3E1CZGap2Y/FPf4QEGvCZH9Hwf2CLV+Y2w=="
#define P521 P521_TYPE " " P521_B64
#define RSA_TYPE "ssh-rsa"
#define RSA_B64 "AAAAB3NzaC1yc2EAAAADAQABAAABAQCU8pr0IDdLctGvubpMxf8g80KrEVTnBUO1tWycTsSwB7Ud9QHhPZSE33e7djYrUD1zw7tVlwz30ufKcLzEsTlbsOKOWG0ATJ3X42PEI7D9agNfZGpiJwUrzZk8k+WxdnYSSXO13Q7gK2t/yUDYJwZVlMjc3WytZ75lXI+gW23HABUApp7WYTM5r3aeDw2WMVXvwoDC0BLPaJQ+OSL6D3SegM3Etr5ePPVgZA7k7LCKCb7OIFt3xA9T1vVr1riG7tR+W4KOgPE51ia5ougaVs6FxDEw1NR0x6egipOyH+graggBVJjcE4hNioyqVvhksPknULP6UuhoSuGwhgQfdjef"
#define RSA RSA_TYPE " " RSA_B64
#define OTHER_TYPE "ssh-ed25519"
#define OTHER_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIHBNNkhb8fc2vyp/wKWiPCrZEsaRKQGob/dfv/iLZ6RT"
#define OTHER OTHER_TYPE " " OTHER_B64

static ssh_key
pub(const char *text)
{
	ssh_key k = NULL;
	const char *why = NULL;

	if (!CHECK(msb_pubkey_parse(text, &k, &why) == 0))
		fprintf(stderr, "  %s: %s\n", text, why);
	return k;
}

static void
test_key_types(void)
{
	const char *good[] = { ED25519 " comment here", P256, P384, P521 " c", RSA "\n" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct msb_authkey k;
		const char *why = NULL;
		int r = msb_authkey_parse(good[i], &k, &why);
		if (!CHECK(r == 1))
			fprintf(stderr, "  line %zu: %s\n", i, why);
		else
			msb_authkey_free(&k);
	}
	const char *bad[] = {
		"ssh-dss AAAAB3NzaC1kc3MAAACBAP", ED25519_TYPE, ED25519_TYPE " !!!notbase64",
		/* a blob of one type under another type's name */
		RSA_TYPE " " ED25519_B64, P384_TYPE " " P256_B64,
		ED25519_TYPE " " ED25519_B64 "AAAA",   /* trailing bytes in the blob */
		("sk-ssh-ed25519@openssh.com " ED25519_B64), "garbage", "no-pty",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct msb_authkey k;
		const char *why = NULL;
		if (!CHECK(msb_authkey_parse(bad[i], &k, &why) == -1 && why != NULL))
			fprintf(stderr, "  accepted bad line %zu\n", i);
	}
	struct msb_authkey k;
	const char *why = NULL;
	CHECK(msb_authkey_parse("", &k, &why) == 0);
	CHECK(msb_authkey_parse("   \t", &k, &why) == 0);
	CHECK(msb_authkey_parse("# " ED25519, &k, &why) == 0);
	CHECK(msb_authkey_parse("  # indented comment", &k, &why) == 0);
}

static void
test_options(void)
{
	struct msb_authkey k;
	const char *why = NULL;

	if (CHECK(msb_authkey_parse("restrict " ED25519, &k, &why) == 1)) {
		CHECK(k.no_pty && k.no_port_forwarding && k.command == NULL && k.from == NULL);
		msb_authkey_free(&k);
	}
	if (CHECK(msb_authkey_parse("restrict,pty " ED25519, &k, &why) == 1)) {
		CHECK(!k.no_pty && k.no_port_forwarding);
		msb_authkey_free(&k);
	}
	if (CHECK(msb_authkey_parse("port-forwarding,RESTRICT\t" ED25519, &k, &why) == 1)) {
		CHECK(k.no_pty && !k.no_port_forwarding);
		msb_authkey_free(&k);
	}
	if (CHECK(msb_authkey_parse("no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding "
	    ED25519, &k, &why) == 1)) {
		CHECK(k.no_pty && k.no_port_forwarding);
		msb_authkey_free(&k);
	}
	if (CHECK(msb_authkey_parse("command=\"echo \\\"hi there\\\" \\n, ok\",from=\"10.0.0.0/8,!10.1.2.3\" "
	    ED25519 " me@host", &k, &why) == 1)) {
		CHECK_STR(k.command, "echo \"hi there\" \\n, ok");
		CHECK_STR(k.from, "10.0.0.0/8,!10.1.2.3");
		CHECK(!k.no_pty);
		msb_authkey_free(&k);
	}
	const char *bad[] = {
		"command=\"unterminated " ED25519,
		"command=unquoted " ED25519,
		"environment=\"A=B\" " ED25519,
		"permitopen=\"host:1\" " ED25519,
		"principals=\"a\" " ED25519,       /* without cert-authority */
		"cert-authority,principals=\"a,,b\" " ED25519,
		"cert-authority,principals=\"a b\" " ED25519,
		"cert-authority,principals=\"\" " ED25519,
		"frobnicate " ED25519,
		"no-pty,," ED25519,
		"no-pty, " ED25519,
		"command=\"a\",command=\"b\" " ED25519,
		"from=\"10.0.0.1/8\" " ED25519,      /* host bits set */
		"from=\"10.0.0.0/33\" " ED25519,
		"from=\"a,,b\" " ED25519,
		"from=\"\" " ED25519,
		"no-pty",
		"command=\"x\"" ED25519,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!CHECK(msb_authkey_parse(bad[i], &k, &why) == -1))
			fprintf(stderr, "  accepted bad options %zu\n", i);
	}
}

/* A cert-authority line: its CA's blob kept, no key of its own authenticated. */
static void
test_cert_authority(void)
{
	struct msb_authkey k;
	const char *why = NULL;
	ssh_key key = NULL;

	CHECK(msb_authkey_parse("cert-authority,principals=\"dev,ops\",no-pty " ED25519 " ca",
	    &k, &why) == 1);
	CHECK(k.cert_authority && k.no_pty);
	CHECK(k.principals != NULL && strcmp(k.principals, "dev,ops") == 0);
	/* The blob: string "ssh-ed25519", string of 32 key bytes. */
	CHECK(k.blob != NULL && k.blob_len == 4 + 11 + 4 + 32);
	CHECK(k.blob != NULL && memcmp(k.blob + 4, "ssh-ed25519", 11) == 0);
	struct msb_authkeys ks = { &k, 1 };
	CHECK(msb_pubkey_parse(ED25519, &key, &why) == 0);
	CHECK(msb_authkeys_find(&ks, key, NULL, &why) == NULL);
	ssh_key_free(key);
	msb_authkey_free(&k);
	CHECK(msb_authkey_parse(ED25519, &k, &why) == 1);
	CHECK(!k.cert_authority && k.blob == NULL && k.principals == NULL);
	msb_authkey_free(&k);
}

static void
test_file(void)
{
	const char text[] =
	    "# keys\n"
	    "\n"
	    ED25519 " first\r\n"
	    "not a key at all\n"
	    "restrict,command=\"uptime\" " P256 "\n"
	    "environment=\"X=1\" " P384 "\n"
	    "from=\"127.0.0.1\" " RSA "\n"
	    RSA " second entry for the same key\n"
	    "from=\"192.168.*\" " OTHER;
	struct msb_authkeys ks;

	msb_log_set_level(MSB_LOG_QUIET);
	if (!CHECK(msb_authkeys_parse(text, sizeof(text) - 1, "test", &ks) == 0))
		return;
	msb_log_set_level(MSB_LOG_ERROR);
	if (!CHECK_EQ_U64(ks.n, 5))
		return;
	CHECK_EQ_U64(ks.keys[0].line, 3);
	CHECK_EQ_U64(ks.keys[1].line, 5);
	CHECK_STR(ks.keys[1].command, "uptime");
	CHECK_EQ_U64(ks.keys[2].line, 7);
	CHECK_EQ_U64(ks.keys[3].line, 8);
	CHECK_EQ_U64(ks.keys[4].line, 9);

	const char *why = NULL;
	ssh_key ed = pub(ED25519), p256 = pub(P256), p384 = pub(P384), rsa = pub(RSA), other = pub(OTHER);
	const struct msb_authkey *k;

	CHECK(msb_authkeys_find(&ks, ed, "10.9.8.7", &why) == &ks.keys[0]);
	CHECK(msb_authkeys_find(&ks, ed, NULL, &why) == &ks.keys[0]);
	CHECK(msb_authkeys_find(&ks, p256, "::1", &why) == &ks.keys[1]);
	CHECK(msb_authkeys_find(&ks, p384, "127.0.0.1", &why) == NULL);
	/* The first RSA line is limited to 127.0.0.1; the second admits anyone. */
	k = msb_authkeys_find(&ks, rsa, "127.0.0.1", &why);
	CHECK(k == &ks.keys[2]);
	k = msb_authkeys_find(&ks, rsa, "10.0.0.1", &why);
	CHECK(k == &ks.keys[3]);
	CHECK(msb_authkeys_find(&ks, other, "192.168.1.1", &why) == &ks.keys[4]);
	CHECK(msb_authkeys_find(&ks, other, "10.0.0.1", &why) == NULL);
	CHECK(why != NULL && strstr(why, "from=") != NULL);
	/* No network peer (--stdio): a from= key never matches. */
	CHECK(msb_authkeys_find(&ks, other, NULL, &why) == NULL);
	ssh_key_free(ed);
	ssh_key_free(p256);
	ssh_key_free(p384);
	ssh_key_free(rsa);
	ssh_key_free(other);
	msb_authkeys_free(&ks);
}

static void
test_from(void)
{
	const char *why;

	CHECK(msb_from_allows("127.0.0.1", "127.0.0.1"));
	CHECK(!msb_from_allows("127.0.0.1", "127.0.0.2"));
	CHECK(msb_from_allows("127.0.0.?", "127.0.0.2"));
	CHECK(!msb_from_allows("127.0.0.?", "127.0.0.20"));
	CHECK(msb_from_allows("10.*", "10.200.3.4"));
	CHECK(msb_from_allows("*", "::1"));
	CHECK(msb_from_allows("10.0.0.0/8", "10.255.0.1"));
	CHECK(!msb_from_allows("10.0.0.0/8", "11.0.0.1"));
	CHECK(msb_from_allows("0.0.0.0/0", "8.8.8.8"));
	CHECK(!msb_from_allows("0.0.0.0/0", "::2"));
	CHECK(msb_from_allows("10.0.0.0/8,!10.1.0.0/16", "10.2.0.1"));
	CHECK(!msb_from_allows("10.0.0.0/8,!10.1.0.0/16", "10.1.0.1"));
	CHECK(!msb_from_allows("!10.1.0.0/16,10.0.0.0/8", "10.1.0.1"));
	CHECK(!msb_from_allows("!10.1.2.3", "10.1.2.4"));   /* negation alone admits no one */
	CHECK(msb_from_allows("2001:db8::/32", "2001:db8:1::5"));
	CHECK(!msb_from_allows("2001:db8::/32", "2001:db9::5"));
	CHECK(msb_from_allows("::1", "0:0:0:0:0:0:0:1"));
	/* An IPv4-mapped client address is the IPv4 address. */
	CHECK(msb_from_allows("127.0.0.0/8", "::ffff:127.0.0.1"));
	CHECK(msb_from_allows("127.0.0.*", "::ffff:127.0.0.1"));
	CHECK(!msb_from_allows("*", NULL));
	CHECK(!msb_from_allows("*", "not-an-address"));

	CHECK(msb_from_check("10.0.0.0/8,!1.2.3.4,*.example.com", &why) == 0);
	CHECK(msb_from_check("10.0.0.0/x", &why) == -1);
	CHECK(msb_from_check("10.0.0.0/", &why) == -1);
	CHECK(msb_from_check("!", &why) == -1);
	CHECK(msb_from_check(",", &why) == -1);
	CHECK(msb_from_check("::1/129", &why) == -1);
}

static void
test_fingerprint(void)
{
	char fp[128];
	ssh_key k = pub(ED25519);

	if (!CHECK(k != NULL))
		return;
	CHECK(msb_key_fingerprint(k, fp, sizeof(fp)) == 0);
	CHECK(strncmp(fp, "SHA256:", 7) == 0 && strlen(fp) == 7 + 43);
	CHECK(msb_key_fingerprint(k, fp, 10) == -1);
	ssh_key_free(k);
}

int
main(void)
{
	msb_log_init("test_monitor_authkeys", MSB_LOG_ERROR);
	test_key_types();
	test_options();
	test_file();
	test_cert_authority();
	test_from();
	test_fingerprint();
	return unit_done();
}
