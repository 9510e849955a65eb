//! Next steps for Samba servers and Linux clients, on real captures: the
//! commands must work when pasted into bash, name what the capture shows
//! (the domain, the server's kind), and name Samba's and cifs.ko's own
//! settings, not Windows' or smb.conf's client settings only.

mod common;

use std::path::Path;

use common::advice::{never, sample, says, with_code};

/// guest-bad-user: tshark frame 10 ntlmssp.auth.domain "SAMPLES",
/// ntlmssp.auth.username "mallory"; frame 11 smb2.ses_flags.guest 1. The
/// wbinfo step names that account, quoted so bash keeps the backslash.
#[test]
fn guest_step_quotes_the_captures_account() {
    let a = sample("guest-bad-user.pcap");
    let f = with_code(&a, "session.guest")[0];
    says(&f.next_step, "wbinfo -i 'SAMPLES\\mallory'");
    never(&f.next_step, "DOMAIN\\");
}

/// The Unix commands a step may name, each followed by its arguments.
const UNIX_COMMANDS: [&str; 8] = [
    "wbinfo ",
    "getent ",
    "smbclient ",
    "pdbedit ",
    "samba-tool ",
    "smbpasswd ",
    "net ads ",
    "mount ",
];

/// The backslashes a Unix command in `text` would lose in bash: each
/// command's arguments up to the first quote, comma or parenthesis (where
/// its prose ends or a quoted argument begins) must hold none.
fn unquoted_backslashes(text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for cmd in UNIX_COMMANDS {
        for (i, _) in text.match_indices(cmd) {
            let rest = &text[i..];
            let end = rest.find(['\'', ',', '(', ')', ';']).unwrap_or(rest.len());
            if rest[..end].contains('\\') {
                bad.push(rest[..end].to_string());
            }
        }
    }
    bad
}

/// `smbscope status`: every check line of every explained NTSTATUS keeps
/// its backslashes in bash (0xC000006D named 'smbclient -U DOMAIN\user'
/// and 'wbinfo -a DOMAIN\user%password', 0xC0000064 'getent passwd
/// DOMAIN\user').
#[test]
fn status_commands_survive_bash() {
    let mut bad = Vec::new();
    for code in smbscope::ntstatus::explained_codes() {
        let Some(e) = smbscope::ntstatus::explain(code) else {
            continue;
        };
        for line in e.check.iter().chain(e.causes.iter()) {
            bad.extend(
                unquoted_backslashes(line)
                    .into_iter()
                    .map(|b| format!("{code:#x}: {b}")),
            );
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
    let e = smbscope::ntstatus::explain(0xC000_006D).expect("explained");
    assert!(e.check.iter().any(|l| l.contains("-U user -W DOMAIN")));
}

/// Every next step of every sample keeps its backslashes in bash.
#[test]
fn sample_steps_survive_bash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut bad = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
        .collect();
    names.sort();
    assert!(names.len() > 100, "{}", names.len());
    for n in &names {
        for f in &sample(n).diagnosis.findings {
            for b in unquoted_backslashes(&f.next_step) {
                bad.push(format!("{n} {}: {b}", f.code));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

/// A client the capture does not show to be Windows, Samba's or impacket
/// may be a Linux cifs mount, which reads no smb.conf: the client steps
/// name mount.cifs(8)'s options beside smb.conf's. tshark:
/// smb3-client-vs-smb21-server frame 4 offers 0x0311 only, answered
/// 0xc00000bb; smb1-client-vs-smb2-server DialectIndex 0xffff to NT LM
/// 0.12 alone: neither shows the client's NTLM VERSION, NativeOS or an
/// impacket ClientGuid. impacket-krb5-expired-ticket (a Kerberos AP-REQ
/// answered 0xc000000d) did, before its client was told by its ClientGuid
/// (tshark frame 8 smb2.client_guid 4d4e7441-6643-6f58-5871-5972586c6f55,
/// sixteen letters): now it gets no cifs step, and 'sec=krb5' has its
/// rule-level test alone (linux.rs steps_for_a_client_that_may_be_cifs).
#[test]
fn client_steps_name_the_cifs_mount() {
    let cases = [
        (
            "smb3-client-vs-smb21-server.pcap",
            "negotiate.no_common_dialect",
            "'-o vers=default'",
        ),
        (
            "smb1-client-vs-smb2-server.pcap",
            "negotiate.smb1_only_client",
            "instead of 'vers=1.0'",
        ),
    ];
    for (capture, code, part) in cases {
        let a = sample(capture);
        let f = with_code(&a, code)[0];
        says(&f.next_step, part);
        says(&f.next_step, "A Linux cifs mount");
    }
    let a = sample("impacket-krb5-expired-ticket.pcap");
    let f = with_code(&a, "kerberos.ticket_expired")[0];
    never(&f.next_step, "A Linux cifs mount");
}

/// A client the capture shows to be smbclient gets smbclient's step alone,
/// no cifs mount's: ntlm-smb21-server-encryption-required (tshark frame 6
/// smb2.dialect 0x0210, frame 11 0xc0000022) and
/// ntlm-smb202-encryption-required (dialect 0x0202, a TREE_CONNECT
/// answered 0xc0000022), whose AUTHENTICATE (frame 10 of each) states
/// ntlmssp.version 6.1 build 0, Samba's.
#[test]
fn smbclient_gets_no_cifs_mount_step() {
    for (capture, code) in [
        (
            "ntlm-smb21-server-encryption-required.pcap",
            "session.encryption_required",
        ),
        (
            "ntlm-smb202-encryption-required.pcap",
            "tree.encryption_required",
        ),
    ] {
        let a = sample(capture);
        let f = with_code(&a, code)[0];
        says(&f.next_step, "'client max protocol = SMB3'");
        never(&f.next_step, "cifs");
    }
}

/// Samba's server settings where the server is Samba. tshark:
/// anonymous-list-shares frame 9 CHALLENGE ntlmssp.version 6.1 build 0
/// (Samba), an anonymous AUTHENTICATE accepted; anonymous-encryption-required
/// the same server with 'server smb encrypt = required', its anonymous
/// AUTHENTICATE answered 0xc0000022; smb1-anonymous-list NativeLanMan
/// "Samba"; krb5-kinit-wrong-password KDC_ERR_PREAUTH_FAILED (error code
/// 24) from the Samba AD DC's KDC; ntlm-access-denied-share a
/// TREE_CONNECT to \\...\restricted answered 0xc0000022.
#[test]
fn samba_server_steps() {
    let a = sample("anonymous-list-shares.pcap");
    let f = with_code(&a, "posture.anonymous_allowed")[0];
    says(&f.next_step, "'restrict anonymous = 2'");
    says(&f.next_step, "'guest ok = no'");
    says(&f.next_step, "'map to guest = Never'");
    let a = sample("anonymous-encryption-required.pcap");
    let f = with_code(&a, "logon.anonymous_refused")[0];
    says(&f.next_step, "require encryption per share");
    never(&f.next_step, "'restrict anonymous = 0'");
    let a = sample("smb1-anonymous-list.pcap");
    let f = with_code(&a, "posture.smb1")[0];
    says(&f.explanation, "not of Samba");
    let a = sample("krb5-kinit-wrong-password.pcap");
    let f = with_code(&a, "kerberos.preauth_failed")[0];
    // The KDC shows itself Samba's (Heimdal's e-text in its
    // KDC_ERR_PREAUTH_REQUIRED, frame 2): its log alone, no Windows event.
    says(
        &f.next_step,
        "(the KDC's e-text \"Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ\" at frame 2, Samba): its log (log.samba), with 'log level = 1 auth_audit:2'",
    );
    never(&f.next_step, "4771");
    let a = sample("ntlm-access-denied-share.pcap");
    let f = with_code(&a, "tree.access_denied")[0];
    says(&f.next_step, "'sharesec restricted --view'");
    let a = sample("ntlm-wrong-password.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    says(
        &f.next_step,
        "The server states Samba (NTLM CHALLENGE VERSION 6.1 build 0)",
    );
    never(&f.next_step, "4625");
    let a = sample("krb5-ap-skew.pcap");
    let f = with_code(&a, "kerberos.clock_skew")[0];
    says(&f.next_step, "'chronyc makestep'");
}

/// Deprecated smb.conf parameters are named as defaults to restore, not
/// as settings to add: testparm 4.17 warns "option is deprecated" for
/// client use spnego, client ntlmv2 auth, client plaintext auth and
/// encrypt passwords. tshark: smb1-dos-wrong-password and ntlmv1-rejected
/// send a 24-byte NT response (NTLMv1), refused; smb1-plaintext-password
/// frame 8 smb.ansi_pwlen 9 (a password in clear).
#[test]
fn deprecated_parameters_are_said_so() {
    for (capture, code) in [
        ("smb1-dos-wrong-password.pcap", "logon.ntlmv1_rejected"),
        ("ntlmv1-rejected.pcap", "logon.ntlmv1_rejected"),
        ("smb1-plaintext-password.pcap", "logon.bad_password"),
    ] {
        let a = sample(capture);
        let f = with_code(&a, code)[0];
        says(&f.next_step, "deprecated");
    }
    let a = sample("ntlmv1-accepted.pcap");
    let f = with_code(&a, "posture.ntlmv1")[0];
    says(
        &f.next_step,
        "remove an 'ntlm auth = yes' or 'ntlmv1-permitted'",
    );
}
