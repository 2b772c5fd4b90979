# The multi-tenant gateway's systemd unit, with the install's paths.
EXTRA_DIST += systemd/msb-gateway.service.in
CLEANFILES += systemd/msb-gateway.service
if HAVE_SYSTEMD_UNITDIR
systemdsystemunit_DATA = systemd/msb-gateway.service
endif
systemd/msb-gateway.service: $(srcdir)/systemd/msb-gateway.service.in Makefile
	@$(MKDIR_P) systemd
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/systemd/msb-gateway.service.in >$@
