# make run: the main job. evtrace bench runs every mechanism under the tracers
# (default mode: 5 trials, a few minutes on 2 CPUs) and prints the classic
# table as measured, a verdict beside each claim, the kernel/user cross-check
# and the conditions. Needs root (the tracers load BPF programs).
run: $(BUILD)/evtrace $(BUILD)/evload
	$(BUILD)/evtrace bench --evload $(BUILD)/evload
