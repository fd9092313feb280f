// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A process for test_discover: optionally waits, dlopen()s a library (as
 * Python's ssl module loads libssl after exec), says "ready" on stdout and
 * lives until its stdin closes (at most 60 s).
 *
 *   discover_child [--delay-ms N] [--dlopen LIB]
 */
#include <dlfcn.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	const char *lib = NULL;
	long delay = 0;
	void *h = NULL;
	char c;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--delay-ms"))
			delay = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--dlopen"))
			lib = argv[i + 1];
	}
	if (delay > 0) {
		struct timespec ts = { delay / 1000, (delay % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	if (lib) {
		h = dlopen(lib, RTLD_NOW);
		if (!h) {
			fprintf(stderr, "discover_child: %s\n", dlerror());
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (poll(&pfd, 1, 60000) > 0)
		(void)!read(0, &c, 1);
	if (h)
		dlclose(h);
	return 0;
}
