# GNUmakefile.boot - regenerate configure and Makefile when stale (see GNUmakefile)
Makefile: configure Makefile.in
	./configure $(CONFIGURE_FLAGS)
configure: configure.ac
	autoreconf -fi
