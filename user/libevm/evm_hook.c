// SPDX-License-Identifier: MIT
/*
 * libevm defer and exit hooks. Defer hooks run on every iteration before the
 * loop blocks (the loop polls instead of blocking while one is enabled);
 * exit hooks run once per exit, in the order they were added.
 */
#include "evm-private.h"

static int evm_add_hook(evm_loop *l, evm_source **ret, int kind,
			evm_hook_cb cb, void *userdata)
{
	struct evm_hook_list *list = kind == EVM_SOURCE_DEFER ? &l->defers : &l->exits;
	evm_source *s;

	if (!cb)
		return evm_set_error(l, -EINVAL, "evm_add_%s: NULL callback",
				     kind == EVM_SOURCE_DEFER ? "defer" : "exit");
	s = evm_source_new(l, kind, userdata);
	if (!s)
		return -ENOMEM;
	s->cb.hook = cb;
	s->hook.hprev = list->last;
	s->hook.hnext = NULL;
	if (list->last)
		list->last->hook.hnext = s;
	else
		list->first = s;
	list->last = s;
	if (kind == EVM_SOURCE_DEFER)
		l->defer_enabled++;
	if (ret)
		*ret = s;
	return 0;
}

int evm_add_defer(evm_loop *l, evm_source **ret, evm_hook_cb cb, void *userdata)
{
	EVM_CHECK_LOOP(l);
	return evm_add_hook(l, ret, EVM_SOURCE_DEFER, cb, userdata);
}

int evm_add_exit(evm_loop *l, evm_source **ret, evm_hook_cb cb, void *userdata)
{
	EVM_CHECK_LOOP(l);
	return evm_add_hook(l, ret, EVM_SOURCE_EXIT, cb, userdata);
}

static void evm_hook_unlink(evm_source *s)
{
	struct evm_hook_list *list = s->kind == EVM_SOURCE_DEFER ?
		&s->loop->defers : &s->loop->exits;

	if (s->hook.hprev)
		s->hook.hprev->hook.hnext = s->hook.hnext;
	else
		list->first = s->hook.hnext;
	if (s->hook.hnext)
		s->hook.hnext->hook.hprev = s->hook.hprev;
	else
		list->last = s->hook.hprev;
}

static int evm_hook_set_enabled(evm_source *s, int mode)
{
	if (s->kind == EVM_SOURCE_DEFER) {
		if (s->enabled == EVM_OFF && mode != EVM_OFF)
			s->loop->defer_enabled++;
		else if (s->enabled != EVM_OFF && mode == EVM_OFF)
			s->loop->defer_enabled--;
	}
	s->enabled = (uint8_t)mode;
	return 0;
}

/* Runs the enabled hooks of a list. Sources freed meanwhile stay linked (as
 * zombies) until the iteration ends, so following hnext is safe. Hooks added
 * meanwhile run too if they are reached. */
int evm_hooks_run(evm_loop *l, struct evm_hook_list *list, int kind)
{
	evm_source *s, *next;
	int r, n = 0;

	for (s = list->first; s; s = next) {
		next = s->hook.hnext;
		if (s->dead || s->enabled == EVM_OFF)
			continue;
		if (s->enabled == EVM_ONESHOT)
			evm_hook_set_enabled(s, EVM_OFF);
		EVM_PROBE_BEGIN(l, kind, -1);
		r = s->cb.hook(s, s->userdata);
		EVM_PROBE_END(l, kind, -1);
		n++;
		if (r < 0)
			return r;
	}
	return n;
}

static void evm_defer_release(evm_source *s)
{
	if (s->enabled != EVM_OFF)
		s->loop->defer_enabled--;
}

const struct evm_source_ops evm_defer_ops = {
	.release = evm_defer_release,
	.reap = evm_hook_unlink,
	.set_enabled = evm_hook_set_enabled,
};

const struct evm_source_ops evm_exit_ops = {
	.reap = evm_hook_unlink,
	.set_enabled = evm_hook_set_enabled,
};
