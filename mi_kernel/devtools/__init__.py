"""Developer tools run by the Makefile (not imported by the kernel)."""
