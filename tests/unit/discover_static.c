// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A process for test_discover with OpenSSL linked in statically (libssl.a,
 * libcrypto.a): says "ready" and lives until its stdin closes (at most
 * 60 s). SSL_read and SSL_write are referenced so the linker keeps them.
 */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/ssl.h>

int main(int argc, char **argv)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	char c;

	(void)argv;
	if (argc > 1000 && ctx) { /* never: keeps the functions linked */
		SSL *s = SSL_new(ctx);

		SSL_read(s, &c, 1);
		SSL_write(s, &c, 1);
		SSL_free(s);
	}
	printf("ready\n");
	fflush(stdout);
	if (poll(&pfd, 1, 60000) > 0)
		(void)!read(0, &c, 1);
	SSL_CTX_free(ctx);
	return 0;
}
