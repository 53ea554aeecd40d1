"""A small seccomp filter for bubblewrap: deny the system calls that are kernel attack
surface and that no build or test needs (keyrings, BPF, perf, userfaultfd, io_uring,
modules, kexec, mounts, swap, reboot). Denied calls fail with EPERM.

Only x86_64 has a table here; on other machines no filter is installed (`program()`
returns None) and the namespaces, dropped capabilities and --disable-userns remain.
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
DENIED_X86_64 = {
    "syslog": 103,
    "pivot_root": 155,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "open_by_handle_at": 304,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsmount": 432,
    "fspick": 433,
}

LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
JUMP_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JUMP_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
RETURN = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | errno.EPERM
OFFSET_NR, OFFSET_ARCH = 0, 4


def _instruction(code: int, k: int, jump_true: int = 0, jump_false: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jump_true, jump_false, k)


def program() -> bytes | None:
    """The classic-BPF filter bwrap's --seccomp expects, or None on unsupported machines.

    Calls of another ABI (i386 via int 0x80, x32) are denied outright so that they cannot
    reach the denied calls under other numbers.
    """
    if platform.machine() != "x86_64":
        return None
    numbers = sorted(DENIED_X86_64.values())
    # Layout: 0 load arch, 1 check arch, 2 load nr, 3 x32 check, 4.. one jump per call,
    # then ALLOW, then EPERM.
    deny_at = 4 + len(numbers) + 1
    code = [
        _instruction(LOAD_WORD, OFFSET_ARCH),
        _instruction(JUMP_EQUAL, AUDIT_ARCH_X86_64, 0, deny_at - 2),
        _instruction(LOAD_WORD, OFFSET_NR),
        _instruction(JUMP_AT_LEAST, X32_SYSCALL_BIT, deny_at - 4, 0),
    ]
    for index, number in enumerate(numbers):
        code.append(_instruction(JUMP_EQUAL, number, deny_at - (4 + index) - 1, 0))
    code += [_instruction(RETURN, RET_ALLOW), _instruction(RETURN, RET_EPERM)]
    return b"".join(code)
