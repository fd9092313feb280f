// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerd: reads its configuration and wires the stages together; the
 * stages themselves live in enforcer/daemon/ and the modules it calls.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enforcer/build_config.h"
#include "enforcer/common/config.h"
#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: enforcerd [OPTIONS]\n"
		"\n"
		"The enforcer daemon: XDP deny maps, TLS plaintext capture, "
		"HTTP rules, verdicts.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"      --check-config  check the configuration and the rule "
		"set, then exit\n"
		"  -d, --debug         log at debug level (overrides "
		"log_level)\n"
		"      --xdp-mode MODE auto, hw, native or generic for "
		"interfaces without\n"
		"                      a mode of their own (overrides "
		"xdp_mode)\n"
		"      --detach        at stop, detach the XDP programs and "
		"remove the pinned\n"
		"                      maps (by default enforcement goes on "
		"without the daemon)\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this help\n"
		"\n"
		"enforcerd runs in the foreground and logs to stderr. It "
		"needs root (BPF, XDP,\n"
		"uprobes). SIGTERM or SIGINT stop it: XDP stays attached and "
		"the deny maps\n"
		"pinned unless --detach was given. SIGHUP reads the "
		"configuration\nfile and the rules again. See enforcerd(8).\n",
		ENF_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "debug", no_argument, NULL, 'd' },
		{ "xdp-mode", required_argument, NULL, 'X' },
		{ "detach", no_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = ENF_DEFAULT_CONFIG;
	char err[ENF_CONF_ERR_LEN];
	struct enf_daemon d;
	struct enf_config cfg;
	enum enf_log_level level;
	const char *xdp_mode = NULL;
	int opt, check = 0, debug = 0, detach = 0, ret;

	while ((opt = getopt_long(argc, argv, "c:dVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'X':
			xdp_mode = optarg;
			break;
		case 'D':
			detach = 1;
			break;
		case 'V':
			printf("enforcerd %s\n", ENF_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "enforcerd: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}

	enf_log_init(ENF_LOG_INFO, "enforcerd");
	enf_config_defaults(&cfg);
	ret = enf_config_load(config_path, &cfg, err);
	if (ret) {
		pr_err("config: %s", err);
		return EXIT_FAILURE;
	}
	if (xdp_mode && enf_config_xdp_mode_parse(xdp_mode, &cfg.xdp_mode)) {
		pr_err("--xdp-mode: '%s' is not auto, hw, native or generic",
		       xdp_mode);
		return 2;
	}
	if (enf_log_level_parse(cfg.log_level, &level) == 0)
		enf_log_set_level(debug ? ENF_LOG_DEBUG : level);
	if (check)
		return enf_daemon_check(&cfg) ? EXIT_FAILURE : EXIT_SUCCESS;

	ret = enf_daemon_start(&d, &cfg);
	d.detach_on_exit = detach;
	d.debug_flag = debug;
	d.xdp_mode_flag = xdp_mode != NULL;
	snprintf(d.config_path, sizeof(d.config_path), "%s", config_path);
	if (!ret)
		ret = enf_daemon_run(&d);
	enf_daemon_stop(&d);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
