//! A server and share as a next step writes them for the user to type:
//! Windows' UNC path (`net use \\server\share`, `net view \\server`) and
//! the path Samba's smbclient and Linux's mount.cifs take
//! (`//server/share`). An IPv4 address or a name is the same in both; an
//! IPv6 address is not:
//!
//! - Windows: a ':' may not stand in a UNC path, so an IPv6 address is
//!   written as a name in `ipv6-literal.net`, which Windows reads without
//!   asking DNS: each ':' as '-', a zone index after 's' instead of '%'
//!   (`fe80::1%4` is `fe80--1s4.ipv6-literal.net`, `::1` is
//!   `--1.ipv6-literal.net`).
//! - smbclient and mount.cifs: the bare address, `//fd78::1/share`,
//!   `//fe80::1%4/share`. Both cut the server out of the path at the first
//!   '/' and look it up with getaddrinfo, which does not take `[fd78::1]`:
//!   smbclient 4.17 says "getaddrinfo failed for name [::1]" and mount.cifs
//!   (cifs-utils 7.0) "could not resolve address for [::1]", while
//!   `//::1/share` connects (tried with both on Debian 12). smbclient also
//!   reads the `ipv6-literal.net` form; mount.cifs does not.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv6Addr};

/// The name Windows gives an IPv6 address in a UNC path ends so.
const LITERAL: &str = ".ipv6-literal.net";

/// `\\server\share` (`\\server` when `share` is empty), for Windows.
/// `server` is a name or an address as a capture or a path has it.
pub(super) fn windows_path(server: &str, share: &str) -> String {
    path(&windows_host(server), share, '\\')
}

/// `//server/share` (`//server` when `share` is empty), for smbclient and
/// mount.cifs. `server` is a name or an address as a capture or a path has it.
pub(super) fn samba_path(server: &str, share: &str) -> String {
    path(&samba_host(server), share, '/')
}

fn path(host: &str, share: &str, sep: char) -> String {
    let mut p = String::with_capacity(host.len() + share.len() + 3);
    p.push(sep);
    p.push(sep);
    p.push_str(host);
    if !share.is_empty() {
        p.push(sep);
        p.push_str(share);
    }
    p
}

/// `server` as Windows takes it in a UNC path: an IPv6 address as its
/// `ipv6-literal.net` name, anything else as it is.
fn windows_host(server: &str) -> Cow<'_, str> {
    let Some((addr, zone)) = ipv6(server) else {
        return Cow::Borrowed(server);
    };
    // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 host; its text
    // has dots, which a label of the literal name cannot hold.
    if let Some(v4) = addr.to_ipv4_mapped() {
        return Cow::Owned(v4.to_string());
    }
    let mut host = addr.to_string().replace(':', "-");
    if let Some(z) = zone {
        host.push('s');
        host.push_str(z);
    }
    host.push_str(LITERAL);
    Cow::Owned(host)
}

/// `server` as smbclient and mount.cifs take it: an IPv6 address bare (no
/// brackets), with its zone after '%'; anything else as it is.
fn samba_host(server: &str) -> Cow<'_, str> {
    let Some((addr, zone)) = ipv6(server) else {
        return Cow::Borrowed(server);
    };
    if let Some(v4) = addr.to_ipv4_mapped() {
        return Cow::Owned(v4.to_string());
    }
    Cow::Owned(match zone {
        Some(z) => format!("{addr}%{z}"),
        None => addr.to_string(),
    })
}

/// The IPv6 address (and zone) `server` names: `fd78::1`, `[fd78::1]`,
/// `fe80::1%4`, or the `ipv6-literal.net` name of one; None for a name or
/// an IPv4 address.
fn ipv6(server: &str) -> Option<(Ipv6Addr, Option<&str>)> {
    let s = server
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(server);
    if let Some(label) = literal_label(s) {
        let (a, zone) = match label.split_once(['s', 'S']) {
            Some((a, z)) => (a, Some(z)),
            None => (label, None),
        };
        let addr = a.replace('-', ":").parse().ok()?;
        return Some((addr, zone.filter(|z| !z.is_empty())));
    }
    let (a, zone) = match s.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (s, None),
    };
    match a.parse::<IpAddr>().ok()? {
        IpAddr::V6(addr) => Some((addr, zone.filter(|z| !z.is_empty()))),
        IpAddr::V4(_) => None,
    }
}

/// The first label of an `ipv6-literal.net` name (any case).
fn literal_label(s: &str) -> Option<&str> {
    let cut = s.len().checked_sub(LITERAL.len())?;
    let (label, suffix) = (s.get(..cut)?, s.get(cut..)?);
    suffix.eq_ignore_ascii_case(LITERAL).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The server addresses of SMB packets (to port 445) in a sample's
    /// tshark fields, as tshark writes them.
    fn tshark_servers(sample: &str) -> Vec<String> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/tshark")
            .join(format!("{sample}.tshark.tsv"));
        let text = std::fs::read_to_string(&p).expect("tshark fields");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
        let (dst, port) = (col("ipv6.dst"), col("tcp.dstport"));
        let mut out: Vec<String> = lines
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|f| f.get(port) == Some(&"445"))
            .filter_map(|f| f.get(dst).filter(|a| !a.is_empty()).map(|a| a.to_string()))
            .collect();
        out.dedup();
        out
    }

    /// The IPv6 servers of the two real IPv6 samples: the Windows form has
    /// no ':' and reads back (each '-' as ':') as the same address; the
    /// smbclient form is the address itself, bare.
    #[test]
    fn ipv6_servers_of_real_captures() {
        let loopback = tshark_servers("ntlm-ipv6-success.pcap");
        let tun = tshark_servers("ntlm-rawip-tun.pcap");
        assert_eq!(loopback, ["::1"]);
        assert_eq!(tun, ["fd78::1"]);
        for a in loopback.iter().chain(&tun) {
            let addr: Ipv6Addr = a.parse().unwrap();
            let w = windows_path(a, "SHARE");
            let host = w
                .strip_prefix("\\\\")
                .and_then(|h| h.strip_suffix("\\SHARE"))
                .unwrap();
            assert!(!host.contains(':'), "{w}");
            let label = host.strip_suffix(".ipv6-literal.net").unwrap();
            assert_eq!(label.replace('-', ":").parse::<Ipv6Addr>(), Ok(addr));
            assert_eq!(samba_path(a, "SHARE"), format!("//{a}/SHARE"));
            // The bracketed form (as a SocketAddr writes it) reads the same.
            assert_eq!(windows_path(&format!("[{a}]"), "SHARE"), w);
            assert_eq!(samba_path(&format!("[{a}]"), ""), format!("//{a}"));
        }
        assert_eq!(windows_path("::1", ""), "\\\\--1.ipv6-literal.net");
        assert_eq!(
            windows_path("fd78::1", "IPC$"),
            "\\\\fd78--1.ipv6-literal.net\\IPC$"
        );
    }

    /// A zone: 's' for Windows, '%' for smbclient (Microsoft's example,
    /// fe80::1%4 as fe80--1s4.ipv6-literal.net); the literal name read back.
    #[test]
    fn zone_and_literal_name() {
        assert_eq!(
            windows_path("fe80::1%4", "s"),
            "\\\\fe80--1s4.ipv6-literal.net\\s"
        );
        assert_eq!(samba_path("fe80::1%4", "s"), "//fe80::1%4/s");
        assert_eq!(
            samba_path("FE80--1S4.IPV6-LITERAL.NET", "s"),
            "//fe80::1%4/s"
        );
        assert_eq!(samba_path("fd78--1.ipv6-literal.net", ""), "//fd78::1");
        assert_eq!(
            windows_path("fd78--1.ipv6-literal.net", ""),
            "\\\\fd78--1.ipv6-literal.net"
        );
    }

    /// Names, IPv4 addresses and text that is no address stay as they are.
    #[test]
    fn names_and_ipv4_unchanged() {
        for s in [
            "127.0.0.2",
            "FILESRV",
            "dc1.samples.smbscope.test",
            "",
            "[",
            "x.ipv6-literal.net",
            ".ipv6-literal.net",
            "::g",
            "%",
        ] {
            assert_eq!(windows_path(s, "S"), format!("\\\\{s}\\S"), "{s}");
            assert_eq!(samba_path(s, "S"), format!("//{s}/S"), "{s}");
        }
        assert_eq!(windows_path("::ffff:10.0.0.1", ""), "\\\\10.0.0.1");
        assert_eq!(samba_path("::ffff:10.0.0.1", ""), "//10.0.0.1");
    }
}
