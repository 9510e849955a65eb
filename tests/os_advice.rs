//! Next steps worded for the OS the capture shows on each side, on real
//! captures: a Windows side is told the Group Policy setting an
//! administrator changes, a Samba or Linux side its own settings and
//! commands, neither the other's; impacket's smbserver.py is known by its
//! CHALLENGE and not read as a domain member. And the SMB1 server that does
//! not require signing, checked against tshark's smb.sm.* fields.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::advice::{never, run, sample, sample_path, says, with_code};

const SERVER_POLICY: &str =
    "'Microsoft network server: Digitally sign communications (always)' = Enabled";
const CLIENT_POLICY: &str =
    "'Microsoft network client: Digitally sign communications (always)' = Enabled";
const LM_LEVEL: &str = "'Network security: LAN Manager authentication level'";
const GUEST_POLICY: &str = "'Enable insecure guest logons'";

/// tshark's NTLMSSP VERSION of a message: "major.minor.build".
fn ntlm_version(path: &Path, frame: u64) -> String {
    common::tshark_text(
        path,
        &format!("frame.number == {frame}"),
        &[
            "ntlmssp.version.major",
            "ntlmssp.version.minor",
            "ntlmssp.version.build_number",
        ],
    )
    .trim()
    .replace('\t', ".")
}

/// ntlm-wrong-password: smbd and smbclient, both stating NTLM VERSION 6.1
/// build 0 (tshark frames 9 and 10). Samba's settings only, for the
/// server and the client.
#[test]
fn samba_signing_step_names_no_windows_policy() {
    let p = sample_path("ntlm-wrong-password.pcap");
    assert_eq!(ntlm_version(&p, 9), "6.1.0");
    assert_eq!(ntlm_version(&p, 10), "6.1.0");
    let a = run(&p);
    let f = with_code(&a, "posture.signing_not_required")[0];
    says(&f.next_step, "'server signing = mandatory'");
    says(&f.next_step, "'client signing = required'");
    never(&f.next_step, "Microsoft network");
    never(&f.next_step, "Set-Smb");
}

/// corpus zeek-smb3-multichannel: a Windows server and client (tshark
/// frames 7 and 8: NTLM VERSION 10.0 build 19041). The Group Policy
/// settings of both, with their cmdlets; no smb.conf.
#[test]
fn windows_signing_step_names_the_group_policies() {
    let Some(p) = common::corpus_capture("zeek-smb3-multichannel.pcap") else {
        return;
    };
    assert_eq!(ntlm_version(&p, 7), "10.0.19041");
    assert_eq!(ntlm_version(&p, 8), "10.0.19041");
    let a = run(&p);
    for f in with_code(&a, "posture.signing_not_required") {
        says(&f.next_step, SERVER_POLICY);
        says(
            &f.next_step,
            "Security Settings\\Local Policies\\Security Options",
        );
        says(
            &f.next_step,
            "'Set-SmbServerConfiguration -RequireSecuritySignature $true'",
        );
        says(&f.next_step, CLIENT_POLICY);
        never(&f.next_step, "smb.conf");
    }
}

/// corpus zeek-smb1-gssapi-kerberos: the server states NativeOS "Windows
/// 5.0" (Windows 2000, tshark frame 8), which has the security option but
/// not the SMB PowerShell cmdlets.
#[test]
fn a_windows_2000_server_is_not_given_a_cmdlet() {
    let Some(p) = common::corpus_capture("zeek-smb1-gssapi-kerberos.pcap") else {
        return;
    };
    assert_eq!(
        common::tshark_text(&p, "frame.number == 8", &["smb.native_os"]).trim(),
        "Windows 5.0"
    );
    let a = run(&p);
    let f = with_code(&a, "posture.signing_not_required")[0];
    says(&f.next_step, SERVER_POLICY);
    never(&f.next_step, "Set-SmbServerConfiguration");
}

/// smbclient against impacket's smbserver.py: its CHALLENGE (tshark frame
/// 9) states VERSION 255.255 build 65535 and random NetBIOS names
/// (ntlmssp.challenge.target_name "EtXBZemA"). The refused logon is not
/// read as one checked by a domain controller of "that domain", and the
/// step names the credentials smbserver.py was started with.
#[test]
fn impacket_server_logon_failure_names_its_own_credentials() {
    let p = sample_path("smbclient-impacket-server-wrong-password.pcap");
    assert_eq!(ntlm_version(&p, 9), "255.255.65535");
    let a = run(&p);
    let f = with_code(&a, "logon.bad_password")[0];
    says(&f.explanation, "impacket's smbserver.py");
    says(&f.explanation, "it is in no domain");
    never(&f.explanation, "in that domain");
    never(&f.explanation, "domain controller it asked");
    says(&f.next_step, "-username, -password or -hashes");
    never(&f.next_step, "4625");
    let s = sample("smbclient-impacket-server.pcap");
    let f = with_code(&s, "posture.signing_not_required")[0];
    says(&f.next_step, "impacket");
    says(&f.next_step, "no setting to require signing");
    never(&f.next_step, "'server signing = mandatory'");
    never(&f.next_step, SERVER_POLICY);
}

/// guest-bad-user: smbclient (NTLM AUTHENTICATE VERSION 6.1 build 0, frame
/// 10) mapped to guest by smbd. No Windows client setting, and the
/// server's side in smb.conf's words.
#[test]
fn a_samba_client_is_not_told_the_windows_guest_policy() {
    let p = sample_path("guest-bad-user.pcap");
    assert_eq!(ntlm_version(&p, 10), "6.1.0");
    let a = run(&p);
    let f = with_code(&a, "session.guest")[0];
    never(&f.next_step, "insecure guest");
    never(&f.next_step, "AllowInsecureGuestAuth");
    never(&f.next_step, "Get-LocalUser");
    says(&f.next_step, "'map to guest = Never'");
    says(&f.next_step, "'guest ok = yes'");
}

/// corpus sv-smb2-peter-guest: the client's NEGOTIATE and AUTHENTICATE
/// carry no VERSION (tshark frames 34, 37), so its OS is unknown: the
/// step gives smbclient's and mount.cifs' words, and the Windows policy as
/// a condition; the server states Samba (frame 36, 6.1 build 0).
/// sv-smb302-guest-compound: a Windows 10 server (frame 19, 10.0 build
/// 15063): its Guest account, not smb.conf.
#[test]
fn guest_steps_follow_each_side() {
    let Some(p) = common::corpus_capture("sv-smb2-peter-guest.pcap") else {
        return;
    };
    assert_eq!(ntlm_version(&p, 37), "");
    assert_eq!(ntlm_version(&p, 36), "6.1.0");
    let a = run(&p);
    let f = with_code(&a, "session.guest")[0];
    says(&f.next_step, "smbclient -U USER, without -N (--no-pass)");
    says(&f.next_step, "instead of 'guest' or 'sec=none'");
    says(&f.next_step, "If the client is Windows");
    says(&f.next_step, GUEST_POLICY);
    says(
        &f.next_step,
        "'Set-SmbClientConfiguration -EnableInsecureGuestLogons $false'",
    );
    says(&f.next_step, "'map to guest = Never'");
    let Some(p) = common::corpus_capture("sv-smb302-guest-compound.pcap") else {
        return;
    };
    assert_eq!(ntlm_version(&p, 19), "10.0.15063");
    let a = run(&p);
    let f = with_code(&a, "session.guest")[0];
    says(&f.next_step, "keep the Guest account disabled");
    never(&f.next_step, "map to guest");
}

/// NTLMv1 between smbd and smbclient (ntlmv1-accepted, ntlmv1-rejected:
/// tshark frames 9 and 10, 6.1 build 0): smb.conf's settings only.
#[test]
fn ntlmv1_steps_for_samba_name_no_windows_policy() {
    for (name, code) in [
        ("ntlmv1-accepted.pcap", "posture.ntlmv1"),
        ("ntlmv1-rejected.pcap", "logon.ntlmv1_rejected"),
    ] {
        let p = sample_path(name);
        assert_eq!(ntlm_version(&p, 9), "6.1.0", "{name}");
        let a = run(&p);
        let f = with_code(&a, code)[0];
        says(&f.next_step, "'client ntlmv2 auth = yes'");
        never(&f.next_step, LM_LEVEL);
        never(&f.next_step, "LmCompatibilityLevel");
        never(&f.explanation, "LmCompatibilityLevel");
    }
}

/// ntlm-dc-account-disabled: the Samba AD DC refuses dave (frame 9 states
/// 6.1 build 0): no Windows event 4625 to read.
#[test]
fn a_samba_server_is_not_told_event_4625() {
    let p = sample_path("ntlm-dc-account-disabled.pcap");
    assert_eq!(ntlm_version(&p, 9), "6.1.0");
    let a = run(&p);
    let f = with_code(&a, "logon.account_disabled")[0];
    says(&f.next_step, "'samba-tool user enable dave'");
    never(&f.next_step, "4625");
}

/// The SMB1 NEGOTIATE responses of every sample and corpus capture whose
/// SecurityMode lacks NEGOTIATE_SECURITY_SIGNATURES_REQUIRED (tshark
/// smb.sm present, smb.sm.sig_required 0) are exactly the frames of the
/// SMB1 posture.signing_not_required findings; a response with it
/// (corpus arkime-smb1-vlan-ntlm, sv-smb21-kerberos-many-sessions:
/// SecurityMode 0x0f) gives none. The title says the client required
/// signing where its NEGOTIATE's Flags2 has SECURITY_SIGNATURE_REQUIRED
/// (smb.flags2.sec_sig_required 1: corpus zeek-smb1-gssapi-kerberos).
#[test]
fn smb1_signing_not_required_agrees_with_tshark() {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(sample_path(""))
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    if let Some(d) = common::corpus_dir() {
        paths.extend(
            std::fs::read_dir(d)
                .expect("corpus")
                .filter_map(|e| e.ok().map(|e| e.path())),
        );
    }
    paths.retain(|p| {
        let n = p.to_string_lossy();
        n.ends_with(".pcap") || n.ends_with(".pcapng")
    });
    paths.sort();
    let (mut seen, mut required) = (0, 0);
    for p in &paths {
        let lines = common::tshark_text(
            p,
            "smb.cmd == 0x72 && smb.flags.response == 1 && smb.sm",
            &["frame.number", "smb.sm.sig_required"],
        );
        let want: BTreeSet<u64> = lines
            .lines()
            .filter(|l| l.ends_with("\t0") || l.ends_with("\tFalse"))
            .filter_map(|l| l.split('\t').next()?.parse().ok())
            .collect();
        required += lines.lines().count() - want.len();
        let a = run(p);
        let got: BTreeSet<u64> = a
            .diagnosis
            .findings
            .iter()
            .filter(|f| f.code == "posture.signing_not_required" && f.title.contains("SMB1"))
            .flat_map(|f| f.frames.iter().copied())
            .collect();
        assert_eq!(got, want, "{}", p.display());
        seen += want.len();
    }
    assert!(seen >= 23, "{seen}");
    let Some(p) = common::corpus_capture("zeek-smb1-gssapi-kerberos.pcap") else {
        return;
    };
    assert!(required >= 2, "{required}");
    assert_eq!(
        common::tshark_text(
            &p,
            "smb.cmd == 0x72",
            &["frame.number", "smb.flags2.sec_sig_required", "smb.sm"]
        ),
        "4\t1\t\n5\t0\t0x07\n"
    );
    let a = run(&p);
    let f = with_code(&a, "posture.signing_not_required")[0];
    assert_eq!(
        f.title,
        "The SMB1 server does not require signing (this client does)"
    );
    says(
        &f.explanation,
        "has NEGOTIATE_SECURITY_SIGNATURES_ENABLED but not _REQUIRED",
    );
    says(&f.explanation, "in its NEGOTIATE, frame 4");
}

/// The places a client tells why it stopped, one per client OS
/// (Platform::client_logs).
const SMBCLIENT_LOG: &str = "the same command again with -d 3";
const WINDOWS_CLIENT_LOG: &str = "Microsoft-Windows-SMBClient/Security and Connectivity logs";
const CIFS_LOG: &str = "dmesg";
const IMPACKET_LOG: &str = "-debug";

/// client-interrupted-during-session-setup: smbclient, stopped by SIGINT
/// while its AUTHENTICATE (tshark frame 10, NTLMSSP VERSION 6.1 build 0,
/// Samba's) waits, closes the connection (FIN, frame 12) 1.9 s after it.
/// The step names where smbclient tells why, not Windows' logs, cifs.ko's
/// dmesg or impacket's -debug.
#[test]
fn a_samba_client_that_stopped_is_told_smbclients_output() {
    let p = sample_path("client-interrupted-during-session-setup.pcap");
    assert_eq!(ntlm_version(&p, 10), "6.1.0");
    assert_eq!(
        common::tshark_text(&p, "tcp.flags.fin == 1", &["frame.number", "ip.src"]),
        "12\t127.0.0.1\n13\t127.0.0.8\n"
    );
    let a = run(&p);
    let f = with_code(&a, "connection.closed_during_setup")[0];
    assert_eq!(
        f.title,
        "Connection closed by the client during session setup"
    );
    says(
        &f.next_step,
        "from the client (NTLM AUTHENTICATE VERSION 6.1 build 0, Samba): ",
    );
    says(&f.next_step, SMBCLIENT_LOG);
    for other in [WINDOWS_CLIENT_LOG, CIFS_LOG, IMPACKET_LOG] {
        never(&f.next_step, other);
    }
}

/// impacket-ntlm-probe: impacket's client states no NTLM VERSION in its
/// NEGOTIATE (tshark frame 8: no ntlmssp.version.major); its SMB2
/// NEGOTIATE's ClientGuid (tshark frame 4: 4e4f6768-7452-694f-6169-
/// 467049734769, the bytes "hgONRtOiaiFpIsGi") tells it, so the step of
/// the probe it makes names impacket's place alone. (A client the capture
/// tells nothing of is told every client's place: the unit test
/// client_logs_for_the_client_the_capture_shows, on krb5-success.)
#[test]
fn an_impacket_client_is_told_by_its_client_guid() {
    let p = sample_path("impacket-ntlm-probe.pcap");
    assert_eq!(ntlm_version(&p, 8), "");
    let guid = common::tshark_text(&p, "frame.number == 4", &["smb2.client_guid"]);
    assert_eq!(guid.trim(), "4e4f6768-7452-694f-6169-467049734769");
    let a = run(&p);
    let f = with_code(&a, "logon.abandoned")[0];
    says(
        &f.next_step,
        "from the client (SMB2 NEGOTIATE ClientGuid of 16 ASCII letters, 'hgONRtOiaiFpIsGi', impacket): ",
    );
    says(&f.next_step, IMPACKET_LOG);
    for other in [WINDOWS_CLIENT_LOG, SMBCLIENT_LOG, CIFS_LOG] {
        never(&f.next_step, other);
    }
}
