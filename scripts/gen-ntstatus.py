#!/usr/bin/env python3
"""Generate src/ntstatus/table.rs: every NTSTATUS code we know, sorted by code.

Sources, merged in this order (the first source that names a code gives its
primary name; every other name a source gives the same code becomes an alias):

1. tshark's value strings for the field smb2.nt_status (`tshark -G values`):
   the codes Wireshark decodes, so every code a capture shows by name in
   Wireshark has the same name here.
2. impacket's impacket/nt_errors.py (Debian package python3-impacket): the
   [MS-ERREF] 2.3.1 table as data, with the one-line descriptions. It gives
   the descriptions for every code it has, and the codes tshark lacks.
3. Samba's headers core/ntstatus_gen.h and core/ntstatus.h (Debian package
   samba-dev): a few newer SMB codes (e.g. STATUS_SMB_BAD_CLUSTER_DIALECT)
   and Samba's spelling of some names (e.g. NT_STATUS_RPC_CALL_FAILED for
   RPC_NT_CALL_FAILED), kept as aliases so a name copied from a Samba log
   resolves. Only the definitions with a literal 8-digit code are read.
4. EXTRA below: codes none of the above has, each with where it is defined.

Standard library only. To get the inputs on Debian 12:

    apt-get install tshark python3-impacket
    apt-get download samba-dev && dpkg-deb -x samba-dev_*.deb /tmp/samba-dev

then run from the repository root:

    python3 scripts/gen-ntstatus.py --samba-include /tmp/samba-dev/usr/include/samba-4.0

Options: --tshark-values FILE reads a saved `tshark -G values` dump instead of
running tshark; --impacket FILE and --samba-include DIR point at the inputs;
--out FILE (default src/ntstatus/table.rs).
"""

import argparse
import ast
import os
import re
import subprocess
import sys

DEFAULT_IMPACKET = "/usr/lib/python3/dist-packages/impacket/nt_errors.py"
DEFAULT_SAMBA = "/usr/include/samba-4.0"

# Codes that are in none of the sources above. (code, name, description, where)
EXTRA = [
    (
        0xC05D0002,
        "STATUS_SMB_GUEST_LOGON_BLOCKED",
        "The client refused an unauthenticated guest logon because policy "
        "blocks insecure guest access.",
        "Windows SDK ntstatus.h (Windows 10 1709 and later); Win32 error 1272",
    ),
]


def tshark_values(path):
    """{code: name} for smb2.nt_status, and tshark's version string."""
    if path:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        version = "tshark (version not recorded, read from %s)" % os.path.basename(path)
    else:
        text = subprocess.run(
            ["tshark", "-G", "values"], check=True, capture_output=True, text=True
        ).stdout
        first = subprocess.run(
            ["tshark", "--version"], check=True, capture_output=True, text=True
        ).stdout.splitlines()[0]
        m = re.match(r"TShark \(Wireshark\) (\S+)", first)
        version = "tshark %s" % (m.group(1) if m else first)
    codes = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "V" and parts[1] == "smb2.nt_status":
            code = int(parts[2], 0) & 0xFFFFFFFF
            if code in codes and codes[code] != parts[3]:
                sys.exit("tshark names 0x%08X twice" % code)
            codes[code] = parts[3]
    if len(codes) < 800:
        sys.exit("only %d smb2.nt_status values from tshark" % len(codes))
    return codes, version


def impacket_errors(path):
    """[(code, name, description)] in file order (a code may repeat)."""
    out = []
    line_re = re.compile(r"\s*(0x[0-9A-Fa-f]{8})\s*:\s*(\(.*\))\s*,?\s*$")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = line_re.match(line)
            if not m:
                continue
            name, desc = ast.literal_eval(m.group(2))
            out.append((int(m.group(1), 16), name, " ".join(desc.split())))
    if len(out) < 1500:
        sys.exit("only %d entries read from %s" % (len(out), path))
    return out


def package_version(package):
    try:
        return subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", package],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown version"


def samba_errors(include):
    """[(code, name)] from Samba's headers, names given as STATUS_X."""
    out = []
    def_re = re.compile(r"#define\s+NT_STATUS_(\w+)\s+NT_STATUS\((0x[0-9A-Fa-f]{8})\)")
    for header in ("core/ntstatus_gen.h", "core/ntstatus.h"):
        with open(os.path.join(include, header), encoding="utf-8") as f:
            for line in f:
                m = def_re.match(line)
                if m:
                    out.append((int(m.group(2), 16), "STATUS_" + m.group(1)))
    if len(out) < 1500:
        sys.exit("only %d definitions read from Samba's headers" % len(out))
    version = "unknown version"
    try:
        with open(os.path.join(include, "samba/version.h"), encoding="utf-8") as f:
            m = re.search(r'SAMBA_VERSION_STRING "([^"]+)"', f.read())
            if m:
                version = m.group(1)
    except OSError:
        pass
    return out, version


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tshark-values")
    ap.add_argument("--impacket", default=DEFAULT_IMPACKET)
    ap.add_argument("--samba-include", default=DEFAULT_SAMBA)
    ap.add_argument("--out", default="src/ntstatus/table.rs")
    args = ap.parse_args()

    ts, ts_version = tshark_values(args.tshark_values)
    imp = impacket_errors(args.impacket)
    samba, samba_version = samba_errors(args.samba_include)

    names = {}  # code -> primary name
    descs = {}  # code -> description
    aliases = {}  # alias name -> code
    owner = {}  # any name -> code, to catch one name given two codes
    counts = {"tshark": 0, "impacket": 0, "samba": 0, "extra": 0}

    def add(code, name, source):
        if name in owner and owner[name] != code:
            sys.exit("%s names 0x%08X but %s already is 0x%08X" % (source, code, name, owner[name]))
        owner[name] = code
        if code not in names:
            names[code] = name
            counts[source] += 1
        elif names[code] != name:
            aliases[name] = code

    for code, name in sorted(ts.items()):
        add(code, name, "tshark")
    for code, name, desc in imp:
        add(code, name, "impacket")
        descs.setdefault(code, desc)
    for code, name in samba:
        add(code, name, "samba")
    for code, name, desc, _where in EXTRA:
        add(code, name, "extra")
        descs.setdefault(code, desc)

    lines = [
        "// @generated by scripts/gen-ntstatus.py; do not edit.",
        "//",
        "// Sources: %s `-G values` (field smb2.nt_status, %d codes);"
        % (ts_version, counts["tshark"]),
        "// impacket %s impacket/nt_errors.py, the [MS-ERREF] 2.3.1 table"
        % package_version("python3-impacket"),
        "// (+%d codes, and the descriptions);" % counts["impacket"],
        "// Samba %s headers core/ntstatus_gen.h and core/ntstatus.h (+%d codes);"
        % (samba_version, counts["samba"]),
        "// the script's EXTRA list (+%d: %s)."
        % (counts["extra"], ", ".join(e[1] for e in EXTRA)),
        "",
        "use super::Entry;",
        "",
        "/// Every NTSTATUS code we know, sorted by code, one entry per code.",
        "pub static TABLE: &[Entry] = &[",
    ]
    for code in sorted(names):
        desc = descs.get(code)
        d = "Some(%s)" % rust_str(desc) if desc else "None"
        lines.append(
            "    Entry { code: 0x%08X, name: %s, description: %s },"
            % (code, rust_str(names[code]), d)
        )
    lines += [
        "];",
        "",
        "/// Other names for codes in TABLE (a source's second name for a code,",
        "/// or Samba's spelling), sorted by name: (name, code).",
        "pub static ALIASES: &[(&str, u32)] = &[",
    ]
    for name in sorted(aliases):
        lines.append("    (%s, 0x%08X)," % (rust_str(name), aliases[name]))
    lines += ["];", ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(
        "%s: %d codes, %d aliases (%s)"
        % (args.out, len(names), len(aliases), ", ".join("%s %d" % kv for kv in counts.items())),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
