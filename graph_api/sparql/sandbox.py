"""Cutting a SPARQL worker process off from the network (Linux), and running deep work.

The endpoint refuses ``SERVICE`` after parsing the query (:mod:`.analysis`); this module is
the second line: a worker process that cannot open a network connection cannot be made to
call another host even if a query slipped past the check. :func:`isolate_network` is the
first thing a worker does (before it starts any thread, which an unprivileged user namespace
requires), with one of these methods:

``netns``
    ``unshare(CLONE_NEWNET)``: the process moves into a new, empty network namespace (only
    a loopback interface, down): every ``connect`` fails with "network unreachable".
    Needs ``CAP_SYS_ADMIN`` (root, or a container that grants it).
``userns``
    ``unshare(CLONE_NEWUSER | CLONE_NEWNET)``: the same, for an unprivileged user, where
    the kernel allows unprivileged user namespaces.
``seccomp``
    A seccomp filter (installed through ``prctl``, no library needed) that makes
    ``socket(AF_INET | AF_INET6, ...)`` fail with EACCES; local (``AF_UNIX``) sockets, such
    as the worker's pipe to the server, still work. Needs Linux >= 3.5 on x86-64 or arm64.

``auto`` tries them in that order. Elsewhere (macOS, Windows, a kernel that refuses all
three) the worker runs without network isolation, and the endpoint relies on the parse
check alone; the method in use is logged when each worker starts.

:func:`run_deep` runs a function in a thread with a large stack and a high recursion limit:
the SPARQL parsers (rdflib's pyparsing grammar, Oxigraph's) recurse once per nesting level
or list element, and on an 8 MiB main-thread stack a long query would crash the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

METHODS = ("netns", "userns", "seccomp")

DEEP_STACK_BYTES = 1 << 30
"""Stack of the thread that parses and runs a query (address space; pages are committed only
when used). Measured: Oxigraph evaluates a 300,000-term chain (``!!!...true``) in ~370 MB."""

DEEP_RECURSION_LIMIT = 1_000_000
"""Python recursion limit in that thread (rdflib's grammar recurses per triple pattern)."""

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000

# seccomp / BPF constants (linux/seccomp.h, linux/filter.h, linux/audit.h)
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_JGE_K = 0x05 | 0x30 | 0x00
_BPF_RET_K = 0x06 | 0x00
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_AF_INET = 2
_AF_INET6 = 10
# (audit architecture, number of socket(2)) per machine
_ARCHES = {
    "x86_64": (0xC000003E, 41),
    "amd64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
    "arm64": (0xC00000B7, 198),
}


class IsolationUnavailable(OSError):
    """The asked-for network isolation cannot be set up on this system."""


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _libc() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise IsolationUnavailable(f"not Linux ({sys.platform})")
    return ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> None:
    libc = _libc()
    if libc.unshare(flags) != 0:
        code = ctypes.get_errno()
        raise IsolationUnavailable(f"unshare refused: {os.strerror(code)}")


def _seccomp() -> None:
    libc = _libc()
    arch = _ARCHES.get(platform.machine().lower())
    if arch is None:
        raise IsolationUnavailable(f"no seccomp filter for {platform.machine()}")
    audit_arch, socket_nr = arch
    program = [
        _SockFilter(_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _SockFilter(_BPF_JEQ_K, 1, 0, audit_arch),
        _SockFilter(_BPF_RET_K, 0, 0, _RET_KILL_PROCESS),  # another ABI: stop
        _SockFilter(_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        _SockFilter(_BPF_JGE_K, 5, 0, 0x40000000),  # x32 system calls: refuse all
        _SockFilter(_BPF_JEQ_K, 0, 5, socket_nr),
        _SockFilter(_BPF_LD_W_ABS, 0, 0, 16),  # seccomp_data.args[0] (low half): family
        _SockFilter(_BPF_JEQ_K, 2, 0, _AF_INET),
        _SockFilter(_BPF_JEQ_K, 1, 0, _AF_INET6),
        _SockFilter(_BPF_RET_K, 0, 0, _RET_ALLOW),
        _SockFilter(_BPF_RET_K, 0, 0, _RET_ERRNO | errno.EACCES),
        _SockFilter(_BPF_RET_K, 0, 0, _RET_ALLOW),
    ]
    filters = (_SockFilter * len(program))(*program)
    fprog = _SockFprog(len(program), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise IsolationUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise IsolationUnavailable(f"seccomp refused: {os.strerror(ctypes.get_errno())}")


def _apply(method: str) -> None:
    if method == "netns":
        _unshare(_CLONE_NEWNET)
    elif method == "userns":
        _unshare(_CLONE_NEWUSER | _CLONE_NEWNET)
    elif method == "seccomp":
        _seccomp()
    else:
        raise ValueError(f"unknown isolation method {method!r}")


def isolate_network(mode: str) -> tuple[str, str]:
    """Cut this process off from the network; return ``(method, detail)``.

    ``mode`` is ``auto`` (the first of :data:`METHODS` that works), one method, or ``off``.
    The method is ``"none"`` when ``auto`` found none (the detail says why each failed).

    Raises
    ------
    IsolationUnavailable
        A named method could not be applied.
    """
    if mode == "off":
        return "none", "switched off (SMEKG_SPARQL_WORKER_ISOLATION=off)"
    if mode != "auto":
        _apply(mode)
        return mode, ""
    reasons = []
    for method in METHODS:
        try:
            _apply(method)
        except (IsolationUnavailable, OSError) as error:
            reasons.append(f"{method}: {error}")
            continue
        return method, "; ".join(reasons)
    return "none", "; ".join(reasons)


def run_deep(function: Callable[[], T]) -> T:
    """``function()`` in a thread with a 1 GiB stack and a high recursion limit."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as error:  # handed to the caller
            failure.append(error)

    if sys.getrecursionlimit() < DEEP_RECURSION_LIMIT:
        sys.setrecursionlimit(DEEP_RECURSION_LIMIT)
    previous = threading.stack_size(DEEP_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="smekg-deep", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
