#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bpf_stack: the deepest call chain's stack of every BPF program in an object.

    bpf_stack.py OBJ [--limit BYTES] [--top N]

Where the kernel gives a program no private stack (kernels before private
stacks, or one that does not use them for these program types), the
verifier adds up the frames of each call chain (main program, its global and
static subprograms, bpf_loop callbacks), each rounded up to 16 bytes (JIT),
and refuses the program when a chain passes 512 bytes. This reads an upper
bound of the same from the object as compiled (llvm-objdump -dr, the
functions from its symbol table): each function's frame (the deepest r10
offset it uses, directly or through a copy of r10; the verifier counts only
what the paths it keeps use), its calls (relocated or linked calls and
callbacks' addresses), and prints each program's deepest chain. Exit 1 when one is over --limit (default 512); 2 on bad
input. The verifier's own figure is the last word; this keeps a margin
visible on machines whose kernel would accept more.
"""
import argparse
import re
import subprocess
import sys

FUNC = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
# index, raw bytes, text: "    1269:\t85 10 00 00 87 0c 00 00\tcall 3207"
INSN = re.compile(r"^\s+(\d+):\s+((?:[0-9a-f]{2}\s)+)\s*(.*)$")
RELOC = re.compile(r"^\s+[0-9a-f]+:\s+(R_BPF_\S+)\s+(\S+)")
SECTION = re.compile(r"^Disassembly of section (\S+):$")
R10_OFF = re.compile(r"\(r10 - (\d+)\)")
R10_COPY = re.compile(r"^(r\d+) = r10$")
ADD_NEG = re.compile(r"^(r\d+) \+= -(\d+)$")
CALL_IMM = re.compile(r"^call (-?\d+)$")
LD_IMM = re.compile(r"^r\d+ = (\d+) ll$")


def parse(lines, func_names=None):
    """Functions: name -> {section, start, frame, calls}.

    A call to a function of the object is a call instruction whose source
    register is 1 (BPF_PSEUDO_CALL; 0 is a helper, 2 a kfunc): relocated
    against the function's symbol, against its section (imm + 1: its index
    there), or, linked within a section, unrelocated (pc + imm + 1). A
    callback's address (bpf_loop's) is a 64-bit load relocated against the
    function or its section (imm: its byte offset)."""
    funcs = {}
    by_start = {}  # (section, insn index) -> name
    targets = []  # (caller, section, insn index)
    section = None
    cur = None
    last = None  # (text, pc) of the last instruction
    pending = None  # an unresolved pseudo call: (pc, imm)
    copies = set()
    for line in lines:
        m = RELOC.match(line)
        if m and cur is not None and last is not None:
            kind, sym = m.group(1), m.group(2)
            text = last[0]
            is_call = text.startswith("call ")
            is_addr = text.endswith(" ll") and kind == "R_BPF_64_64"
            pending = None
            if not (is_call or is_addr):
                continue
            if sym == ".text":
                imm = CALL_IMM.match(text) if is_call else LD_IMM.match(text)
                if imm:
                    v = int(imm.group(1))
                    targets.append((cur, ".text", v + 1 if is_call else v // 8))
            else:
                cur["calls"].add(sym)
            continue
        if pending is not None:
            pc, imm = pending
            targets.append((cur, section, pc + imm + 1))
            pending = None
        m = SECTION.match(line)
        if m:
            section = m.group(1)
            cur = None
            continue
        m = FUNC.match(line)
        if m and (m.group(2) in func_names if func_names is not None
                  else not m.group(2).startswith("LBB")):
            name = m.group(2)
            start = int(m.group(1), 16) // 8
            cur = {"section": section, "start": start, "frame": 0, "calls": set()}
            funcs[name] = cur
            by_start[(section, start)] = name
            copies = set()
            last = None
            continue
        if cur is None:
            continue
        m = INSN.match(line)
        if not m:
            continue
        pc, raw, text = int(m.group(1)), m.group(2).split(), m.group(3).strip()
        last = (text, pc)
        call = CALL_IMM.match(text)
        if call and len(raw) >= 2 and int(raw[1], 16) >> 4 == 1:
            pending = (pc, int(call.group(1)))
        for off in R10_OFF.findall(text):
            cur["frame"] = max(cur["frame"], int(off))
        c = R10_COPY.match(text)
        if c:
            copies.add(c.group(1))
            continue
        a = ADD_NEG.match(text)
        if a and a.group(1) in copies:
            cur["frame"] = max(cur["frame"], int(a.group(2)))
        dst = text.split(" ", 1)[0]
        if dst in copies and not a:
            copies.discard(dst)
    if pending is not None and cur is not None:
        targets.append((cur, section, pending[0] + pending[1] + 1))
    for caller, sec, idx in targets:
        name = by_start.get((sec, idx))
        if name:
            caller["calls"].add(name)
    # only calls to functions of this object (kfuncs, maps stay out)
    for f in funcs.values():
        f["calls"] = {c for c in f["calls"] if c in funcs}
    return funcs


def round16(n):
    return (max(n, 1) + 15) // 16 * 16


def deepest(funcs, name, seen=()):
    """(bytes, chain) of the deepest chain from name."""
    f = funcs[name]
    own = round16(f["frame"])
    best = (own, [name])
    for c in sorted(f["calls"]):
        if c in seen or c == name:
            continue
        d, chain = deepest(funcs, c, seen + (name,))
        if own + d > best[0]:
            best = (own + d, [name] + chain)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("obj")
    ap.add_argument("--limit", type=int, default=512)
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    try:
        out = subprocess.run(["llvm-objdump", "-dr", args.obj],
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bpf_stack: cannot disassemble {args.obj}: {e}", file=sys.stderr)
        return 2
    try:
        syms = subprocess.run(["llvm-objdump", "-t", args.obj], check=True,
                              capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bpf_stack: cannot read the symbols of {args.obj}: {e}", file=sys.stderr)
        return 2
    # functions: the symbols of type F (not the local labels between them)
    names = {l.split()[-1] for l in syms.splitlines() if re.search(r"\sF\s", l)}
    funcs = parse(out.splitlines(), names)
    progs = [n for n, f in funcs.items() if f["section"] and f["section"] != ".text"]
    if not progs:
        print(f"bpf_stack: no BPF programs in {args.obj}", file=sys.stderr)
        return 2
    rows = sorted(((deepest(funcs, p), p) for p in progs), key=lambda r: -r[0][0])
    over = [r for r in rows if r[0][0] > args.limit]
    for (depth, chain), prog in rows[:args.top]:
        frames = " + ".join(f"{c} {round16(funcs[c]['frame'])}" for c in chain)
        print(f"{depth:4d} bytes  {frames}")
    for (depth, chain), prog in over:
        print(f"bpf_stack: {prog}: {depth} bytes on the call chain {' -> '.join(chain)}, "
              f"over {args.limit} (no private stack: the verifier refuses it)", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
