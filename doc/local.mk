# Manual pages, written in mdoc by hand.
dist_man1_MANS = doc/msb.1
dist_man8_MANS = doc/msb-sftp-server.8
