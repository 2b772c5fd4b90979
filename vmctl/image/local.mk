# Guest images: msb image build/ls/rm. Links with vmctl/libmsbvmctl.a
# (msb_home, helpers).
noinst_LIBRARIES += vmctl/image/libmsbimage.a
vmctl_image_libmsbimage_a_SOURCES = \
	vmctl/image/image.h \
	vmctl/image/image_int.h \
	vmctl/image/image_build.c \
	vmctl/image/image_conf.c \
	vmctl/image/image_ext4.c \
	vmctl/image/image_kernel.c \
	vmctl/image/image_lock.c \
	vmctl/image/image_ls_rm.c \
	vmctl/image/image_owners.c \
	vmctl/image/image_rootfs.c \
	vmctl/image/image_run.c \
	vmctl/image/image_tree.c

# The scripts msb image build runs, under their installed names. make puts
# them in the build tree too, beside msb-agent, so that MSB_LIBEXECDIR=
# $(builddir) finds every helper without an install.
pkglibexec_SCRIPTS += msb-mkinitramfs msb-mkrootfs-debian
CLEANFILES += msb-mkinitramfs msb-mkrootfs-debian
EXTRA_DIST += vmctl/image/mkrootfs-debian.sh guest/init/mkinitramfs.sh

msb-mkinitramfs: $(top_srcdir)/guest/init/mkinitramfs.sh
	$(AM_V_GEN)cp $(top_srcdir)/guest/init/mkinitramfs.sh $@.tmp && \
	  chmod 0755 $@.tmp && mv -f $@.tmp $@
msb-mkrootfs-debian: $(top_srcdir)/vmctl/image/mkrootfs-debian.sh
	$(AM_V_GEN)cp $(top_srcdir)/vmctl/image/mkrootfs-debian.sh $@.tmp && \
	  chmod 0755 $@.tmp && mv -f $@.tmp $@
