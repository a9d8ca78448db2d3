/* SPDX-License-Identifier: MIT */
#include "mech.h"

#include <stddef.h>
#include <string.h>

const struct mech_info mech_table[MECH_COUNT] = {
	[MECH_SIGNAL] = { "signal", "signal (handler)", .classic = true },
	[MECH_SIGWAIT] = { "sigwait", "signal (sigwait)" },
	[MECH_SIGNALFD] = { "signalfd", "signalfd", .classic = true },
	[MECH_EVENTFD] = { "eventfd", "eventfd", .classic = true },
	[MECH_TIMERFD] = { "timerfd", "timerfd", .classic = true },
	[MECH_PIPE] = { "pipe", "pipe (baseline)", .baseline = true },
	[MECH_UNIX] = { "unix", "AF_UNIX socket", .traced_only = true },
	[MECH_DAEMON] = { "daemon", "daemon" },
};

const struct mech_info *mech_info(int m)
{
	return m >= 0 && m < MECH_COUNT ? &mech_table[m] : NULL;
}

const char *mech_name(int m, const char *fallback)
{
	const struct mech_info *i = mech_info(m);

	return i ? i->name : fallback;
}

int mech_from_name(const char *name, bool traced_only)
{
	for (int m = 0; name && m < MECH_COUNT; m++)
		if (!strcmp(name, mech_table[m].name) && (mech_traced(m) || !traced_only))
			return m;
	return -1;
}
