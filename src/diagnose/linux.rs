//! The Linux kernel client's equivalents (cifs.ko, mounted with
//! mount.cifs(8)) of the client steps given for smbclient and smb.conf:
//! cifs.ko reads no smb.conf, so 'client max protocol' or 'client smb
//! encrypt' changes nothing for a mount. The options are those of
//! mount.cifs(8) (cifs-utils 7.0).
//!
//! A step is given only where the client may be cifs.ko
//! ([`Platform::may_be_cifs`]): not where the capture shows it to be
//! Windows, Samba's client (smbclient) or impacket.

use super::platform::Platform;

/// Which client-side change a step asks of a cifs mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cifs {
    /// Negotiate SMB 3.0 or later and encrypt: 'vers=3' is "SMB 3.0 and
    /// above", 'seal' requests encryption (mount.cifs(8)).
    Encrypt,
    /// Offer SMB 3 where only 2.x was offered.
    Smb3,
    /// Offer the dialects from 2.1 up ('vers=default') where only SMB 3
    /// was offered.
    Older,
    /// Leave SMB1 ('vers=1.0') for SMB2 or later.
    LeaveSmb1,
    /// Get a new Kerberos ticket for a 'sec=krb5' mount.
    Ticket,
}

/// The sentence (with a leading space) for a cifs mount, or "" when the
/// capture shows the client to be another (Windows, smbclient, impacket).
pub(super) fn step(client: &Platform, what: Cifs) -> &'static str {
    if !client.may_be_cifs() {
        return "";
    }
    match what {
        Cifs::Encrypt => " A Linux cifs mount reads no smb.conf: mount with '-o vers=3,seal' (vers=3: SMB 3.0 or later; seal: encrypt, which needs SMB 3), and check the dialect in /proc/fs/cifs/DebugData.",
        Cifs::Smb3 => " A Linux cifs mount reads no smb.conf: mount with '-o vers=3' (SMB 3.0 or later) instead of a vers= of 2.x, and check the dialect in /proc/fs/cifs/DebugData.",
        Cifs::Older => " A Linux cifs mount reads no smb.conf: mount with '-o vers=default' (SMB 2.1 to 3.1.1; or 'vers=2.1') instead of a vers= of 3.x.",
        Cifs::LeaveSmb1 => " A Linux cifs mount reads no smb.conf: mount with '-o vers=3' (or 'vers=default', the default since kernel 4.13.5) instead of 'vers=1.0'.",
        Cifs::Ticket => " A Linux cifs mount with '-o sec=krb5' takes its ticket through cifs.upcall (run by request-key, /etc/request-key.d/cifs.spnego.conf) from the credential cache of the user that cruid= names (the mounting user by default): 'kinit' as that user, 'klist' to check, then mount again.",
    }
}

#[cfg(test)]
mod tests {
    use super::super::platform::Kind;
    use super::*;

    /// The options each step names are mount.cifs(8)'s (cifs-utils 7.0):
    /// vers= (1.0, 2.0, 2.1, 3.0, 3.02, 3.1.1, 3, default), seal, sec=krb5,
    /// cruid=; none for a client shown to be Windows, Samba's or impacket.
    #[test]
    fn steps_for_a_client_that_may_be_cifs() {
        let p = |kind| Platform {
            kind,
            shown: crate::diagnose::platform::Shown::Nothing,
        };
        for what in [
            Cifs::Encrypt,
            Cifs::Smb3,
            Cifs::Older,
            Cifs::LeaveSmb1,
            Cifs::Ticket,
        ] {
            for kind in [
                Kind::Windows,
                Kind::LegacyWindows,
                Kind::Samba,
                Kind::Impacket,
            ] {
                assert_eq!(step(&p(kind), what), "", "{kind:?}");
            }
            let s = step(&p(Kind::Unknown), what);
            assert!(s.starts_with(" A Linux cifs mount "), "{s}");
        }
        assert!(step(&p(Kind::Unknown), Cifs::Encrypt).contains("'-o vers=3,seal'"));
        assert!(step(&p(Kind::Unknown), Cifs::Ticket).contains("'-o sec=krb5'"));
    }
}
