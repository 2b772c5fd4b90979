#!/bin/sh
# Writes the seed corpus of fuzz_ssh_cert: real certificates, as the binary
# blobs a client offers, signed by ssh-keygen with every CA type and with
# the options the policy reads. Run from anywhere; it replaces
# regress/fuzz/corpus/ssh_cert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus/ssh_cert
work=$(mktemp -d "${TMPDIR:-/tmp}/ssh-cert-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
key() { ssh-keygen -q -N '' -t "$1" ${2:+-b "$2"} -f "$work/$3"; }
# NAME KEY CA ssh-keygen-options...: one seed, the certificate's blob.
seed() {
	name=$1 subject=$2 ca=$3
	shift 3
	cp "$work/$subject.pub" "$work/$name.pub"
	ssh-keygen -q -s "$work/$ca" -I "seed-$name" -z 7 "$@" "$work/$name.pub"
	cut -d' ' -f2 "$work/$name-cert.pub" | base64 -d >"$out/$name"
}
key ed25519 '' ca_ed
key ecdsa 256 ca_p256
key ecdsa 384 ca_p384
key ecdsa 521 ca_p521
key rsa 2048 ca_rsa
key ed25519 '' u_ed
key ecdsa 256 u_p256
key ecdsa 521 u_p521
key rsa 1024 u_rsa
rm -rf "$out"
mkdir -p "$out"
seed ed-ed u_ed ca_ed -n devbox,alice+devbox -V 20200101:20400101
seed p256-p256 u_p256 ca_p256 -n devbox
seed rsa-p384 u_rsa ca_p384 -n a,b,c -O clear -O permit-pty
seed p521-p521 u_p521 ca_p521 -n devbox -O force-command=true
seed ed-rsa512 u_ed ca_rsa -n devbox -O source-address=10.0.0.0/8,2001:db8::/32
seed ed-rsa256 u_ed ca_rsa -t rsa-sha2-256 -n devbox -O extension:x@example.com=y
seed ed-rsa-sha1 u_ed ca_rsa -t ssh-rsa -n devbox
seed host u_ed ca_ed -h -n host.example
seed options u_p256 ca_ed -n devbox -O force-command='echo hi' \
	-O source-address=192.0.2.0/24 -O critical:verify-required -O extension:permit-pty=x
echo "wrote $(ls "$out" | wc -l) seeds to $out"
