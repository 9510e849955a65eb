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
//!   5.x: Windows, 5.x legacy (XP 5.1 build 2600, Server 2003 5.2 build
//!   3790). 6.1 build 0: Samba (its NTLMSSP states that version, every
//!   Samba CHALLENGE in samples/; a Windows build is never 0).
//! - NativeLanMan containing "Samba", or NativeOS "Unix": Samba. NativeOS
//!   beginning "Windows": Windows; legacy for NT 4 and 5.x ("Windows NT
//!   4.0", "Windows 5.0", "Windows 5.1", "Windows 2000 2195", "Windows 2002
//!   Service Pack 2 2600" (XP), "Windows Server 2003 3790 ...").
//! - NTLM VERSION of eight 0xFF bytes (255.255 build 65535, revision 255):
//!   impacket, whose smbserver.py sets its CHALLENGE's Version to
//!   `b'\xff' * 8` (impacket 0.10.0 smbserver.py, SMB1 and SMB2 alike;
//!   samples smbclient-impacket-server*, smb1-impacket-server-*, frame 9);
//!   no Windows or Samba states it, and no capture of the corpus does.

use std::fmt;

use crate::auth::ntlmssp::Version;
use crate::session::{Connection, Model, Session};

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
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Nothing => Ok(()),
            Shown::Version(message, v) => write!(f, "NTLM {message} VERSION {v}"),
            Shown::Text(t) => f.write_str(t),
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
    /// mount.cifs mount): nothing in the capture says what it is. A client
    /// shown to be Samba's (smbclient and the other users of Samba's client
    /// library), Windows or impacket is not: cifs.ko states no NativeLanMan
    /// with "Samba" (its SMB1 SESSION_SETUP_ANDX names "Linux version ..."
    /// and "CIFS VFS Client for Linux") and no NTLM VERSION 6.1 build 0 (its
    /// VERSION, where it sends one, is the kernel's version with build
    /// SMB3_PRODUCT_BUILD, fs/smb/client/sess.c).
    pub fn may_be_cifs(&self) -> bool {
        self.kind == Kind::Unknown
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

/// The kind an NTLM VERSION states (see the module's documentation).
fn of_version(v: &Version) -> Kind {
    match (v.major, v.minor, v.build) {
        (255, 255, 65535) if v.ntlm_revision == 255 => Kind::Impacket,
        (5, _, b) if b > 0 => Kind::LegacyWindows,
        (10, _, b) if b > 0 => Kind::Windows,
        (6, 1, 0) => Kind::Samba,
        (6, 1, 7600) => Kind::Unknown,
        (6, _, b) if b >= 6000 => Kind::Windows,
        _ => Kind::Unknown,
    }
}

/// The kind a NativeOS and NativeLanMan state.
fn of_native(os: Option<&str>, lanman: Option<&str>) -> Kind {
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
        .and_then(|c| native_of(c, side))
        .or_else(|| version_of(s, side))
        .unwrap_or(Platform::UNKNOWN)
}

fn of_connection(model: &Model, c: &Connection, side: Side) -> Platform {
    native_of(c, side)
        .or_else(|| model.sessions_of(c).find_map(|s| version_of(s, side)))
        .unwrap_or(Platform::UNKNOWN)
}

/// The server of `s`: its SMB1 NativeOS/NativeLanMan on the session's
/// connection, else its NTLM CHALLENGE's VERSION.
pub(super) fn server(model: &Model, s: &Session) -> Platform {
    of_session(model, s, Side::Server)
}

/// The client of `s`: its SMB1 NativeOS/NativeLanMan, else the VERSION of
/// its NTLM NEGOTIATE or AUTHENTICATE.
pub(super) fn client(model: &Model, s: &Session) -> Platform {
    of_session(model, s, Side::Client)
}

/// The server of a connection, from its SMB1 NativeOS/NativeLanMan, else
/// from any of its sessions' NTLM CHALLENGE VERSION.
pub(super) fn server_of(model: &Model, c: &Connection) -> Platform {
    of_connection(model, c, Side::Server)
}

/// The client of a connection, likewise.
pub(super) fn client_of(model: &Model, c: &Connection) -> Platform {
    of_connection(model, c, Side::Client)
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

    /// The model of a sample capture.
    fn sample_model(name: &str) -> Model {
        use crate::capture::CaptureReader;
        use crate::pipeline::{self, Options};
        use crate::session::{BuildOptions, Builder};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let mut r = CaptureReader::new(std::fs::File::open(path).expect("sample")).expect("pcap");
        let mut b = Builder::new(BuildOptions::default());
        pipeline::run(&mut r, &Options::default(), |ev| b.event(ev));
        b.finish()
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
        let m = sample_model("impacket-client-ntlm-smbd.pcap");
        let s = m.sessions.first().expect("a session");
        assert_eq!(server(&m, s).kind, Kind::Samba);
        assert!(!client(&m, s).impacket());
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
}
