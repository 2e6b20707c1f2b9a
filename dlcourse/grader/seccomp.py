"""The seccomp filter of the sandbox: a classic-BPF program that bubblewrap installs (``bwrap --seccomp FD``).

A graded answer computes with numpy; it never needs the system calls denied here, which are the ones an
attack uses to leave state behind (kernel keyrings), to hold memory no limit sees (``memfd_create``), to open
a new user namespace (and mount a tmpfs in it), or to reach the kernel's larger attack surface. Denied calls
fail with EPERM, so a learner's code sees an ordinary ``PermissionError``. ``clone3`` gets ENOSYS instead:
its flags sit behind a pointer the filter cannot read, and glibc then falls back to ``clone``, whose flags it
can. Other architectures than the ones listed get no filter (``program()`` returns None) and the grader says so.
"""
import errno
import platform
import struct

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6] (little-endian targets)
_NR, _ARCH, _ARG0_LOW = 0, 4, 16

_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, ..., BPF_RET|K
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000

# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: no new namespace of any kind
CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
CLONE_NEWTIME = 0x00000080  # unshare() only: in clone() these bits are the exit signal

# Denied system calls, by name; the numbers per architecture are below.
DENIED = ("add_key", "request_key", "keyctl",  # kernel keyrings outlive the run
          "memfd_create", "memfd_secret", "userfaultfd",  # memory outside RLIMIT_AS / stalls the kernel
          "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
          "mount", "umount2", "pivot_root", "chroot", "setns", "mount_setattr", "move_mount", "open_tree",
          "fsopen", "fsconfig", "fsmount", "fspick",
          "perf_event_open", "bpf", "io_uring_setup", "io_uring_enter", "io_uring_register",
          "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
          "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot", "acct", "syslog",
          "quotactl", "lookup_dcookie", "vhangup")

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_X32_BIT = 0x40000000  # x86_64: system calls of the x32 ABI carry this bit; denied wholesale

SYSCALLS = {
    "x86_64": {"add_key": 248, "request_key": 249, "keyctl": 250, "memfd_create": 319, "memfd_secret": 447,
               "userfaultfd": 323, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
               "pidfd_getfd": 438, "kcmp": 312, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
               "setns": 308, "mount_setattr": 442, "move_mount": 429, "open_tree": 428, "fsopen": 430,
               "fsconfig": 431, "fsmount": 432, "fspick": 433, "perf_event_open": 298, "bpf": 321,
               "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 246,
               "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
               "open_by_handle_at": 304, "name_to_handle_at": 303, "swapon": 167, "swapoff": 168, "reboot": 169,
               "acct": 163, "syslog": 103, "quotactl": 179, "lookup_dcookie": 212, "vhangup": 153,
               "clone": 56, "clone3": 435, "unshare": 272},
    "aarch64": {"add_key": 217, "request_key": 218, "keyctl": 219, "memfd_create": 279, "memfd_secret": 447,
                "userfaultfd": 282, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
                "pidfd_getfd": 438, "kcmp": 272, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
                "setns": 268, "mount_setattr": 442, "move_mount": 429, "open_tree": 428, "fsopen": 430,
                "fsconfig": 431, "fsmount": 432, "fspick": 433, "perf_event_open": 241, "bpf": 280,
                "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104,
                "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
                "open_by_handle_at": 265, "name_to_handle_at": 264, "swapon": 224, "swapoff": 225, "reboot": 142,
                "acct": 89, "syslog": 116, "quotactl": 60, "lookup_dcookie": 18, "vhangup": 58,
                "clone": 220, "clone3": 435, "unshare": 97},
}


def _op(code, k, jt=0, jf=0):
    return struct.pack("=HBBI", code, jt, jf, k)


def _deny(number, error=errno.EPERM):
    """Two instructions: if nr == number, return -error; else fall through."""
    return [_op(_JEQ, number, 0, 1), _op(_RET, _ERRNO | error)]


def _deny_flags(number, mask):
    """Five instructions: if nr == number, deny when the first argument has a bit of ``mask``, else allow."""
    return [_op(_JEQ, number, 0, 4), _op(_LD_ABS, _ARG0_LOW), _op(_JSET, mask, 0, 1),
            _op(_RET, _ERRNO | errno.EPERM), _op(_RET, _ALLOW)]


def program(machine=None):
    """The filter for this machine's architecture as bytes (struct sock_filter[]), or None when unsupported."""
    machine = machine or platform.machine()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine.lower(), machine.lower())
    if machine not in SYSCALLS:
        return None
    numbers = SYSCALLS[machine]
    body = [_op(_LD_ABS, _NR)]
    if machine == "x86_64":
        body += [_op(_JGE, _X32_BIT, 0, 1), _op(_RET, _ERRNO | errno.EPERM)]
    for name in DENIED:
        body += _deny(numbers[name])
    body += _deny(numbers["clone3"], errno.ENOSYS)
    body += _deny_flags(numbers["clone"], CLONE_NEW_ANY)
    body += _deny_flags(numbers["unshare"], CLONE_NEW_ANY | CLONE_NEWTIME)
    body.append(_op(_RET, _ALLOW))
    # another architecture's system call numbers (a 32-bit binary on x86_64) would slip past: denied
    head = [_op(_LD_ABS, _ARCH), _op(_JEQ, AUDIT_ARCH[machine], 1, 0), _op(_RET, _ERRNO | errno.EPERM)]
    return b"".join(head + body)


def describe(machine=None):
    """One line for the doctor and the gradebook run."""
    if program(machine) is None:
        return f"no seccomp filter for the {machine or platform.machine()} architecture"
    return (f"seccomp filter denying {len(DENIED) + 3} system calls (keyrings, memfd_create, ptrace, mount, "
            "new namespaces, perf_event_open, bpf, io_uring, kexec, modules, ...)")
