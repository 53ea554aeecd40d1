"""A small seccomp filter for bubblewrap: deny the system calls that are kernel attack
surface and that no build or test needs (keyrings, BPF, perf, userfaultfd, io_uring,
modules, kexec, mounts, swap, reboot, taking another process's descriptors), and ptrace
or cross-process memory access aimed at pid 1, the sandbox's init (a job could otherwise
stop it and hang the run to its wall clock). Denied calls fail with EPERM.

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
    "pidfd_getfd": 438,
}
INIT_PID = 1
DENIED_FOR_INIT_X86_64 = {
    # system call: (number, index of its pid argument); only the low 32 bits count (pid_t)
    "ptrace": (101, 1),
    "process_vm_readv": (310, 0),
    "process_vm_writev": (311, 0),
}

LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
JUMP_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JUMP_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
RETURN = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | errno.EPERM
OFFSET_NR, OFFSET_ARCH, OFFSET_ARGS = 0, 4, 16


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
    checked = sorted(DENIED_FOR_INIT_X86_64.values())
    # Layout: 0 load arch, 1 check arch, 2 load nr, 3 x32 check, 4.. one jump per denied
    # call, then one per pid-checked call, ALLOW, EPERM, then a 4-instruction block per
    # pid-checked call (load its pid, compare with 1, ALLOW, EPERM): jumps go forward only.
    deny_at = 4 + len(numbers) + len(checked) + 1
    blocks_at = deny_at + 1
    code = [
        _instruction(LOAD_WORD, OFFSET_ARCH),
        _instruction(JUMP_EQUAL, AUDIT_ARCH_X86_64, 0, deny_at - 2),
        _instruction(LOAD_WORD, OFFSET_NR),
        _instruction(JUMP_AT_LEAST, X32_SYSCALL_BIT, deny_at - 4, 0),
    ]
    for number in numbers:
        code.append(_instruction(JUMP_EQUAL, number, deny_at - len(code) - 1, 0))
    for block, (number, _) in enumerate(checked):
        target = blocks_at + 4 * block
        code.append(_instruction(JUMP_EQUAL, number, target - len(code) - 1, 0))
    code += [_instruction(RETURN, RET_ALLOW), _instruction(RETURN, RET_EPERM)]
    for _, argument in checked:
        code += [
            _instruction(LOAD_WORD, OFFSET_ARGS + 8 * argument),  # low word (little-endian)
            _instruction(JUMP_EQUAL, INIT_PID, 1, 0),
            _instruction(RETURN, RET_ALLOW),
            _instruction(RETURN, RET_EPERM),
        ]
    return b"".join(code)
