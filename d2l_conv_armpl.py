"""Let MXNet 1.9.1's Linux aarch64 wheel load without Arm Performance Libraries.

That wheel's ``libmxnet.so`` needs ``libarmpl_lp64_mp.so``, ``libamath.so`` and
``libastring.so`` (Arm Performance Libraries, ArmPL), which it does not bundle
and which are not on PyPI, so ``import mxnet`` fails with an ``OSError``. What
it takes from them is CBLAS, LAPACK and LAPACKE, which the distribution's
OpenBLAS (``libblas.so.3``, ``liblapack.so.3``) and ``liblapacke.so.3``
provide, and vector math and string functions, which libm and libc provide.

:func:`load`, called before ``libmxnet.so`` is loaded, does this on Linux
aarch64 only, and only for each of those names that ``libmxnet.so`` needs
(read from its ELF headers) and that cannot be loaded: it loads a stand-in,
a shared object with no code whose ``SONAME`` is that name (``libarmpl_lp64_mp.so`` with ``NEEDED`` ``libblas.so.3`` and
``liblapacke.so.3``; the other two empty), with ``RTLD_GLOBAL``. glibc then
satisfies ``libmxnet.so``'s ``NEEDED`` entries with the loaded stand-ins (it
matches a name against the ``SONAME`` of the objects already loaded), and its
symbols with OpenBLAS, LAPACKE, libm and libc. The stand-ins are written by
:func:`standin` (an ELF file of a few hundred bytes: a header, one loadable
segment and a dynamic section) into memory (``memfd_create``) and loaded
from ``/proc/self/fd/N``: nothing is written to disk, nothing of the installed
mxnet changes. Where ArmPL loads (on the library path, or next to
``libmxnet.so``), it is used as it is. Where neither it nor OpenBLAS and
LAPACKE load, :func:`load` raises one ``ImportError`` naming both ways.

``d2l_conv_compat``'s import hook calls :func:`load` when the ``mxnet`` module
starts executing (so the chapter's In[1], ``from mxnet import autograd, nd``,
works first), and ``import d2l_conv`` calls it before importing mxnet. This
module imports only ``os``, ``struct`` and ``sys`` (ctypes too, on aarch64, when used).
"""
import os
import struct
import sys

__all__ = ['ARMPL', 'MESSAGE', 'applies', 'load', 'load_standin', 'needed', 'standin']

# libmxnet.so's NEEDED names from ArmPL, and what stands in for each.
ARMPL = {'libarmpl_lp64_mp.so': ('libblas.so.3', 'liblapacke.so.3'), 'libamath.so': (), 'libastring.so': ()}
MESSAGE = ('mxnet on Linux aarch64 needs BLAS and LAPACK, which its wheel does not include; found neither '
           'Arm Performance Libraries (libarmpl_lp64_mp.so) nor OpenBLAS with LAPACKE (%s did not load): '
           'apt-get install libopenblas0 liblapacke (Debian, Ubuntu; elsewhere, the packages that provide '
           'libblas.so.3 and liblapacke.so.3), or install ArmPL from Arm '
           '(https://developer.arm.com/downloads/-/arm-performance-libraries) with its lib directory '
           'on LD_LIBRARY_PATH')

EM_AARCH64 = 183
_standins = []  # the stand-ins' CDLLs: they stay loaded, and their memfds open


def applies():
    """True on Linux aarch64, the only platform whose MXNet wheel links against ArmPL."""
    return sys.platform.startswith('linux') and os.uname().machine == 'aarch64'


def load(mxnet_dir=None):
    """Before ``libmxnet.so`` loads: load ArmPL's libraries it needs, or stand-ins for those that do not load.

    ``mxnet_dir`` is the directory of mxnet's ``__init__.py`` and
    ``libmxnet.so`` (found with ``importlib.util.find_spec`` when not given).
    Does nothing where :func:`applies` is false, nor for a ``libmxnet.so``
    that needs no ArmPL (a build of one's own). Returns the names given
    stand-ins (none a second time: glibc finds a loaded stand-in by its
    ``SONAME``). Raises ``ImportError`` (:data:`MESSAGE`) when
    ``libarmpl_lp64_mp.so`` does not load and OpenBLAS or LAPACKE does not either.
    """
    if not applies():
        return []
    if mxnet_dir is None:
        import importlib.util
        spec = importlib.util.find_spec('mxnet')
        if spec is None or not spec.origin:
            return []  # no mxnet: d2l_conv says what to install
        mxnet_dir = os.path.dirname(spec.origin)
    try:
        wanted = [name for name in needed(os.path.join(mxnet_dir, 'libmxnet.so')) if name in ARMPL]
    except (OSError, ValueError):
        return []  # no libmxnet.so there, or not one we can read: mxnet's own error follows
    import ctypes
    replaced = []
    for name in wanted:
        # ArmPL's own, as libmxnet.so would find it: by name, or next to it (its RPATH is $ORIGIN);
        # or a stand-in loaded before, which glibc finds by its SONAME
        if _loads(ctypes, name) or _loads(ctypes, os.path.join(mxnet_dir, name)):
            continue
        try:
            _standins.append(load_standin(name, ARMPL[name]))
        except OSError as error:
            missing = [lib for lib in ARMPL[name] if not _loads(ctypes, lib)]
            if not missing:  # no memfd, or no /proc mounted, say
                raise ImportError('mxnet on Linux aarch64: the stand-in for %s (see d2l_conv_armpl) did not '
                                  'load: %s' % (name, error)) from None
            raise ImportError(MESSAGE % ' and '.join(missing)) from None
        replaced.append(name)
    return replaced


def needed(path):
    """The ``NEEDED`` entries of the little-endian ELF64 shared object at ``path``, read from its headers.

    Raises ``ValueError`` if it is not one (``OSError`` if it cannot be read).
    """
    with open(path, 'rb') as f:
        header = f.read(64)
        if header[:6] != b'\x7fELF\x02\x01':
            raise ValueError('%s is not a little-endian ELF64 file' % path)
        phoff, = struct.unpack_from('<Q', header, 32)
        phentsize, phnum = struct.unpack_from('<HH', header, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
        # (p_type, p_offset, p_vaddr, p_filesz) of each segment
        segments = [struct.unpack_from('<I4xQQ8xQ', table, i * phentsize) for i in range(phnum)]
        dynamic = [(offset, size) for kind, offset, _, size in segments if kind == 2]  # PT_DYNAMIC
        if not dynamic:
            raise ValueError('%s has no dynamic section' % path)
        f.seek(dynamic[0][0])
        raw = f.read(dynamic[0][1])
        tags = [struct.unpack_from('<qQ', raw, i) for i in range(0, len(raw) - 15, 16)]
        strtab = dict(tags).get(5)  # DT_STRTAB, an address: its file offset is in the PT_LOAD holding it
        base = next((offset - vaddr for kind, offset, vaddr, size in segments
                     if kind == 1 and vaddr <= (strtab or 0) < vaddr + size), None)
        if strtab is None or base is None:
            raise ValueError('%s has no string table' % path)
        names = []
        for tag, value in tags:
            if tag == 1:  # DT_NEEDED
                f.seek(base + strtab + value)
                names.append(f.read(256).partition(b'\0')[0].decode('utf-8', 'replace'))
        return names


def _loads(ctypes, name):
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def load_standin(soname, needed=(), machine=EM_AARCH64):
    """dlopen :func:`standin` from memory with ``RTLD_GLOBAL``; returns its ``ctypes.CDLL``.

    The memfd stays open (the CDLL's ``memfd``), so that the name glibc keeps
    for the library, ``/proc/self/fd/N``, never comes to mean another file.
    """
    import ctypes
    fd = os.memfd_create(soname, os.MFD_CLOEXEC)
    try:
        os.write(fd, standin(soname, needed, machine))
        library = ctypes.CDLL('/proc/self/fd/%d' % fd, mode=ctypes.RTLD_GLOBAL)
    except BaseException:
        os.close(fd)
        raise
    library.memfd = fd
    return library


def standin(soname, needed=(), machine=EM_AARCH64):
    """A little-endian ELF64 shared object with no code: only ``SONAME`` and ``NEEDED`` entries.

    One ``PT_LOAD`` segment (read-write: glibc relocates the dynamic section's
    addresses in place) holds the dynamic section, its string table, a symbol
    table with only the null symbol and a one-bucket hash table; ``PT_GNU_STACK``
    says the stack need not be executable. ``machine`` is ``e_machine``
    (183, aarch64; 62 for an x86_64 one in the tests).

    >>> data = standin('libamath.so')
    >>> data[:4], len(data)
    (b'\\x7fELF', 400)
    """
    strtab = b'\0'
    offsets = {}
    for name in (soname,) + tuple(needed):
        offsets[name] = len(strtab)
        strtab += name.encode('ascii') + b'\0'
    phoff, phnum = 64, 3
    symtab_off = phoff + 56 * phnum             # one null symbol, 24 bytes
    hash_off = symtab_off + 24                  # nbucket = nchain = 1, bucket[0] = chain[0] = 0
    strtab_off = hash_off + 16
    dynamic_off = (strtab_off + len(strtab) + 7) & ~7
    tags = [(1, offsets[name]) for name in needed]  # DT_NEEDED
    tags += [(14, offsets[soname]), (4, hash_off), (5, strtab_off), (6, symtab_off),  # SONAME HASH STRTAB SYMTAB
             (10, len(strtab)), (11, 24), (0, 0)]  # STRSZ SYMENT NULL
    dynamic = b''.join(struct.pack('<qQ', tag, value) for tag, value in tags)
    size = dynamic_off + len(dynamic)
    header = struct.pack('<4sBBBBB7sHHIQQQIHHHHHH', b'\x7fELF', 2, 1, 1, 0, 0, b'',  # ELF64, LSB, SYSV
                         3, machine, 1, 0, phoff, 0, 0, 64, 56, phnum, 64, 0, 0)    # ET_DYN, no sections
    # p_type, p_flags (R=4, W=2), p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
    phdrs = (struct.pack('<IIQQQQQQ', 1, 6, 0, 0, 0, size, size, 0x10000)  # PT_LOAD (64 KiB pages too)
             + struct.pack('<IIQQQQQQ', 2, 6, dynamic_off, dynamic_off, dynamic_off, len(dynamic), len(dynamic), 8)
             + struct.pack('<IIQQQQQQ', 0x6474e551, 6, 0, 0, 0, 0, 0, 16))  # PT_GNU_STACK
    body = header + phdrs + bytes(24) + struct.pack('<4I', 1, 1, 0, 0) + strtab
    return body + bytes(dynamic_off - len(body)) + dynamic
