// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stands in for a BoringSSL build in test_discover_elf: an executable
 * defining SSL_read and SSL_write and carrying BoringSSL's version text
 * (what OpenSSL_version() returns in BoringSSL). Never run.
 */
#include <stdio.h>

const char *OpenSSL_version(int t);
int SSL_read(void *ssl, void *buf, int num);
int SSL_write(void *ssl, const void *buf, int num);

const char *OpenSSL_version(int t)
{
	return t ? "" : "BoringSSL";
}

int SSL_read(void *ssl, void *buf, int num)
{
	return ssl && buf ? num : -1;
}

int SSL_write(void *ssl, const void *buf, int num)
{
	return ssl && buf ? num : -1;
}

int main(int argc, char **argv)
{
	puts(OpenSSL_version(argc > 5));
	return SSL_read(argv, argv, argc) + SSL_write(argv, argv, argc);
}
