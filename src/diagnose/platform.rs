//! What the capture shows of a side's operating system, for the wording of
//! next steps: an NTLM VERSION ([MS-NLMP] 2.2.2.10; a CHALLENGE's is the
//! server's, a NEGOTIATE's or AUTHENTICATE's the client's, named by the
//! message it came from) and the NativeOS and NativeLanMan strings of SMB1
//! SESSION_SETUP_ANDX ([MS-CIFS] 2.2.4.53). A step that differs by OS is chosen by it where the capture
//! shows it; where it does not, a step names Windows and Samba alike.
//!
//! What is read as what, as the captures show it:
//! - NTLM VERSION 10.0, 6.x with a build of Windows (6000 and later, but
//!   not 6.1 build 7600, which macOS's SMB client states too: corpus
//!   zeek-smb1-raw-ntlm-port139 frame 19, NativeOS "Mac OS X 10.10"), or
//!   5.x with a build of Windows (2195 and later: 2000 5.0 build 2195, XP
//!   5.1 build 2600, Server 2003 5.2 build 3790): Windows, 5.x legacy.
//!   6.1 build 0: Samba (its NTLMSSP states that version, every Samba
//!   CHALLENGE in samples/; a Windows build is never 0).
//! - NTLM VERSION 5.17 or later with a build below 2195 and revision 15:
//!   Linux's kernel client, cifs.ko. Since Linux 5.17 (commit 52d005337b2c
//!   "smb3: send NTLMSSP version information") its SMB3 NEGOTIATE
//!   (fs/smb/client/sess.c, build_ntlmssp_smb3_negotiate_blob; its SMB1
//!   one sends none) states ProductMajorVersion LINUX_VERSION_MAJOR,
//!   ProductMinorVersion LINUX_VERSION_PATCHLEVEL, ProductBuild
//!   SMB3_PRODUCT_BUILD and NTLMRevisionCurrent NTLMSSP_REVISION_W2K3
//!   (15); later kernels state it in the AUTHENTICATE too ("send version
//!   information in ntlmssp authenticate also"). SMB3_PRODUCT_BUILD is
//!   cifs.ko's own module number (fs/smb/client/cifsfs.h: 56 with
//!   CIFS_VERSION "2.56", 58 with "2.58"), not the kernel's sublevel, so a
//!   5.x kernel's VERSION is no Windows 2000/XP/2003 (builds 2195 and
//!   later) and a 6.x kernel's is no Windows Vista or later (6000 and
//!   later) nor Samba's (6.1 build 0). No capture here holds one.
//! - NativeLanMan "CIFS VFS Client for Linux" (CIFS_NETWORK_OPSYS,
//!   fs/smb/client/cifspdu.h) or NativeOS beginning "Linux version ": the
//!   SMB1 SESSION_SETUP_ANDX of cifs.ko (sess.c, unicode_oslm_strings).
//! - NativeLanMan containing "Samba", or NativeOS "Unix": Samba. NativeOS
//!   beginning "Windows": Windows; legacy for NT 4 and 5.x ("Windows NT
//!   4.0", "Windows 5.0", "Windows 5.1", "Windows 2000 2195", "Windows 2002
//!   Service Pack 2 2600" (XP), "Windows Server 2003 3790 ...").
//! - NTLM VERSION of eight 0xFF bytes (255.255 build 65535, revision 255):
//!   impacket, whose smbserver.py sets its CHALLENGE's Version to
//!   `b'\xff' * 8` (impacket 0.10.0 smbserver.py, SMB1 and SMB2 alike;
//!   samples smbclient-impacket-server*, smb1-impacket-server-*, frame 9);
//!   no Windows or Samba states it, and no capture of the corpus does.
//! - SMB2 NEGOTIATE ClientGuid of sixteen ASCII letters: impacket's
//!   client, whose smb3.py makes it of `random.choice(string.ascii_letters)`
//!   sixteen times (impacket 0.10.0, SMB3.__init__; every impacket client
//!   sample here, and the corpus' sv-smb3-zerologon-anon-ntlm and
//!   sv-smb3-account-disabled, made with impacket's scripts). Windows,
//!   Samba, macOS and cifs.ko send a random GUID ([MS-SMB2] 2.2.3), sixteen
//!   letters by chance less than once in 10^11 (52 of 256 values, sixteen
//!   times), or zeros (SMB 2.0.2). impacket's SMB1 client names itself
//!   NativeOS "Unix", NativeLanMan "Samba" (smb.py), as Samba's does: read
//!   as Samba.

use std::fmt;

use std::net::IpAddr;

use crate::auth::ntlmssp::Version;
use crate::auth::KrbMsgType;
use crate::session::{Connection, Model, Session};
use crate::smb2::wire::Guid;
use crate::tcp::hash::KeyedHashMap;

/// Which operating system a side runs, as far as the capture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Nothing in the capture tells.
    Unknown,
    Samba,
    /// Windows 2000 or later, not legacy.
    Windows,
    /// Windows NT 4 or 5.x (2000, XP, Server 2003): no SMB2, no AES
    /// Kerberos, none of the SMB PowerShell cmdlets or LocalAccounts.
    LegacyWindows,
    /// impacket (smbserver.py): it checks logons against the credentials
    /// it was started with, and names itself with random NetBIOS and DNS
    /// names in its CHALLENGE.
    Impacket,
    /// Linux's kernel client, cifs.ko (a mount.cifs mount).
    LinuxCifs,
    /// MIT's KDC, krb5kdc (a KDC only: [`kdc`]). Its texts are for such a
    /// KDC alone and are not listed where the capture does not tell.
    Mit,
}

impl Kind {
    /// The name a step gives the kind: "Windows", "Samba", "a Linux cifs
    /// mount", "impacket"; "" for an unknown one.
    fn name(self) -> &'static str {
        match self {
            Kind::Unknown => "",
            Kind::Samba => "Samba",
            Kind::Windows | Kind::LegacyWindows => "Windows",
            Kind::Impacket => "impacket",
            Kind::LinuxCifs => "a Linux cifs mount",
            Kind::Mit => "MIT",
        }
    }
}

/// A side's OS and what in the capture says so ("NTLM CHALLENGE VERSION
/// 10.0 build 10586", "SMB1 NativeOS 'Windows 5.0'").
#[derive(Clone, Debug)]
pub(super) struct Platform {
    pub kind: Kind,
    pub shown: Shown,
}

/// What in the capture says which OS a side runs, written out only where a
/// finding's text names it (most platforms asked for are not named: a step
/// names them for some kinds only; an NTLM VERSION written at each ask
/// cost 15 M instructions on session-64m).
#[derive(Clone, Debug)]
pub(super) enum Shown {
    /// Nothing (an unknown platform).
    Nothing,
    /// An NTLM VERSION and the message it came from: "NTLM CHALLENGE
    /// VERSION 10.0 build 10586".
    Version(&'static str, Version),
    /// The text itself (SMB1 NativeOS and NativeLanMan).
    Text(String),
    /// An SMB2 NEGOTIATE request's ClientGuid of ASCII letters.
    ClientGuid(Guid),
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Nothing => Ok(()),
            Shown::Version(message, v) => write!(f, "NTLM {message} VERSION {v}"),
            Shown::Text(t) => f.write_str(t),
            Shown::ClientGuid(g) => write!(
                f,
                "SMB2 NEGOTIATE ClientGuid of 16 ASCII letters, '{}'",
                String::from_utf8_lossy(&g.0)
            ),
        }
    }
}

impl Platform {
    pub(super) const UNKNOWN: Platform = Platform {
        kind: Kind::Unknown,
        shown: Shown::Nothing,
    };

    /// Windows of any age.
    pub fn windows(&self) -> bool {
        matches!(self.kind, Kind::Windows | Kind::LegacyWindows)
    }

    pub fn legacy(&self) -> bool {
        self.kind == Kind::LegacyWindows
    }

    pub fn samba(&self) -> bool {
        self.kind == Kind::Samba
    }

    pub fn impacket(&self) -> bool {
        self.kind == Kind::Impacket
    }

    /// Whether a client may be Linux's kernel client (cifs.ko, a
    /// mount.cifs mount): the capture shows it to be, or nothing in it says
    /// what it is. A client shown to be Samba's (smbclient and the other
    /// users of Samba's client library), Windows or impacket is not:
    /// cifs.ko states no NativeLanMan with "Samba" (its SMB1
    /// SESSION_SETUP_ANDX names "Linux version ..." and "CIFS VFS Client
    /// for Linux") and no NTLM VERSION 6.1 build 0 (its VERSION, where it
    /// sends one, is the kernel's version with build SMB3_PRODUCT_BUILD,
    /// fs/smb/client/sess.c).
    pub fn may_be_cifs(&self) -> bool {
        matches!(self.kind, Kind::Unknown | Kind::LinuxCifs)
    }

    /// The part of a step that differs by OS, `texts` holding one per kind
    /// in the order a step names them: for a side the capture shows to be
    /// of a kind with a text, " (SHOWN, KIND): TEXT"; otherwise every text
    /// after its kind's name, ": Windows, TEXT; Samba, TEXT". A text for
    /// [`Kind::LegacyWindows`] is for such a side only (a narrower one
    /// than Windows', which a legacy side without one of its own is told),
    /// and is not listed; nor is one for [`Kind::Mit`], a KDC seldom met
    /// in a Windows domain.
    pub fn per_os(&self, texts: &[(Kind, &str)]) -> String {
        let own = |kind: Kind| texts.iter().find(|(k, _)| *k == kind);
        let chosen = match self.kind {
            Kind::Unknown => None,
            Kind::LegacyWindows => own(Kind::LegacyWindows).or_else(|| own(Kind::Windows)),
            kind => own(kind),
        };
        if let Some((_, text)) = chosen {
            return format!(" ({}, {}): {text}", self.shown, self.kind.name());
        }
        let mut out = String::new();
        for (kind, text) in texts
            .iter()
            .filter(|(k, _)| !matches!(k, Kind::LegacyWindows | Kind::Mit))
        {
            out.push_str(if out.is_empty() { ": " } else { "; " });
            out.push_str(kind.name());
            out.push_str(", ");
            out.push_str(text);
        }
        out
    }

    /// Where a client tells why it stopped or failed, for the kind the
    /// capture shows ([`Platform::per_os`]): Windows' SMB client event logs
    /// (Applications and Services Logs, since Windows Vista: Windows NT
    /// 5.x has only its System log), the error Samba's tools print and
    /// their debug level (-d, smbclient(1)), the kernel log cifs.ko writes
    /// to, impacket's scripts' traceback and their -debug option.
    pub fn client_logs(&self) -> String {
        self.per_os(&[
            (Kind::LegacyWindows, "its System event log and the error the program showed (Windows NT 5.x has no SMBClient logs)"),
            (Kind::Windows, "the Microsoft-Windows-SMBClient/Security and Connectivity logs"),
            (Kind::Samba, "the error smbclient (or the other Samba tool) printed, and the same command again with -d 3"),
            (Kind::LinuxCifs, "dmesg (or journalctl -k), where cifs.ko logs why a mount failed"),
            (Kind::Impacket, "the script's error and traceback, and the same command again with -debug"),
        ])
    }

    /// A side of `kind` shown by "SHOWN", for the steps' unit tests.
    #[cfg(test)]
    pub(super) fn shown_as(kind: Kind) -> Platform {
        Platform {
            kind,
            shown: Shown::Text("SHOWN".to_string()),
        }
    }
}

/// The build of Windows 2000, the first Windows NT 5.x; Windows XP is
/// 2600, Server 2003 3790 ([MS-NLMP] 2.2.2.10 ProductBuild: "the build
/// number of the Windows operating system").
const WINDOWS_2000_BUILD: u16 = 2195;

/// NTLMSSP_REVISION_W2K3, [MS-NLMP] 2.2.2.10 NTLMRevisionCurrent.
const NTLMSSP_REVISION_W2K3: u8 = 15;

/// Whether an NTLM VERSION is cifs.ko's: the kernel's version (5.17, the
/// first to send one, or later) with cifs.ko's module number as build,
/// below any Windows build, and revision 15 (see the module's
/// documentation).
fn is_cifs_version(v: &Version) -> bool {
    (v.major, v.minor) >= (5, 17)
        && (1..WINDOWS_2000_BUILD).contains(&v.build)
        && v.ntlm_revision == NTLMSSP_REVISION_W2K3
}

/// The kind an NTLM VERSION states (see the module's documentation).
fn of_version(v: &Version) -> Kind {
    match (v.major, v.minor, v.build) {
        (255, 255, 65535) if v.ntlm_revision == 255 => Kind::Impacket,
        _ if is_cifs_version(v) => Kind::LinuxCifs,
        (5, _, b) if b >= WINDOWS_2000_BUILD => Kind::LegacyWindows,
        (10, _, b) if b > 0 => Kind::Windows,
        (6, 1, 0) => Kind::Samba,
        (6, 1, 7600) => Kind::Unknown,
        (6, _, b) if b >= 6000 => Kind::Windows,
        _ => Kind::Unknown,
    }
}

/// The NativeLanMan of cifs.ko's SMB1 SESSION_SETUP_ANDX
/// (fs/smb/client/cifspdu.h).
const CIFS_NETWORK_OPSYS: &str = "CIFS VFS Client for Linux";

/// The kind a NativeOS and NativeLanMan state.
fn of_native(os: Option<&str>, lanman: Option<&str>) -> Kind {
    let cifs = lanman.is_some_and(|l| l.trim() == CIFS_NETWORK_OPSYS)
        || os.is_some_and(|o| o.trim_start().starts_with("Linux version "));
    if cifs {
        return Kind::LinuxCifs;
    }
    let samba = lanman.is_some_and(|l| l.to_ascii_lowercase().contains("samba"))
        || os.is_some_and(|o| o.trim().eq_ignore_ascii_case("unix"));
    if samba {
        return Kind::Samba;
    }
    let Some(rest) = os.and_then(|o| o.trim().strip_prefix("Windows ")) else {
        return Kind::Unknown;
    };
    const LEGACY: [&str; 8] = [
        "4.",
        "5.",
        "NT",
        "2000",
        "2002",
        "XP",
        "Server 2003",
        ".NET",
    ];
    if LEGACY.iter().any(|p| rest.starts_with(p)) {
        Kind::LegacyWindows
    } else {
        Kind::Windows
    }
}

fn from_native(os: Option<&String>, lanman: Option<&String>) -> Option<Platform> {
    let kind = of_native(os.map(String::as_str), lanman.map(String::as_str));
    (kind != Kind::Unknown).then(|| Platform {
        kind,
        shown: Shown::Text(match (os, lanman) {
            (Some(o), Some(l)) => format!("SMB1 NativeOS '{o}', NativeLanMan '{l}'"),
            (Some(o), None) => format!("SMB1 NativeOS '{o}'"),
            (None, Some(l)) => format!("SMB1 NativeLanMan '{l}'"),
            (None, None) => String::new(),
        }),
    })
}

fn from_version(v: Option<Version>, message: &'static str) -> Option<Platform> {
    let v = v?;
    let kind = of_version(&v);
    (kind != Kind::Unknown).then_some(Platform {
        kind,
        shown: Shown::Version(message, v),
    })
}

/// Whether a ClientGuid is impacket's: sixteen ASCII letters (see the
/// module's documentation).
pub(crate) fn impacket_client_guid(g: &Guid) -> bool {
    g.0.iter().all(u8::is_ascii_alphabetic)
}

/// What a client's SMB2 NEGOTIATE ClientGuid says: impacket, or nothing.
fn guid_of(c: &Connection, side: Side) -> Option<Platform> {
    if matches!(side, Side::Server) {
        return None;
    }
    let g = c.negotiate.as_ref()?.client_guid?;
    impacket_client_guid(&g).then_some(Platform {
        kind: Kind::Impacket,
        shown: Shown::ClientGuid(g),
    })
}

/// Which side of a connection a platform is asked of.
#[derive(Clone, Copy)]
enum Side {
    Server,
    Client,
}

/// What a side's SMB1 NativeOS and NativeLanMan say.
fn native_of(c: &Connection, side: Side) -> Option<Platform> {
    let n = c.native_os.as_deref()?;
    match side {
        Side::Server => from_native(n.server_os.as_ref(), n.server_lanman.as_ref()),
        Side::Client => from_native(n.client_os.as_ref(), n.client_lanman.as_ref()),
    }
}

/// What a side's NTLM VERSION in a session's setup says (the server's in
/// its CHALLENGE, the client's in the NEGOTIATE or AUTHENTICATE it came
/// from, named as such: a client whose AUTHENTICATE has no VERSION, as
/// [MS-NLMP] 2.2.1.3 lets it, is known by its NEGOTIATE's).
fn version_of(s: &Session, side: Side) -> Option<Platform> {
    match side {
        Side::Server => from_version(s.server_ntlm_version, "CHALLENGE"),
        Side::Client => from_version(
            s.client_ntlm_version,
            s.client_ntlm_version_of
                .unwrap_or("NEGOTIATE or AUTHENTICATE"),
        ),
    }
}

fn of_session(model: &Model, s: &Session, side: Side) -> Platform {
    model
        .connection(s.stream)
        .and_then(|c| guid_of(c, side).or_else(|| native_of(c, side)))
        .or_else(|| version_of(s, side))
        .unwrap_or(Platform::UNKNOWN)
}

fn of_connection(model: &Model, c: &Connection, side: Side) -> Platform {
    guid_of(c, side)
        .or_else(|| native_of(c, side))
        .or_else(|| model.sessions_of(c).find_map(|s| version_of(s, side)))
        .unwrap_or(Platform::UNKNOWN)
}

/// The server of `s`: its SMB1 NativeOS/NativeLanMan on the session's
/// connection, else its NTLM CHALLENGE's VERSION.
pub(super) fn server(model: &Model, s: &Session) -> Platform {
    of_session(model, s, Side::Server)
}

/// The client of `s`: its connection's SMB2 NEGOTIATE ClientGuid when it
/// is impacket's, else its SMB1 NativeOS/NativeLanMan, else the VERSION of
/// its NTLM NEGOTIATE or AUTHENTICATE.
pub(super) fn client(model: &Model, s: &Session) -> Platform {
    of_session(model, s, Side::Client)
}

/// The server of a connection, from its SMB1 NativeOS/NativeLanMan, else
/// from any of its sessions' NTLM CHALLENGE VERSION.
pub(super) fn server_of(model: &Model, c: &Connection) -> Platform {
    of_connection(model, c, Side::Server)
}

/// The client of a connection: its SMB2 NEGOTIATE ClientGuid when it is
/// impacket's, else as [`server_of`] (the client's NativeOS/NativeLanMan,
/// else its sessions' NTLM NEGOTIATE or AUTHENTICATE VERSION).
pub(super) fn client_of(model: &Model, c: &Connection) -> Platform {
    of_connection(model, c, Side::Client)
}

/// KDC_ERR_PREAUTH_REQUIRED (RFC 4120 7.5.9).
const KDC_ERR_PREAUTH_REQUIRED: i32 = 25;

/// The e-texts of Heimdal's KDC, the KDC of a Samba AD DC
/// (source4/heimdal/kdc/kerberos5.c and krb5tgs.c: `_kdc_set_e_text`):
/// the ones the samples' KRB-ERRORs carry (krb5-success frames 2 and 4,
/// krb5-kinit-postdated frame 4).
const HEIMDAL_E_TEXTS: [&str; 3] = [
    "Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ",
    "Reply packet too large",
    "Ticket may not be postdate",
];

/// What a KDC's e-text says of its kind: Heimdal's texts (Samba AD DC),
/// or MIT's, whose krb5kdc sets the e-text of every KRB-ERROR to its
/// status string, upper case words joined by '_' ("NEEDED_PREAUTH",
/// "CLIENT_NOT_FOUND": src/kdc/do_as_req.c and do_tgs_req.c, `errpkt.text
/// = string2data(status)`). No capture here holds an MIT KDC's error.
fn of_e_text(t: &str) -> Kind {
    let t = t.trim();
    if HEIMDAL_E_TEXTS.iter().any(|h| t.starts_with(h)) {
        Kind::Samba
    } else if t.len() >= 4
        && t.contains('_')
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        Kind::Mit
    } else {
        Kind::Unknown
    }
}

/// The KDCs of a capture by address, each with what the capture shows of
/// its kind ([`kdcs`]).
pub(super) type Kdcs = KeyedHashMap<IpAddr, Platform>;

/// What each KDC (by address) is, as the capture shows it, for the steps
/// that name a domain controller's logs: the first of
/// - an e-text of one of its KRB-ERRORs ([`of_e_text`]): Heimdal, a Samba
///   AD DC's KDC, or MIT's;
/// - a KDC_ERR_PREAUTH_REQUIRED without e-text: Windows. Heimdal sends
///   "Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ" and MIT "NEEDED_PREAUTH"
///   with every one; Windows domain controllers send none (corpus
///   pcapattack-smb2-kerberos-rc4 frame 2, zeek-smb2-kerberos-tso frame
///   12: tshark shows no kerberos.e_text);
/// - the SMB server at the same address, by [`server_of`]: a Samba server
///   there is a Samba AD DC (Samba's KDC runs in that role only), a
///   Windows one a Windows domain controller.
pub(super) fn kdcs(model: &Model) -> Kdcs {
    let mut m = Kdcs::default();
    for x in &model.kdc {
        if x.reply != Some(KrbMsgType::KRB_ERROR) || m.contains_key(&x.server.ip()) {
            continue;
        }
        let frame = x.reply_frame.unwrap_or(x.request_frame);
        let shown = match x.e_text.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => match of_e_text(t) {
                Kind::Unknown => None,
                kind => Some((kind, format!("the KDC's e-text \"{t}\" at frame {frame}"))),
            },
            _ if x.error_code == Some(KDC_ERR_PREAUTH_REQUIRED) => Some((
                Kind::Windows,
                format!("the KDC's KDC_ERR_PREAUTH_REQUIRED at frame {frame} has no e-text, which Heimdal's and MIT's have"),
            )),
            _ => None,
        };
        if let Some((kind, text)) = shown {
            m.insert(
                x.server.ip(),
                Platform {
                    kind,
                    shown: Shown::Text(text),
                },
            );
        }
    }
    for x in &model.kdc {
        let ip = x.server.ip();
        if m.contains_key(&ip) {
            continue;
        }
        let smb = model
            .connections
            .iter()
            .filter(|c| c.server.ip() == ip)
            .map(|c| server_of(model, c))
            .find(|p| matches!(p.kind, Kind::Samba | Kind::Windows));
        let p = match smb {
            Some(p) => Platform {
                kind: p.kind,
                shown: Shown::Text(format!(
                    "the SMB server at the KDC's address states {}",
                    p.shown
                )),
            },
            None => Platform::UNKNOWN,
        };
        m.insert(ip, p);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u8, minor: u8, build: u16) -> Version {
        Version {
            major,
            minor,
            build,
            ntlm_revision: 15,
        }
    }

    /// The model of a capture.
    fn model(path: &std::path::Path) -> Model {
        use crate::capture::CaptureReader;
        use crate::pipeline::{self, Options};
        use crate::session::{BuildOptions, Builder};
        let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut r = CaptureReader::new(f).expect("pcap");
        let mut b = Builder::new(BuildOptions::default());
        pipeline::run(&mut r, &Options::default(), |ev| b.event(ev));
        b.finish()
    }

    /// The model of a sample capture.
    fn sample_model(name: &str) -> Model {
        model(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples")
                .join(name),
        )
    }

    /// The model of a capture of the public corpus, None when the corpus
    /// is not there.
    fn corpus_model(name: &str) -> Option<Model> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/public")
            .join(name);
        path.exists().then(|| model(&path))
    }

    /// cifs.ko's VERSION as fs/smb/client/sess.c builds it (no capture
    /// here holds one): LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL,
    /// SMB3_PRODUCT_BUILD (fs/smb/client/cifsfs.h: 38, 56 and 58 in the
    /// trees searched; its value in a given release is only an example
    /// here), NTLMSSP_REVISION_W2K3. Before, a 5.x kernel's was read as
    /// Windows 2000/XP/2003 ((5, _, build > 0)); a 6.x kernel's never was
    /// Windows (its build is no 6000 or later) nor Samba (build 0).
    #[test]
    fn a_kernel_clients_version_is_cifs() {
        for (major, minor, build) in [
            (5, 17, 35),
            (5, 19, 38),
            (6, 1, 40),
            (6, 8, 56),
            (6, 15, 58),
            (7, 0, 58),
        ] {
            let k = v(major, minor, build);
            assert_eq!(of_version(&k), Kind::LinuxCifs, "{k}");
            assert!(from_version(Some(k), "NEGOTIATE").is_some_and(|p| p.may_be_cifs()));
        }
        // Not cifs.ko: no kernel before 5.17 sends a VERSION; another
        // revision; a build of Windows or Samba's 0.
        assert_eq!(of_version(&v(5, 10, 35)), Kind::Unknown);
        let rev0 = Version {
            ntlm_revision: 0,
            ..v(6, 1, 40)
        };
        assert_eq!(of_version(&rev0), Kind::Unknown);
        assert_eq!(of_version(&v(5, 2, 3790)), Kind::LegacyWindows);
        assert_eq!(of_version(&v(5, 0, 2195)), Kind::LegacyWindows);
        assert_eq!(of_version(&v(6, 1, 0)), Kind::Samba);
        // cifs.ko's SMB1 SESSION_SETUP_ANDX strings (sess.c,
        // unicode_oslm_strings: "Linux version " and the release;
        // CIFS_NETWORK_OPSYS, cifspdu.h).
        let n = |o: &str, l: &str| of_native(Some(o), Some(l));
        assert_eq!(
            n("Linux version 6.1.0-13-amd64", "CIFS VFS Client for Linux"),
            Kind::LinuxCifs
        );
        assert_eq!(
            of_native(None, Some("CIFS VFS Client for Linux")),
            Kind::LinuxCifs
        );
    }

    /// Every NTLM VERSION in samples/ and the corpus, as tshark shows them
    /// (ntlmssp.version.major/minor/build_number/ntlm_current_revision over
    /// all captures): 6.1.0 (Samba), 10.0 builds 10586 to 20348, 6.0.6001,
    /// 6.1.7601, 6.3.9600 (Windows), 5.1.2600 (XP, corpus
    /// zeek-smb1-raw-ntlm-port139), 6.1.7600 revision 0 (macOS) and
    /// impacket's 255.255.65535 revision 255. None is read as cifs.ko's,
    /// and each 5.x one is a Windows build.
    #[test]
    fn no_captured_version_is_taken_for_cifs() {
        let mut seen = 0;
        for path in crate::test_captures::all() {
            let m = model(&path);
            for s in &m.sessions {
                for v in [s.client_ntlm_version, s.server_ntlm_version]
                    .into_iter()
                    .flatten()
                {
                    seen += 1;
                    let kind = of_version(&v);
                    assert_ne!(kind, Kind::LinuxCifs, "{} {v}", path.display());
                    if v.major == 5 {
                        assert!(v.build >= WINDOWS_2000_BUILD, "{} {v}", path.display());
                        assert_eq!(kind, Kind::LegacyWindows, "{} {v}", path.display());
                    }
                }
            }
        }
        assert!(seen > 100, "{seen} VERSIONs");
    }

    /// A step's per-OS part: the shown kind's text, a legacy side's own
    /// one (else Windows'), or every text but the legacy one by name.
    #[test]
    fn per_os_chooses_the_shown_kind_or_lists_them() {
        let texts = [
            (Kind::LegacyWindows, "L"),
            (Kind::Windows, "W"),
            (Kind::Samba, "S"),
            (Kind::LinuxCifs, "C"),
        ];
        let got = |kind| Platform::shown_as(kind).per_os(&texts);
        assert_eq!(got(Kind::Windows), " (SHOWN, Windows): W");
        assert_eq!(got(Kind::LegacyWindows), " (SHOWN, Windows): L");
        assert_eq!(got(Kind::Samba), " (SHOWN, Samba): S");
        assert_eq!(got(Kind::LinuxCifs), " (SHOWN, a Linux cifs mount): C");
        let all = ": Windows, W; Samba, S; a Linux cifs mount, C";
        assert_eq!(got(Kind::Unknown), all);
        assert_eq!(got(Kind::Impacket), all);
        let windows_only = [(Kind::Windows, "W")];
        assert_eq!(
            Platform::shown_as(Kind::LegacyWindows).per_os(&windows_only),
            " (SHOWN, Windows): W"
        );
    }

    /// Where a client tells why it stopped, for the client each capture
    /// shows: smbclient (ntlm-wrong-password, NTLM AUTHENTICATE VERSION
    /// 6.1 build 0, tshark frame 10); Windows 10 (corpus
    /// sv-smb2-ntlm-logon-failure, AUTHENTICATE VERSION 10.0 build 10586,
    /// tshark frame 242);
    /// Windows XP (corpus zeek-smb1-gssapi-kerberos, SMB1 NativeOS
    /// "Windows 2002 Service Pack 2 2600"); impacket's client, which
    /// states nothing (impacket-ntlm-probe: its NEGOTIATE has no VERSION,
    /// tshark frame 8): every client's place.
    #[test]
    fn client_logs_for_the_client_the_capture_shows() {
        const WINDOWS: &str = "Microsoft-Windows-SMBClient";
        const SAMBA: &str = "-d 3";
        const CIFS: &str = "dmesg";
        const IMPACKET: &str = "-debug";
        let client_logs = |m: &Model| {
            let s = m.sessions.first().expect("a session");
            client(m, s).client_logs()
        };
        let t = client_logs(&sample_model("ntlm-wrong-password.pcap"));
        assert!(
            t.starts_with(" (NTLM AUTHENTICATE VERSION 6.1 build 0, Samba): "),
            "{t}"
        );
        assert!(
            t.contains(SAMBA) && !t.contains(WINDOWS) && !t.contains(CIFS),
            "{t}"
        );
        // impacket's client sends no NTLM VERSION; its ClientGuid tells
        // it (tshark smb2.client_guid 4e4f6768-7452-694f-6169-467049734769
        // at frame 4: the bytes "hgONRtOiaiFpIsGi").
        let t = client_logs(&sample_model("impacket-ntlm-probe.pcap"));
        assert!(
            t.starts_with(
                " (SMB2 NEGOTIATE ClientGuid of 16 ASCII letters, 'hgONRtOiaiFpIsGi', impacket): "
            ),
            "{t}"
        );
        assert!(t.contains(IMPACKET), "{t}");
        for part in [WINDOWS, SAMBA, CIFS] {
            assert!(!t.contains(part), "{part} in {t}");
        }
        // A client that states nothing: every kind's place.
        let t = client_logs(&sample_model("krb5-success.pcap"));
        for part in [WINDOWS, SAMBA, CIFS, IMPACKET] {
            assert!(t.contains(part), "{part} not in {t}");
        }
        assert!(t.starts_with(": Windows, "), "{t}");
        if let Some(m) = corpus_model("sv-smb2-ntlm-logon-failure.pcap") {
            let t = client_logs(&m);
            assert!(
                t.starts_with(" (NTLM AUTHENTICATE VERSION 10.0 build 10586, Windows): "),
                "{t}"
            );
            assert!(
                t.contains(WINDOWS) && !t.contains(CIFS) && !t.contains(SAMBA),
                "{t}"
            );
        }
        if let Some(m) = corpus_model("zeek-smb1-gssapi-kerberos.pcap") {
            let t = client_logs(&m);
            assert!(t.contains("Windows 2002 Service Pack 2 2600"), "{t}");
            assert!(
                t.contains("System event log") && !t.contains(WINDOWS),
                "{t}"
            );
        }
    }

    /// The client's VERSION is named by the message it came from. tshark
    /// (ntlmssp.messagetype, ntlmssp.version.*): capture-ends-mid-logon
    /// holds NEGOTIATE (frame 8, 6.1 build 0) and CHALLENGE (frame 9) and
    /// no AUTHENTICATE; ntlm-wrong-password's AUTHENTICATE (frame 10)
    /// states 6.1 build 0 too. The server's is its CHALLENGE's (frame 9).
    #[test]
    fn the_clients_version_is_named_by_its_message() {
        for (name, message) in [
            ("capture-ends-mid-logon.pcap", "NEGOTIATE"),
            ("ntlm-wrong-password.pcap", "AUTHENTICATE"),
        ] {
            let m = sample_model(name);
            let s = m.sessions.first().expect("a session");
            let c = client(&m, s);
            assert_eq!(c.kind, Kind::Samba, "{name}");
            assert_eq!(
                c.shown.to_string(),
                format!("NTLM {message} VERSION 6.1 build 0"),
                "{name}"
            );
            let srv = server(&m, s);
            assert_eq!(
                srv.shown.to_string(),
                "NTLM CHALLENGE VERSION 6.1 build 0",
                "{name}"
            );
        }
    }

    /// impacket's smbserver.py states VERSION 255.255 build 65535 with
    /// revision 255 in its CHALLENGE (tshark ntlmssp.version.major 255,
    /// build_number 65535, ntlm_current_revision 255: frame 9 of each),
    /// over SMB2 and SMB1; its client (smbclient.py against smbd) and
    /// smbd are not taken for it.
    #[test]
    fn impacket_server_is_known_by_its_challenge_version() {
        for name in [
            "smbclient-impacket-server-wrong-password.pcap",
            "smbclient-impacket-server.pcap",
            "smb1-impacket-server-logoff-relogon.pcap",
        ] {
            let m = sample_model(name);
            let s = m.sessions.first().expect("a session");
            let p = server(&m, s);
            assert_eq!(p.kind, Kind::Impacket, "{name}");
            assert_eq!(
                p.shown.to_string(),
                "NTLM CHALLENGE VERSION 255.255 build 65535",
                "{name}"
            );
            assert!(!client(&m, s).impacket(), "{name}");
        }
        // impacket's client against smbd: the client is told by its
        // ClientGuid (frame 8), the server by its CHALLENGE.
        let m = sample_model("impacket-client-ntlm-smbd.pcap");
        let s = m.sessions.first().expect("a session");
        assert_eq!(server(&m, s).kind, Kind::Samba);
        let c = client(&m, s);
        assert!(c.impacket());
        assert_eq!(
            c.shown.to_string(),
            "SMB2 NEGOTIATE ClientGuid of 16 ASCII letters, 'NwzRbpNjNQHDDCmg'"
        );
    }

    /// The versions and strings of the corpus's CHALLENGEs and SMB1
    /// SESSION_SETUP_ANDX (tshark ntlmssp.version.*, smb.native_os,
    /// smb.native_lanman), each read as the module's documentation says.
    #[test]
    fn kinds_of_what_the_corpus_states() {
        assert_eq!(of_version(&v(10, 0, 10586)), Kind::Windows);
        assert_eq!(of_version(&v(6, 3, 9600)), Kind::Windows);
        assert_eq!(of_version(&v(6, 0, 6001)), Kind::Windows);
        assert_eq!(of_version(&v(6, 1, 7601)), Kind::Windows);
        assert_eq!(of_version(&v(5, 1, 2600)), Kind::LegacyWindows);
        assert_eq!(of_version(&v(6, 1, 0)), Kind::Samba);
        assert_eq!(of_version(&v(6, 1, 7600)), Kind::Unknown);
        assert_eq!(of_version(&v(255, 255, 65535)), Kind::Unknown);
        let all_ff = Version {
            ntlm_revision: 255,
            ..v(255, 255, 65535)
        };
        assert_eq!(of_version(&all_ff), Kind::Impacket);
        let n = |o: &str, l: &str| of_native(Some(o), Some(l));
        assert_eq!(n("Unix", "Samba"), Kind::Samba);
        assert_eq!(n("Windows 6.1", "Samba 4.17.12-Debian"), Kind::Samba);
        assert_eq!(
            n("Windows 5.0", "Windows 2000 LAN Manager"),
            Kind::LegacyWindows
        );
        assert_eq!(
            n("Windows 2002 Service Pack 2 2600", "Windows 2002 5.1"),
            Kind::LegacyWindows
        );
        assert_eq!(
            n("Windows 2000 2195", "Windows 2000 5.0"),
            Kind::LegacyWindows
        );
        assert_eq!(
            n(
                "Windows Server 2008 R2 Standard 7601 Service Pack 1",
                "Windows Server 2008 R2 Standard 6.1"
            ),
            Kind::Windows
        );
        assert_eq!(n("Windows Server 2019 Standard 17763", "x"), Kind::Windows);
        assert_eq!(n("Mac OS X 10.10", "SMBFS 3.0.0"), Kind::Unknown);
        assert_eq!(n("nt", "pysmb"), Kind::Unknown);
    }

    /// The KDC's kind as its KRB-ERRORs show it. Samba AD DC (Heimdal):
    /// krb5-kinit-wrong-password frame 2, tshark kerberos.e_text "Need to
    /// use PA-ENC-TIMESTAMP/PA-PK-AS-REQ" from 127.0.0.3. Windows: corpus
    /// pcapattack-smb2-kerberos-rc4 frame 2, KDC_ERR_PREAUTH_REQUIRED
    /// (error_code 25) from 172.16.66.36 with no kerberos.e_text. None:
    /// krb5-kinit-unknown-user, whose one KRB-ERROR (frame 2, code 6) has
    /// no e-text and whose KDC serves no SMB in the capture.
    #[test]
    fn kdc_kind_from_the_kdcs_errors() {
        let kind = |m: &Model| {
            let k = kdcs(m);
            assert_eq!(k.len(), 1, "one KDC");
            k.values().next().map(|p| (p.kind, p.shown.to_string()))
        };
        let m = sample_model("krb5-kinit-wrong-password.pcap");
        assert_eq!(
            kind(&m),
            Some((
                Kind::Samba,
                "the KDC's e-text \"Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ\" at frame 2"
                    .to_string()
            ))
        );
        let m = sample_model("krb5-kinit-unknown-user.pcap");
        assert_eq!(kind(&m).map(|k| k.0), Some(Kind::Unknown));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join("../shared/corpus/public/pcapattack-smb2-kerberos-rc4.pcapng");
        if path.exists() {
            let m = model(&path);
            assert_eq!(
                kind(&m),
                Some((
                    Kind::Windows,
                    "the KDC's KDC_ERR_PREAUTH_REQUIRED at frame 2 has no e-text, which Heimdal's and MIT's have".to_string()
                ))
            );
        }
    }

    /// The SMB server at the KDC's address tells when no KRB-ERROR does:
    /// krb5-ap-bad-server-key-then-ntlm, whose KDC at 127.0.0.3 sent only a
    /// TGS-REP (frame 6) and whose SMB server there states NTLM CHALLENGE
    /// VERSION 6.1 build 0 (Samba) at frame 21.
    #[test]
    fn kdc_kind_from_the_smb_server_at_its_address() {
        let m = sample_model("krb5-ap-bad-server-key-then-ntlm.pcap");
        let k = kdcs(&m);
        let p = k.values().next().expect("a KDC");
        assert_eq!(p.kind, Kind::Samba);
        assert_eq!(
            p.shown.to_string(),
            "the SMB server at the KDC's address states NTLM CHALLENGE VERSION 6.1 build 0"
        );
    }

    /// MIT's krb5kdc sets every KRB-ERROR's e-text to its status string
    /// (src/kdc/do_as_req.c, `errpkt.text = string2data(status)`); no
    /// capture here holds an MIT KDC's error, so the rule is tested on the
    /// strings alone.
    #[test]
    fn kdc_kind_of_e_texts() {
        assert_eq!(of_e_text("NEEDED_PREAUTH"), Kind::Mit);
        assert_eq!(of_e_text("CLIENT_NOT_FOUND"), Kind::Mit);
        assert_eq!(of_e_text("Reply packet too large"), Kind::Samba);
        assert_eq!(of_e_text("Ticket may not be postdate"), Kind::Samba);
        assert_eq!(of_e_text("ISSUE"), Kind::Unknown);
        assert_eq!(of_e_text("Client not found"), Kind::Unknown);
    }
}
