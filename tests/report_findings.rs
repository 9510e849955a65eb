//! Every finding code is exercised by a real capture (samples/ or the public
//! corpus in ../shared/corpus/public, skipped when absent), with its
//! severity, stream and evidence frames asserted. Also: healthy captures
//! have no error finding, and the session model's keys on known captures.

mod common;
mod pcap_build;

use std::fs::File;
use std::path::{Path, PathBuf};

use smbscope::auth::KrbMsgType;
use smbscope::capture::CaptureReader;
use smbscope::diagnose::{codes::CODES, Finding};
use smbscope::pipeline::Options;
use smbscope::report::{analyze, Analysis};
use smbscope::session::{BuildOptions, Outcome};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn corpus() -> Option<PathBuf> {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/public"
    ));
    d.is_dir().then_some(d)
}

fn run(path: &Path, ports: &[u16]) -> Analysis {
    let f = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = CaptureReader::new(f).expect("capture header");
    let mut o = Options::default();
    o.smb_ports.extend_from_slice(ports);
    analyze(&mut r, &o, BuildOptions::default(), |_| {})
}

fn sample(name: &str) -> Analysis {
    let port = if name.contains("4455") {
        vec![4455]
    } else if name.contains("4456") {
        vec![4456]
    } else if name.contains("4457") {
        vec![4457]
    } else {
        vec![]
    };
    run(&samples().join(name), &port)
}

/// The stream of a finding whose evidence frames are on several streams
/// (repeats merged): it names frames only.
const SEVERAL_STREAMS: u64 = u64::MAX;

/// (capture, code, severity, stream, evidence frames). Captures named
/// "corpus:" come from ../shared/corpus/public.
const CASES: &[(&str, &str, &str, u64, &[u64])] = &[
    (
        "impacket-client-ntlm-smbd.pcap",
        "activity.impacket_client",
        "warning",
        0,
        &[8],
    ),
    (
        "ntlm-wrong-password.pcap",
        "logon.bad_password",
        "error",
        0,
        &[10, 11],
    ),
    (
        "smbclient-impacket-server-wrong-password.pcap",
        "logon.bad_password",
        "error",
        0,
        &[10, 11],
    ),
    // The same user's logon 165 ms later (stream 1): a warning.
    (
        "ntlm-wrong-then-right-password.pcap",
        "logon.bad_password",
        "warning",
        0,
        &[10, 11],
    ),
    // Bob's logon comes first after it, then alice's own: a warning.
    (
        "ntlm-wrong-password-other-user-then-right.pcap",
        "logon.bad_password",
        "warning",
        0,
        &[10, 11],
    ),
    // Ten refusals, then the same user's logon: a run of guesses, an error.
    (
        "ntlm-ten-wrong-passwords-then-right.pcap",
        "logon.bad_password",
        "error",
        SEVERAL_STREAMS,
        &[10, 11, 24, 25, 38, 39, 52, 53, 136, 137],
    ),
    (
        "ntlm-dc-account-disabled.pcap",
        "logon.account_disabled",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-dc-account-expired.pcap",
        "logon.account_expired",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-dc-account-locked-out.pcap",
        "logon.account_locked_out",
        "error",
        3,
        &[52, 53],
    ),
    (
        "ntlm-dc-invalid-logon-hours.pcap",
        "logon.logon_hours",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-dc-invalid-workstation.pcap",
        "logon.workstation_restriction",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-dc-password-expired.pcap",
        "logon.password_expired",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-dc-password-must-change.pcap",
        "logon.password_must_change",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlmv1-rejected.pcap",
        "logon.ntlmv1_rejected",
        "error",
        0,
        &[10, 11],
    ),
    // The same refusal beside the logon that tells its reason: alice's
    // NTLMv2 logon to the same server succeeded (frame 11), so NTLMv1 was
    // refused; bob's NTLMv1 logon to a server that accepted alice's NTLMv1
    // response is a wrong password.
    (
        "ntlmv1-rejected-after-ntlmv2.pcap",
        "logon.ntlmv1_rejected",
        "error",
        1,
        &[48, 49],
    ),
    (
        "ntlmv1-accepted-wrong-password.pcap",
        "logon.bad_password",
        "error",
        1,
        &[48, 49],
    ),
    (
        "ntlmv1-accepted-wrong-password.pcap",
        "posture.ntlmv1",
        "warning",
        0,
        &[10, 11],
    ),
    (
        "ntlmv1-accepted.pcap",
        "posture.ntlmv1",
        "warning",
        0,
        &[10, 11],
    ),
    (
        "krb5-ap-bad-server-key.pcap",
        "kerberos.ap_modified",
        "error",
        0,
        &[16, 19],
    ),
    // The TGS-REQ for the forwarded TGT and its TGS-REP (tcp.stream 3).
    (
        "krb5-success.pcap",
        "kerberos.forwarded_tgt",
        "info",
        3,
        &[35, 37],
    ),
    (
        "krb5-ap-bad-server-key-then-ntlm.pcap",
        "kerberos.ap_modified",
        "warning",
        1,
        &[18, 19],
    ),
    (
        "krb5-ap-skew.pcap",
        "kerberos.clock_skew",
        "warning",
        0,
        &[16, 19],
    ),
    // make-samples.sh clock: the DC's clock 2 h 03 min ahead or behind
    (
        "krb5-ap-server-clock-ahead.pcap",
        "kerberos.clock_skew",
        "warning",
        0,
        &[16, 19],
    ),
    (
        "krb5-ap-server-clock-behind.pcap",
        "kerberos.ap_error",
        "error",
        0,
        &[16, 20],
    ),
    (
        "impacket-krb5-kdc-clock-ahead.pcap",
        "kerberos.clock_skew",
        "error",
        1,
        &[14, 16],
    ),
    (
        "krb5-kdc-clock-ahead.pcap",
        "kerberos.clock_skew",
        "error",
        SEVERAL_STREAMS,
        &[10, 11, 27, 29, 35, 37],
    ),
    (
        "krb5-unknown-spn.pcap",
        "kerberos.unknown_spn",
        "error",
        SEVERAL_STREAMS,
        &[11, 13, 21, 23],
    ),
    (
        "krb5-fallback-ntlm.pcap",
        "kerberos.unknown_spn",
        "warning",
        SEVERAL_STREAMS,
        &[25, 27, 35, 37],
    ),
    (
        "krb5-fallback-ntlm.pcap",
        "kerberos.fallback_ntlm",
        "warning",
        SEVERAL_STREAMS,
        &[35, 37, 42],
    ),
    (
        "krb5-kinit-wrong-password.pcap",
        "kerberos.preauth_failed",
        "error",
        1,
        &[3, 4],
    ),
    (
        "krb5-kinit-unknown-user.pcap",
        "kerberos.client_unknown",
        "error",
        0,
        &[1, 2],
    ),
    (
        "krb5-kinit-account-disabled.pcap",
        "kerberos.client_revoked",
        "error",
        1,
        &[3, 4],
    ),
    (
        "krb5-kinit-account-locked-out.pcap",
        "kerberos.client_revoked",
        "error",
        1,
        &[3, 4],
    ),
    (
        "krb5-kinit-password-expired.pcap",
        "kerberos.password_expired",
        "error",
        1,
        &[3, 4],
    ),
    (
        "krb5-kinit-etype-nosupp.pcap",
        "kerberos.etype_unsupported",
        "error",
        0,
        &[1, 2],
    ),
    (
        "guest-bad-user.pcap",
        "session.guest",
        "warning",
        0,
        &[10, 11],
    ),
    (
        "anonymous-list-shares.pcap",
        "session.anonymous",
        "info",
        0,
        &[10, 11],
    ),
    (
        "anonymous-list-shares.pcap",
        "posture.anonymous_allowed",
        "warning",
        0,
        &[10, 11],
    ),
    (
        "smb1-client-vs-smb2-server.pcap",
        "negotiate.smb1_only_client",
        "error",
        0,
        &[4, 6],
    ),
    (
        "smb3-client-vs-smb21-server.pcap",
        "negotiate.no_common_dialect",
        "error",
        0,
        &[4, 6],
    ),
    (
        "smbclient-encrypt-impacket-server.pcap",
        "negotiate.signing_unsupported",
        "error",
        0,
        &[8, 9, 10],
    ),
    (
        "smbclient-impacket-server-signing-required.pcap",
        "negotiate.signing_unsupported",
        "error",
        0,
        &[8, 9, 10],
    ),
    (
        "ntlm-smb21-server-encryption-required.pcap",
        "session.encryption_required",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-bad-share.pcap",
        "tree.not_found",
        "error",
        0,
        &[18, 19],
    ),
    (
        "ntlm-access-denied-share.pcap",
        "tree.access_denied",
        "error",
        0,
        &[18, 19],
    ),
    (
        "ntlm-smb202-encryption-required.pcap",
        "tree.encryption_required",
        "error",
        0,
        &[20, 21],
    ),
    (
        "no-smb-response-port4455.pcap",
        "connection.no_response",
        "error",
        0,
        &[4, 6],
    ),
    // a guest's 17 CLOSEs after writes refused: the first and the last
    (
        "corpus:sv-smb2-peter-guest.pcap",
        "file.access_denied",
        "warning",
        0,
        &[138, 139, 790, 791],
    ),
    // anonymous sessions on five connections open svcctl: one finding
    (
        "corpus:sv-smb3-zerologon-anon-ntlm.pcap",
        "file.access_denied",
        "warning",
        SEVERAL_STREAMS,
        &[678, 679, 992, 993],
    ),
    // refused QUERY_INFO alone is a note
    (
        "corpus:zeek-smb3-multichannel.pcap",
        "file.access_denied",
        "info",
        SEVERAL_STREAMS,
        &[27, 28, 986, 987],
    ),
    // bob's delete and rename of a file alice holds open without sharing DELETE
    (
        "file-sharing-violation.pcap",
        "file.sharing_violation",
        "warning",
        1,
        &[46, 47, 52, 53],
    ),
    // a 128 KiB WRITE to a 64 KiB tmpfs
    (
        "file-disk-full.pcap",
        "file.disk_full",
        "error",
        0,
        &[27, 28],
    ),
    // a CREATE for writing, and a delete that fails at its CLOSE, on a
    // read-only file system: one finding for both (one cause)
    (
        "file-read-only-filesystem.pcap",
        "file.write_protected",
        "error",
        0,
        &[20, 21, 28, 29],
    ),
    // a delete of a file bob has just marked read-only (setmode +r)
    (
        "file-read-only-attribute.pcap",
        "file.cannot_delete",
        "warning",
        0,
        &[54, 55],
    ),
    // 101 files open against 'max open files = 101': f102-f104 refused,
    // each twice (smbclient retries for reading only)
    (
        "file-too-many-open-files.pcap",
        "file.too_many_open_files",
        "error",
        0,
        &[222, 223, 232, 233],
    ),
    // Offset 16 + OriginalCompressedSegmentSize 0xFFFFFFFF, then the server's RST
    (
        "corpus:pcapattack-smbghost-loopback-compression.pcapng",
        "attack.smbghost",
        "error",
        0,
        &[8, 10],
    ),
    // NEGOTIATE offering 3.1.1 with LZNT1 compression and a zero ClientGuid,
    // answered with LZNT1, then the client's FIN: the scanner's probe
    (
        "corpus:zeek-smbghost-negotiate.pcap",
        "attack.smbghost_scan",
        "warning",
        0,
        &[4],
    ),
    // one-sided capture: the client's ACKs show 28,334 bytes from the server
    (
        "corpus:sv-smb2-oneside-kerberos.pcap",
        "connection.one_sided",
        "warning",
        0,
        &[3, 83],
    ),
    (
        "reset-during-session-setup-port4456.pcap",
        "connection.reset_during_setup",
        "error",
        0,
        &[10, 11],
    ),
    (
        "close-during-session-setup-port4457.pcap",
        "connection.closed_during_setup",
        "error",
        0,
        &[10, 11],
    ),
    (
        "ntlm-wrong-password.pcap",
        "posture.signing_not_required",
        "info",
        0,
        &[6],
    ),
    (
        "impacket-client-ntlm-smbd.pcap",
        "posture.smb1",
        "info",
        0,
        &[4, 6],
    ),
    (
        "impacket-negotiate-311-no-context.pcap",
        "negotiate.invalid_request",
        "error",
        0,
        &[4, 6],
    ),
    (
        "ntlm-dc-protected-user.pcap",
        "logon.account_restriction",
        "error",
        0,
        &[10, 11],
    ),
    (
        "impacket-ntlm-probe.pcap",
        "logon.abandoned",
        "warning",
        0,
        &[8, 9, 10],
    ),
    // SMB1 DOS-form refusals read as the NTSTATUS their open pairs them with
    (
        "smb1-dos-sharing-violation.pcap",
        "file.sharing_violation",
        "warning",
        1,
        &[25, 28, 32, 34],
    ),
    (
        "smb1-dos-too-many-open-files.pcap",
        "file.too_many_open_files",
        "error",
        0,
        &[214, 215, 218, 219],
    ),
    // ntlm-wrong-password's first 10 frames (editcap): the capture ends
    // with the AUTHENTICATE, the server's answer still to come
    (
        "capture-ends-before-logon-answer.pcap",
        "logon.capture_ended",
        "info",
        0,
        &[10],
    ),
    // tcpdump -c 9 stopped at the CHALLENGE: the capture, not the client
    (
        "capture-ends-mid-logon.pcap",
        "logon.capture_ended",
        "info",
        0,
        &[8, 9],
    ),
    // the client retried with the same TGT and gave up: no session
    (
        "krb5-tgs-tgt-expiring.pcap",
        "kerberos.ticket_expired",
        "error",
        SEVERAL_STREAMS,
        &[11, 13, 19, 21],
    ),
    // impacket used the expired ticket as it was and closed: no session
    (
        "impacket-krb5-expired-ticket.pcap",
        "kerberos.ticket_expired",
        "error",
        0,
        &[10, 11],
    ),
    // The KDC's KRB_AP_ERR_TKT_NYV to the same client (frame 13) is told
    // in this finding, not in a second one: one clock, one finding.
    (
        "krb5-ap-ticket-not-yet-valid.pcap",
        "kerberos.ap_error",
        "error",
        0,
        &[16, 17],
    ),
    (
        "krb5-kinit-postdated.pcap",
        "kerberos.kdc_error",
        "error",
        1,
        &[3, 4],
    ),
    (
        "krb5-kinit-no-password.pcap",
        "kerberos.preauth_not_retried",
        "warning",
        0,
        &[1, 2],
    ),
    (
        "krb5-kinit-udp-only-kdc.pcap",
        "kerberos.tcp_not_retried",
        "error",
        SEVERAL_STREAMS,
        &[3, 4, 5, 6],
    ),
    (
        "krb5-kinit-tcp-refused.pcap",
        "kerberos.kdc_unreachable",
        "error",
        SEVERAL_STREAMS,
        &[1, 2, 3],
    ),
    // curl's HTTP request to smbd's port 445 (frame 4), then a logon.
    (
        "not-smb-http-to-445.pcap",
        "connection.not_smb",
        "warning",
        0,
        &[4],
    ),
    // 18 connections whose NetBIOS messages hold no SMB header (streams
    // 6-18 and 20-24): the first frame of data of each of the first 8.
    (
        "corpus:sv-smb21-kerberos-many-sessions.pcap",
        "connection.not_smb",
        "warning",
        SEVERAL_STREAMS,
        &[191, 195, 199, 203, 207, 211, 215, 219],
    ),
    // SMB1 logons (SESSION_SETUP_ANDX) and tree connects, diagnosed as
    // SMB2's: a server asking for plaintext passwords (its NEGOTIATE
    // response at 6, no SESSION_SETUP after it: the client's FIN at 8, so
    // no logon happened, an error), NTLMv1 without SPNEGO, a wrong
    // password, a missing share, a guest logon.
    (
        "smb1-server-asks-plaintext.pcap",
        "posture.plaintext_passwords",
        "error",
        0,
        &[4, 6, 8],
    ),
    // A client that sends its password in clear there (impacket's
    // login_standard: OEMPassword "Passw0rd!", 9 bytes, frame 8): an error.
    (
        "smb1-plaintext-password.pcap",
        "posture.plaintext_passwords",
        "error",
        0,
        &[4, 6, 8],
    ),
    (
        "smb1-no-spnego-ntlmv1.pcap",
        "posture.ntlmv1",
        "warning",
        0,
        &[8, 9],
    ),
    // Two NTLMv1 logons of SAMPLES\alice from one client to one server
    // (tshark: SESSION_SETUP_ANDX 8/9 on stream 0, 21/22 on stream 1): one
    // finding for both
    (
        "smb1-dos-sharing-violation.pcap",
        "posture.ntlmv1",
        "warning",
        SEVERAL_STREAMS,
        &[8, 9, 21, 22],
    ),
    // An NTLMv2 response without SPNEGO, refused by smbd's default 'raw
    // NTLMv2 auth = no' with STATUS_INVALID_PARAMETER (the same logon to a
    // server with 'raw NTLMv2 auth = yes' succeeds: see the test below).
    (
        "smb1-no-spnego-ntlmv2-refused.pcap",
        "logon.raw_ntlmv2_refused",
        "error",
        0,
        &[8, 9],
    ),
    (
        "smb1-no-spnego-wrong-password.pcap",
        "logon.ntlmv1_rejected",
        "error",
        0,
        &[8, 9],
    ),
    (
        "smb1-ntlm-wrong-password.pcap",
        "logon.bad_password",
        "error",
        0,
        &[10, 11],
    ),
    (
        "smb1-ntlm-bad-share.pcap",
        "tree.not_found",
        "error",
        0,
        &[18, 19],
    ),
    // The same in the DOS form of SMB1 errors (the client asks for no NT
    // status codes): the wrong password answered ERRDOS/ERRnoaccess, read
    // as its NTSTATUS twin above is; the missing share answered ERRDOS
    // 0x0043 (ERRnosuchshare).
    (
        "smb1-dos-wrong-password.pcap",
        "logon.ntlmv1_rejected",
        "error",
        0,
        &[8, 9],
    ),
    (
        "smb1-dos-bad-share-missing-file.pcap",
        "tree.not_found",
        "error",
        0,
        &[10, 11],
    ),
    (
        "corpus:zeek-smb1-raw-ntlm-port139.pcap",
        "session.guest",
        "warning",
        2,
        &[22, 23],
    ),
    // MS17-010: the scanners' check answered STATUS_INSUFF_SERVER_RESOURCES
    // (frames 115/116), then the exploit's NT_TRANSACT (118) and its first
    // TRANSACTION2_SECONDARY (123), all on stream 4.
    (
        "corpus:sv-smb21-kerberos-many-sessions.pcap",
        "posture.ms17_010",
        "error",
        4,
        &[115, 116],
    ),
    // SpoolSample: 172.16.66.37 opens spoolss on 172.16.66.36 (CREATE
    // 17/18, tcp.stream 0), calls RpcRemoteFindFirstPrinterChangeNotificationEx
    // (opnum 65, frame 28, answered at 61) after binding [MS-RPRN] with a
    // WRITE (22); meanwhile 172.16.66.36 logs on
    // back as 3B\01566S-WIN16-IR$ (38/39, stream 1) and anonymously (48/49,
    // 58/59, streams 2, 3): tshark's dcerpc.opnum, dcerpc.cn_bind_to_uuid,
    // ntlmssp.auth.username.
    (
        "corpus:pcapattack-smb311-spoolsample-ntlm.pcapng",
        "attack.coercion",
        "error",
        SEVERAL_STREAMS,
        &[17, 18, 22, 28, 38, 39, 48, 49, 58, 59, 61],
    ),
    (
        "corpus:sv-smb21-kerberos-many-sessions.pcap",
        "attack.eternalblue",
        "error",
        4,
        &[118, 123],
    ),
    // PsExec: PSEXESVC.exe written to ADMIN$ on stream 0 (frames 21/22,
    // 145,568 bytes), svcctl (150/151) and the pipe PSEXESVC (178/179) on
    // IPC$ on stream 5, the same client and server; svcctl bound to
    // [MS-SCMR] at 154 and the service created by opnum 45
    // (RCreateServiceWOW64W) at 160, answered at 161 (tshark's
    // dcerpc.cn_bind_to_uuid, dcerpc.opnum, dcerpc.request_in).
    (
        "corpus:sv-smb21-psexec-kerberos-port139.pcap",
        "attack.service_execution",
        "error",
        SEVERAL_STREAMS,
        &[21, 22, 150, 151, 154, 160, 161, 178, 179],
    ),
    // PsExec again, the client's side alone: CREATE requests of svcctl (7)
    // and PSEXESVC (21), none answered; svcctl's bind written at 9 with
    // the FileId the client went on with, RCreateServiceWOW64W at 12, the
    // first WRITE request to PSEXESVC at 24 (tshark's smb2.filename,
    // dcerpc.cn_bind_to_uuid, dcerpc.opnum, smb2.fid): one_sided_psexec.
    (
        "corpus:sv-smb2-oneside-kerberos.pcap",
        "attack.service_execution",
        "error",
        0,
        &[7, 9, 12, 21, 24],
    ),
    // A program put on C$, the client's side alone: CREATE of tool.exe at
    // 11, WRITE request at 13: one_sided_program_written.
    (
        "oneside-program-to-admin-share.pcap",
        "activity.admin_share_executable",
        "warning",
        0,
        &[11, 13],
    ),
    // impacket's smbexec: svcctl opened (16/18), bound (19), RCreateServiceW
    // written at 31 and refused by smbd with a fault at 34: smbexec_refused.
    (
        "impacket-smbexec-svcctl.pcap",
        "activity.service_control",
        "warning",
        0,
        &[16, 18, 19, 31, 34],
    ),
    // 13 files (.exe, .doc, .docx, .pdf) read and rewritten as .enc with
    // overwrite_if (CreateAction CREATED), as tshark shows: the first four
    // pairs' CREATEs.
    (
        "corpus:zeek-smb3-multichannel.pcap",
        "attack.ransomware_like",
        "error",
        0,
        &[25, 76, 143, 172, 221, 229, 255, 267],
    ),
    (
        "connection-refused.pcap",
        "connection.refused",
        "error",
        1,
        &[3, 4],
    ),
    // SYNs to 445 (stream 0) and 139 (stream 1), none answered: one finding
    (
        "connection-unanswered.pcap",
        "connection.unanswered",
        "error",
        SEVERAL_STREAMS,
        &[1, 2],
    ),
    (
        "corpus:zeek-smb2-zero-byte-error-ioctl.pcapng",
        "connection.refused",
        "info",
        1,
        &[4, 6],
    ),
    // SYN at 0 s, retransmitted at 1 s and 2 s, SYN-ACK at 3.0 s
    (
        "corpus:sv-smb302-guest-compound.pcap",
        "connection.slow_connect",
        "warning",
        0,
        &[1, 4],
    ),
    // the lease break of frame 79 sent again in 123, 132, 133, 134, the
    // client silent
    (
        "corpus:sv-smb302-guest-compound.pcap",
        "connection.unacknowledged",
        "error",
        2,
        &[79, 123, 134],
    ),
    (
        "nbss-negative-response-keepalive.pcap",
        "connection.netbios_refused",
        "error",
        0,
        &[4, 6],
    ),
    // tshark: frame 35 answers the LOGOFF of frame 34 (session
    // 0xe320f0af, signed, a byte flipped) with 0xc0000022; frame 40 is the
    // LOGOFF that ended the session
    (
        "impacket-logoff-refused.pcap",
        "session.logoff_refused",
        "warning",
        0,
        &[34, 35, 40],
    ),
    (
        "impacket-session-deleted-after-logoff.pcap",
        "session.deleted",
        "error",
        0,
        &[15, 16, 17],
    ),
    // A SESSION_SETUP naming the session alice logged off at frame 25.
    (
        "impacket-logoff-then-logons.pcap",
        "session.deleted",
        "error",
        0,
        &[44, 45],
    ),
    (
        "ntlm-tree-max-connections.pcap",
        "tree.failed",
        "error",
        0,
        &[18, 19],
    ),
    (
        "tree-closed-by-server.pcap",
        "tree.name_deleted",
        "error",
        0,
        &[19, 35, 36],
    ),
    (
        "smbclient-logoff-relogon-smbd.pcap",
        "tree.name_deleted",
        "error",
        0,
        &[19, 35, 40, 41],
    ),
    (
        "corpus:sv-smb3-account-disabled.pcap",
        "logon.account_disabled",
        "error",
        0,
        &[],
    ),
    (
        "corpus:pcapattack-smb311-spoolsample-ntlm.pcapng",
        "logon.no_logon_servers",
        "error",
        0,
        &[],
    ),
    (
        "corpus:sv-smb2-peter-guest.pcap",
        "session.guest",
        "warning",
        0,
        &[],
    ),
    (
        "corpus:sv-smb311-named-pipe-unicode.pcap",
        "session.expired",
        "warning",
        1,
        &[12],
    ),
    // tshark: NEGOTIATE request frame 12 (0.580043 s), response frame 32
    // (10.607729 s), tcp.stream 0; nothing from the server between but
    // ARP requests for 10.0.2.3
    (
        "corpus:sv-smb2-peter-guest.pcap",
        "negotiate.slow",
        "warning",
        0,
        &[12, 32],
    ),
    (
        "corpus:sv-smb2-peter-gap.pcap",
        "negotiate.slow",
        "warning",
        0,
        &[12, 32],
    ),
    // the share's 'root preexec' sleeps 2 s: TREE_CONNECT frame 18, its
    // response frame 20, 2.011 s later (tshark: msg_id 6, STATUS_SUCCESS)
    (
        "tree-connect-slow-preexec.pcap",
        "tree.slow",
        "warning",
        0,
        &[18, 20],
    ),
    (
        "corpus:sv-smb311-named-pipe-unicode.pcap",
        "logon.slow_round",
        "warning",
        0,
        &[10, 14],
    ),
    (
        "corpus:sv-smb311-named-pipe-unicode.pcap",
        "tree.not_found",
        "error",
        0,
        &[25, 26],
    ),
    (
        "corpus:pcapattack-smb2-kerberos-rc4.pcapng",
        "posture.weak_enctype",
        "warning",
        0,
        &[],
    ),
    // impacket GetNPUsers.py: AS-REQs with PA-PAC-REQUEST alone and etype
    // [23] (tshark kerberos.padata_type 128, kerberos.ENCTYPE 23) for
    // alice, paul, nosuchuser and svc_sql, one TCP stream each; paul's
    // answered with an AS-REP (frame 16, tshark kerberos.msg_type 11).
    (
        "krb5-asrep-roasting.pcap",
        "attack.asrep_roasting",
        "error",
        SEVERAL_STREAMS,
        &[4, 6, 14, 16, 24, 26, 31, 33],
    ),
    (
        "krb5-asrep-roasting.pcap",
        "posture.no_preauth",
        "warning",
        1,
        &[14, 16],
    ),
    // MIT kinit of paul: its AS-REQ over UDP (frame 1) is answered
    // KRB_ERR_RESPONSE_TOO_BIG, the same over TCP (frame 6, padata 150,
    // 149 only) with the AS-REP (frame 8).
    (
        "krb5-kinit-no-preauth.pcap",
        "posture.no_preauth",
        "warning",
        0,
        &[6, 8],
    ),
    // MIT kinit of alice (AES offered, frame 8), then kvno -e
    // arcfour-hmac for two SPNs of user accounts: TGS-REQs with etype
    // [23] (frames 18, 26), answered with rc4-hmac tickets (20, 30).
    (
        "krb5-kerberoasting.pcap",
        "attack.kerberoasting",
        "error",
        SEVERAL_STREAMS,
        &[18, 20, 26, 30],
    ),
    // SMB1 TREE_DISCONNECT and LOGOFF answered on a connection whose
    // NEGOTIATE came before the capture: SMB1 in use
    (
        "corpus:sv-smb21-psexec-kerberos-port139.pcap",
        "posture.smb1",
        "warning",
        4,
        &[69],
    ),
    // the AS-REP encrypted with RC4 although the AS-REQ offered AES
    (
        "corpus:pcapattack-smb2-kerberos-rc4.pcapng",
        "posture.weak_enctype",
        "warning",
        1,
        &[3, 5],
    ),
    (
        "anonymous-encryption-required.pcap",
        "logon.anonymous_refused",
        "error",
        0,
        &[10, 11],
    ),
    // 26 anonymous logons refused next to the client's own working session
    (
        "corpus:zeek-smb3-multichannel.pcap",
        "logon.anonymous_refused",
        "info",
        0,
        &[1121, 1122, 1129, 1130, 1141, 1142, 1149, 1150, 1347, 1348],
    ),
    // two refused on two connections, the client's fallback 2.9 ms after
    // its machine account's STATUS_NO_LOGON_SERVERS (frame 39): a note
    (
        "corpus:pcapattack-smb311-spoolsample-ntlm.pcapng",
        "logon.anonymous_refused",
        "info",
        SEVERAL_STREAMS,
        &[48, 49, 58, 59],
    ),
    (
        "corpus:arkime-smb1-vlan-ntlm.pcap",
        "posture.smb1",
        "warning",
        0,
        &[],
    ),
    // Ten accounts refused, then carol's logon: the first four refusals,
    // the last and the logon.
    (
        "ntlm-password-spray-then-success.pcap",
        "attack.password_guessing",
        "error",
        SEVERAL_STREAMS,
        &[10, 11, 24, 25, 38, 39, 52, 53, 136, 137, 151],
    ),
    // Eight names mapped to guest and two refused, then carol's logon:
    // the first four attempts, the last and the logon.
    (
        "ntlm-password-spray-guest-mapped.pcap",
        "attack.password_guessing",
        "error",
        SEVERAL_STREAMS,
        &[10, 11, 34, 35, 58, 59, 72, 73, 206, 207, 231],
    ),
    // Seven principals refused at the KDC over UDP, then alice's AS-REP
    // over TCP.
    (
        "krb5-kinit-password-spray-then-success.pcap",
        "attack.password_guessing",
        "error",
        SEVERAL_STREAMS,
        &[3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 26],
    ),
    // Ten wrong passwords of alice, then hers.
    (
        "ntlm-ten-wrong-passwords-then-right.pcap",
        "attack.password_guessing",
        "error",
        SEVERAL_STREAMS,
        &[10, 11, 24, 25, 38, 39, 52, 53, 136, 137, 151],
    ),
];

/// Codes no capture at hand shows, with the reason; each is checked by a
/// unit test of its rule in src/diagnose/tests.rs instead.
const NOT_IN_CAPTURES: &[(&str, &str)] = &[
    ("connection.compression_refused", "no sample or corpus capture carries a compression transform other than the SMBGhost exploit's (attack.smbghost)"),
    ("negotiate.failed", "the generic code for a NEGOTIATE error without a code of its own: the only refused SMB2 NEGOTIATEs at hand are a missing dialect (smb3-client-vs-smb21-server: negotiate.no_common_dialect) and a 3.1.1 NEGOTIATE without its preauth-integrity context (impacket-negotiate-311-no-context: negotiate.invalid_request)"),
    ("logon.failed", "the generic code for a SESSION_SETUP status without a code of its own: the statuses the servers at hand answer all have one (the two corpus captures that showed it, zeek-smb3-multichannel and pcapattack-smb311-spoolsample-ntlm, refuse anonymous logons: logon.anonymous_refused)"),
    ("file.quota_exceeded", "Samba answers a disk quota (EDQUOT) with STATUS_DISK_FULL (file.disk_full), so only a Windows server would put STATUS_DISK_QUOTA_EXCEEDED or STATUS_QUOTA_EXCEEDED on the wire; no corpus capture shows either"),
    ("file.lock_conflict", "smbclient takes no byte-range lock over SMB2 (its 'lock' command is for SMB1's UNIX extensions) and no corpus capture has a refused LOCK, READ or WRITE"),
    ("activity.task_scheduler", "no sample or corpus capture opens the pipe atsvc with success (the samples' servers are Samba's; the corpus has no remote task)"),
    ("logon.unknown_user", "no server at hand puts STATUS_NO_SUCH_USER on the wire: smbd and the Samba DC answer an unknown user's NTLM logon with STATUS_LOGON_FAILURE (or a guest session with 'map to guest = bad user'), and a user deleted from the DC after getting a service ticket still logs on with it (Samba trusts the ticket's PAC; only the KDC answers KDC_ERR_C_PRINCIPAL_UNKNOWN to the forwarded-TGT request)"),
];

fn load(name: &str) -> Option<Analysis> {
    match name.strip_prefix("corpus:") {
        Some(n) => corpus().map(|d| run(&d.join(n), &[])),
        None => Some(sample(name)),
    }
}

/// The findings of `a` with `code`.
fn with_code<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    a.diagnosis
        .findings
        .iter()
        .filter(|f| f.code == code)
        .collect()
}

/// Asserts that `text` contains `part`.
fn says(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in {text}");
}

/// The one finding of `code` in the analysis.
fn only<'a>(a: &'a Analysis, code: &str) -> &'a Finding {
    let f = with_code(a, code);
    assert_eq!(f.len(), 1, "{code}: {:#?}", describe(&a.diagnosis.findings));
    f[0]
}

fn describe(f: &[Finding]) -> Vec<String> {
    f.iter()
        .map(|x| {
            format!(
                "{} {} stream {:?} {:?}",
                x.severity.as_str(),
                x.code,
                x.stream,
                x.frames
            )
        })
        .collect()
}

/// MIT kinit -s against the Samba AD DC: the AS-REQ (frame 3) carries
/// ALLOW-POSTDATE and POSTDATED and a start time an hour on; the KDC's
/// KDC_ERR_POLICY is its refusal to postdate, not a logon restriction.
#[test]
fn postdated_request_refused_by_policy() {
    let a = sample("krb5-kinit-postdated.pcap");
    let f = with_code(&a, "kerberos.kdc_error");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(
        f.title,
        "The KDC refused a postdated ticket for alice@SAMPLES.SMBSCOPE.TEST (KDC_ERR_POLICY)"
    );
    assert!(
        f.explanation.contains(
            "its kdc-options carry ALLOW-POSTDATE and POSTDATED, and its start time (from) is 2026-11-26T01:49:11Z, 1.0 h after the request"
        ),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("\"Ticket may not be postdate\""));
    assert!(f.next_step.contains("kinit without -s"), "{}", f.next_step);
    assert!(!f.next_step.contains("4768"), "{}", f.next_step);
    let x = &a.model.kdc[1];
    assert_eq!(x.from.as_deref(), Some("2026-11-26T01:49:11Z"));
    assert_eq!(
        x.kdc_options.names(),
        ["forwardable", "allow-postdate", "postdated", "renewable-ok"]
    );
}

/// pcapattack-smb311-spoolsample-ntlm without frames 17 and 18, the CREATE
/// of spoolss and its response (editcap -F pcap -r, frames 1-16 and 19-66):
/// no pipe open, so no attack.coercion.
fn without_pipe_open() -> Analysis {
    let src = corpus()
        .expect("corpus")
        .join("pcapattack-smb311-spoolsample-ntlm.pcapng");
    let out =
        std::env::temp_dir().join(format!("spoolsample-no-create-{}.pcap", std::process::id()));
    let ok = std::process::Command::new("editcap")
        .args(["-F", "pcap", "-r"])
        .arg(&src)
        .arg(&out)
        .args(["1-16", "19-66"])
        .status()
        .expect("editcap")
        .success();
    assert!(ok, "editcap");
    let a = run(&out, &[]);
    let _ = std::fs::remove_file(&out);
    assert!(with_code(&a, "attack.coercion").is_empty());
    a
}

/// `name`'s classic pcap with only the records (1-based frames) in `keep`.
fn sample_frames(name: &str, keep: &[u64]) -> Vec<u8> {
    file_frames(&samples().join(name), keep)
}

/// The classic little-endian pcap at `path` with only the records (1-based
/// frames) in `keep`: what `editcap -F pcap -r PATH OUT` of those frames
/// writes (for frames 1 to N, a prefix of the file).
fn file_frames(path: &Path, keep: &[u64]) -> Vec<u8> {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = b[..24].to_vec();
    let (mut at, mut n) = (24, 0u64);
    while at + 16 <= b.len() {
        let len = u32::from_le_bytes(b[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        n += 1;
        if keep.contains(&n) {
            out.extend_from_slice(&b[at..at + 16 + len]);
        }
        at += 16 + len;
    }
    out
}

/// MIT kinit preferring TCP, with nothing on 127.0.0.7:88: the SYN (frame 1)
/// is answered with a RST (frame 2), the AS-REQ over UDP (frame 3) not at
/// all. Without frame 2 (the same real bytes, as a firewall that drops
/// would leave them) the SYN is never answered.
#[test]
fn tcp_to_the_kdc_refused_or_unanswered() {
    let a = sample("krb5-kinit-tcp-refused.pcap");
    assert_eq!(a.model.kdc_tcp_failures.len(), 1);
    let t = &a.model.kdc_tcp_failures[0];
    assert!(t.refused());
    assert_eq!((t.stream, t.syn_frame, t.end.frame), (0, 1, 2));
    let f = with_code(&a, "kerberos.kdc_unreachable");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    // Nothing answered over UDP either (tshark: frame 3 the only
    // kerberos frame, an AS-REQ): the address leads the step, not TCP.
    let t = common::tshark_text(
        &samples().join("krb5-kinit-tcp-refused.pcap"),
        "kerberos || tcp.flags.reset == 1",
        &["frame.number", "kerberos.msg_type", "tcp.flags.reset"],
    );
    assert_eq!(t, "2\t\t1\n3\t10\t\n");
    assert_eq!(
        f[0].title,
        "Nothing answered Kerberos at 127.0.0.7:88: the TCP connection was refused, and the request over UDP got no answer"
    );
    assert!(
        f[0].explanation
            .contains("Its next request, the AS-REQ over udp to 127.0.0.7:88 (frame 3), got no answer either."),
        "{}",
        f[0].explanation
    );
    // The UDP request the text names is evidence too: the JSON names the
    // frames on both transports and the TCP stream, no single stream.
    let v = serde_json::to_value(f[0]).unwrap();
    assert_eq!(v["frames"], serde_json::json!([1, 2, 3]), "{v}");
    assert_eq!(v["streams"], serde_json::json!([0]), "{v}");
    assert!(v["stream"].is_null() && v["transport"].is_null(), "{v}");
    let next = &f[0].next_step;
    assert!(next.starts_with("Check the KDC address the client uses: 'kdc =' in the [realms] section of its krb5.conf for SAMPLES.SMBSCOPE.TEST, or, without one, the DNS SRV records _kerberos._udp.SAMPLES.SMBSCOPE.TEST and _kerberos._tcp.SAMPLES.SMBSCOPE.TEST"), "{next}");
    assert!(!next.contains("Make the KDC reachable over TCP"), "{next}");

    let bytes = sample_frames("krb5-kinit-tcp-refused.pcap", &[1, 3]);
    let mut r = CaptureReader::new(std::io::Cursor::new(bytes)).expect("capture header");
    let a = analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {});
    let t = &a.model.kdc_tcp_failures;
    assert_eq!(t.len(), 1);
    assert!(!t[0].refused());
    assert_eq!(t[0].end.reason, "capture_end");
    let f = with_code(&a, "kerberos.kdc_unreachable");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    // The SYN and the AS-REQ over UDP (frames 1 and 3 of the sample, 1 and
    // 2 here).
    assert_eq!(f[0].frames, [1, 2]);
    assert_eq!(
        f[0].title,
        "Nothing answered Kerberos at 127.0.0.7:88: neither the TCP connection nor the request over UDP got an answer"
    );
    assert!(f[0]
        .explanation
        .contains("got no answer at all, neither SYN-ACK nor RST"));
}

/// kinit through the UDP-only relay: KRB_ERR_RESPONSE_TOO_BIG (frame 4),
/// then its TCP connection (SYN frame 5) refused (RST frame 6).
#[test]
fn response_too_big_then_tcp_refused() {
    let a = sample("krb5-kinit-udp-only-kdc.pcap");
    let f = with_code(&a, "kerberos.tcp_not_retried");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(f.frames, [3, 4, 5, 6]);
    // Frames 3 and 4 on udp.stream 1, 5 and 6 on tcp.stream 0 (tshark).
    assert_eq!(f.stream, None);
    assert!(
        f.title
            .starts_with("No Kerberos request over TCP after KRB_ERR_RESPONSE_TOO_BIG: the KDC at 127.0.0.5:88 refused the TCP connection"),
        "{}",
        f.title
    );
    assert!(
        f.explanation.contains("The client turned to TCP as asked: it opened a TCP connection to 127.0.0.5:88 (frame 5, tcp.stream 0)"),
        "{}",
        f.explanation
    );
    assert!(!f.explanation.contains("either the client did not retry"));
    assert!(f.next_step.contains("does not help"), "{}", f.next_step);
    // Told there, not again as kerberos.kdc_unreachable.
    assert!(with_code(&a, "kerberos.kdc_unreachable").is_empty());
}

/// kinit offered eTYPE-DES3-CBC-SHA1 (16) alone (tshark: frame 1
/// kerberos.ENCTYPE 16) and the Samba DC answered eRR-ETYPE-NOSUPP (frame 2,
/// kerberos.error_code 14). No AD KDC issues DES3 ([MS-KILE] 3.1.5.2;
/// Samba's 'kdc supported enctypes': RC4 and AES only): the step is the
/// client's krb5.conf, not the account's msDS-SupportedEncryptionTypes.
#[test]
fn etype_nosupp_of_des3_points_at_the_client() {
    let path = samples().join("krb5-kinit-etype-nosupp.pcap");
    let t = common::tshark_text(
        &path,
        "kerberos",
        &["frame.number", "kerberos.ENCTYPE", "kerberos.error_code"],
    );
    assert_eq!(t, "1\t16\t\n2\t\t14\n");
    let a = sample("krb5-kinit-etype-nosupp.pcap");
    let f = with_code(&a, "kerberos.etype_unsupported");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].explanation.contains("asked for (des3-cbc-sha1-kd)"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].explanation.contains("no setting of the account helps"),
        "{}",
        f[0].explanation
    );
    let next = &f[0].next_step;
    for want in [
        "default_tkt_enctypes",
        "default_tgs_enctypes",
        "permitted_enctypes",
        "aes256-cts-hmac-sha1-96",
        "aes128-cts-hmac-sha1-96",
    ] {
        assert!(next.contains(want), "{want}: {next}");
    }
    assert!(!next.contains("msDS-SupportedEncryptionTypes"), "{next}");
}

/// logon.anonymous_refused names only the causes the capture leaves open,
/// and words the credentials step for the client it states.
/// pcapattack-smb311-spoolsample-ntlm (corpus; tshark): the server's
/// NEGOTIATE responses (frames 35, 45, 55) smb2.sec_mode 0x01, signing not
/// required, so signing is no cause (smbd exempts anonymous sessions from
/// signing anyway); the anonymous AUTHENTICATEs (frames 48, 58) state
/// ntlmssp.version 10.0 build 14393, Windows, so the step is net use, with
/// the server's NetBIOS domain 3B of its CHALLENGE (frame 47
/// ntlmssp.challenge.target_name). zeek-smb3-multichannel: the server set
/// up the user's session 0x1c0010000049 on tcp.stream 0 without encryption
/// (tshark: no SMB2 TRANSFORM header on the stream), so encryption is no
/// cause either. anonymous-encryption-required: smbclient states 6.1 build 0
/// (frame 10), not a Windows of today: the step names both clients.
#[test]
fn anonymous_refusal_names_the_causes_the_capture_leaves() {
    let a = sample("anonymous-encryption-required.pcap");
    let t = common::tshark_text(
        &samples().join("anonymous-encryption-required.pcap"),
        "ntlmssp.messagetype == 3",
        &[
            "frame.number",
            "ntlmssp.version.major",
            "ntlmssp.version.minor",
            "ntlmssp.version.build_number",
        ],
    );
    assert_eq!(t, "10\t6\t1\t0\n");
    let f = with_code(&a, "logon.anonymous_refused")[0];
    assert!(
        f.explanation
            .contains("or because it requires encryption for every session"),
        "{}",
        f.explanation
    );
    assert!(
        !f.explanation.contains("requires signing"),
        "{}",
        f.explanation
    );
    // The client states Samba's VERSION (above): smbclient's step alone,
    // not net use nor a cifs mount's.
    assert!(f.next_step.contains("Give the client a user name and password (the client states Samba, NTLM AUTHENTICATE VERSION 6.1 build 0: smbclient //127.0.0.2/SHARE -U USER -W FILESRV)"), "{}", f.next_step);
    assert!(
        !f.next_step.contains("net use") && !f.next_step.contains("cifs"),
        "{}",
        f.next_step
    );
    let Some(dir) = corpus() else { return };
    let spool = dir.join("pcapattack-smb311-spoolsample-ntlm.pcapng");
    let t = common::tshark_text(
        &spool,
        "frame.number == 35 || frame.number == 45 || frame.number == 55",
        &["frame.number", "smb2.sec_mode"],
    );
    assert_eq!(t, "35\t0x01\n45\t0x01\n55\t0x01\n");
    let t = common::tshark_text(
        &spool,
        "frame.number == 48 || frame.number == 58",
        &[
            "ntlmssp.version.major",
            "ntlmssp.version.minor",
            "ntlmssp.version.build_number",
            "ntlmssp.auth.username",
        ],
    );
    assert_eq!(t, "10\t0\t14393\tNULL\n10\t0\t14393\tNULL\n");
    // The server states Windows in its CHALLENGEs (frames 37, 47, 57:
    // 10.0 build 10586): no smbd cause, no signing cause; and the refusals
    // are a fallback (anonymous_fallback_after_a_refused_logon), so no
    // credentials step either.
    let a = load("corpus:pcapattack-smb311-spoolsample-ntlm.pcapng").unwrap();
    let f = with_code(&a, "logon.anonymous_refused")[0];
    assert!(
        !f.explanation.contains("signing or encryption") && !f.explanation.contains("smbd"),
        "{}",
        f.explanation
    );
    assert!(!f.next_step.contains("net use"), "{}", f.next_step);
    assert!(!f.next_step.contains("smbclient"), "{}", f.next_step);
    let multi = dir.join("zeek-smb3-multichannel.pcap");
    let t = common::tshark_text(
        &multi,
        "tcp.stream == 0 && smb2.protocol_id == 0x424d53fd",
        &["frame.number"],
    );
    assert_eq!(t, "");
    let a = load("corpus:zeek-smb3-multichannel.pcap").unwrap();
    let f = with_code(&a, "logon.anonymous_refused")[0];
    // Its CHALLENGEs state Windows 10.0 build 19041: Windows' causes, and
    // the security options by name.
    let t = common::tshark_text(
        &multi,
        "ntlmssp.messagetype == 2 && frame.number == 1120",
        &["ntlmssp.version.major", "ntlmssp.version.build_number"],
    );
    assert_eq!(t, "10\t19041\n");
    assert!(f.explanation.contains("The server states Windows (NTLM CHALLENGE VERSION 10.0 build 19041): it refuses them by policy"), "{}", f.explanation);
    assert!(!f.explanation.contains("smbd"), "{}", f.explanation);
    assert!(
        f.next_step
            .contains("'Network access: Restrict anonymous access to Named Pipes and Shares'"),
        "{}",
        f.next_step
    );
}

/// A server reached over IPv6, named in a next step by its address: the
/// Windows step needs the address's ipv6-literal.net name (a ':' may not
/// stand in a UNC path: `\\::1\SHARE` is no path for net use), smbclient
/// and mount.cifs the bare address (`//::1/SHARE`; both refuse
/// `//[::1]/SHARE`, see src/diagnose/unc.rs). Two real captures over ::1:
/// an anonymous logon refused (frame 11, STATUS_ACCESS_DENIED) and a
/// TREE_CONNECT to `\\::1\nosuch` (smbclient //::1/nosuch) refused with
/// STATUS_BAD_NETWORK_NAME; the server's address and the path are tshark's.
#[test]
fn ipv6_server_is_named_as_each_client_takes_it() {
    let path = samples().join("anonymous-encryption-required-ipv6.pcap");
    let t = common::tshark_text(
        &path,
        "smb2.nt_status == 0xc0000022",
        &["frame.number", "ipv6.src"],
    );
    assert_eq!(t, "11\t::1\n");
    let a = sample("anonymous-encryption-required-ipv6.pcap");
    let f = with_code(&a, "logon.anonymous_refused")[0];
    // smbclient (NTLM AUTHENTICATE VERSION 6.1 build 0): its form alone.
    assert!(
        f.next_step
            .contains("the client states Samba, NTLM AUTHENTICATE VERSION 6.1 build 0: smbclient //::1/SHARE -U USER -W FILESRV"),
        "{}",
        f.next_step
    );

    let path = samples().join("ntlm-ipv6-bad-share.pcap");
    let t = common::tshark_text(
        &path,
        "smb2.cmd == 3 && (smb2.flags.response == 0 || smb2.nt_status != 0)",
        &["frame.number", "ipv6.dst", "smb2.tree", "smb2.nt_status"],
    );
    assert_eq!(
        t,
        "12\t::1\t\\\\::1\\IPC$\t\n18\t::1\t\\\\::1\\nosuch\t\n19\t::1\t\t0xc00000cc\n"
    );
    let a = sample("ntlm-ipv6-bad-share.pcap");
    let f = with_code(&a, "tree.not_found")[0];
    assert_eq!(f.title, "Share not found: \\\\::1\\nosuch");
    assert!(
        f.next_step
            .contains("(smbclient -L //::1 -U USER; net view \\\\--1.ipv6-literal.net)"),
        "{}",
        f.next_step
    );
}

/// The server could not decrypt the ticket (krb5-ap-bad-server-key: tshark
/// frame 16 the AP-REQ for cifs/dc1.samples.smbscope.test, frame 19
/// STATUS_LOGON_FAILURE), and the server is the domain controller itself:
/// its address, 127.0.0.3, sent the TGS-REP of frame 13 from port 88. On
/// a DC the ticket's key is the DC's own computer account's, in the
/// directory: no member's keytab (net ads keytab create) nor secure
/// channel repair (Test-ComputerSecureChannel) is the step, but the DC's
/// replication and password (repadmin, netdom resetpwd) and, on a Samba
/// AD DC, the keytab its smbd reads against the directory's keys. The
/// capture does not show the DC's kind (no KRB-ERROR, no NTLM): Windows'
/// and Samba's steps both.
#[test]
fn bad_server_key_on_the_dc_gets_a_dcs_steps() {
    let path = samples().join("krb5-ap-bad-server-key.pcap");
    let t = common::tshark_text(
        &path,
        "frame.number == 16 || frame.number == 19",
        &[
            "frame.number",
            "kerberos.SNameString",
            "smb2.nt_status",
            "ip.dst",
        ],
    );
    assert_eq!(
        t,
        "16\tcifs,dc1.samples.smbscope.test\t\t127.0.0.3\n19\t\t0xc000006d\t127.0.0.1\n"
    );
    let t = common::tshark_text(
        &path,
        "frame.number == 13",
        &["ip.src", "tcp.srcport", "kerberos.msg_type"],
    );
    assert_eq!(t, "127.0.0.3\t88\t13\n");
    let a = sample("krb5-ap-bad-server-key.pcap");
    let f = with_code(&a, "kerberos.ap_modified")[0];
    assert!(
        f.explanation.contains("The server is a domain controller: its address, 127.0.0.3, answered Kerberos on port 88 (the TGS-REP at frame 13). The ticket is then for the DC's own computer account (DC1$)"),
        "{}",
        f.explanation
    );
    for want in [
        "Check the DC's own account (DC1$), not a member's keytab: Windows, ",
        "'repadmin /showrepl'",
        "'setspn -Q cifs/dc1.samples.smbscope.test'",
        "'netdom resetpwd /server:OTHERDC",
        "; Samba, 'klist -ke /var/lib/samba/private/secrets.keytab'",
        "'samba-tool domain exportkeytab /tmp/dc.keytab --principal=DC1$'",
        "'samba-tool drs showrepl'",
    ] {
        assert!(f.next_step.contains(want), "{want}: {}", f.next_step);
    }
    for not in ["net ads keytab create", "Test-ComputerSecureChannel"] {
        assert!(!f.next_step.contains(not), "{not}: {}", f.next_step);
    }
}

/// The AP-REQ's ticket shows its key in the clear (RFC 4120 5.2.9: the
/// enc-part's etype and kvno; krb5-ap-bad-server-key frame 16, tshark
/// `kerberos.kvno` 1, `kerberos.etype` 18 for the ticket): the finding
/// names it, so the admin compares it with the server's keytab ('klist
/// -ke') and the account's msDS-KeyVersionNumber instead of guessing. The
/// keytab the capture was made with has kvno 1 too, with keys from a wrong
/// password: the step says that a matching kvno is not enough.
#[test]
fn bad_server_key_names_the_tickets_kvno_and_etype() {
    let t = common::tshark_text(
        &samples().join("krb5-ap-bad-server-key.pcap"),
        "frame.number == 16",
        &["kerberos.kvno", "kerberos.etype"],
    );
    assert_eq!(t, "1\t18,18\n");
    let a = sample("krb5-ap-bad-server-key.pcap");
    let f = with_code(&a, "kerberos.ap_modified")[0];
    let key = "aes256-cts-hmac-sha1-96, key version (kvno) 1";
    assert!(f.explanation.contains(key), "{}", f.explanation);
    // The server is the DC (bad_server_key_on_the_dc_gets_a_dcs_steps):
    // its keytab against the directory's keys and key version.
    for want in [
        key,
        "'klist -ke /var/lib/samba/private/secrets.keytab'",
        "'samba-tool user show DC1$ --attributes=msDS-KeyVersionNumber'",
    ] {
        assert!(f.next_step.contains(want), "{want}: {}", f.next_step);
    }
}

/// A Kerberos logon the server refused, then the same user's NTLM logon on
/// the same connection (krb5-ap-bad-server-key-then-ntlm, tshark: frames
/// 4/6 the TGS exchange of alice@SAMPLES.SMBSCOPE.TEST for
/// cifs/dc1.samples.smbscope.test; 18 the AP-REQ, 19 STATUS_LOGON_FAILURE;
/// 22 NTLMSSP AUTHENTICATE SAMPLES\alice, 23 STATUS_SUCCESS, tcp.stream
/// 1): the principal and the NTLM user name one account, so the refusal's
/// finding tells the fallback, stays a warning with the Kerberos fix as
/// its step, and says NTLM does not mend Kerberos. Before, the principal and the
/// user name were compared apart: an error, the fallback unsaid. The
/// server is the domain controller (127.0.0.3 answered the TGS-REQ, frame
/// 6) and states Samba's NTLM VERSION 6.1 build 0 in its CHALLENGE (frame
/// 21): the step is a Samba AD DC's.
#[test]
fn kerberos_refusal_tells_the_fallback_to_ntlm() {
    let path = samples().join("krb5-ap-bad-server-key-then-ntlm.pcap");
    let t = common::tshark_text(
        &path,
        "kerberos.msg_type == 13 || smb2.cmd == 1",
        &[
            "frame.number",
            "tcp.stream",
            "kerberos.CNameString",
            "kerberos.crealm",
            "kerberos.msg_type",
            "ntlmssp.auth.domain",
            "ntlmssp.auth.username",
            "smb2.nt_status",
        ],
    );
    let rows: Vec<Vec<&str>> = t.lines().map(|l| l.split('\t').collect()).collect();
    let frame = |r: &[&str]| r[0].parse::<u64>().expect("frame number");
    let tgs_rep = rows.iter().find(|r| r[4] == "13").expect("TGS-REP");
    let principal = format!("{}@{}", tgs_rep[2], tgs_rep[3]);
    // The refused AP-REQ's response and the NTLM logon's, after it.
    let refused = rows
        .iter()
        .find(|r| r[7] == "0xc000006d")
        .expect("a refused setup");
    let auth = rows
        .iter()
        .find(|r| !r[6].is_empty())
        .expect("AUTHENTICATE");
    let (domain, user) = (auth[5], auth[6]);
    let success = rows
        .iter()
        .find(|r| r[7] == "0x00000000" && frame(r) > frame(auth))
        .expect("the NTLM logon's success");
    assert_eq!(refused[1], success[1], "one connection");
    assert!(
        principal
            .split('@')
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case(user)),
        "{principal} vs {user}"
    );
    let a = sample("krb5-ap-bad-server-key-then-ntlm.pcap");
    let s = a
        .model
        .sessions
        .iter()
        .find(|s| s.mechanism == Some("kerberos"))
        .expect("the Kerberos session");
    assert_eq!(s.client_principal.as_deref(), Some(principal.as_str()));
    let f = with_code(&a, "kerberos.ap_modified");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(f.severity, smbscope::diagnose::Severity::Warning);
    assert!(
        f.title.ends_with("; the client fell back to NTLM"),
        "{}",
        f.title
    );
    let told = format!(
        "The same client then fell back to NTLM and got in: it logged on to the same server as {domain}\\{user} with NTLM at frame {} on tcp.stream {}",
        success[0], success[1]
    );
    assert!(f.explanation.contains(&told), "{told}\n{}", f.explanation);
    assert!(
        f.explanation
            .contains("The NTLM logon does not mend Kerberos"),
        "{}",
        f.explanation
    );
    assert!(
        f.next_step.starts_with("The user got in with NTLM, but Kerberos to this server stays broken until this is fixed: Check the DC's own account (DC1$), not a member's keytab (the SMB server at the KDC's address states NTLM CHALLENGE VERSION 6.1 build 0, Samba): 'klist -ke /var/lib/samba/private/secrets.keytab'"),
        "{}",
        f.next_step
    );
    // No other finding calls the refusal an error.
    assert!(
        a.diagnosis
            .findings
            .iter()
            .all(|f| f.severity != smbscope::diagnose::Severity::Error),
        "{:?}",
        describe(&a.diagnosis.findings)
    );
}

#[test]
fn every_finding_is_shown_by_a_capture() {
    for (name, code, sev, stream, frames) in CASES {
        let Some(a) = load(name) else {
            eprintln!("skipping {name}: corpus not present");
            continue;
        };
        let found = a
            .diagnosis
            .findings
            .iter()
            .find(|f| f.code == *code && (frames.is_empty() || f.frames == *frames));
        let f = found.unwrap_or_else(|| {
            panic!(
                "{name}: no {code} {frames:?} in {:#?}",
                describe(&a.diagnosis.findings)
            )
        });
        assert_eq!(f.severity.as_str(), *sev, "{name} {code}");
        if !frames.is_empty() {
            let want = (*stream != SEVERAL_STREAMS).then_some(*stream);
            assert_eq!(f.stream, want, "{name} {code}");
        }
        assert!(
            !f.title.is_empty() && !f.explanation.is_empty() && !f.next_step.is_empty(),
            "{name} {code}"
        );
    }
}

/// krb5-asrep-roasting: GetNPUsers.py's AS-REQs for nosuchuser (frames
/// 24/26, KDC_ERR_C_PRINCIPAL_UNKNOWN) and for alice and svc_sql (4/6,
/// 31/33, KDC_ERR_PREAUTH_REQUIRED, never retried) also make
/// kerberos.client_unknown and kerberos.preauth_not_retried: those say they
/// are part of attack.asrep_roasting and send the reader to it, not to
/// create the account or fix the client. posture.no_preauth (paul's
/// account) stays a finding of its own.
#[test]
fn roasting_requests_findings_point_to_the_attack() {
    let a = sample("krb5-asrep-roasting.pcap");
    for (code, frames) in [
        ("kerberos.client_unknown", &[24u64, 26][..]),
        ("kerberos.preauth_not_retried", &[4, 6, 31, 33][..]),
    ] {
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{code}: {:#?}", describe(&a.diagnosis.findings));
        assert_eq!(f[0].frames, frames, "{code}");
        assert!(
            f[0].title.starts_with("Part of attack.asrep_roasting: "),
            "{}",
            f[0].title
        );
        assert_eq!(f[0].next_step, "See attack.asrep_roasting (frame 4).");
    }
    let p = with_code(&a, "posture.no_preauth");
    assert!(
        p.len() == 1 && !p[0].title.starts_with("Part of"),
        "{:#?}",
        describe(&a.diagnosis.findings)
    );
}

/// The SPN step names the server's machine account when an NTLM logon to
/// the same server gave its NetBIOS computer name (krb5-fallback-ntlm: the
/// CHALLENGE of frame 43 names DC1), and the placeholder SERVER$ when the
/// capture has none (krb5-unknown-spn: Kerberos only).
#[test]
fn unknown_spn_step_names_the_servers_account() {
    let step = |name: &str| {
        let a = sample(name);
        let f = with_code(&a, "kerberos.unknown_spn");
        assert_eq!(f.len(), 1, "{name}");
        f[0].next_step.clone()
    };
    let known = step("krb5-fallback-ntlm.pcap");
    assert!(
        known.contains("'setspn -S cifs/alias.samples.smbscope.test DC1$'")
            && known.contains("'samba-tool spn add cifs/alias.samples.smbscope.test DC1$'"),
        "{known}"
    );
    let unknown = step("krb5-unknown-spn.pcap");
    assert!(
        unknown.contains("cifs/alias.samples.smbscope.test SERVER$"),
        "{unknown}"
    );
}

/// A KDC's refusal is what the domain controller's Security log records
/// with the same code, and the event with the client's address is where an
/// AD administrator looks first for who else is affected: 4768 (AS, Result
/// Code), 4771 (pre-authentication, Failure Code), 4769 (TGS, Failure
/// Code), the code in hex. Each capture's KDC error as tshark has it
/// (`kerberos.error_code`, frame: request kind), then the event its finding
/// names.
///
/// Where the capture shows the KDC's kind, the step names that kind's log
/// alone: these samples' KDC is a Samba AD DC's (Heimdal), whose
/// KDC_ERR_PREAUTH_REQUIRED carries Heimdal's e-text (tshark
/// `kerberos.e_text` "Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ" at the
/// frame given); where it does not (krb5-kinit-unknown-user and
/// krb5-unknown-spn: their KRB-ERRORs have no e-text, and no SMB server
/// at the KDC's address states its kind), Windows' event and Samba's log
/// both.
#[test]
fn kdc_refusals_name_the_domain_controllers_event() {
    const NEED: &str = "Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ";
    for (name, frame, code, finding, event, heimdal_at) in [
        ("krb5-kinit-unknown-user.pcap", 2, "6", "kerberos.client_unknown", "event 4768 with Result Code 0x6", None),
        ("krb5-unknown-spn.pcap", 13, "7", "kerberos.unknown_spn", "event 4769 with Failure Code 0x7", None),
        ("krb5-kinit-password-expired.pcap", 4, "23", "kerberos.password_expired", "event 4768 or 4771 with code 0x17", Some(2)),
        // Samba's KDC sent no NTSTATUS here (the step cannot say which).
        ("krb5-kinit-account-locked-out.pcap", 4, "18", "kerberos.client_revoked", "event 4768 or 4771 with code 0x12", Some(2)),
        ("impacket-krb5-kdc-clock-ahead.pcap", 16, "37", "kerberos.clock_skew", "event 4771 (an AS-REQ's pre-authentication) or 4769 (a TGS-REQ) with Failure Code 0x25", Some(6)),
    ] {
        let t = common::tshark_text(
            &samples().join(name),
            &format!("frame.number == {frame}"),
            &["kerberos.error_code"],
        );
        assert_eq!(t.trim(), code, "{name}");
        let e_texts = common::tshark_text(
            &samples().join(name),
            "kerberos.msg_type == 30",
            &["frame.number", "kerberos.e_text"],
        );
        let a = sample(name);
        let f = with_code(&a, finding);
        assert!(!f.is_empty(), "{name}: {:?}", describe(&a.diagnosis.findings));
        let step = &f[0].next_step;
        match heimdal_at {
            None => {
                assert!(!e_texts.contains(NEED), "{name}: {e_texts}");
                assert!(step.contains(&format!(": Windows, {event}")), "{name}: {step}");
                assert!(step.contains("; Samba, its log (log.samba)"), "{name}: {step}");
            }
            Some(at) => {
                assert!(e_texts.contains(&format!("{at}\t{NEED}\n")), "{name}: {e_texts}");
                let shown = format!("(the KDC's e-text \"{NEED}\" at frame {at}, Samba): its log (log.samba)");
                assert!(step.contains(&shown), "{name}: {step}");
                assert!(!step.contains(event), "{name}: {step}");
            }
        }
    }
    let a = sample("krb5-unknown-spn.pcap");
    let f = with_code(&a, "kerberos.unknown_spn")[0];
    assert!(
        f.next_step.contains(
            "'setspn -Q cifs/alias.samples.smbscope.test' confirms that no account holds it"
        ),
        "{}",
        f.next_step
    );
}

/// attack.smbghost_scan on the scanner's capture alone: not on the
/// exploit's (its own attack.smbghost), nor on the clients that offer
/// compression and then log on (zeek-smb3-multichannel, the Kerberos
/// captures with SMB 3.1.1), nor on any sample.
#[test]
fn smbghost_scan_only_on_the_scanners_probe() {
    let mut seen = Vec::new();
    for (name, path) in sample_names_and_corpus() {
        let a = run(&path, &[]);
        for f in with_code(&a, "attack.smbghost_scan") {
            seen.push(name.clone());
            assert!(
                f.explanation
                    .contains("offered SMB 3.1.1 compression in its NEGOTIATE (frame 4)")
                    && f.explanation.contains("ClientGuid is all zeros")
                    && f.explanation
                        .contains("The server answered with LZNT1 (frame 5)"),
                "{name}: {}",
                f.explanation
            );
        }
    }
    if corpus().is_some() {
        assert_eq!(seen, ["corpus:zeek-smbghost-negotiate.pcap"]);
    } else {
        assert!(seen.is_empty(), "{seen:?}");
    }
}

/// The samples (.pcap) and corpus captures ("corpus:NAME"), by name, with
/// their paths, sorted.
fn sample_names_and_corpus() -> Vec<(String, PathBuf)> {
    let mut caps: Vec<(String, PathBuf)> = std::fs::read_dir(samples())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    if let Some(d) = corpus() {
        caps.extend(
            std::fs::read_dir(d)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
                .map(|p| {
                    (
                        format!("corpus:{}", p.file_name().unwrap().to_string_lossy()),
                        p,
                    )
                }),
        );
    }
    caps.sort();
    caps
}

/// On every sample and corpus capture, each finding's evidence frames are
/// on the stream it names, by tshark's numbers: tcp.stream, or udp.stream
/// for a finding over UDP; a finding that names no stream but stands for
/// items on several (the report's "tcp.stream in {N, M}") has its frames on
/// those. A user types the report's filter into Wireshark and must find the
/// frames it cites.
#[test]
fn evidence_frames_are_on_the_streams_named() {
    let caps = sample_names_and_corpus();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (name, path) in &caps {
        let a = load(name).unwrap();
        if a.diagnosis.findings.is_empty() {
            continue;
        }
        let streams = common::frame_streams(path);
        for f in &a.diagnosis.findings {
            let named: Vec<u64> = match f.stream {
                Some(s) => vec![s],
                None => f.covers.iter().map(|&(s, _)| s).collect(),
            };
            if named.is_empty() {
                continue;
            }
            for frame in &f.frames {
                // Evidence on UDP and TCP: `covers` names the TCP streams.
                if f.udp_and_tcp && streams.get(frame).is_some_and(|&(t, _)| t == "udp") {
                    continue;
                }
                let on = streams
                    .get(frame)
                    .filter(|&&(t, _)| t == f.transport)
                    .map(|&(_, n)| n);
                checked += 1;
                if !on.is_some_and(|on| named.contains(&on)) {
                    wrong.push(format!(
                        "{name} {} frame {frame}: {}.stream {on:?}, the finding names {named:?}",
                        f.code, f.transport
                    ));
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The report filters keep a finding by its evidence: `--host H` for each
/// address of its evidence frames (tshark's ip.src, ip.dst), `--stream N`
/// for each tcp.stream of them, `--user` for the user of each session it
/// names. Before, a Kerberos finding over UDP, or merged from repeats over
/// UDP and TCP, or on a KDC's TCP stream rather than an SMB connection's,
/// passed no `--host`, and a finding with a session but no identity of its
/// own (tree.not_found, posture.ntlmv1) passed no `--user`.
#[test]
fn filters_keep_findings_by_their_evidence() {
    use smbscope::report::filter::Filter;
    let caps = sample_names_and_corpus();
    let (mut checked, mut dropped) = (0, Vec::new());
    for (name, path) in &caps {
        let a = load(name).unwrap();
        if a.diagnosis.findings.is_empty() {
            continue;
        }
        let streams = common::frame_streams(path);
        let hosts = common::frame_hosts(path);
        let kept = |f: &Finding, filter: &Filter| {
            filter
                .findings(&a.diagnosis.findings, &a.model)
                .iter()
                .any(|&k| std::ptr::eq(k, f))
        };
        for f in &a.diagnosis.findings {
            let mut filters = Vec::new();
            for frame in &f.frames {
                for h in hosts.get(frame).into_iter().flatten() {
                    filters.push(Filter {
                        host: Some(*h),
                        ..Filter::default()
                    });
                }
                if let Some(&("tcp", n)) = streams.get(frame) {
                    filters.push(Filter {
                        stream: Some(n),
                        ..Filter::default()
                    });
                }
            }
            let sids: Vec<(u64, u64)> = match f.session_id.as_deref() {
                _ if !f.covers.is_empty() => f
                    .covers
                    .iter()
                    .filter_map(|&(n, id)| Some((n, id?)))
                    .collect(),
                Some(id) => f
                    .stream
                    .zip(smbscope::report::filter::parse_session_id(id).ok())
                    .into_iter()
                    .collect(),
                None => Vec::new(),
            };
            for s in &a.model.sessions {
                if sids.contains(&(s.stream, s.id)) {
                    filters.extend(s.user.clone().map(|u| Filter {
                        user: Some(u),
                        ..Filter::default()
                    }));
                }
            }
            for filter in &filters {
                checked += 1;
                if !kept(f, filter) {
                    dropped.push(format!(
                        "{name} {} frames {:?}: {}",
                        f.code,
                        f.frames,
                        filter.describe()
                    ));
                }
            }
        }
    }
    dropped.dedup();
    assert!(checked > 1000, "{checked}");
    assert!(dropped.is_empty(), "{}", dropped.join("\n"));
}

/// `--stream N` names a tcp.stream: a Kerberos finding over UDP only is
/// kept with the SMB connection its exchange is joined to, never by its
/// udp.stream (tshark: krb5-kinit-udp-only-kdc's AS-REQ and
/// KRB_ERR_RESPONSE_TOO_BIG, frames 3 and 4, on udp.stream 1, the refused
/// TCP connection, frames 5 and 6, on tcp.stream 0; krb5-kdc-clock-ahead's
/// KRB_AP_ERR_SKEW over UDP, frame 11, on udp.stream 1, its exchange
/// joined to the SMB connection tcp.stream 0, and over TCP, frames 29 and
/// 37, on tcp.stream 2 and 3; tcp.stream 1 is an AS exchange answered).
#[test]
fn stream_filter_of_findings_over_udp() {
    use smbscope::report::filter::Filter;
    let codes = |a: &Analysis, n: u64| -> Vec<&str> {
        let f = Filter {
            stream: Some(n),
            ..Filter::default()
        };
        f.findings(&a.diagnosis.findings, &a.model)
            .iter()
            .map(|f| f.code)
            .collect()
    };
    let a = sample("krb5-kinit-udp-only-kdc.pcap");
    assert_eq!(codes(&a, 0), ["kerberos.tcp_not_retried"]);
    assert!(codes(&a, 1).is_empty());
    let a = sample("krb5-kdc-clock-ahead.pcap");
    let x = a.model.kdc.iter().find(|x| x.request_frame == 10).unwrap();
    assert_eq!((x.transport, x.stream, x.smb_stream), ("udp", 1, Some(0)));
    for n in [0, 2, 3] {
        assert_eq!(codes(&a, n), ["kerberos.clock_skew"], "stream {n}");
    }
    assert!(codes(&a, 1).is_empty());
}

/// A finding that stands for the same KDC error answered several times
/// counts them and names their frames, and tells what the client got after
/// them (tshark: krb5-kdc-clock-ahead's KRB_AP_ERR_SKEW, error code 37, at
/// frames 11, 29 and 37, to an AS-REQ and two TGS-REQs; an AS-REP at frame
/// 19, no TGS-REP).
#[test]
fn merged_kdc_errors_are_counted() {
    let path = samples().join("krb5-kdc-clock-ahead.pcap");
    let out = common::tshark_fields(&path, "kerberos", ',')
        .args([
            "-e",
            "frame.number",
            "-e",
            "kerberos.msg_type",
            "-e",
            "kerberos.error_code",
        ])
        .output()
        .expect("tshark");
    let rows: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    let frames_of = |pick: &dyn Fn(&[String]) -> bool| -> Vec<String> {
        rows.iter()
            .filter(|r| pick(r))
            .map(|r| r[0].clone())
            .collect()
    };
    let skew = frames_of(&|r| r.get(2).is_some_and(|c| c == "37"));
    let as_rep = frames_of(&|r| r[1] == "11");
    assert!(frames_of(&|r| r[1] == "13").is_empty(), "no TGS-REP");
    assert_eq!(skew.len(), 3);
    assert_eq!(as_rep.len(), 1);
    let a = sample("krb5-kdc-clock-ahead.pcap");
    let f = with_code(&a, "kerberos.clock_skew");
    assert_eq!(f.len(), 1);
    let e = &f[0].explanation;
    let count = format!(
        "The KDC answered KRB_AP_ERR_SKEW 3 times (frames {}, {} and {})",
        skew[0], skew[1], skew[2]
    );
    assert!(e.starts_with(&count), "{e}");
    assert!(
        e.contains(&format!(
            "got a ticket on a later one (AS-REP, frame {})",
            as_rep[0]
        )),
        "{e}"
    );
    assert!(
        e.contains("TGS-REQs of frames 27 and 35, after which it got no ticket"),
        "{e}"
    );
}

/// Next steps name what the capture shows rather than a placeholder, and
/// explanations say what the capture can and cannot tell.
#[test]
fn steps_name_what_the_capture_shows() {
    // tshark: frame 8, smb.account alice, smb.ansi_pwlen 9, no
    // ENCRYPT_PASSWORDS in frame 6; frame 9 0xc000006d.
    let a = sample("smb1-plaintext-password.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    says(&f.explanation, "The password went in clear (frame 8");
    says(&f.next_step, "'su - alice'");
    // No KRB-ERROR on the wire: the cause is given as the likely one.
    let a = sample("krb5-ap-bad-server-key.pcap");
    let f = with_code(&a, "kerberos.ap_modified")[0];
    says(
        &f.title,
        "probably cannot decrypt the Kerberos ticket (no KRB-ERROR",
    );
    says(&f.next_step, "'setspn -Q cifs/dc1.samples.smbscope.test'");
    let a = sample("krb5-unknown-spn.pcap");
    let f = with_code(&a, "kerberos.unknown_spn")[0];
    says(
        &f.next_step,
        "'samba-tool spn add cifs/alias.samples.smbscope.test SERVER$'",
    );
    let a = sample("ntlm-dc-protected-user.pcap");
    let f = with_code(&a, "logon.account_restriction")[0];
    says(&f.next_step, "'Get-ADPrincipalGroupMembership kim'");
    // tshark: frame 25 TREE_CONNECT \\192.168.122.63\$IPC, 26 0xc00000cc.
    if let Some(a) = load("corpus:sv-smb311-named-pipe-unicode.pcap") {
        let f = with_code(&a, "tree.not_found")[0];
        says(&f.next_step, "probably 'IPC$'");
    }
    let a = sample("ntlm-bad-share.pcap");
    let f = with_code(&a, "tree.not_found")[0];
    assert!(!f.next_step.contains("probably"), "{}", f.next_step);
    // tshark: frame 4 smb2.sec_mode.sign_required 0; 47 of the 51 SMB2
    // messages after frame 11 without smb2.flags.signature.
    let a = sample("ntlm-success-copy.pcap");
    let f = with_code(&a, "posture.signing_not_required")[0];
    says(
        &f.explanation,
        "did not require signing either (its NEGOTIATE, frame 4)",
    );
    says(
        &f.explanation,
        "unsigned messages in this connection's sessions",
    );
}

/// The capture ends while the server owes its answer to the AUTHENTICATE.
/// tshark on ntlm-wrong-password: frame 10 is the SESSION_SETUP request
/// (msg_id 2, session 0x429b2cca) with NTLMSSP_AUTH, answered at frame 11
/// (0xc000006d), which capture-ends-before-logon-answer (frames 1-10)
/// lacks: a note, the request is the capture's last frame. Cut after frame
/// 13, sv-smb311-named-pipe-unicode ends 3.779 s after its AUTHENTICATE
/// (tshark: frame 10, 3.147055 s, tcp.stream 0, msg_id 2; its answer is
/// frame 14 at 6.927030 s; frames 12 and 13, 6.926089 and 6.926144 s, are
/// tcp.stream 1): a warning, the request older than a slow round's 1 s.
#[test]
fn capture_ends_before_the_servers_answer() {
    let a = sample("capture-ends-before-logon-answer.pcap");
    let c = &a.model.connections[0];
    assert_eq!(c.end.as_ref().map(|e| e.reason), Some("capture_end"));
    assert_eq!(
        (c.unanswered_requests, c.first_unanswered_frame),
        (1, Some(10))
    );
    let f = with_code(&a, "logon.capture_ended");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(
        f[0].title,
        "The capture ends before the server answered the logon (SAMPLES\\alice)"
    );
    assert!(
        f[0].explanation.contains("The client sent its SESSION_SETUP carrying NTLMSSP AUTHENTICATE at frame 10, and the capture ends there with no answer from the server")
            && f[0].explanation.contains("the request is the capture's last frame"),
        "{}",
        f[0].explanation
    );
    assert_eq!(f[0].session_id.as_deref(), Some("0x429b2cca"));
    // The full capture: the answer is there, and no such finding.
    assert!(with_code(&sample("ntlm-wrong-password.pcap"), "logon.capture_ended").is_empty());

    let Some(dir) = corpus() else { return };
    let bytes = file_frames(
        &dir.join("sv-smb311-named-pipe-unicode.pcap"),
        &(1..=13).collect::<Vec<u64>>(),
    );
    let mut r = CaptureReader::new(std::io::Cursor::new(bytes)).expect("capture header");
    let a = analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {});
    let f = with_code(&a, "logon.capture_ended");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(f[0].severity.as_str(), "warning");
    assert_eq!(
        (f[0].stream, f[0].frames.as_slice()),
        (Some(0), &[10u64, 13][..])
    );
    assert!(
        f[0].explanation.contains(
            "at frame 10, and the capture ends 3.8 s later with no answer from the server"
        ) && f[0]
            .explanation
            .contains("has not answered after 3.8 s is slow or stuck"),
        "{}",
        f[0].explanation
    );
    assert!(f[0].next_step.contains("wbinfo -t"), "{}", f[0].next_step);
}

/// A NEGOTIATE and a TREE_CONNECT answered after more than 1 s, with
/// tshark's times: sv-smb2-peter-guest frame 12 (NEGOTIATE request,
/// frame.time_relative 0.580043) and 32 (its response, 10.607729): 10.028
/// s; tree-connect-slow-preexec frame 18 (TREE_CONNECT \\127.0.0.2\slow,
/// 0.033782) and 20 (2.044470): 2.011 s. The other tree connects of the
/// samples and the corpus took at most 0.41 s (zeek-smb2-kerberos-tso) and
/// have none; every tree's duration is in the JSON.
#[test]
fn slow_negotiate_and_tree_connect() {
    let a = sample("tree-connect-slow-preexec.pcap");
    let durations: Vec<(u64, String)> = a
        .model
        .trees
        .iter()
        .map(|t| {
            (
                t.request_frame.unwrap_or_default(),
                format!("{:.6}", t.duration.unwrap_or(-1.0)),
            )
        })
        .collect();
    assert_eq!(
        durations,
        [(12, "0.002184".to_string()), (18, "2.010688".to_string())]
    );
    let f = with_code(&a, "tree.slow");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(
        f[0].title,
        "Slow TREE_CONNECT response: 2.011 s (\\\\127.0.0.2\\slow)"
    );
    assert!(
        f[0].explanation.contains("The server took 2.011 s to answer the TREE_CONNECT to \\\\127.0.0.2\\slow (STATUS_SUCCESS).")
            && f[0].explanation.contains("'root preexec'"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].next_step.contains("testparm -s --section-name=slow"),
        "{}",
        f[0].next_step
    );
    assert_eq!(f[0].session_id.as_deref(), Some("0xcb4677d9"));
    // The same logon to 'share' (no preexec): no such finding.
    assert!(with_code(&sample("ntlm-smb311.pcap"), "tree.slow").is_empty());

    let Some(a) = load("corpus:sv-smb2-peter-guest.pcap") else {
        return;
    };
    let n = a.model.connections[0]
        .negotiate
        .as_ref()
        .expect("negotiate");
    assert_eq!(format!("{:.6}", n.duration.unwrap_or(-1.0)), "10.027686");
    // tshark -Y arp: requests from 10.3.1.1 for 10.0.2.3 at frames 15, 20,
    // 22, 26, 27 and 28, no reply (the only reply, frame 8, is 10.3.1.1's
    // own, before the NEGOTIATE).
    let l = n
        .server_lookups
        .as_deref()
        .expect("the server's ARP requests");
    assert_eq!(
        (l.arp_requests, l.arp_target, l.arp_answered, l.dns_queries),
        (6, Some("10.0.2.3".parse().unwrap()), false, 0)
    );
    assert_eq!((l.first_frame, l.last_frame, l.partial), (15, 28, false));
    let f = with_code(&a, "negotiate.slow");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(f[0].title, "Slow NEGOTIATE response: 10.028 s");
    assert!(
        f[0].explanation
            .contains("The server took 10.028 s to answer the client's NEGOTIATE.")
            && f[0].explanation.contains("'hosts allow'"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].explanation.contains("Meanwhile the server (10.3.1.1) sent 6 ARP requests for 10.0.2.3 (frames 15-28), and no ARP reply from 10.0.2.3 is in the capture"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].next_step
            .starts_with("Check 10.0.2.3, which the server's ARP requests got no answer from"),
        "{}",
        f[0].next_step
    );
    assert!(
        f[0].next_step.contains("reverse lookup"),
        "{}",
        f[0].next_step
    );
    // No lookup in the slow tree connect's sample (loopback: no ARP).
    let a = sample("tree-connect-slow-preexec.pcap");
    assert!(a.model.trees.iter().all(|t| t.server_lookups.is_none()));
}

/// The LOGOFFs smbd refused, with tshark (smb2.cmd == 2): frame 35 answers
/// alice's LOGOFF of frame 34 (session 0xe320f0af, tcp.stream 0, a byte of
/// it flipped after signing) with 0xc0000022, STATUS_ACCESS_DENIED; her
/// open of hello.txt (CREATE frame 14, answered at 15) held the file when
/// bob's CREATE of frame 37 (tcp.stream 1) was answered 0xc0000043 at 38;
/// her LOGOFF of frame 39 ended the session at 40. Bob's LOGOFF of alice's
/// SessionId on his own connection (frames 29/30, 0xc0000203) makes no
/// finding: the server holds no such session on that connection.
#[test]
fn logoff_refused() {
    let a = sample("impacket-logoff-refused.pcap");
    let e = &a.model.connections[0].errors;
    assert_eq!(
        e.iter()
            .map(|e| (e.frame, e.command.as_str(), e.open_files))
            .collect::<Vec<_>>(),
        [(35, "LOGOFF", Some(1))]
    );
    let f = with_code(&a, "session.logoff_refused");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(
        f[0].title,
        "LOGOFF refused with STATUS_ACCESS_DENIED: the session stayed open (SAMPLES\\alice)"
    );
    assert_eq!(f[0].session_id.as_deref(), Some("0xe320f0af"));
    for part in [
        "The server answered the client's LOGOFF of session 0xe320f0af (frame 34) with STATUS_ACCESS_DENIED at frame 35.",
        "a request whose signature does not verify ([MS-SMB2] 3.3.5.2.4)",
        "the session stayed open, with 1 open file and its tree connect to \\\\127.0.0.2\\share, until the client logged it off at frame 40.",
        "Its open of hello.txt (frame 15) went on holding the file meanwhile: the CREATE of it on tcp.stream 1 at frame 38 was refused with STATUS_SHARING_VIOLATION.",
    ] {
        assert!(f[0].explanation.contains(part), "{part:?} not in {}", f[0].explanation);
    }
    assert!(
        f[0].next_step.contains("compare the LOGOFF's bytes"),
        "{}",
        f[0].next_step
    );
}

/// A connection closed (FIN) while the AUTHENTICATE waited, written for
/// the side that closed it, with tshark's times: in
/// close-during-session-setup-port4457 (decoded as nbss on 4457) the relay
/// closes the server's side at frame 11 (0.058579 s, FIN from port 4457),
/// 3.965 ms after the AUTHENTICATE of frame 10 (0.054614 s); in
/// ntlm-wrong-password without its frame 11 (the server's
/// STATUS_LOGON_FAILURE: editcap -r 1-10 12-14, the same bytes) the client's
/// FIN (frame 12 there, 0.010980 s) comes 1.351 ms after the AUTHENTICATE
/// (frame 10, 0.009629 s): it did not wait, which is no timeout.
#[test]
fn closed_during_setup_says_who_and_when() {
    let a = sample("close-during-session-setup-port4457.pcap");
    let f = with_code(&a, "connection.closed_during_setup");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    says(&f[0].explanation, "The server closed the TCP connection (FIN at frame 11) while a SESSION_SETUP request (frame 10, NTLMSSP AUTHENTICATE) was waiting for its answer.");
    says(
        &f[0].explanation,
        "right after the client's request (4.0 ms) without an answer",
    );
    says(
        &f[0].explanation,
        "a proxy, IPS or relay between client and server closed it in the server's name",
    );
    says(
        &f[0].next_step,
        "Check the server's log at that time for why it ended the connection",
    );
    assert!(
        !f[0].next_step.contains("If the client"),
        "{}",
        f[0].next_step
    );

    let keep: Vec<u64> = (1..=10).chain(12..=14).collect();
    let bytes = sample_frames("ntlm-wrong-password.pcap", &keep);
    let mut r = CaptureReader::new(std::io::Cursor::new(bytes)).expect("capture header");
    let a = analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {});
    let f = with_code(&a, "connection.closed_during_setup");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(
        f[0].title,
        "Connection closed by the client during session setup"
    );
    // Frames are numbered in the copy: its 11th is the client's FIN.
    assert_eq!(f[0].frames, [10, 11]);
    says(&f[0].explanation, "The client closed it right after its own request (1.4 ms), too soon for a timeout: it gave up or aborted on its own");
    assert!(
        !f[0].explanation.contains("timed out"),
        "{}",
        f[0].explanation
    );
    // The client states NTLM VERSION 6.1 build 0 in its AUTHENTICATE
    // (tshark frame 10): Samba's, so the step names smbclient's output only.
    says(
        &f[0].next_step,
        "find out why it stopped from the client (NTLM AUTHENTICATE VERSION 6.1 build 0, Samba): ",
    );
    says(&f[0].next_step, "-d 3");
    assert!(!f[0].next_step.contains("dmesg"), "{}", f[0].next_step);
}

/// A SESSION_SETUP refused as expired, and the same client's logon to the
/// same server on another connection right after. tshark: frame 12
/// (tcp.stream 1, 6.926089 s) SESSION_SETUP response 0xc000035c to
/// 192.168.122.184:54022; frame 14 (tcp.stream 0, 6.927030 s)
/// SESSION_SETUP response 0x00000000 to 192.168.122.184:54024, of the
/// SESSION_SETUP begun at frame 7; both from 192.168.122.63:445.
#[test]
fn expired_session_setup_names_the_later_logon() {
    let Some(a) = load("corpus:sv-smb311-named-pipe-unicode.pcap") else {
        return;
    };
    let f = with_code(&a, "session.expired")[0];
    says(
        &f.explanation,
        "The same client logged on to the same server as CONTOSO.LOCAL\\Administrator at frame 14 on tcp.stream 0, 0.9 ms later (a logon it had begun at frame 7, before the refusal)",
    );
    says(&f.next_step, "Nothing to do if the work went on");
    assert!(!f.next_step.contains("klist"), "{}", f.next_step);
}

/// impacket's SMB2 server answers smbclient's LOGOFF (frame 30, tshark
/// smb2.sesid 0x3f01d432) with SessionId 0 in its header (frame 31). The
/// server ends the request's session ([MS-SMB2] 3.3.5.6): session
/// 0x3f01d432 ended at 31 and counts 20 messages after its setup (frames
/// 12 to 31, the response with SessionId 0 among them); the logon that
/// follows on the same connection (0x2ecb051d, 32 to 35) counts its 16
/// (36 to 51) and was not logged off. Before, the LOGOFF ended "session 0".
#[test]
fn a_logoff_answered_with_session_id_0_ends_the_requests_session() {
    let a = sample("smbclient-impacket-server-logoff-relogon.pcap");
    let got: Vec<_> = a
        .model
        .sessions
        .iter()
        .map(|s| {
            (
                s.session_id.0,
                s.outcome,
                s.last_setup_frame,
                s.messages_after_setup,
                s.logoff_frame,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0x3f01_d432, Outcome::Success, 11, 20, Some(31)),
            (0x2ecb_051d, Outcome::Success, 35, 16, None),
        ]
    );
}

/// Logons after a LOGOFF on one connection (impacket against smbd, SMB
/// 2.1). tshark: alice's SESSION_SETUP answered SUCCESS at frame 11 with
/// SessionId 0x774cdab8, LOGOFF response 25; bob's (SessionId 0 in the
/// request) at 29 with 0x95c1a2c3, LOGOFF 43; a SESSION_SETUP naming
/// 0x774cdab8 at 44, answered 0xc0000203 USER_SESSION_DELETED at 45;
/// alice's new one at 49 with 0xc6642927, LOGOFF 63. 14 SMB2 messages of
/// each session from its set-up response (exclusive) to its LOGOFF response
/// (inclusive), none of the first session's after it but 44/45. The
/// refused SESSION_SETUP is an entry of its own: the session the LOGOFF
/// ended stays a success, with no re-authentication ([MS-SMB2] 3.3.5.6:
/// the server removed it; 3.3.5.5: it refuses a SESSION_SETUP naming it).
#[test]
fn a_setup_naming_a_logged_off_session_is_its_own_entry() {
    let a = sample("impacket-logoff-then-logons.pcap");
    let got: Vec<_> = a
        .model
        .sessions
        .iter()
        .map(|s| {
            (
                s.session_id.0,
                s.outcome,
                s.first_frame,
                s.last_setup_frame,
                s.messages_after_setup,
                s.logoff_frame,
                s.reauthentications,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0x774c_dab8, Outcome::Success, 8, 11, 14, Some(25), 0),
            (0x95c1_a2c3, Outcome::Success, 26, 29, 14, Some(43), 0),
            (0x774c_dab8, Outcome::Failure, 44, 45, 0, None, 0),
            (0xc664_2927, Outcome::Success, 46, 49, 14, Some(63), 0),
        ]
    );
    let f = with_code(&a, "session.deleted");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert!(
        f[0].explanation.contains("The client itself logged this session off at frame 25 (LOGOFF), on this connection, and then sent this SESSION_SETUP with its SessionId"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].next_step.starts_with("Fix or update the client"),
        "{}",
        f[0].next_step
    );
}

/// A wrong password, then the right one on a new connection: smbclient
/// run twice. tshark: frame 11 (tcp.stream 0, 0.029766 s) SESSION_SETUP
/// response 0xc000006d to the AUTHENTICATE of alice in frame 10; frame 25
/// (tcp.stream 1, 0.195210 s) 0x00000000 to alice's in frame 24; both
/// 127.0.0.1 -> 127.0.0.2:445.
#[test]
fn wrong_password_then_right_names_the_logon() {
    let a = sample("ntlm-wrong-then-right-password.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    says(
        &f.explanation,
        "The same client logged on to the same server as SAMPLES\\alice at frame 25 on tcp.stream 1, 165.4 ms later: it got past this refusal.",
    );
    says(&f.next_step, "Nothing to do if the work went on");
}

/// A wrong password of alice, bob's logon, then alice's with the right one:
/// the retry is alice's, not the first logon after the refusal. tshark:
/// frame 11 (tcp.stream 0, 0.028759 s) 0xc000006d to alice's AUTHENTICATE
/// in frame 10; frame 25 (tcp.stream 1, 0.138862 s) 0x00000000 to bob's
/// in frame 24; frame 63 (tcp.stream 2, 0.322186 s) 0x00000000 to alice's
/// in frame 62.
#[test]
fn wrong_password_then_other_user_then_right_names_hers() {
    let a = sample("ntlm-wrong-password-other-user-then-right.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    assert!(
        f.explanation.contains("The same client logged on to the same server as SAMPLES\\alice at frame 63 on tcp.stream 2, 293.4 ms later: it got past this refusal."),
        "{}",
        f.explanation
    );
}

/// Ten wrong passwords of alice, each on a connection of its own, then the
/// right one. tshark: SESSION_SETUP responses 0xc000006d in frames 11, 25,
/// 39, 53, 67, 81, 95, 109, 123 and 137 (tcp.stream 0 to 9, 0.017836 s to
/// 1.241835 s), 0x00000000 in frame 151 (tcp.stream 10, 1.374944 s), all to
/// AUTHENTICATEs of alice. What a guessing run that succeeds looks like: an
/// error, as it was before any logon softened a refusal, that names it.
#[test]
fn guesses_then_right_password_stay_an_error() {
    let a = sample("ntlm-ten-wrong-passwords-then-right.pcap");
    let f = with_code(&a, "logon.bad_password");
    assert_eq!(f.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    says(&f[0].title, ", 10 times");
    says(
        &f[0].explanation,
        "The same client logged on to the same server as SAMPLES\\alice at frame 151 on tcp.stream 10, 133.1 ms later, after 10 or more refused logons of this client to this server in the 30 s before it",
    );
    // The run is attack.password_guessing's, whose next step this one
    // gives way to.
    says(&f[0].title, "Part of attack.password_guessing: ");
    says(&f[0].next_step, "See attack.password_guessing (frame 10)");
}

/// The same capture as attack.password_guessing: brute force (one account
/// ten times), then the right password, told as guessed, with its frame.
#[test]
fn ten_wrong_passwords_then_right_are_brute_force_that_succeeded() {
    let a = sample("ntlm-ten-wrong-passwords-then-right.pcap");
    let g = with_code(&a, "attack.password_guessing");
    assert_eq!(g.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    says(
        &g[0].title,
        "Password brute force from 127.0.0.1: SAMPLES\\alice refused 10 times in 1.2 s; then SAMPLES\\alice logged on (frame 151): a guessed password",
    );
    says(
        &g[0].explanation,
        "SAMPLES\\alice refused 10 times is brute force",
    );
    says(&g[0].explanation, "SAMPLES\\alice, whose own logon the run had refused 10 times, logged on from the same address at frame 151");
    says(&g[0].explanation, "workstation CLIENT1");
    says(&g[0].next_step, "Reset the password of SAMPLES\\alice");
    assert!(
        !g[0].explanation.contains("spraying"),
        "{}",
        g[0].explanation
    );
    assert_eq!(g[0].user.as_deref(), Some("SAMPLES\\alice"));
    // It opens the report, before the refusals it explains.
    assert_eq!(a.diagnosis.findings[0].code, "attack.password_guessing");
}

/// smbclient tries carol's password for ten names (tshark: AUTHENTICATEs
/// of SAMPLES\admin ... SAMPLES\oracle from CLIENT1, frames 10 to 136,
/// each answered 0xc000006d, tcp.stream 0 to 9, 0.027691 s to 2.082934 s),
/// then for carol (frame 151, 0x00000000, tcp.stream 10): spraying, and the
/// account it found.
#[test]
fn password_spray_over_smb_names_the_accounts_and_the_guessed_one() {
    let a = sample("ntlm-password-spray-then-success.pcap");
    let g = only(&a, "attack.password_guessing");
    says(
        &g.title,
        "Password spraying from 127.0.0.1: 10 logons refused over 10 accounts in 2.1 s; then SAMPLES\\carol logged on (frame 151): a guessed password",
    );
    for want in [
        "(workstation CLIENT1, as its NTLM AUTHENTICATE names it)",
        "SAMPLES\\admin (once), SAMPLES\\administrator (once), SAMPLES\\alice (once), SAMPLES\\backup (once), SAMPLES\\bob (once) and 5 more",
        "between frame 10 and frame 137",
        "by 127.0.0.2: STATUS_LOGON_FAILURE (wrong password or unknown user) 10 times",
        "password spraying",
        "SAMPLES\\carol logged on from the same address at frame 151",
        "tcp.stream 10",
    ] {
        says(&g.explanation, want);
    }
    assert!(!g.explanation.contains("brute force"), "{}", g.explanation);
    for want in [
        "Block 127.0.0.1",
        "(it calls itself CLIENT1)",
        "Reset the password of SAMPLES\\carol",
        "4625",
        "auth_audit",
        "pdbedit",
        "not spraying",
    ] {
        says(&g.next_step, want);
    }
    assert_eq!(g.user.as_deref(), Some("SAMPLES\\carol"));
    assert_eq!(a.diagnosis.findings[0].code, "attack.password_guessing");
    // Each account's refusal is a logon.bad_password of its own, and says
    // it is part of the run.
    let bad = with_code(&a, "logon.bad_password");
    assert_eq!(bad.len(), 10, "{:#?}", describe(&a.diagnosis.findings));
    for f in bad {
        says(&f.title, "Part of attack.password_guessing: ");
        says(&f.explanation, "Part of the password guessing from 127.0.0.1 (attack.password_guessing, frames 10 to 137)");
        says(&f.next_step, "See attack.password_guessing (frame 10)");
    }
}

/// The same spray against smbd with 'map to guest = bad user' (tshark:
/// AUTHENTICATEs of SAMPLES\admin ... SAMPLES\oracle, frames 10 to 206;
/// eight answered 0x00000000 with smb2.ses_flags.guest 1, each of those
/// sessions' TREE_CONNECT to share answered 0xc0000022; alice's (59) and
/// bob's (97) answered 0xc000006d; carol's 231 0x00000000 without the
/// guest flag): before, two refusals made no run and the eight guest
/// sessions eight warnings. Spraying, the names it learned exist, and the
/// account it found; the guest and share findings are part of the run.
#[test]
fn password_spray_mapped_to_guest_is_spraying() {
    let a = sample("ntlm-password-spray-guest-mapped.pcap");
    let g = only(&a, "attack.password_guessing");
    says(
        &g.title,
        "Password spraying from 127.0.0.1: 10 logons over 10 accounts in 500.8 ms, 2 refused and 8 mapped to guest; then SAMPLES\\carol logged on (frame 231): a guessed password",
    );
    for want in [
        "tried 10 logons over 10 accounts, SAMPLES\\admin (once)",
        "between frame 10 and frame 207",
        "answered by 127.0.0.2: STATUS_LOGON_FAILURE (wrong password or unknown user) 2 times, STATUS_SUCCESS as guest 8 times",
        "8 of these logons succeeded as guest (SessionFlags IS_GUEST",
        "the names it refused (SAMPLES\\alice, SAMPLES\\bob) are accounts the server has",
        "SAMPLES\\carol logged on from the same address at frame 231",
        "after the first attempt;",
    ] {
        says(&g.explanation, want);
    }
    assert!(!g.explanation.contains("brute force"), "{}", g.explanation);
    says(&g.next_step, "'map to guest = never'");
    assert_eq!(g.user.as_deref(), Some("SAMPLES\\carol"));
    assert_eq!(a.diagnosis.findings[0].code, "attack.password_guessing");
    for (code, n) in [
        ("logon.bad_password", 2),
        ("session.guest", 8),
        ("tree.access_denied", 8),
    ] {
        let f = with_code(&a, code);
        assert_eq!(f.len(), n, "{code}: {:#?}", describe(&a.diagnosis.findings));
        for f in f {
            says(&f.title, "Part of attack.password_guessing: ");
            says(
                &f.explanation,
                "(attack.password_guessing, frames 10 to 207)",
            );
            says(&f.next_step, "See attack.password_guessing (frame 10)");
        }
    }
    // The share was refused to the guest account, not to the names typed.
    for f in with_code(&a, "tree.access_denied") {
        says(
            &f.explanation,
            "the session is a guest session (the server mapped the logon of SAMPLES\\",
        );
        says(&f.explanation, "'guest ok = yes'");
    }
}

/// kinit with alice's password for Administrator (tshark: frame 4
/// kerberos.error_code 24) and six names the KDC does not have (frames 6
/// to 16, error_code 6), each on a udp.stream of its own, then for alice
/// (frame 20 error_code 52, the AS-REQ again over TCP, frame 26 AS-REP):
/// spraying at the KDC, and the TGT it got.
#[test]
fn password_spray_at_the_kdc_names_the_principals_and_the_tgt() {
    let a = sample("krb5-kinit-password-spray-then-success.pcap");
    let g = only(&a, "attack.password_guessing");
    says(
        &g.title,
        "Password spraying from 127.0.0.1: 7 logons refused over 7 accounts in",
    );
    says(
        &g.title,
        "then alice@SAMPLES.SMBSCOPE.TEST logged on (frame 26): a guessed password",
    );
    for want in [
        "Administrator@SAMPLES.SMBSCOPE.TEST (once)",
        "KDC_ERR_PREAUTH_FAILED (wrong password, at the KDC) once, KDC_ERR_C_PRINCIPAL_UNKNOWN (no such user, at the KDC) 6 times",
        "an AS-REP from the KDC at 127.0.0.3: a TGT, tcp.stream",
    ] {
        says(&g.explanation, want);
    }
    assert_eq!(g.stream, None);
    for code in ["kerberos.preauth_failed", "kerberos.client_unknown"] {
        let f = with_code(&a, code);
        assert!(
            !f.is_empty(),
            "{code}: {:#?}",
            describe(&a.diagnosis.findings)
        );
        for f in f {
            says(&f.title, "Part of attack.password_guessing: ");
        }
    }
}

/// attack.password_guessing appears in these captures only, of every
/// sample and corpus capture: no false positive where a person mistyped
/// (ntlm-wrong-then-right-password, ntlm-dc-account-locked-out: three
/// wrong passwords then a lockout, four refusals of one account), where
/// Windows sent one wrong password four times (corpus
/// sv-smb2-ntlm-logon-failure), or where the refusals are anonymous.
#[test]
fn password_guessing_only_where_expected() {
    let expected = [
        "krb5-kinit-password-spray-then-success.pcap",
        "ntlm-password-spray-guest-mapped.pcap",
        "ntlm-password-spray-then-success.pcap",
        "ntlm-ten-wrong-passwords-then-right.pcap",
    ];
    let mut found = Vec::new();
    for (name, path) in sample_names_and_corpus() {
        let a = run(&path, &[]);
        if a.diagnosis
            .findings
            .iter()
            .any(|f| f.code == "attack.password_guessing")
        {
            found.push(name);
        }
    }
    assert_eq!(found, expected);
}

#[test]
fn every_code_is_covered_or_listed() {
    for (code, _, _) in CODES {
        let covered = CASES.iter().any(|c| c.1 == *code);
        assert!(
            covered || NOT_IN_CAPTURES.iter().any(|(c, _)| c == code),
            "{code}: no capture and not listed"
        );
    }
    for c in CASES
        .iter()
        .map(|c| c.1)
        .chain(NOT_IN_CAPTURES.iter().map(|(c, _)| *c))
    {
        assert!(CODES.iter().any(|(k, _, _)| *k == c), "{c} not in CODES");
    }
}

#[test]
fn documented_codes_match() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.md"))
        .expect("docs/report.md");
    for (code, _, _) in CODES {
        assert!(
            doc.contains(&format!("`{code}`")),
            "{code} not documented in docs/report.md"
        );
    }
}

/// README.md carries docs/report.md from its "## Report" heading on, word
/// for word (docs/report.md says so): a change to one is made to both.
#[test]
fn readme_carries_docs_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/report.md")).expect("docs/report.md");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let from = doc
        .find("## Report: smbscope FILE")
        .expect("the report heading in docs/report.md");
    assert!(
        readme.contains(doc[from..].trim_end()),
        "README.md does not carry docs/report.md's text from \"## Report\" on"
    );
}

/// What the rare-case samples must not show: an abandoned logon where the
/// server refused with a KRB-ERROR (the client had no way on), a generic
/// logon.failed or a key problem for Samba's answer to an expired ticket.
#[test]
fn no_double_findings_on_rare_samples() {
    for (name, not) in [
        ("krb5-ap-ticket-not-yet-valid.pcap", "logon.abandoned"),
        // The KDC's TKT_NYV (frame 13) is told in the kerberos.ap_error.
        ("krb5-ap-ticket-not-yet-valid.pcap", "kerberos.kdc_error"),
        ("impacket-krb5-expired-ticket.pcap", "logon.failed"),
        ("impacket-krb5-expired-ticket.pcap", "kerberos.ap_modified"),
    ] {
        let a = sample(name);
        assert!(
            !a.diagnosis.findings.iter().any(|f| f.code == not),
            "{name}: {not} in {:#?}",
            describe(&a.diagnosis.findings)
        );
    }
}

/// The report opens with the failure that ended the work: erin's lockout
/// (tshark: frame 53 is 0xc0000234, STATUS_ACCOUNT_LOCKED_OUT) before the
/// three wrong passwords (frames 11, 25, 39: 0xc000006d) that led to it,
/// although they came first in the capture.
/// The capture ends after the server's CHALLENGE (tshark: frame 9 is the
/// last, a SESSION_SETUP response STATUS_MORE_PROCESSING_REQUIRED): that
/// note is read before the server's signing setting, an INFO from the
/// NEGOTIATE response at frame 6 that comes earlier in the capture. On every
/// sample, within a severity, no posture.* finding comes before another.
#[test]
fn posture_findings_come_after_the_others_of_their_severity() {
    let a = sample("capture-ends-mid-logon.pcap");
    let got: Vec<(&str, &[u64])> = a
        .diagnosis
        .findings
        .iter()
        .map(|f| (f.code, f.frames.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("logon.capture_ended", &[8u64, 9][..]),
            ("posture.signing_not_required", &[6][..])
        ]
    );
    let mut checked = 0;
    for e in std::fs::read_dir(samples()).expect("samples") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) {
            continue;
        }
        let f = &sample(&name).diagnosis.findings;
        for w in f.windows(2) {
            let posture = |x: &Finding| x.code.starts_with("posture.");
            if w[0].severity == w[1].severity && posture(&w[0]) {
                assert!(posture(&w[1]), "{name}: {:?}", describe(f));
                checked += 1;
            }
        }
    }
    assert!(checked > 5, "{checked}");
}

/// The server does not require signing (tshark: frame 6
/// smb2.sec_mode.sign_required 0). Where the client's NEGOTIATE required it
/// (frame 4, sign_required 1) the finding says so, and that the session it
/// set up was signed (tshark: the 24 messages after frame 11 have
/// smb2.flags.signature 1), rather than warning as if it might not be.
/// tshark on impacket-ntlm-probe: frame 8 NTLMSSP_NEGOTIATE, frame 9
/// STATUS_MORE_PROCESSING_REQUIRED with NTLMSSP_CHALLENGE, frame 10 the
/// client's FIN, no AUTHENTICATE anywhere: the Next step says what the
/// capture shows instead of asking whether another SESSION_SETUP follows.
#[test]
fn ntlm_probe_is_named_from_the_capture() {
    let a = sample("impacket-ntlm-probe.pcap");
    let f = with_code(&a, "logon.abandoned");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(f.severity.as_str(), "warning");
    assert!(
        f.title
            .contains("read the server's NTLM CHALLENGE and disconnected"),
        "{}",
        f.title
    );
    assert!(
        f.explanation
            .contains("CHALLENGE at frame 9, and the client closed the connection (FIN at frame 10) 0.7 ms later without sending AUTHENTICATE"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("nmap"), "{}", f.explanation);
    assert!(
        !f.next_step.contains("if another SESSION_SETUP"),
        "{}",
        f.next_step
    );
    assert!(f.next_step.contains("scanner"), "{}", f.next_step);
}

/// tshark on file-read-only-filesystem: frames 21 (CREATE) and 29 (CLOSE)
/// answer STATUS_MEDIA_WRITE_PROTECTED (0xc00000a2), both on TreeId
/// 0x9c296448 of session alice: one finding, its cause and remedy once.
#[test]
fn read_only_file_system_is_one_finding() {
    let a = sample("file-read-only-filesystem.pcap");
    let f = with_code(&a, "file.write_protected");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(f.frames, [20, 21, 28, 29]);
    assert_eq!(
        f.title,
        "CREATE and CLOSE refused with STATUS_MEDIA_WRITE_PROTECTED (report.txt)"
    );
    assert!(
        f.explanation.contains(
            "could not create or change the files named, and the work it does at the close"
        ),
        "{}",
        f.explanation
    );
    assert_eq!(
        f.explanation.matches("errors=remount-ro").count(),
        1,
        "{}",
        f.explanation
    );
}

#[test]
fn signing_not_required_says_when_the_client_required_it() {
    let one = |name: &str| {
        let a = sample(name);
        let f = with_code(&a, "posture.signing_not_required");
        assert_eq!(f.len(), 1, "{name}: {:?}", describe(&a.diagnosis.findings));
        (
            f[0].title.clone(),
            f[0].explanation.clone(),
            f[0].frames.clone(),
        )
    };
    let (title, why, frames) = one("signing-client-required-server-disabled.pcap");
    assert_eq!(frames, [6]);
    assert_eq!(
        title,
        "The server does not require SMB signing (this client does)"
    );
    assert!(why.contains("This client required signing in its NEGOTIATE (frame 4), so the sessions it sets up on this connection are signed"), "{why}");
    assert!(
        why.contains("The capture shows its session signed (24 signed messages after the setup)"),
        "{why}"
    );
    assert!(!why.contains("Unless the client requires signing"), "{why}");
    // Neither side requires it (tshark: frame 4 sign_required 0).
    let (title, why, _) = one("ntlm-wrong-password.pcap");
    assert_eq!(title, "The server does not require SMB signing");
    assert!(
        why.contains("This client did not require signing either (its NEGOTIATE, frame 4)"),
        "{why}"
    );
    assert!(!why.contains("Unless the client requires signing"), "{why}");
}

/// The "k of n sessions signed" of posture.signing_not_required counts
/// the same sessions on both sides. impacket-setup-requires-signing:
/// impacket's NEGOTIATE requires no signing (tshark frame 4
/// smb2.sec_mode 0x01; smbd's answer, frame 6, 0x01 too), its
/// SESSION_SETUP requests do (frames 8, 10: smb2.sec_mode 0x02), smbd
/// signs the final response (frame 11, smb2.flags.signature 1), and the
/// client closes the connection with no message after the setup: a
/// session signed by its setup alone, which the text once counted among
/// the signed but not among the sessions ("1 of this connection's 0
/// sessions signed").
#[test]
fn signing_not_required_counts_a_session_signed_by_its_setup() {
    let name = "impacket-setup-requires-signing.pcap";
    let path = samples().join(name);
    let mode = |frame: u64| tshark_frame(&path, frame, &["smb2.sec_mode", "smb2.flags.signature"]);
    assert_eq!(mode(4), ["0x01", "0"]);
    assert_eq!(mode(8), ["0x02", "0"]);
    assert_eq!(mode(10), ["0x02", "0"]);
    assert_eq!(mode(11)[1], "1");
    let a = sample(name);
    let s = &a.model.sessions;
    assert_eq!(s.len(), 1);
    assert!(s[0].is_signed() && s[0].messages_after_setup == 0);
    let f = with_code(&a, "posture.signing_not_required");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let why = &f[0].explanation;
    assert!(!why.contains(" of this connection's "), "{why}");
    assert!(
        why.ends_with("This client signed its sessions all the same, as the capture shows."),
        "{why}"
    );
}

#[test]
fn a_lockout_is_read_before_the_wrong_passwords_it_explains() {
    let a = sample("ntlm-dc-account-locked-out.pcap");
    let codes: Vec<&str> = a.diagnosis.findings.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        ["logon.account_locked_out", "logon.bad_password"],
        "{:#?}",
        describe(&a.diagnosis.findings)
    );
    assert_eq!(a.diagnosis.findings[0].frames, [52, 53]);
    assert_eq!(a.diagnosis.findings[1].frames[0], 10);
}

/// The corpus capture's only STATUS_USER_SESSION_DELETED answers a second
/// LOGOFF (SessionId 0, frames 690/691) after the session was logged off:
/// harmless, so no session.deleted finding.
#[test]
fn double_logoff_is_not_session_deleted() {
    let Some(a) = load("corpus:sv-smb3-zerologon-anon-ntlm.pcap") else {
        return;
    };
    assert!(
        !a.diagnosis
            .findings
            .iter()
            .any(|f| f.code == "session.deleted"),
        "{:#?}",
        describe(&a.diagnosis.findings)
    );
}

#[test]
fn healthy_captures_have_no_error() {
    for name in [
        "ntlm-success-copy.pcap",
        "ntlm-smb311.pcap",
        "ntlm-smb202.pcap",
        "ntlm-smb311-encrypted.pcap",
        "krb5-success.pcap",
        "krb5-nonascii-user.pcap",
        "ntlm-dc-nonascii-user.pcap",
        "smbclient-impacket-server.pcap",
        "impacket-client-ntlm-smbd.pcap",
        "signing-client-required-server-disabled.pcap",
        "signing-server-mandatory-client-disabled.pcap",
        "krb5-ap-skew.pcap",
        "krb5-fallback-ntlm.pcap",
    ] {
        let a = sample(name);
        assert_eq!(
            a.diagnosis.errors(),
            0,
            "{name}: {:#?}",
            describe(&a.diagnosis.findings)
        );
        assert!(
            a.model
                .sessions
                .iter()
                .any(|s| s.outcome == Outcome::Success),
            "{name}"
        );
    }
}

/// The client required signing (tshark: frame 4 smb2.sec_mode 0x03) and
/// asked for NTLMSSP_NEGOTIATE_SIGN (frame 8 ntlmssp.negotiatesign 1); the
/// server's NEGOTIATE says signing enabled (frame 6 0x01), but its
/// CHALLENGE (frame 9, flags 0x628a0205) lacks the flag, which [MS-NLMP]
/// 2.2.2.5 has a server return when asked. No server setting turns signing
/// on there: the finding blames the server's NTLM, and the posture note,
/// which would ask that server to require the signing it cannot do for a
/// session that never was, is not made.
#[test]
fn signing_unsupported_blames_the_servers_ntlm_not_a_setting() {
    for name in [
        "smbclient-impacket-server-signing-required.pcap",
        "smbclient-encrypt-impacket-server.pcap",
    ] {
        let path = samples().join(name);
        let t = common::tshark_text(
            &path,
            "smb2",
            &["frame.number", "smb2.sec_mode", "ntlmssp.negotiatesign"],
        );
        let rows: Vec<Vec<&str>> = t.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows[0], ["4", "0x03", ""], "{name}: {t}");
        assert_eq!(rows[1], ["6", "0x01", ""], "{name}: {t}");
        assert_eq!(rows[2][2], "1", "{name}: {t}");
        assert_eq!(rows[3][..], ["9", "", "0"], "{name}: {t}");
        let a = sample(name);
        let codes: Vec<&str> = a.diagnosis.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["negotiate.signing_unsupported"], "{name}");
        let f = &a.diagnosis.findings[0];
        assert!(
            f.explanation.contains("NEGOTIATE (frame 4)"),
            "{}",
            f.explanation
        );
        assert!(
            f.explanation
                .contains("response (frame 6) says signing is enabled"),
            "{}",
            f.explanation
        );
        assert!(
            f.explanation
                .contains("CHALLENGE (frame 9) lacks NTLMSSP_NEGOTIATE_SIGN"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("not a setting"), "{}", f.explanation);
        let next = &f.next_step;
        assert!(next.starts_with("Use another server"), "{next}");
        assert!(!next.contains("server signing"), "{next}");
        assert!(
            next.contains("stop requiring signing on the client"),
            "{next}"
        );
    }
}

#[test]
fn session_model_on_samples() {
    let a = sample("ntlm-wrong-password.pcap");
    let s = &a.model.sessions[0];
    assert_eq!(
        (s.stream, s.session_id.to_string().as_str()),
        (0, "0x429b2cca")
    );
    assert_eq!(s.outcome, Outcome::Failure);
    assert_eq!(
        s.status.map(|x| x.to_string()).as_deref(),
        Some("STATUS_LOGON_FAILURE")
    );
    assert_eq!(s.mechanism, Some("ntlmssp"));
    assert_eq!(
        (
            s.user.as_deref(),
            s.domain.as_deref(),
            s.workstation.as_deref()
        ),
        (Some("alice"), Some("SAMPLES"), Some("CLIENT1"))
    );
    assert_eq!(
        s.dialect.as_ref().map(|d| d.to_string()).as_deref(),
        Some("3.1.1")
    );
    let frames: Vec<_> = s
        .rounds
        .iter()
        .map(|r| (r.request_frame, r.response_frame))
        .collect();
    assert_eq!(frames, vec![(8, Some(9)), (10, Some(11))]);
    assert_eq!(
        s.rounds[0].status.map(|x| x.to_string()).as_deref(),
        Some("STATUS_MORE_PROCESSING_REQUIRED")
    );

    let a = sample("krb5-ap-skew.pcap");
    let s = &a.model.sessions[0];
    assert_eq!(s.mechanism, Some("kerberos"));
    assert_eq!(
        s.service_principal.as_deref(),
        Some("cifs/dc1.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST")
    );
    assert_eq!(s.rounds.len(), 3);
    assert_eq!(s.rounds[0].kerberos_error(), Some("KRB_AP_ERR_SKEW"));
    assert_eq!(s.outcome, Outcome::Success);

    // The TGS-REPs are FAST-armoured: their outer cname is
    // WELLKNOWN/ANONYMOUS. The client comes from kinit's AS exchange
    // (frames 8 and 10) before the TGS exchange (25, 27).
    let a = sample("krb5-success.pcap");
    let s = &a.model.sessions[0];
    assert_eq!(
        s.client_principal.as_deref(),
        Some("alice@SAMPLES.SMBSCOPE.TEST")
    );
    assert_eq!(s.kdc_frames, vec![8, 10, 25, 27]);
    // No AS exchange in the capture: the client stays unknown, never the
    // anonymous name of the outer reply.
    let a = sample("krb5-nonascii-user.pcap");
    let s = &a.model.sessions[0];
    assert_eq!(s.client_principal, None);
    assert_eq!(s.kdc_frames, vec![11, 13]);

    let a = sample("guest-bad-user.pcap");
    assert_eq!(a.model.sessions[0].outcome, Outcome::Guest);
    let a = sample("anonymous-list-shares.pcap");
    assert_eq!(a.model.sessions[0].outcome, Outcome::Anonymous);
    let a = sample("ntlm-smb311-encrypted.pcap");
    assert!(a.model.sessions[0].encrypted);
}

/// A session is signed by what follows its setup: the messages after its
/// first successful SESSION_SETUP response (both directions, every channel;
/// not interim responses, CANCELs or MessageId 0xFFFFFFFFFFFFFFFF
/// notifications), all signed or encrypted. The counts are tshark's:
/// `tshark -Y smb2 -T fields -e frame.number -e smb2.sesid
/// -e smb2.flags.signature` from the frame after the setup's last one.
#[test]
fn session_signing_is_what_follows_the_setup() {
    // (capture, messages, signed, encrypted, first unsigned frame, signed)
    type Case = (&'static str, u64, u64, u64, Option<u64>, bool);
    let cases: &[Case] = &[
        // Only the TREE_CONNECTs (12/13, 18/19) signed: smbd signs a
        // response to a signed request; neither side requires signing.
        ("ntlm-smb311.pcap", 24, 4, 0, Some(14), false),
        // Frame 104, the READ's interim STATUS_PENDING, is not counted.
        ("ntlm-success-copy.pcap", 50, 4, 0, Some(14), false),
        (
            "signing-client-required-server-disabled.pcap",
            24,
            24,
            0,
            None,
            true,
        ),
        (
            "signing-server-mandatory-client-disabled.pcap",
            24,
            24,
            0,
            None,
            true,
        ),
        ("guest-bad-user.pcap", 32, 0, 0, Some(12), false),
        ("ntlm-smb311-encrypted.pcap", 32, 0, 32, None, false),
        // Encrypted on the share, but IPC$ and the tree connect before it
        // are plain and mostly unsigned.
        (
            "ntlm-smb311-share-encryption-required.pcap",
            24,
            4,
            16,
            Some(14),
            false,
        ),
        // The LOGOFF response (15) ends the count: 12-15.
        (
            "impacket-session-deleted-after-logoff.pcap",
            4,
            0,
            0,
            Some(12),
            false,
        ),
    ];
    for &(name, n, signed, enc, first, is_signed) in cases {
        let a = sample(name);
        let s = &a.model.sessions[0];
        assert_eq!(
            (
                s.messages_after_setup,
                s.signed_after_setup,
                s.encrypted_after_setup,
                s.first_unsigned_frame,
                s.signed
            ),
            (n, signed, enc, first, Some(is_signed)),
            "{name}"
        );
    }
    let enc = sample("ntlm-smb311-encrypted.pcap");
    assert!(enc.model.sessions[0].signed_or_encrypted());
    let part = sample("ntlm-smb311-share-encryption-required.pcap");
    assert!(!part.model.sessions[0].signed_or_encrypted());

    // A LOGOFF on a bound channel ends the session on every channel
    // ([MS-SMB2] 3.3.5.6): the session is set up on stream 0 (11), bound on
    // stream 1 (29-32) and logged off there (41/42); the CREATE that stream
    // 0 sends after it (43) is answered USER_SESSION_DELETED (44), and
    // neither is the session's any more. The first entry counts 12-21 and
    // 29-42 (tshark: 24, all signed), the bound channel 33-42.
    let a = sample("impacket-multichannel-logoff-bound-channel.pcap");
    let counts: Vec<_> = a
        .model
        .sessions
        .iter()
        .map(|s| {
            (
                s.stream,
                s.bound_to_stream,
                s.messages_after_setup,
                s.signed_after_setup,
                s.logoff_frame,
            )
        })
        .collect();
    assert_eq!(
        counts,
        [(0, None, 24, 24, None), (1, Some(0), 10, 10, Some(42))]
    );
    // The refusal on stream 0 names that LOGOFF on the other channel.
    let f = with_code(&a, "session.deleted");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].stream, f[0].frames.as_slice()),
        (Some(0), &[43, 44][..])
    );
    assert!(f[0]
        .explanation
        .contains("logged off at frame 42 by a LOGOFF on another channel"));

    let Some(d) = corpus() else { return };
    // Multichannel: the first entry counts its SessionId's messages on all
    // five connections (tshark: 16 of 734 signed, the first unsigned at
    // 13); each bound channel, those of its own after its binding.
    let a = run(&d.join("zeek-smb3-multichannel.pcap"), &[]);
    let s = a
        .model
        .sessions
        .iter()
        .find(|s| s.id == 0x1c00_1000_0049 && s.bound_to_stream.is_none())
        .expect("session");
    assert_eq!(
        (
            s.messages_after_setup,
            s.signed_after_setup,
            s.first_unsigned_frame
        ),
        (734, 16, Some(13))
    );
    let channel = a
        .model
        .sessions
        .iter()
        .find(|s| s.id == 0x1c00_1000_0049 && s.stream == 1)
        .expect("channel");
    assert_eq!(
        (channel.messages_after_setup, channel.signed_after_setup),
        (62, 0)
    );
    // Nothing after the setup: what NEGOTIATE required decides. The server
    // requires signing (SecurityMode 0x03) here.
    let a = run(&d.join("zeek-smb2-kerberos445-auth.pcapng"), &[]);
    let s = &a.model.sessions[0];
    assert_eq!(s.messages_after_setup, 0);
    assert_eq!(s.signed, Some(true));
    // No NEGOTIATE in the capture, and a signed final SESSION_SETUP
    // response (frame 15), which SMB 3.x signs in any session with a key,
    // shows nothing alone; but the SESSION_SETUP request (frame 14) has
    // SIGNING_REQUIRED in its SecurityMode (tshark: smb2.sec_mode 0x02), as
    // a client that requires signing sets it ([MS-SMB2] 3.2.4.2.3): a
    // session of the user's own, signed, as with a NEGOTIATE requiring it.
    let a = run(&d.join("pcapattack-smb2-kerberos-rc4.pcapng"), &[]);
    let s = &a.model.sessions[0];
    assert_eq!(s.messages_after_setup, 0);
    assert_eq!(s.setup_signing_required, Some(14));
    assert_eq!(s.signed, Some(true));
}

#[test]
fn trees_and_file_operations() {
    let a = sample("ntlm-success-copy.pcap");
    let share = a
        .model
        .trees
        .iter()
        .find(|t| t.share.ends_with("\\share"))
        .expect("share tree");
    assert_eq!(
        share.share_type.map(|t| t.to_string()).as_deref(),
        Some("DISK")
    );
    assert_eq!(share.write_bytes, 3 << 20);
    assert_eq!(share.read_bytes, 3 << 20);
    assert!(share.opens >= 2);
    let a = sample("ntlm-bad-share.pcap");
    let t = a
        .model
        .trees
        .iter()
        .find(|t| {
            t.status
                .is_some_and(|s| s.to_string() == "STATUS_BAD_NETWORK_NAME")
        })
        .expect("failed tree");
    assert_eq!(t.share, "\\\\127.0.0.2\\nosuchshare");
}

#[test]
fn sharing_violation_names_the_holder() {
    let a = sample("file-sharing-violation.pcap");
    // Both of bob's refused CREATEs (delete, rename) name alice's open.
    let errors = &a.model.connection(1).expect("bob's connection").errors;
    assert_eq!(errors.len(), 2);
    for e in errors {
        let h = e.held_by.as_deref().expect("holder");
        assert_eq!((h.stream, h.request_frame, h.frame), (0, 20, 21));
        assert_eq!(h.session_id.to_string(), "0x8a218756");
        assert_eq!(h.desired_access.0, 0x3, "FILE_READ_DATA | FILE_WRITE_DATA");
        assert_eq!(h.share_access.0, 0x3, "READ | WRITE");
        assert_eq!(
            h.conflict_asked.0, 0x4,
            "DELETE, which alice does not share"
        );
        assert_eq!(h.conflict_held.0, 0);
    }
    let f = &with_code(&a, "file.sharing_violation")[0];
    for part in [
        "frame 20 (answered in frame 21) on tcp.stream 0",
        "by SAMPLES\\alice",
        "sharing only READ, WRITE",
        "asked for DELETE access",
    ] {
        assert!(f.explanation.contains(part), "{part}: {}", f.explanation);
    }
    assert!(f
        .next_step
        .starts_with("Have SAMPLES\\alice on 127.0.0.1 close the file"));
    assert_eq!(f.user.as_deref(), Some("SAMPLES\\bob"));
    // Once alice has closed it (frame 59) it is no longer held: nothing
    // else in the capture is refused, and alice's own errors are none.
    assert!(a.model.connection(0).expect("alice").errors.is_empty());
}

/// The LOGOFF responses of a capture's tshark table (samples/tshark):
/// (frame, tcp.stream, smb2.nt_status, smb2.sesid).
fn tshark_logoffs(name: &str) -> Vec<(u64, u64, String, String)> {
    let path = samples().join("tshark").join(format!("{name}.tshark.tsv"));
    let text = std::fs::read_to_string(&path).expect("tshark table");
    text.lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|c| c.get(9) == Some(&"2") && c.get(10) == Some(&"1"))
        .map(|c| {
            let n = |i: usize| c[i].parse::<u64>().expect("number");
            (n(0), n(8), c[11].to_string(), c[13].to_string())
        })
        .collect()
}

#[test]
fn a_refused_logoff_ends_nothing() {
    let name = "impacket-logoff-refused.pcap";
    // tshark: bob's LOGOFF naming alice's session on his connection is
    // USER_SESSION_DELETED (30), alice's with a bad signature ACCESS_DENIED
    // (35); alice's real LOGOFF (40) and bob's (44) succeed.
    let alice = "0x00000000e320f0af";
    assert_eq!(
        tshark_logoffs(name),
        [
            (30, 1, "0xc0000203".into(), alice.into()),
            (35, 0, "0xc0000022".into(), alice.into()),
            (40, 0, "0x00000000".into(), alice.into()),
            (44, 1, "0x00000000".into(), "0x000000004d1dd375".into()),
        ]
    );
    let a = sample(name);
    // Both of bob's refused CREATEs (33, after the LOGOFF of frame 30; 38,
    // after that of 35) name alice's open of frames 14/15: neither LOGOFF
    // ended her session. (Before: 30 marked her SessionId ended on the
    // server, 35 dropped her opens, and neither refusal named a holder.)
    let bob = a.model.connection(1).expect("bob's connection");
    let held: Vec<_> = bob
        .errors
        .iter()
        .map(|e| {
            let h = e.held_by.as_deref();
            (e.frame, h.map(|h| (h.stream, h.request_frame, h.frame)))
        })
        .collect();
    assert_eq!(held, [(33, Some((0, 14, 15))), (38, Some((0, 14, 15)))]);
    let h = bob.errors[0].held_by.as_deref().expect("holder");
    assert_eq!(h.session_id.to_string(), "0xe320f0af");
    assert_eq!(h.share_access.0, 0, "alice shares nothing");
    // The refused LOGOFF is an error of alice's connection; the one that
    // found no session is not.
    let alice_errors: Vec<_> = a
        .model
        .connection(0)
        .expect("alice's connection")
        .errors
        .iter()
        .map(|e| (e.frame, e.command.as_str(), e.status.to_string()))
        .collect();
    assert_eq!(
        alice_errors,
        [(35, "LOGOFF", "STATUS_ACCESS_DENIED".into())]
    );
    // alice's session ended at her LOGOFF of frame 40, not at 30 or 35: its
    // messages after the setup run to frame 40 on her connection (tshark:
    // 12-15, 34/35, 39/40; all signed). Frames 29/30 carry her SessionId on
    // bob's connection, which set up no session of hers and bound none: the
    // server does not find it in that connection's session table and
    // answers USER_SESSION_DELETED ([MS-SMB2] 3.3.5.2.9), so they are not
    // hers (before: counted, 10 of 10).
    let path = samples().join("tshark").join(format!("{name}.tshark.tsv"));
    let text = std::fs::read_to_string(&path).expect("tshark table");
    let mut with_her_id = [0u64; 2];
    for c in text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
    {
        let frame: u64 = c[0].parse().expect("frame");
        if c.get(13) == Some(&alice) && (12..=40).contains(&frame) {
            let stream: usize = c[8].parse().expect("stream");
            with_her_id[stream] += 1;
        }
    }
    assert_eq!(with_her_id, [8, 2]);
    let s = a
        .model
        .sessions
        .iter()
        .find(|s| s.stream == 0)
        .expect("alice's session");
    assert_eq!(s.logoff_frame, Some(40));
    let n = with_her_id[0];
    assert_eq!((s.messages_after_setup, s.signed_after_setup), (n, n));
    assert_eq!(s.signed, Some(true));
    let f = &with_code(&a, "file.sharing_violation")[0];
    assert!(
        f.explanation.contains("by SAMPLES\\alice"),
        "{}",
        f.explanation
    );
}

#[test]
fn too_many_open_files_counts_the_opens() {
    let a = sample("file-too-many-open-files.pcap");
    let errors = &a.model.connection(0).expect("connection").errors;
    assert_eq!(errors.len(), 6);
    // f1..f101 opened and not closed: Samba's limit ('max open files = 101').
    assert!(errors.iter().all(|e| e.open_files == Some(101)));
    let f = &with_code(&a, "file.too_many_open_files")[0];
    assert!(
        f.explanation.contains("this connection had 101 files open"),
        "{}",
        f.explanation
    );
    // No other finding of a file operation: every other open succeeded.
    assert_eq!(
        a.diagnosis
            .findings
            .iter()
            .filter(|f| f.code.starts_with("file."))
            .count(),
        1
    );
}

#[test]
fn kerberos_joined_to_smb() {
    let a = sample("krb5-fallback-ntlm.pcap");
    let tgs: Vec<_> = a
        .model
        .kdc
        .iter()
        .filter(|x| x.request.to_string() == "TGS-REQ")
        .collect();
    assert_eq!(tgs.len(), 2);
    assert!(tgs
        .iter()
        .all(|x| x.smb_stream == Some(0)
            && x.error.as_deref() == Some("KDC_ERR_S_PRINCIPAL_UNKNOWN")));
    assert_eq!(
        tgs[0].service_principal.as_deref(),
        Some("cifs/alias.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST")
    );
}

/// IAKERB ([draft-ietf-kitten-iakerb]): the KDC exchange travels inside
/// SESSION_SETUP. The in-band AS-REP (frame 15) names the client in clear;
/// the TGS-REP (frame 17) is under FAST with an empty cname, so the AS-REP's
/// name is the session's client principal.
#[test]
fn iakerb_in_band_as_rep_names_the_client() {
    let Some(a) = load("corpus:sv-smb302-null-linktype-kerberos.pcap") else {
        return;
    };
    let s = &a.model.sessions[0];
    assert_eq!(s.mechanism, Some("kerberos"));
    assert_eq!(
        s.client_principal.as_deref(),
        Some("toto@LKDC:SHA1.EE7C7BEB5178985C880BF8C24587E67DB363FC66")
    );
    // No KDC traffic on port 88: the name came from the tokens.
    assert!(a.model.kdc.is_empty());
}

/// Bytes that hold no SMB message are counted per connection, with the
/// first of them: on the corpus capture, each of the 18 connections carries
/// 3500 client bytes (tshark: tcp.len 132 + 1460 + 1460 + 448), a NetBIOS
/// header declaring 65527 bytes and "BAAD" where an SMB header belongs; on
/// the sample, curl's 77-byte HTTP request. The capture-wide count is their
/// sum, and connections with SMB skip nothing.
#[test]
fn bytes_that_are_not_smb_are_counted_per_connection() {
    let a = sample("not-smb-http-to-445.pcap");
    let c = &a.model.connections[0];
    assert_eq!(
        (c.messages, c.skipped_bytes, c.server_skipped_bytes),
        (0, 77, 0)
    );
    assert_eq!(c.first_skipped_frame, Some(4));
    let h = c.skipped_head.as_deref().expect("head");
    assert!(h.from_client);
    assert_eq!(h.hex(), "474554202f204854");
    assert_eq!(h.describe(), "text \"GET / HT\"");
    assert_eq!(a.model.connections[1].skipped_bytes, 0);
    assert!(a.model.connections[1].messages > 0);
    assert_eq!(a.outcome.stats.resync_skipped_bytes, 77);
    // curl's request is said to be one: no word of exploits grooming memory.
    let f = with_code(&a, "connection.not_smb");
    assert_eq!(
        f[0].title,
        "A connection from 127.0.0.1 to 127.0.0.2:445 carried an HTTP request, not SMB"
    );
    assert!(
        f[0].explanation.contains(
            "an HTTP request was sent to port 445: not an SMB client (a scanner, or a misdirected client)"
        ) && !f[0].explanation.contains("groom"),
        "{}",
        f[0].explanation
    );

    let Some(a) = load("corpus:sv-smb21-kerberos-many-sessions.pcap") else {
        return;
    };
    let not_smb: Vec<_> = a
        .model
        .connections
        .iter()
        .filter(|c| c.skipped_bytes > 0)
        .collect();
    let streams: Vec<u64> = not_smb.iter().map(|c| c.stream).collect();
    let want: Vec<u64> = (6..=18).chain(20..=24).collect();
    assert_eq!(streams, want);
    for c in &not_smb {
        assert_eq!(
            (c.messages, c.skipped_bytes, c.server_skipped_bytes),
            (0, 3500, 0)
        );
        let h = c.skipped_head.as_deref().expect("head");
        assert_eq!(h.hex(), "0000fff742414144");
        assert!(h.describe().contains("a message of 65527 bytes"));
    }
    assert_eq!(a.outcome.stats.resync_skipped_bytes, 18 * 3500);
}

/// The SMB1 transactions of MS17-010 on stream 4 of the corpus capture, as
/// tshark shows them: frame 115 SMB_COM_TRANSACTION (smb.sc 2,
/// smb_pipe.function 0x0023, smb.fid 0x0000), 116 its answer 0xc0000205,
/// 118 SMB_COM_NT_TRANSACT (smb.nt.function 0), then 16 requests
/// smb.cmd == 0x33 with smb.mid 0. No other connection has either.
#[test]
fn ms17_010_check_and_exploit_are_recorded() {
    let Some(a) = load("corpus:sv-smb21-kerberos-many-sessions.pcap") else {
        return;
    };
    let with: Vec<_> = a
        .model
        .connections
        .iter()
        .filter(|c| c.ms17_010_check.is_some() || c.eternalblue.is_some())
        .collect();
    assert_eq!(with.len(), 1);
    let c = with[0];
    assert_eq!(c.stream, 4);
    let ch = c.ms17_010_check.as_deref().expect("check");
    assert_eq!((ch.request_frame, ch.response_frame), (115, Some(116)));
    assert_eq!(ch.status.map(|s| s.0), Some(0xC000_0205));
    let e = c.eternalblue.as_deref().expect("exploit");
    assert_eq!(
        (
            e.nt_transact_frame,
            e.nt_function,
            e.secondary_frame,
            e.secondaries
        ),
        (118, Some(0), 123, 16)
    );
    // The exploit's grooming connections are tied to it, and said to be
    // grooming (their bytes, a NetBIOS length and "BAAD", are no HTTP).
    let f = with_code(&a, "connection.not_smb");
    assert!(f[0]
        .explanation
        .contains("EternalBlue exploit to this server on tcp.stream 4"));
    assert!(f[0].title.ends_with("carried no SMB"), "{}", f[0].title);
    assert!(f[0]
        .explanation
        .contains("send large messages that are not SMB to groom the server's memory"));
}

/// The MS17-010 check answered by a server that has no MS17-010 hole
/// (smbd: STATUS_INVALID_HANDLE to the TRANS_PEEK_NMPIPE on FID 0): the
/// check is recorded with its answer, and posture.ms17_010 is not raised.
#[test]
fn ms17_010_check_answered_otherwise_is_no_finding() {
    let a = sample("smb1-ms17-010-check-smbd.pcap");
    let c = &a.model.connections[0];
    let ch = c.ms17_010_check.as_deref().expect("the check is recorded");
    assert_eq!((ch.request_frame, ch.response_frame), (14, Some(15)));
    assert_eq!(
        ch.status.map(|s| s.to_string()).as_deref(),
        Some("STATUS_INVALID_HANDLE")
    );
    assert!(c.eternalblue.is_none());
    assert!(
        with_code(&a, "posture.ms17_010").is_empty(),
        "{:#?}",
        describe(&a.diagnosis.findings)
    );
    // The check's request is one the watch knows: in the corpus capture the
    // same check answered STATUS_INSUFF_SERVER_RESOURCES raises it.
    if let Some(a) = load("corpus:sv-smb21-kerberos-many-sessions.pcap") {
        assert_eq!(with_code(&a, "posture.ms17_010").len(), 1);
    }
}

/// SMB1 errors in the DOS form ([MS-CIFS] 2.2.3.1, Flags2 without
/// NT_STATUS) in the report: named by class and code, never as an NTSTATUS
/// (the bytes of ERRDOS/ERRnoaccess, 0x00050001, are no NTSTATUS name's),
/// and a failure where they answer a logon or a tree connect. The NTSTATUS
/// twins of these captures (smb1-no-spnego-wrong-password, NTLMv1 without
/// SPNEGO too, and smb1-ntlm-bad-share) get the same outcome and codes.
#[test]
fn smb1_dos_form_errors_in_the_report() {
    use smbscope::report::filter::Filter;
    use smbscope::report::messages::CaptureSummary;
    use smbscope::report::report_json::ReportJson;
    let json = |a: &Analysis| {
        let capture = CaptureSummary::new("x.pcap", &a.outcome.stats, None);
        let filter = Filter::default();
        let doc = ReportJson::new(&a.model, &a.diagnosis, &capture, &filter);
        serde_json::to_value(&doc).expect("json")
    };
    let a = sample("smb1-dos-wrong-password.pcap");
    let twin = sample("smb1-no-spnego-wrong-password.pcap");
    let (j, t) = (json(&a), json(&twin));
    let (s, ts) = (&j["sessions"][0], &t["sessions"][0]);
    assert_eq!(s["outcome"], "failure");
    assert_eq!(s["outcome"], ts["outcome"]);
    assert_eq!(s["status"], "ERRDOS/ERRnoaccess");
    assert_eq!(ts["status"], "STATUS_LOGON_FAILURE");
    assert_eq!(
        (s["mechanism"].as_str(), s["user"].as_str()),
        (Some("ntlm"), Some("alice"))
    );
    assert_eq!(s["rounds"][0]["status"], "ERRDOS/ERRnoaccess");
    assert_eq!(s["rounds"][0]["response_frame"], 9);
    let f = with_code(&a, "logon.ntlmv1_rejected");
    assert_eq!(f[0].status.as_deref(), Some("ERRDOS/ERRnoaccess"));
    assert!(
        f[0].explanation.contains("[MS-CIFS] 3.3.5.43"),
        "{}",
        f[0].explanation
    );
    assert_eq!(
        with_code(&twin, "logon.ntlmv1_rejected")[0]
            .status
            .as_deref(),
        Some("STATUS_LOGON_FAILURE")
    );
    // Nothing of the DOS-form capture reads as SMB1 in use with success
    // but the NEGOTIATE: the session was not set up.
    assert_eq!(a.model.connections[0].smb1_used_frame, None);

    let a = sample("smb1-dos-bad-share-missing-file.pcap");
    let j = json(&a);
    assert_eq!(j["sessions"][0]["outcome"], "success");
    assert_eq!(j["sessions"][0]["status"], "STATUS_SUCCESS");
    let trees: Vec<(&str, &str)> = j["trees"]
        .as_array()
        .expect("trees")
        .iter()
        .map(|t| {
            (
                t["share"].as_str().unwrap_or(""),
                t["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        trees,
        [
            ("\\\\127.0.0.2\\NOSUCHSHARE", "ERRDOS/ERRnosuchshare"),
            ("\\\\127.0.0.2\\SHARE", "STATUS_SUCCESS")
        ]
    );
    let f = with_code(&a, "tree.not_found");
    assert_eq!(f[0].status.as_deref(), Some("ERRDOS/ERRnosuchshare"));
    assert_eq!(
        with_code(&sample("smb1-ntlm-bad-share.pcap"), "tree.not_found")[0]
            .status
            .as_deref(),
        Some("STATUS_BAD_NETWORK_NAME")
    );
    // SMB1 in use from the logon's success (frame 9), as in NTSTATUS form.
    assert_eq!(a.model.connections[0].smb1_used_frame, Some(9));
    let no_error = a
        .diagnosis
        .findings
        .iter()
        .filter(|f| f.severity == smbscope::diagnose::Severity::Error)
        .count();
    assert_eq!(no_error, 1, "{:#?}", describe(&a.diagnosis.findings));
}

/// Samba's KDC puts the account's NTSTATUS in a PA-PW-SALT of the
/// KRB-ERROR's METHOD-DATA (a 12-byte KERB-EXT-ERROR, [MS-KILE] 2.2.1):
/// decoded, it names the reason in the finding's title. The lockout
/// sample's KRB-ERROR has no such PA-DATA: the title lists the reasons.
#[test]
fn kdc_extended_error_names_the_account_problem() {
    for (name, status) in [
        (
            "krb5-kinit-account-expired.pcap",
            Some("STATUS_ACCOUNT_EXPIRED"),
        ),
        (
            "krb5-kinit-account-disabled.pcap",
            Some("STATUS_ACCOUNT_DISABLED"),
        ),
        (
            "krb5-kinit-invalid-logon-hours.pcap",
            Some("STATUS_INVALID_LOGON_HOURS"),
        ),
        (
            "krb5-kinit-password-expired.pcap",
            Some("STATUS_PASSWORD_EXPIRED"),
        ),
        (
            "krb5-kinit-password-must-change.pcap",
            Some("STATUS_PASSWORD_MUST_CHANGE"),
        ),
        ("krb5-kinit-account-locked-out.pcap", None),
    ] {
        let a = sample(name);
        let statuses: Vec<_> = a
            .model
            .kdc
            .iter()
            .filter(|x| matches!(x.error_code, Some(18 | 23)))
            .map(|x| x.nt_status.as_deref())
            .collect();
        assert_eq!(statuses, [status], "{name}");
        let f = a
            .diagnosis
            .findings
            .iter()
            .find(|f| f.code.starts_with("kerberos."))
            .unwrap_or_else(|| panic!("{name}: no kerberos finding"));
        match status {
            Some(st) => assert!(f.title.ends_with(&format!("({st})")), "{name}: {}", f.title),
            None => assert!(
                f.title.contains("disabled, locked out, expired"),
                "{}",
                f.title
            ),
        }
    }
}

/// An anonymous session that read a file from a disk share: the posture
/// warning says so (sv-smb311-large-read: one READ of 3,164,140 bytes from
/// \\192.168.20.100\moo); one that only listed shares on IPC$ does not.
#[test]
fn anonymous_file_access_is_named() {
    let Some(d) = corpus() else { return };
    let a = run(&d.join("sv-smb311-large-read.pcap"), &[]);
    let f = with_code(&a, "posture.anonymous_allowed");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].explanation.contains(
            "reached file data: 3164140 byte(s) read and 0 written on the disk share \\\\192.168.20.100\\moo."
        ),
        "{}",
        f[0].explanation
    );
    let a = sample("anonymous-list-shares.pcap");
    let f = with_code(&a, "posture.anonymous_allowed");
    assert_eq!(f.len(), 1);
    assert!(
        !f[0].explanation.contains("file data"),
        "{}",
        f[0].explanation
    );
}

/// A stream whose only SMB message is a response asked nothing: no "never
/// answered" (zeek-smb2-fscontrol-port139). A client that logs on as GUEST
/// and gets a guest session is not told it was mapped to guest.
#[test]
fn no_request_is_not_unanswered_and_guest_asked_is_guest_given() {
    let Some(d) = corpus() else { return };
    let a = run(&d.join("zeek-smb2-fscontrol-port139.pcap"), &[]);
    assert!(
        !a.diagnosis
            .findings
            .iter()
            .any(|f| f.code == "connection.no_response"),
        "{:#?}",
        describe(&a.diagnosis.findings)
    );
    let a = run(&d.join("sv-smb302-guest-compound.pcap"), &[]);
    let f = a
        .diagnosis
        .findings
        .iter()
        .find(|f| f.code == "session.guest")
        .expect("session.guest");
    assert_eq!(f.title, "Guest session (the client logged on as guest)");
    assert!(!f.explanation.contains("mapped"), "{}", f.explanation);
}

/// Two refused logons of the built-in Guest account from one client: one
/// finding that says what Guest is and does not advise enabling it.
#[test]
fn guest_account_disabled_once_and_not_to_be_enabled() {
    let Some(d) = corpus() else { return };
    let a = run(&d.join("sv-smb3-account-disabled.pcap"), &[]);
    let f = with_code(&a, "logon.account_disabled");
    assert_eq!(f.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    assert!(f[0].title.ends_with("(guest), 2 times"), "{}", f[0].title);
    assert!(f[0].explanation.contains("built-in Guest account disabled"));
    assert!(
        !f[0].next_step.contains("Enable-ADAccount"),
        "{}",
        f[0].next_step
    );
}

/// The client's 26 refused anonymous logons next to its own working session
/// make one note, not 26 errors; the capture has no error finding of
/// logons (its one error is the files it rewrote as .enc,
/// attack.ransomware_like). Two
/// refused on two connections, with no logon of the client's own, make one
/// error naming both. Ten anonymous sessions of one client make one note
/// and one posture warning, not ten each.
#[test]
fn anonymous_logons_are_grouped() {
    let Some(d) = corpus() else { return };
    let a = run(&d.join("zeek-smb3-multichannel.pcap"), &[]);
    let refused = with_code(&a, "logon.anonymous_refused");
    assert_eq!(refused.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    let f = refused[0];
    assert!(f.title.contains("26 anonymous logons"), "{}", f.title);
    assert!(f.explanation.contains(".\\user2"), "{}", f.explanation);
    assert_eq!(f.status.as_deref(), Some("STATUS_ACCESS_DENIED"));
    assert!(
        !a.diagnosis
            .findings
            .iter()
            .any(|f| f.severity.as_str() == "error" && f.code != "attack.ransomware_like"),
        "{:#?}",
        describe(&a.diagnosis.findings)
    );

    let a = run(&d.join("pcapattack-smb311-spoolsample-ntlm.pcapng"), &[]);
    let refused = with_code(&a, "logon.anonymous_refused");
    assert_eq!(refused.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    assert!(refused[0].title.contains("2 anonymous logons"));
    assert!(refused[0].explanation.contains("(tcp.stream 2, 3)"));
    assert!(!a
        .diagnosis
        .findings
        .iter()
        .any(|f| f.code == "logon.failed" || f.title.contains("((")));

    let a = run(&d.join("sv-smb3-zerologon-anon-ntlm.pcap"), &[]);
    for (code, title) in [
        ("session.anonymous", "10 anonymous (null) sessions"),
        (
            "posture.anonymous_allowed",
            "The server at 172.16.5.58:445 accepts anonymous sessions",
        ),
    ] {
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{code}: {:#?}", describe(&a.diagnosis.findings));
        assert_eq!(f[0].title, title);
        // Ten sessions on ten streams: no one stream, each of them covered.
        assert_eq!(f[0].stream, None);
        assert_eq!(f[0].covers.len(), 10);
        assert!(f[0].covers.iter().any(|&(s, _)| s == 52));
        assert_eq!(
            f[0].frames,
            [639, 640, 672, 673, 711, 712, 746, 747, 986, 987]
        );
        assert!(f[0]
            .explanation
            .contains("tcp.stream 42, 43, 44, 45, 46 and 5 more"));
    }
}

#[test]
fn multichannel_binding() {
    let Some(d) = corpus() else { return };
    let a = run(&d.join("zeek-smb3-multichannel.pcap"), &[]);
    let bound: Vec<_> = a
        .model
        .sessions
        .iter()
        .filter(|s| s.bound_to_stream.is_some())
        .collect();
    assert!(!bound.is_empty(), "no bound channel found");
    for b in &bound {
        let first = a
            .model
            .sessions
            .iter()
            .find(|s| Some(s.stream) == b.bound_to_stream && s.id == b.id)
            .expect("original");
        assert!(first.channels.contains(&b.stream));
        assert!(b.rounds.iter().any(|r| r.binding));
    }
}

/// The JSON document is written item by item by our pretty writer: the
/// bytes are serde_json's `to_writer_pretty` of the whole document, on
/// every sample and corpus capture.
#[test]
fn json_document_is_serde_json_pretty() {
    use smbscope::report::filter::Filter;
    use smbscope::report::messages::CaptureSummary;
    use smbscope::report::report_json::ReportJson;
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples())
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    if let Some(d) = corpus() {
        files.extend(
            std::fs::read_dir(d)
                .expect("corpus")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| !p.to_string_lossy().ends_with(".tsv")),
        );
    }
    files.sort();
    let filter = Filter::default();
    let mut checked = 0;
    for path in &files {
        let Ok(f) = File::open(path) else { continue };
        let Ok(mut r) = CaptureReader::new(f) else {
            continue;
        };
        let a = analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {});
        let capture = CaptureSummary::new("x.pcap", &a.outcome.stats, None);
        let doc = ReportJson::new(&a.model, &a.diagnosis, &capture, &filter);
        let mut ours = Vec::new();
        doc.write(&mut ours).expect("write");
        let mut theirs = serde_json::to_vec_pretty(&doc).expect("serde_json");
        theirs.push(b'\n');
        assert!(
            ours == theirs,
            "{}: ours differs from serde_json",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} captures checked");
}

/// One classic pcap (Ethernet) of a connection to port 445 whose client sends
/// eight SESSION_SETUP requests (NTLMSSP NEGOTIATE, SessionIds 0x1..0x8) in
/// one segment, none answered.
fn unanswered_setups_in_one_frame() -> Vec<u8> {
    let tcp = |from_client, seq, ack, flags, payload: &[u8]| {
        pcap_build::tcp_frame(445, from_client, seq, ack, flags, payload)
    };
    let mut ntlm = b"NTLMSSP\0".to_vec();
    ntlm.extend_from_slice(&1u32.to_le_bytes());
    ntlm.extend_from_slice(&0x6208_8215u32.to_le_bytes());
    ntlm.extend_from_slice(&[0; 16]);
    let mut data = Vec::new();
    for id in 1..=8u64 {
        let mut m = b"\xfeSMB".to_vec();
        m.extend_from_slice(&[64, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        m.extend_from_slice(&id.to_le_bytes()); // MessageId
        m.extend_from_slice(&[0xff, 0xfe, 0, 0, 0, 0, 0, 0]); // Reserved, TreeId
        m.extend_from_slice(&id.to_le_bytes()); // SessionId
        m.extend_from_slice(&[0; 16]); // Signature
        m.extend_from_slice(&[25, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 88, 0]);
        m.extend_from_slice(&(ntlm.len() as u16).to_le_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&ntlm);
        data.extend_from_slice(&(m.len() as u32).to_be_bytes());
        data.extend_from_slice(&m);
    }
    let frames = [
        tcp(true, 100, 0, 0x02, b""),
        tcp(false, 500, 101, 0x12, b""),
        tcp(true, 101, 501, 0x10, b""),
        tcp(true, 101, 501, 0x18, &data),
    ];
    pcap_build::classic_pcap(&frames)
}

/// Requests left unanswered in one frame make their sessions in MessageId
/// order, not in the (randomly keyed) order of the pending table.
#[test]
fn unanswered_setups_of_one_frame_in_message_id_order() {
    let pcap = unanswered_setups_in_one_frame();
    let mut r = CaptureReader::new(&pcap[..]).expect("capture header");
    let a = analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {});
    let ids: Vec<u64> = a.model.sessions.iter().map(|s| s.id).collect();
    assert_eq!(ids, (1..=8).collect::<Vec<u64>>());
    assert_eq!(a.model.connections[0].unanswered_requests, 8);
}

/// Who ended a connection is who sent the FIN or RST (a RST ends both
/// directions at once): here the resetting proxy on the server's side (4456,
/// frame 11), and in the corpus a server that answers a SYN to its closed
/// port 139 with a RST.
#[test]
fn a_reset_is_put_on_the_side_that_sent_it() {
    let a = sample("reset-during-session-setup-port4456.pcap");
    let end = a.model.connections[0].end.as_ref().expect("ended");
    assert_eq!((end.frame, end.reason, end.by), (11, "reset", "server"));
    let f = a
        .diagnosis
        .findings
        .iter()
        .find(|f| f.code == "connection.reset_during_setup")
        .expect("finding");
    assert!(f.title.contains("reset by the server"), "{}", f.title);
    let close = sample("close-during-session-setup-port4457.pcap");
    let end = close.model.connections[0].end.as_ref().expect("ended");
    assert_eq!(end.reason, "fin");
    if let Some(d) = corpus() {
        let probe = run(&d.join("zeek-smb2-zero-byte-error-ioctl.pcapng"), &[]);
        let c = probe
            .model
            .connections
            .iter()
            .find(|c| c.server.port() == 139)
            .expect("the connection to 139");
        let end = c.end.as_ref().expect("ended");
        assert_eq!((end.frame, end.reason, end.by), (6, "reset", "server"));
    }
}

/// A KDC error without a text of its own still says what the code means and
/// what came of it: impacket's TGS-REQ refused with KRB_AP_ERR_INAPP_CKSUM,
/// after which its SMB connection closed without a SESSION_SETUP.
#[test]
fn a_kdc_error_says_its_meaning_and_the_logon_not_tried() {
    let a = sample("impacket-client-krb5-dc-inapp-cksum.pcap");
    let f = with_code(&a, "kerberos.kdc_error");
    assert_eq!(f.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    for words in [
        "with KRB_AP_ERR_INAPP_CKSUM (Inappropriate type of checksum in message)",
        "the client got no service ticket",
        "(tcp.stream 0) sent no SESSION_SETUP and was closed by the client (frame 39)",
    ] {
        assert!(
            f[0].explanation.contains(words),
            "{words}: {}",
            f[0].explanation
        );
    }
    // A KDC error followed by a logon says nothing of a logon not tried.
    let a = sample("krb5-fallback-ntlm.pcap");
    assert!(a
        .diagnosis
        .findings
        .iter()
        .all(|f| !f.explanation.contains("did not try to log on")));
}

/// STATUS_NO_SUCH_FILE answering a QUERY_DIRECTORY is a search that matched
/// nothing ([MS-FSA] 2.1.5.6.3), as routine as NO_MORE_FILES: benign in the
/// trees' error counts, and no connection error.
#[test]
fn no_such_file_to_a_search_is_benign() {
    let Some(a) = load("corpus:zeek-smb-many-open-files-500.pcap") else {
        return;
    };
    let counts: Vec<_> = a
        .model
        .trees
        .iter()
        .flat_map(|t| t.errors.iter())
        .filter(|e| e.status == smbscope::ntstatus::NtStatus::NO_SUCH_FILE)
        .collect();
    assert!(!counts.is_empty());
    assert!(counts.iter().all(|e| e.benign));
    assert!(a
        .model
        .connections
        .iter()
        .flat_map(|c| c.errors.iter())
        .all(|e| e.status != "STATUS_NO_SUCH_FILE"));
}

/// A logon refused to an NTLMv1 response says what the capture shows of its
/// reason ([MS-NLMP] 3.3.1; smb.conf(5) 'ntlm auth'): NTLMv1 refused when
/// the same user logged on with NTLMv2, a wrong password when the server
/// accepted NTLMv1 from the same domain, both possibilities when nothing
/// else in the capture tells.
#[test]
fn a_refused_ntlmv1_logon_says_what_the_capture_shows_of_its_reason() {
    let after_v2 = sample("ntlmv1-rejected-after-ntlmv2.pcap");
    let f = with_code(&after_v2, "logon.ntlmv1_rejected");
    assert_eq!(f[0].title, "NTLMv1 logon refused (SAMPLES\\alice)");
    assert!(
        f[0].explanation.contains("SAMPLES\\alice logged on to this server with an NTLMv2 response at frame 11 (tcp.stream 0): the credentials are good"),
        "{}",
        f[0].explanation
    );
    let a = sample("ntlmv1-accepted-wrong-password.pcap");
    assert!(with_code(&a, "logon.ntlmv1_rejected").is_empty());
    let f = with_code(&a, "logon.bad_password");
    assert_eq!(f[0].user.as_deref(), Some("SAMPLES\\bob"));
    assert!(
        f[0].explanation.contains("this server accepted the NTLMv1-ESS response of SAMPLES\\alice at frame 11 (tcp.stream 0)"),
        "{}",
        f[0].explanation
    );
    // The step to tell the two apart: NTLMv2 over NTLMSSP where the logon
    // had it (tshark on ntlmv1-rejected: ntlmssp.messagetype 3 at frame
    // 10); where it had no extended security (tshark: smb.wct 13,
    // smb.ansi_pwlen 24, smb.unicode_pwlen 24 at frame 8), a logon with it,
    // as smbd refuses NTLMv2 without it whatever the password
    // (smb1-no-spnego-ntlmv2-refused: STATUS_INVALID_PARAMETER at frame 9,
    // logon.raw_ntlmv2_refused).
    for (name, step) in [
        ("ntlmv1-rejected.pcap", "Log on again with NTLMv2"),
        (
            "smb1-no-spnego-wrong-password.pcap",
            "Log on again with extended security",
        ),
        (
            "smb1-dos-wrong-password.pcap",
            "Log on again with extended security",
        ),
    ] {
        let a = sample(name);
        let f = with_code(&a, "logon.ntlmv1_rejected");
        assert!(
            f[0].title.starts_with(
                "Logon with an NTLMv1 response refused: NTLMv1 not allowed, or a wrong password"
            ),
            "{name}: {}",
            f[0].title
        );
        assert!(
            f[0].next_step.starts_with(step),
            "{name}: {}",
            f[0].next_step
        );
        if name.starts_with("smb1") {
            let t = common::tshark_text(
                &samples().join(name),
                "smb.cmd == 0x73 && smb.flags.response == 0",
                &[
                    "frame.number",
                    "smb.wct",
                    "smb.ansi_pwlen",
                    "smb.unicode_pwlen",
                ],
            );
            assert_eq!(t.trim(), "8\t13\t24\t24", "{name}");
            assert!(
                f[0].next_step.contains("'client use spnego = yes'"),
                "{}",
                f[0].next_step
            );
            assert!(
                !f[0].next_step.contains("Log on again with NTLMv2"),
                "{}",
                f[0].next_step
            );
        }
    }
    let refused = sample("smb1-no-spnego-ntlmv2-refused.pcap");
    assert_eq!(
        with_code(&refused, "logon.raw_ntlmv2_refused")[0].frames,
        [8, 9]
    );
}

/// A guest session's next step names Windows' 'Enable insecure guest
/// logons' policy, a setting of its SMB2/SMB3 client, only on SMB2 and
/// only to a client that is or may be Windows: not to smbclient
/// (guest-bad-user, NTLM AUTHENTICATE VERSION 6.1 build 0), nor for an
/// SMB1 guest logon (zeek-smb1-raw-ntlm-port139, when the corpus is
/// there); to the client of sv-smb2-peter-guest, whose OS the capture
/// does not show, as a condition (tests/os_advice.rs).
#[test]
fn a_guest_session_names_the_insecure_guest_policy_on_smb2_only() {
    let smb2 = sample("guest-bad-user.pcap");
    let f = with_code(&smb2, "session.guest");
    assert!(
        !f[0].next_step.contains("insecure guest"),
        "{}",
        f[0].next_step
    );
    let Some(dir) = corpus() else { return };
    let a = run(&dir.join("sv-smb2-peter-guest.pcap"), &[]);
    let f = with_code(&a, "session.guest");
    assert!(
        f[0].next_step.contains("'Enable insecure guest logons'"),
        "{}",
        f[0].next_step
    );
    let a = run(&dir.join("zeek-smb1-raw-ntlm-port139.pcap"), &[]);
    let f = with_code(&a, "session.guest");
    // Its server states Windows 5.1 (XP): the step is ForceGuest and an
    // upgrade (advice_follows_the_os_the_capture_shows).
    assert!(
        f[0].next_step.starts_with("Upgrade the server"),
        "{}",
        f[0].next_step
    );
    assert!(
        !f[0].next_step.contains("insecure guest"),
        "{}",
        f[0].next_step
    );
}

/// The twin of smb1-no-spnego-ntlmv2-refused to a server with 'raw NTLMv2
/// auth = yes': the same NTLMv2 logon without SPNEGO succeeds, so the
/// setting, not the credentials, refused it there.
#[test]
fn a_raw_ntlmv2_logon_succeeds_where_the_server_allows_it() {
    let a = sample("smb1-no-spnego-ntlmv2-allowed.pcap");
    let s = &a.model.sessions[0];
    assert_eq!(s.outcome, Outcome::Success);
    assert_eq!(
        (s.mechanism, s.ntlm_response),
        (Some("ntlm"), Some("NTLMv2"))
    );
    assert!(with_code(&a, "logon.raw_ntlmv2_refused").is_empty());
    let r = sample("smb1-no-spnego-ntlmv2-refused.pcap");
    let f = with_code(&r, "logon.raw_ntlmv2_refused");
    assert_eq!(
        f[0].title,
        "NTLMv2 logon without SPNEGO refused (SAMPLES\\alice)"
    );
    assert_eq!(f[0].status.as_deref(), Some("STATUS_INVALID_PARAMETER"));
    assert!(
        f[0].explanation.contains("'raw NTLMv2 auth = yes'"),
        "{}",
        f[0].explanation
    );
}

/// The findings of every sample and, when it is there, every corpus capture.
fn every_capture() -> Vec<(String, Analysis)> {
    let mut dirs = vec![samples()];
    dirs.extend(corpus());
    let mut all = Vec::new();
    for d in dirs {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy().to_string();
                n.ends_with(".pcap") || n.ends_with(".pcapng")
            })
            .collect();
        names.sort();
        for p in names {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            let a = if d == samples() {
                sample(&n)
            } else {
                run(&p, &[])
            };
            all.push((n, a));
        }
    }
    all
}

/// A report has read the capture: no finding's next step on any sample or
/// corpus capture sends the reader back into it ("In the capture: the Path
/// in the TREE_CONNECT request" of a report that names the path).
#[test]
fn no_next_step_points_back_into_the_capture() {
    let mut seen = 0;
    for (name, a) in every_capture() {
        for f in &a.diagnosis.findings {
            seen += 1;
            assert!(
                !f.next_step.starts_with("In the capture"),
                "{name} {}: {}",
                f.code,
                f.next_step
            );
            assert!(!f.next_step.is_empty(), "{name} {}: no next step", f.code);
        }
    }
    assert!(seen > 100, "{seen} findings");
}

/// A refused logon's next step names the Windows and the Samba step alike
/// (the capture seldom tells which the server is): smbd standalone (SMB2 and
/// SMB1), impacket's server and the Samba AD DC's account failures, with the
/// account's name in the commands.
#[test]
fn logon_failure_next_names_windows_and_samba() {
    for name in [
        "ntlm-wrong-password.pcap",
        "smb1-ntlm-wrong-password.pcap",
        "smbclient-impacket-server-wrong-password.pcap",
    ] {
        let a = sample(name);
        let f = with_code(&a, "logon.bad_password");
        let next = &f[0].next_step;
        // smbd states Samba (NTLM CHALLENGE VERSION 6.1 build 0): its own
        // log, not Windows' events; impacket's server states VERSION
        // 255.255 build 65535 (tshark frame 9; tests/os_advice.rs): the
        // credentials it was started with, neither Windows' nor Samba's.
        let samba = name != "smbclient-impacket-server-wrong-password.pcap";
        let words: &[&str] = if samba {
            &[
                "The server states Samba",
                "'log level = 1 auth_audit:2'",
                "NT_STATUS_WRONG_PASSWORD",
            ]
        } else {
            &[
                "with those smbserver.py was started with (-username, -password or -hashes",
                "'AUTHENTICATE_MESSAGE (DOMAIN\\user,HOST)'",
            ]
        };
        if !samba {
            assert!(
                !next.contains("4625") && !next.contains("auth_audit"),
                "{next}"
            );
        }
        for words in words {
            assert!(next.contains(words), "{name}: {words}: {next}");
        }
    }
    for (name, code, words) in [
        (
            "ntlm-dc-account-locked-out.pcap",
            "logon.account_locked_out",
            &[
                "'Unlock-ADAccount erin'",
                "'samba-tool user unlock erin'",
                "event 4740",
            ][..],
        ),
        (
            "ntlm-dc-account-disabled.pcap",
            "logon.account_disabled",
            &["'Enable-ADAccount dave'", "'samba-tool user enable dave'"][..],
        ),
        (
            "ntlm-dc-account-expired.pcap",
            "logon.account_expired",
            &[
                "'Clear-ADAccountExpiration frank'",
                "'samba-tool user setexpiry frank",
            ][..],
        ),
        (
            "ntlm-dc-invalid-logon-hours.pcap",
            "logon.logon_hours",
            &[
                "'Get-ADUser heidi -Properties logonHours'",
                "'samba-tool user show heidi --attributes=logonHours'",
            ][..],
        ),
        (
            "ntlm-dc-password-expired.pcap",
            "logon.password_expired",
            &[
                "'Set-ADAccountPassword judy -Reset'",
                "'samba-tool user setpassword judy'",
            ][..],
        ),
        (
            "ntlm-dc-password-must-change.pcap",
            "logon.password_must_change",
            &["'kpasswd grace'", "'samba-tool user setpassword grace'"][..],
        ),
        // The workstation the report names, not the field to look it up in.
        (
            "ntlm-dc-invalid-workstation.pcap",
            "logon.workstation_restriction",
            &[
                "Add CLIENT1 to the computers ivan may log on from",
                "userWorkstations",
            ][..],
        ),
    ] {
        let a = sample(name);
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{name}: {:#?}", describe(&a.diagnosis.findings));
        for w in words {
            assert!(
                f[0].next_step.contains(w),
                "{name}: {w}: {}",
                f[0].next_step
            );
        }
    }
}

/// Next steps that name what the report found rather than where to find it
/// in the capture, and the fix rather than a look at the symptom.
#[test]
fn next_steps_act_on_what_the_report_shows() {
    let next = |name: &str, code: &str| -> String {
        let a = sample(name);
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{name}: {:#?}", describe(&a.diagnosis.findings));
        f[0].next_step.clone()
    };
    for (name, code, words) in [
        (
            "ntlm-bad-share.pcap",
            "tree.not_found",
            &[
                "List the shares of 127.0.0.2",
                "compare them with 'nosuchshare'",
            ][..],
        ),
        (
            "smb1-ntlm-bad-share.pcap",
            "tree.not_found",
            &["compare them with 'NOSUCHSHARE'"][..],
        ),
        (
            "smb1-dos-bad-share-missing-file.pcap",
            "tree.not_found",
            &["compare them with 'NOSUCHSHARE'"][..],
        ),
        (
            "ntlm-access-denied-share.pcap",
            "tree.access_denied",
            &[
                "'valid users', 'invalid users', 'hosts allow' and 'hosts deny'",
                "testparm -s --section-name=restricted",
                "Get-SmbShareAccess restricted",
            ][..],
        ),
        (
            "impacket-session-deleted-after-logoff.pcap",
            "session.deleted",
            &["after a LOGOFF it must set up a new session"][..],
        ),
        (
            "impacket-multichannel-logoff-bound-channel.pcap",
            "session.deleted",
            &["after a LOGOFF it must set up a new session"][..],
        ),
        (
            "smb3-client-vs-smb21-server.pcap",
            "negotiate.no_common_dialect",
            &["The client offered only 3.1.1", "server max protocol"][..],
        ),
        (
            "krb5-tgs-tgt-expiring.pcap",
            "kerberos.ticket_expired",
            &[
                "Get a new ticket-granting ticket",
                "'kinit'",
                "'klist purge'",
            ][..],
        ),
        (
            "krb5-ap-ticket-not-yet-valid.pcap",
            "kerberos.ap_error",
            &["'klist purge'", "'kdestroy', then 'kinit'"][..],
        ),
        (
            "impacket-client-krb5-dc-inapp-cksum.pcap",
            "kerberos.kdc_error",
            &["Use a client whose Kerberos requests this KDC accepts"][..],
        ),
    ] {
        let n = next(name, code);
        for w in words {
            assert!(n.contains(w), "{name}: {w}: {n}");
        }
        assert!(!n.contains("smbscope status"), "{name}: {n}");
    }
}

/// STATUS_ACCESS_DENIED to a TREE_CONNECT over SMB 3.1.1 with a cipher is not
/// a share that requires encryption: such a share accepts a connection that
/// can encrypt ([MS-SMB2] 3.3.5.7), as in ntlm-smb311-share-encryption-required
/// (frame 19: SUCCESS with SHAREFLAG_ENCRYPT_DATA). Over SMB 2.0.2 it may be.
#[test]
fn access_denied_to_a_share_blames_encryption_only_without_it() {
    let a = sample("ntlm-access-denied-share.pcap");
    let f = with_code(&a, "tree.access_denied");
    let why = &f[0].explanation;
    assert!(
        why.contains("SAMPLES\\alice, may not use this share"),
        "{why}"
    );
    assert!(
        why.contains(
            "Encryption is not the reason: this connection can encrypt (SMB 3.1.1, AES-128-GCM)"
        ),
        "{why}"
    );
    assert!(!why.contains("may also require encryption"), "{why}");
    let a = sample("ntlm-smb311-share-encryption-required.pcap");
    assert!(with_code(&a, "tree.access_denied").is_empty());
    let t = a
        .model
        .trees
        .iter()
        .find(|t| t.share.ends_with("secret"))
        .expect("tree");
    assert!(
        t.share_flags
            .names()
            .iter()
            .any(|n| n.contains("ENCRYPT_DATA")),
        "{:?}",
        t.share_flags.names()
    );
    let a = sample("ntlm-smb202-encryption-required.pcap");
    assert_eq!(with_code(&a, "tree.encryption_required").len(), 1);
}

/// A finding with a text of its own does not glue the code's general
/// meaning to it, which repeated or contradicted it.
#[test]
fn specific_explanations_do_not_repeat_the_general_meaning() {
    for (name, code, not) in [
        (
            "ntlmv1-rejected-after-ntlmv2.pcap",
            "logon.ntlmv1_rejected",
            "not on the wire",
        ),
        (
            "smb1-no-spnego-ntlmv2-refused.pcap",
            "logon.raw_ntlmv2_refused",
            "A field of the request is invalid",
        ),
        (
            "krb5-kinit-wrong-password.pcap",
            "kerberos.preauth_failed",
            "did not decrypt: the password is wrong",
        ),
        (
            "krb5-kinit-account-locked-out.pcap",
            "kerberos.client_revoked",
            "The client's credentials are revoked",
        ),
        (
            "krb5-kinit-unknown-user.pcap",
            "kerberos.client_unknown",
            "The KDC does not know the client principal",
        ),
        (
            "ntlm-tree-max-connections.pcap",
            "tree.failed",
            "The server (or a component behind it)",
        ),
        (
            "krb5-tgs-tgt-expiring.pcap",
            "kerberos.ticket_expired",
            "Usually routine",
        ),
    ] {
        let a = sample(name);
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{name}: {:#?}", describe(&a.diagnosis.findings));
        assert!(
            !f[0].explanation.contains(not),
            "{name}: {}",
            f[0].explanation
        );
    }
}

/// KDC_ERR_CLIENT_REVOKED without an NTSTATUS in the KRB-ERROR (Samba's KDC
/// for a locked-out account: its e-data holds PA-ETYPE-INFO2 only) says the
/// KDC did not say which, and what to look at in the account.
#[test]
fn client_revoked_without_ntstatus_says_so() {
    let a = sample("krb5-kinit-account-locked-out.pcap");
    let f = with_code(&a, "kerberos.client_revoked");
    assert!(
        f[0].explanation
            .contains("This KDC sent no NTSTATUS in the error"),
        "{}",
        f[0].explanation
    );
    assert!(
        !f[0].explanation.contains("0xC0000234"),
        "{}",
        f[0].explanation
    );
    for w in [
        "'samba-tool user show erin'",
        "lockoutTime",
        "'Get-ADUser erin -Properties Enabled,LockedOut",
    ] {
        assert!(f[0].next_step.contains(w), "{w}: {}", f[0].next_step);
    }
    // With the NTSTATUS, the step for it.
    let a = sample("krb5-kinit-account-disabled.pcap");
    let f = with_code(&a, "kerberos.client_revoked");
    assert!(
        f[0].next_step.contains("'samba-tool user enable dave'"),
        "{}",
        f[0].next_step
    );
}

/// smb.conf(5) 'map to guest': Bad User maps only unknown users to guest,
/// Bad Password wrong passwords too. A guest session of a named user says
/// the account may not exist; one without a user name asks for none.
#[test]
fn guest_session_says_what_map_to_guest_maps() {
    let a = sample("guest-bad-user.pcap");
    let f = with_code(&a, "session.guest");
    assert!(
        f[0].explanation
            .contains("'map to guest = Bad User' maps only a user name it does not know to guest"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].next_step.contains("check that mallory exists"),
        "{}",
        f[0].next_step
    );
    assert!(
        !f[0].next_step.contains("bad passwords to guest"),
        "{}",
        f[0].next_step
    );
    let Some(a) = load("corpus:sv-smb2-peter-guest.pcap") else {
        return;
    };
    let f = with_code(&a, "session.guest");
    assert!(
        f[0].title.contains("the client sent no user name"),
        "{}",
        f[0].title
    );
    assert!(
        !f[0].next_step.contains("check the user name"),
        "{}",
        f[0].next_step
    );
    assert!(
        f[0].next_step
            .contains("give the client a user name and password"),
        "{}",
        f[0].next_step
    );
}

/// A logon whose request the capture cut (tcpdump -s 160: tshark shows
/// frame 10, the AUTHENTICATE, 580 bytes long and 160 kept, with no
/// ntlmssp.auth.username) names no one, says why, and says how to see
/// who; the same logon captured whole names SAMPLES\alice.
#[test]
fn a_logon_cut_by_the_snaplen_says_so() {
    let a = sample("ntlm-snaplen-160.pcap");
    let f = with_code(&a, "logon.bad_password");
    // The text names no one ("an identity the capture cut off"): no user.
    assert_eq!(f[0].user, None);
    assert!(
        f[0].title.contains("(an identity the capture cut off)"),
        "{}",
        f[0].title
    );
    assert!(
        f[0].explanation.contains("The capture cut the SESSION_SETUP request of frame 10 (a short snaplen, or bytes lost) before its security token"),
        "{}",
        f[0].explanation
    );
    let whole = sample("ntlm-wrong-password.pcap");
    let f = with_code(&whole, "logon.bad_password");
    assert_eq!(f[0].user.as_deref(), Some("SAMPLES\\alice"));
    assert!(!f[0].explanation.contains("The capture cut"));
}

/// A finding's `user` is the identity its text names, in the text's form:
/// over every capture, a finding whose title names a session's
/// `DOMAIN\user` (the longest such name in it) carries that `user`
/// (guest-bad-user: session.guest "not as SAMPLES\mallory" carried
/// `mallory`); every `user` is a name of the capture (an NTLM session's
/// `DOMAIN\user` or `user`, or holds a Kerberos principal of a session or
/// a KDC exchange), never words for no one ("an identity not in the
/// capture"). Tree and file findings of a user's own session carry that
/// user: tree.access_denied names SAMPLES\alice in its text.
#[test]
fn finding_user_is_the_identity_its_text_names() {
    let (mut named, mut users) = (0, 0);
    let mut wrong = Vec::new();
    for (name, _) in sample_names_and_corpus() {
        let a = load(&name).unwrap();
        let mut ntlm: Vec<String> = Vec::new();
        let mut principals: Vec<&str> = Vec::new();
        for s in &a.model.sessions {
            match (s.domain.as_deref(), s.user.as_deref()) {
                (Some(d), Some(u)) => ntlm.push(format!("{d}\\{u}")),
                (None, Some(u)) => ntlm.push(u.to_string()),
                _ => {}
            }
            principals.extend(s.client_principal.as_deref());
            principals.extend(s.service_principal.as_deref());
        }
        for x in &a.model.kdc {
            principals.extend(x.client_principal.as_deref());
        }
        for f in &a.diagnosis.findings {
            let what = format!("{name} {} {:?}: user {:?}", f.code, f.title, f.user);
            if let Some(u) = f.user.as_deref() {
                users += 1;
                let known = ntlm.iter().any(|n| n == u) || principals.iter().any(|p| u.contains(p));
                if !known {
                    wrong.push(format!("{what}: not a name of the capture"));
                }
            }
            let in_title = ntlm
                .iter()
                .filter(|n| n.contains('\\') && f.title.contains(n.as_str()))
                .max_by_key(|n| n.len());
            if let Some(n) = in_title {
                named += 1;
                if f.user.as_deref() != Some(n.as_str()) {
                    wrong.push(format!("{what}: the title names {n}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(named > 20 && users > named, "{named} {users}");

    let a = sample("guest-bad-user.pcap");
    assert_eq!(
        with_code(&a, "session.guest")[0].user.as_deref(),
        Some("SAMPLES\\mallory")
    );
    let a = sample("ntlm-access-denied-share.pcap");
    let f = with_code(&a, "tree.access_denied");
    assert!(
        f[0].explanation
            .contains("the session's user, SAMPLES\\alice,"),
        "{}",
        f[0].explanation
    );
    assert_eq!(f[0].user.as_deref(), Some("SAMPLES\\alice"));
    let a = sample("ntlm-bad-share.pcap");
    assert_eq!(
        with_code(&a, "tree.not_found")[0].user.as_deref(),
        Some("SAMPLES\\alice")
    );
}

/// tshark's KRB-ERROR times (tests/data/krb_error_times_tshark.tsv):
/// (capture, frame, frame.time_epoch, stime + susec in Unix seconds, stime
/// as "YYYY-MM-DD HH:MM:SS UTC").
fn krb_error_times() -> Vec<(String, u64, f64, f64, String)> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    include_str!("data/krb_error_times_tshark.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("capture\t"))
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            // "Nov 25, 2026 22:08:23.000000000 UTC"
            let w: Vec<&str> = c[3].split([' ', ',']).filter(|s| !s.is_empty()).collect();
            let month = MONTHS.iter().position(|m| *m == w[0]).expect("month") + 1;
            let utc = format!(
                "{}-{month:02}-{:02} {} UTC",
                w[2],
                w[1].parse::<u32>().expect("day"),
                &w[3][..8]
            );
            let rfc = format!(
                "{}-{month:02}-{:02}T{}Z",
                w[2],
                w[1].parse::<u32>().expect("day"),
                &w[3][..8]
            );
            let stime = smbscope_utc(&rfc) + c[4].parse::<f64>().expect("susec") / 1e6;
            (
                c[0].to_string(),
                c[1].parse().expect("frame"),
                c[2].parse().expect("epoch"),
                stime,
                utc,
            )
        })
        .collect()
}

/// The SMB2 NEGOTIATE response's SystemTime tells the SMB server's clock
/// without a KRB-ERROR: the Kerberos time findings of a session say how far
/// it is from the capture's timestamp of that frame, with tshark's figures
/// (tests/data/negotiate_system_time_tshark.tsv): agreeing within a few
/// milliseconds in the samples on one clock, 2 h 03 min ahead or behind in
/// make-samples.sh clock's, where the DC ran under faketime.
#[test]
fn negotiate_system_time_measures_the_smb_server() {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // capture → (frame, SystemTime minus frame time) of its last response
    let mut rows: Vec<(String, u64, f64)> = Vec::new();
    for l in include_str!("data/negotiate_system_time_tshark.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("capture\t"))
    {
        let c: Vec<&str> = l.split('\t').collect();
        // "Nov 25, 2026 22:08:23.584446000 UTC"
        let w: Vec<&str> = c[3].split([' ', ',']).filter(|s| !s.is_empty()).collect();
        let month = MONTHS.iter().position(|m| *m == w[0]).expect("month") + 1;
        let day: u32 = w[1].parse().expect("day");
        let whole = smbscope_utc(&format!("{}-{month:02}-{day:02}T{}Z", w[2], &w[3][..8]));
        let frac: f64 = format!("0{}", &w[3][8..]).parse().expect("fraction");
        let epoch: f64 = c[2].parse().expect("epoch");
        rows.retain(|r| r.0 != c[0]);
        rows.push((
            c[0].to_string(),
            c[1].parse().expect("frame"),
            whole + frac - epoch,
        ));
    }
    let cases = [
        ("krb5-ap-skew.pcap", "kerberos.clock_skew"),
        ("krb5-ap-ticket-not-yet-valid.pcap", "kerberos.ap_error"),
        (
            "impacket-krb5-expired-ticket.pcap",
            "kerberos.ticket_expired",
        ),
        ("krb5-ap-server-clock-ahead.pcap", "kerberos.clock_skew"),
        ("krb5-ap-server-clock-behind.pcap", "kerberos.ap_error"),
    ];
    assert_eq!(rows.len(), cases.len());
    let mut apart = 0;
    for (capture, code) in cases {
        let (_, frame, d) = rows.iter().find(|r| r.0 == capture).expect("tshark row");
        let said = if d.abs() < 60.0 {
            format!(
                "was {:.1} ms from the capturing host's clock: they agree.",
                d.abs() * 1000.0
            )
        } else {
            apart += 1;
            assert!((d.abs() - 7380.0).abs() < 1.0, "{capture}: {d}");
            let dir = if *d > 0.0 { "ahead of" } else { "behind" };
            format!("was 2 h 03 min {dir} the capturing host's clock.")
        };
        let a = sample(capture);
        let f = with_code(&a, code);
        assert_eq!(
            f.len(),
            1,
            "{capture}: {:?}",
            describe(&a.diagnosis.findings)
        );
        let want =
            format!("The SMB server's SystemTime in its NEGOTIATE response (frame {frame}) {said}");
        assert!(
            f[0].explanation.contains(&want),
            "{capture}: {want} in {}",
            f[0].explanation
        );
    }
    assert_eq!(apart, 2);
}

/// Unix seconds of "YYYY-MM-DDTHH:MM:SSZ" (days from civil, H. Hinnant).
fn smbscope_utc(t: &str) -> f64 {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().expect("number");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    (days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)) as f64
}

/// `name`'s classic pcap (little-endian, as tcpdump writes here) with every
/// record's time moved by `secs`: the same bytes as captured by a host
/// whose clock is that far off.
fn shifted(name: &str, secs: i64) -> Analysis {
    let mut b = std::fs::read(samples().join(name)).expect("sample");
    let mut at = 24;
    while at + 16 <= b.len() {
        let ts = u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        let moved = u32::try_from(i64::from(ts) + secs).expect("in range");
        b[at..at + 4].copy_from_slice(&moved.to_le_bytes());
        let len = u32::from_le_bytes(b[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        at += 16 + len;
    }
    let mut r = CaptureReader::new(std::io::Cursor::new(b)).expect("capture header");
    analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {})
}

/// The time findings (KRB_AP_ERR_SKEW, _TKT_NYV, _TKT_EXPIRED) compare the
/// KRB-ERROR's stime with the capture's timestamp of its frame, with
/// tshark's figures: in the samples the DC's clock and the capturing
/// host's are one (all on loopback), so they agree within a millisecond
/// and the text says what follows from that for each error.
#[test]
fn time_errors_measure_the_clocks() {
    let rows = krb_error_times();
    let mut measured = Vec::new();
    for capture in [
        "krb5-ap-skew.pcap",
        "krb5-ap-ticket-not-yet-valid.pcap",
        "krb5-tgs-tgt-expiring.pcap",
    ] {
        let a = sample(capture);
        let time: Vec<&Finding> = a
            .diagnosis
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.status.as_deref(),
                    Some("KRB_AP_ERR_SKEW" | "KRB_AP_ERR_TKT_NYV" | "KRB_AP_ERR_TKT_EXPIRED")
                )
            })
            .collect();
        assert!(!time.is_empty(), "{capture}");
        for f in time {
            let row = rows
                .iter()
                .filter(|r| r.0 == capture)
                .find(|r| f.explanation.contains(&format!("(frame {})", r.1)))
                .unwrap_or_else(|| panic!("{capture} {}: {}", f.code, f.explanation));
            let (_, frame, epoch, stime, utc) = row;
            let said = format!("clock read {utc} in its KRB-ERROR (frame {frame}), ");
            let at = f
                .explanation
                .find(&said)
                .unwrap_or_else(|| panic!("{said} in {}", f.explanation));
            let rest = &f.explanation[at + said.len()..];
            let ms: f64 = rest
                .split(" ms from the capturing host's clock: ")
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{rest}"));
            assert!(
                (ms - (stime - epoch).abs() * 1000.0).abs() < 0.051,
                "{capture} frame {frame}: {ms} ms, tshark {}",
                stime - epoch
            );
            assert!(rest.contains("and the capturing host agree"), "{rest}");
            let follows = match f.status.as_deref() {
                Some("KRB_AP_ERR_SKEW") => "so the client's time (encrypted in the AP-REQ's authenticator) is the one more than the allowed skew away from both",
                Some("KRB_AP_ERR_TKT_NYV") => "lies more than the allowed skew ahead of both: that KDC's clock was ahead when it issued the ticket",
                _ => "had passed, or was two minutes or less away: the ticket is old",
            };
            assert!(rest.contains(follows), "{rest}");
            measured.push((capture, *frame));
        }
    }
    // The SMB server's errors and the KDC's first of each repeat; the KDC's
    // TKT_NYV to the client whose AP-REQ got it too (frame 13) is named in
    // the SMB server's finding, which measures the server's clock.
    let a = sample("krb5-ap-ticket-not-yet-valid.pcap");
    let nyv = with_code(&a, "kerberos.ap_error");
    assert!(
        nyv[0].explanation.contains("The KDC refused this client's requests with KRB_AP_ERR_TKT_NYV too (KRB-ERROR at frame 13)"),
        "{}",
        nyv[0].explanation
    );
    assert_eq!(
        measured,
        [
            ("krb5-ap-skew.pcap", 19),
            ("krb5-ap-ticket-not-yet-valid.pcap", 17),
            ("krb5-tgs-tgt-expiring.pcap", 13),
        ]
    );

    // The same bytes captured by a host whose clock is 2 h 03 min ahead:
    // the server's clock is then behind it, and a ticket not yet valid
    // points at the server's clock (or the capturing host's).
    let a = shifted("krb5-ap-ticket-not-yet-valid.pcap", 7380);
    let f = with_code(&a, "kerberos.ap_error");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let (_, _, epoch, stime, utc) = rows
        .iter()
        .find(|r| r.0 == "krb5-ap-ticket-not-yet-valid.pcap" && r.1 == 17)
        .expect("frame 17");
    let d = stime - (epoch + 7380.0);
    assert!((d + 7380.0).abs() < 1.0, "{d}");
    assert!(
        f[0].explanation.contains(&format!(
            "The server's clock read {utc} in its KRB-ERROR (frame 17): it is 2 h 03 min behind the capturing host's clock. A clock behind the issuing KDC's makes a fresh ticket not yet valid"
        )),
        "{}",
        f[0].explanation
    );
    // Real captures of a DC whose clock is off (make-samples.sh clock: the
    // whole DC under faketime, 7380 s ahead or behind; the client and the
    // capturing host on time). The finding names the KRB-ERROR it
    // measures, and its offset is tshark's stime minus the frame's time,
    // in the direction tshark gives.
    let words = |d: f64| {
        let m = (d.abs() / 60.0).round() as u64;
        let dir = if d > 0.0 { "ahead of" } else { "behind" };
        format!("{} h {:02} min {dir}", m / 60, m % 60)
    };
    let tshark = |capture: &str, frame: u64| {
        let (_, _, epoch, stime, utc) = rows
            .iter()
            .find(|r| r.0 == capture && r.1 == frame)
            .unwrap_or_else(|| panic!("{capture} frame {frame} in the tsv"));
        let d = stime - epoch;
        assert!((d.abs() - 7380.0).abs() < 1.0, "{capture} {frame}: {d}");
        (words(d), utc.clone())
    };
    for (capture, code, frame, who, kdc_frame) in [
        (
            "krb5-kdc-clock-ahead.pcap",
            "kerberos.clock_skew",
            11,
            "KDC",
            None,
        ),
        (
            "impacket-krb5-kdc-clock-ahead.pcap",
            "kerberos.clock_skew",
            16,
            "KDC",
            None,
        ),
        (
            "krb5-ap-server-clock-ahead.pcap",
            "kerberos.clock_skew",
            19,
            "server",
            Some(13),
        ),
        (
            "krb5-ap-server-clock-behind.pcap",
            "kerberos.ap_error",
            20,
            "server",
            Some(13),
        ),
    ] {
        let a = sample(capture);
        let f = with_code(&a, code);
        assert_eq!(
            f.len(),
            1,
            "{capture}: {:?}",
            describe(&a.diagnosis.findings)
        );
        let (rel, utc) = tshark(capture, frame);
        let e = &f[0].explanation;
        assert!(
            e.contains(&format!("The {who}'s clock read {utc} in its KRB-ERROR (frame {frame}): it is {rel} the capturing host's clock.")),
            "{capture}: {e}"
        );
        match kdc_frame {
            // The DC is KDC and SMB server: both clocks read alike.
            Some(k) => {
                let (kdc_rel, _) = tshark(capture, k);
                assert_eq!(kdc_rel, rel, "{capture}");
                assert!(
                    e.contains(&format!("(KRB-ERROR at frame{} {k}", if code == "kerberos.clock_skew" { "s" } else { "" }))
                        && e.contains(&format!("and the KDC's clock is {kdc_rel} the capturing host's as well: the server and the KDC agree with each other")),
                    "{capture}: {e}"
                );
                assert!(!e.contains("most likely the client's"), "{capture}: {e}");
                if code == "kerberos.clock_skew" {
                    assert!(
                        f[0].next_step.contains(&format!(
                            "the server's and the KDC's read {rel} the capturing host's"
                        )),
                        "{capture}: {}",
                        f[0].next_step
                    );
                }
            }
            None => assert!(
                f[0].next_step
                    .contains(&format!("(the KDC's reads {rel} the capturing host's)")),
                "{capture}: {}",
                f[0].next_step
            ),
        }
    }
    // ... where the DC's clock agrees with the capturing host's, the
    // client's clock stays the likely one.
    let a = sample("krb5-ap-skew.pcap");
    let f = with_code(&a, "kerberos.clock_skew");
    assert!(
        f[0].explanation.contains("(KRB-ERROR at frames 13, 25): one clock difference, most likely the client's, is behind both."),
        "{}",
        f[0].explanation
    );

    // A capture clock years off (unset, or times rewritten) proves nothing.
    let a = shifted("krb5-ap-skew.pcap", -1_700_000_000);
    let f = with_code(&a, "kerberos.clock_skew");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert!(
        f[0].explanation
            .contains("from the capture's timestamps: one of the two clocks was never set or the capture's times were rewritten"),
        "{}",
        f[0].explanation
    );
}

/// On every sample and corpus capture, a finding's `status` is a status by
/// name, as `smbscope status` takes it (an NTSTATUS, an SMB1 DOS-form error,
/// a Kerberos error, or the hex of an unknown NTSTATUS): not an NTLM
/// response kind, an enctype or a DialectIndex, which have keys of their own.
/// A posture.ntlmv1 finding names its response and account.
#[test]
fn finding_status_is_a_status() {
    use smbscope::ntstatus::{parse_query, Query};
    let mut statuses = 0;
    let (mut ntlmv1, mut enctypes) = (0, 0);
    let mut wrong = Vec::new();
    for (name, _) in sample_names_and_corpus() {
        let a = load(&name).unwrap();
        for f in &a.diagnosis.findings {
            if let Some(st) = &f.status {
                statuses += 1;
                if matches!(parse_query(st), Query::Words(_) | Query::BadNumber(_)) {
                    wrong.push(format!("{name} {}: status {st:?}", f.code));
                }
            }
            if f.code == "posture.ntlmv1" {
                ntlmv1 += 1;
                let kind = f.ntlm_response.unwrap_or_default();
                let user = f.user.as_deref().unwrap_or_default();
                let s = a
                    .model
                    .sessions
                    .iter()
                    .find(|s| Some(s.session_id.to_string()) == f.session_id)
                    .expect("the finding's session");
                if s.ntlm_response != Some(kind)
                    || s.user.as_deref().is_none_or(|u| !user.ends_with(u))
                {
                    wrong.push(format!(
                        "{name} posture.ntlmv1: {kind:?} {user:?}, session {:?} {:?}",
                        s.ntlm_response, s.user
                    ));
                }
            }
            if f.code == "posture.weak_enctype" {
                enctypes += 1;
                if !f
                    .enctype
                    .as_deref()
                    .is_some_and(|e| e.starts_with("rc4-") || e.starts_with("des"))
                {
                    wrong.push(format!(
                        "{name} posture.weak_enctype: enctype {:?}",
                        f.enctype
                    ));
                }
            }
        }
    }
    assert!(
        statuses > 50 && ntlmv1 > 3 && enctypes > 1,
        "{statuses} {ntlmv1} {enctypes}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// On every sample and corpus capture, an SMB1 NEGOTIATE response's chosen
/// dialect (`smb1_negotiate.dialect`) is the string the request offered at
/// tshark's `smb.dialect.index` (none for 0xFFFF), and an SMB1 session's
/// `dialect` is its connection's: smb1-ntlm-success's smbd chose index 0,
/// "NT LANMAN 1.0".
#[test]
fn smb1_dialect_is_the_one_at_the_index() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (name, path) in sample_names_and_corpus() {
        let a = load(&name).unwrap();
        let answered: Vec<_> = a
            .model
            .connections
            .iter()
            .filter_map(|c| Some((c.stream, c.smb1_negotiate.as_deref()?)))
            .filter(|(_, n)| matches!(n.answer, Some("smb1" | "none")))
            .collect();
        if answered.is_empty() {
            continue;
        }
        let out = common::tshark_fields(&path, "smb.cmd == 0x72 && smb.flags.response == 1", ',')
            .args(["-e", "frame.number", "-e", "smb.dialect.index"])
            .stderr(std::process::Stdio::null())
            .output()
            .expect("tshark");
        let index: std::collections::HashMap<u64, usize> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (f, i) = l.split_once('\t')?;
                Some((f.parse().ok()?, i.parse().ok()?))
            })
            .collect();
        for (stream, n) in answered {
            let want = n
                .response_frame
                .and_then(|f| index.get(&f))
                .and_then(|&i| n.dialects.get(i));
            checked += 1;
            if n.dialect.as_ref() != want {
                wrong.push(format!(
                    "{name} stream {stream}: {:?}, tshark's index gives {want:?}",
                    n.dialect
                ));
            }
            for s in a.model.sessions.iter().filter(|s| s.stream == stream) {
                let d = s.dialect.as_ref().map(|d| d.to_string());
                if d.as_ref() != want {
                    wrong.push(format!(
                        "{name} session {} dialect {d:?}, want {want:?}",
                        s.session_id
                    ));
                }
            }
        }
    }
    let ntlanman = sample("smb1-ntlm-success.pcap");
    let s = &ntlanman.model.sessions[0];
    assert_eq!(
        s.dialect.as_ref().map(|d| d.to_string()).as_deref(),
        Some("NT LANMAN 1.0")
    );
    assert!(checked > 25, "{checked}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// On every sample and corpus capture, the server names of each session's
/// last NTLM CHALLENGE are tshark's (ntlmssp.challenge.target_info.*) in
/// that frame; a name tshark leaves empty is left out of the JSON report.
#[test]
fn ntlm_server_names_match_tshark() {
    const FIELDS: [&str; 5] = [
        "nb_computer_name",
        "nb_domain_name",
        "dns_computer_name",
        "dns_domain_name",
        "dns_tree_name",
    ];
    let (mut checked, mut named, mut captures) = (0, 0, 0);
    let mut wrong = Vec::new();
    for (name, path) in &sample_names_and_corpus() {
        let a = load(name).unwrap();
        // The response frame of each session's last CHALLENGE.
        let sessions: Vec<_> = a
            .model
            .sessions
            .iter()
            .filter(|s| s.rounds_omitted == 0)
            .filter_map(|s| {
                let r = s
                    .rounds
                    .iter()
                    .rev()
                    .find(|r| r.response_token.as_deref() == Some("NTLMSSP CHALLENGE"))?;
                Some((s, r.response_frame?))
            })
            .collect();
        if sessions.is_empty() {
            continue;
        }
        captures += 1;
        let mut cmd = common::tshark_fields(path, "ntlmssp.messagetype == 2", ';');
        for port in ["4455", "4456", "4457"]
            .iter()
            .filter(|p| name.contains(*p))
        {
            cmd.args(["-d", &format!("tcp.port=={port},nbss")]);
        }
        cmd.args(["-e", "frame.number", "-e", "ntlmssp.messagetype"]);
        for f in FIELDS {
            cmd.args(["-e", &format!("ntlmssp.challenge.target_info.{f}")]);
        }
        let out = cmd.output().expect("tshark");
        assert!(out.status.success(), "tshark on {name}");
        let rows: std::collections::HashMap<u64, Vec<String>> =
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| {
                    let f: Vec<String> = l.split('\t').map(str::to_string).collect();
                    Some((f.first()?.parse().ok()?, f))
                })
                .collect();
        for (s, frame) in sessions {
            let Some(row) = rows.get(&frame) else {
                wrong.push(format!("{name} frame {frame}: no CHALLENGE for tshark"));
                continue;
            };
            if row[1].contains(';') {
                continue; // two CHALLENGEs in one frame: not told apart
            }
            let names = s.server_names.as_deref().cloned().unwrap_or_default();
            let ours = [
                &names.nb_computer_name,
                &names.nb_domain_name,
                &names.dns_computer_name,
                &names.dns_domain_name,
                &names.dns_tree_name,
            ];
            for (i, f) in FIELDS.iter().enumerate() {
                let theirs = row
                    .get(2 + i)
                    .map_or("", |v| v.split(';').next().unwrap_or(""));
                let ours = ours[i].as_deref();
                if ours != Some(theirs).filter(|t| !t.is_empty()) {
                    wrong.push(format!(
                        "{name} frame {frame} {f}: {ours:?}, tshark {theirs:?}"
                    ));
                }
                named += usize::from(ours.is_some());
            }
            checked += 1;
            let json = serde_json::to_value(s).unwrap();
            for f in FIELDS {
                let key = format!("server_{f}");
                let v = json.get(&key);
                assert!(v.is_none_or(|v| v.is_string()), "{name} {key}: {v:?}");
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        captures >= 40 && checked >= 100 && named >= 400,
        "{captures} {checked} {named}"
    );
    eprintln!("{captures} captures, {checked} sessions, {named} names");
}

/// tshark's `fields` in one frame of `path`, each with its occurrences
/// joined by '|' ("cifs|fs1" for a two-part name).
fn tshark_frame(path: &Path, frame: u64, fields: &[&str]) -> Vec<String> {
    let mut cmd = common::tshark_fields(path, &format!("frame.number == {frame}"), '|');
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark (.ci/run installs it)");
    assert!(out.status.success(), "tshark on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or_default();
    line.split('\t').map(str::to_string).collect()
}

/// A posture.weak_enctype finding names whom it concerns in `user`, as the
/// other findings do. For a session's ticket (on samples and corpus:
/// pcapattack-smb2-kerberos-rc4's RC4 ticket, issued in the TGS-REP of frame
/// 9, and zeek-smb1-gssapi-kerberos's, whose TGS exchange the capture
/// lacks) as the session's other findings name it: the client principal
/// (tshark's kerberos.CNameString@crealm in the last frame of the session's
/// `kdc_frames`, the TGS-REP) with the service principal of the AP-REQ's
/// ticket (kerberos.SNameString@realm in the finding's frame), or "a ticket
/// for" that service principal when the capture shows no client. For a
/// ticket the KDC issued that no session in the capture used (pcapattack's
/// first 11 frames, its KDC exchanges without the SMB connection, cut by
/// editcap), the exchange's client principal, tshark's
/// CNameString@crealm of the TGS-REP.
#[test]
fn weak_enctype_findings_name_the_client() {
    let mut sessions = 0;
    let mut wrong = Vec::new();
    for (name, path) in sample_names_and_corpus() {
        let a = load(&name).unwrap();
        for f in with_code(&a, "posture.weak_enctype") {
            let Some(user) = f.user.as_deref() else {
                wrong.push(format!("{name}: {:?} has no user", f.title));
                continue;
            };
            let Some(sid) = &f.session_id else {
                continue;
            };
            sessions += 1;
            let s = a
                .model
                .sessions
                .iter()
                .find(|s| Some(s.stream) == f.stream && s.session_id.to_string() == *sid)
                .expect("the finding's session");
            let ap = tshark_frame(
                &path,
                f.frames[0],
                &["kerberos.SNameString", "kerberos.realm"],
            );
            let spn = format!("{}@{}", ap[0].replace('|', "/"), ap[1]);
            let want = match s.kdc_frames.last() {
                Some(&rep) => {
                    let c = tshark_frame(&path, rep, &["kerberos.CNameString", "kerberos.crealm"]);
                    format!("{}@{} (ticket for {spn})", c[0], c[1])
                }
                None => format!("a ticket for {spn}"),
            };
            if user != want {
                wrong.push(format!("{name}: user {user:?}, want {want:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let Some(d) = corpus() else {
        return;
    };
    assert_eq!(sessions, 2);
    let src = d.join("pcapattack-smb2-kerberos-rc4.pcapng");
    let dir = common::ScratchDir::new("weak-enctype");
    let cut = dir.join("kdc-only.pcapng");
    let ok = std::process::Command::new("editcap")
        .arg("-r")
        .arg(&src)
        .arg(&cut)
        .arg("1-11")
        .status()
        .expect("editcap (installed with tshark)");
    assert!(ok.success());
    let a = run(&cut, &[]);
    assert!(a.model.sessions.is_empty());
    let f: Vec<&Finding> = with_code(&a, "posture.weak_enctype")
        .into_iter()
        .filter(|f| f.frames == [9])
        .collect();
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let c = tshark_frame(&src, 9, &["kerberos.CNameString", "kerberos.crealm"]);
    assert_eq!(
        f[0].user.as_deref(),
        Some(format!("{}@{}", c[0], c[1]).as_str())
    );
    assert_eq!(f[0].enctype.as_deref(), Some("rc4-hmac"));
}

/// The KDC's weak tickets of one enctype make one finding (one title, the
/// repeats merged into the first), whose text is the first's alone: it
/// must name every ticket, not the first service only. krb5-kerberoasting:
/// tshark frames 20 and 30, TGS-REPs (`kerberos.msg_type` 13) with ticket
/// etype 23 (`kerberos.etype` 18,23,18: the FAST reply's, the ticket's,
/// the enc-part's) for MSSQLSvc/sql… and HTTP/web….
#[test]
fn kdc_weak_tickets_of_one_enctype_are_all_named() {
    let path = samples().join("krb5-kerberoasting.pcap");
    let t = common::tshark_text(
        &path,
        "kerberos.msg_type == 13",
        &["frame.number", "kerberos.etype", "kerberos.SNameString"],
    );
    assert_eq!(
        t,
        "20\t18,23,18\tMSSQLSvc,sql.samples.smbscope.test:1433\n\
         30\t18,23,18\tHTTP,web.samples.smbscope.test\n"
    );
    let a = sample("krb5-kerberoasting.pcap");
    let f: Vec<&Finding> = with_code(&a, "posture.weak_enctype")
        .into_iter()
        .filter(|f| f.title == "KDC issued a ticket encrypted with rc4-hmac")
        .collect();
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    assert_eq!(f[0].frames, [20, 30]);
    assert_eq!(
        f[0].explanation,
        "The KDC answered 2 requests with tickets using rc4-hmac: the TGS-REQ for \
         MSSQLSvc/sql.samples.smbscope.test:1433@SAMPLES.SMBSCOPE.TEST (frame 20) and the \
         TGS-REQ for HTTP/web.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST (frame 30)."
    );
    // Both TGS-REQs offered rc4-hmac alone (tshark: kerberos.ENCTYPE 23
    // in frames 18 and 26, kvno -e arcfour-hmac): the client asked for it.
    let asked = common::tshark_text(
        &path,
        "kerberos.msg_type == 12",
        &["frame.number", "kerberos.ENCTYPE"],
    );
    assert_eq!(asked, "18\t23\n26\t23\n");
    says(
        &f[0].next_step,
        "The client asked for rc4-hmac and offered no AES, and the KDC issued it: the accounts the tickets are for still allow rc4-hmac. Set msDS-SupportedEncryptionTypes to 0x18",
    );
}

/// pcapattack-smb2-kerberos-rc4 (mimikatz's Skeleton Key on the domain
/// controller, as the source names it): the AS-REP of frame 5 is encrypted
/// with rc4-hmac though the AS-REQ of frame 3 offered AES, and the KDC's
/// KDC_ERR_PREAUTH_REQUIRED (frame 2) to the same client and principal's
/// AS-REQ of frame 1, which offered AES first, had offered rc4-hmac alone in
/// its PA-ETYPE-INFO2 (tshark: kerberos.error_code 25,
/// kerberos.padata_type 19,2,16,15, kerberos.etype 23, tcp.stream 0;
/// frame 1's kerberos.ENCTYPE 18,17,23,24,-135,3). The model keeps
/// that offer and posture.weak_enctype quotes it, with the Skeleton Key's
/// way of making it.
#[test]
fn weak_reply_key_quotes_what_the_kdc_offered() {
    use smbscope::auth::kerberos::{EncType, PaDataType};
    let Some(d) = corpus() else {
        return;
    };
    let path = d.join("pcapattack-smb2-kerberos-rc4.pcapng");
    let t = tshark_frame(
        &path,
        2,
        &[
            "kerberos.error_code",
            "kerberos.padata_type",
            "kerberos.etype",
            "tcp.stream",
        ],
    );
    assert_eq!(t[0], "25", "{t:?}");
    assert!(t[1].split('|').any(|p| p == "19"), "{t:?}");
    let offered: Vec<EncType> = t[2]
        .split('|')
        .map(|e| EncType(e.parse().unwrap()))
        .collect();
    assert_eq!(offered, [EncType::RC4_HMAC]);
    let asked = tshark_frame(&path, 1, &["kerberos.ENCTYPE"]);
    let first: i32 = asked[0].split('|').next().unwrap().parse().unwrap();
    assert_eq!(EncType(first), EncType::AES256_CTS_HMAC_SHA1_96);

    let a = run(&path, &[]);
    let x = a
        .model
        .kdc
        .iter()
        .find(|x| x.reply_frame == Some(2))
        .expect("the exchange of frames 1 and 2");
    assert_eq!(x.request_frame, 1);
    assert_eq!(
        (x.offered_in, &x.offered_etypes[..]),
        (Some(PaDataType::ETYPE_INFO2), &offered[..])
    );
    let f = with_code(&a, "posture.weak_enctype")
        .into_iter()
        .find(|f| f.frames == [3, 5])
        .expect("the AS-REP's finding");
    let want = format!(" Before, the KDC's KDC_ERR_PREAUTH_REQUIRED at frame 2 (tcp.stream {}) offered {} alone for the account's key (PA-ETYPE-INFO2), though the AS-REQ it answered (frame 1) offered {2}: the KDC had, or showed, no {2} key of the account.", t[3], offered[0], EncType(first));
    assert!(f.explanation.contains(&want), "{}", f.explanation);
    assert!(
        f.explanation.contains("'Skeleton Key' malware does on a domain controller: it hides the accounts' AES keys from the KDC, which then offers RC4 alone, as here."),
        "{}",
        f.explanation
    );
}

/// One TCP segment of an SMB connection as tshark reads it.
struct TsharkSegment {
    frame: u64,
    time: f64,
    stream: u64,
    from_server: bool,
    syn: bool,
    ack_flag: bool,
    seq: u64,
    ack: u64,
    len: u64,
    retransmission: bool,
}

/// The TCP segments to or from ports 445 and 139 of `path`, by tshark
/// (relative sequence numbers, tcp.analysis.retransmission).
fn tshark_segments(path: &Path) -> Vec<TsharkSegment> {
    let fields = [
        "frame.number",
        "frame.time_relative",
        "tcp.stream",
        "tcp.srcport",
        "tcp.flags.syn",
        "tcp.flags.ack",
        "tcp.seq",
        "tcp.ack",
        "tcp.len",
        "tcp.analysis.retransmission",
    ];
    let text = common::tshark_text(path, "tcp.port == 445 || tcp.port == 139", &fields);
    let mut v = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < fields.len() {
            continue;
        }
        let num = |i: usize| {
            f[i].split(',')
                .next()
                .unwrap_or("")
                .parse::<u64>()
                .unwrap_or(0)
        };
        let flag = |i: usize| f[i] == "1" || f[i] == "True";
        v.push(TsharkSegment {
            frame: num(0),
            time: f[1].parse().unwrap_or(0.0),
            stream: num(2),
            from_server: matches!(num(3), 445 | 139),
            syn: flag(4),
            ack_flag: flag(5),
            seq: num(6),
            ack: num(7),
            len: num(8),
            retransmission: !f[9].is_empty(),
        });
    }
    v
}

/// What tshark's segments say of each stream that begins with the client's
/// SYN: (stream, first SYN frame, SYN-ACK frame, SYNs before it) of those
/// whose first SYN-ACK came 1 s or more after the first SYN.
fn tshark_slow_handshakes(segs: &[TsharkSegment]) -> Vec<(u64, u64, u64, u32)> {
    let mut streams: Vec<u64> = segs.iter().map(|s| s.stream).collect();
    streams.sort_unstable();
    streams.dedup();
    let mut slow = Vec::new();
    for st in streams {
        let of: Vec<&TsharkSegment> = segs.iter().filter(|s| s.stream == st).collect();
        let Some(first) = of
            .first()
            .filter(|s| s.syn && !s.ack_flag && !s.from_server)
        else {
            continue;
        };
        let Some(answer) = of.iter().find(|s| s.syn && s.ack_flag && s.from_server) else {
            continue;
        };
        let syns = of
            .iter()
            .take_while(|s| s.frame != answer.frame)
            .filter(|s| s.syn && !s.ack_flag && !s.from_server)
            .count() as u32;
        if answer.time - first.time >= 1.0 {
            slow.push((st, first.frame, answer.frame, syns));
        }
    }
    slow
}

/// What tshark's segments say of data never acknowledged: (stream, side
/// that sent it (true: the server), first and last retransmission, their
/// count) where 3 or more of one side's retransmissions
/// (tcp.analysis.retransmission, with data) end past the highest
/// acknowledgement the other side ever sent.
fn tshark_unacknowledged(segs: &[TsharkSegment]) -> Vec<(u64, bool, u64, u64, u32)> {
    let mut streams: Vec<u64> = segs.iter().map(|s| s.stream).collect();
    streams.sort_unstable();
    streams.dedup();
    let mut found = Vec::new();
    for st in streams {
        for server in [false, true] {
            let acked = segs
                .iter()
                .filter(|s| s.stream == st && s.from_server != server && s.ack_flag)
                .map(|s| s.ack)
                .max();
            let never: Vec<u64> = segs
                .iter()
                .filter(|s| s.stream == st && s.from_server == server)
                .filter(|s| s.retransmission && s.len > 0)
                .filter(|s| acked.is_none_or(|a| s.seq + s.len > a))
                .map(|s| s.frame)
                .collect();
            if let (true, Some(&a), Some(&b)) = (never.len() >= 3, never.first(), never.last()) {
                found.push((st, server, a, b, never.len() as u32));
            }
        }
    }
    found
}

/// connection.slow_connect and connection.unacknowledged on every sample
/// and corpus capture are where tshark's TCP analysis puts them, no more
/// and no less: a slow handshake where the first SYN-ACK of a stream that
/// begins with the client's SYN came 1 s or more after that SYN (with the
/// count of the client's SYNs before it in the explanation), unacknowledged
/// data where three or more of one side's segments that tshark flags as
/// retransmissions end past every acknowledgement of the other side (the
/// finding's last two frames are the first and last of them). Of the
/// captures, only sv-smb302-guest-compound has either (its stream 0's SYN
/// retransmitted twice, answered at 3.0 s; its stream 2's lease break
/// sent again four times to a silent client); the other captures with
/// retransmissions (arkime-smb1-vlan-ntlm: a SYN seen twice within 0.2 ms;
/// zeek-smb2-v2only-nonzero-reserved1 and sv-smb2-peter-*: retransmissions
/// acknowledged; sv-smb3-zerologon-anon-ntlm: spurious ones on 445)
/// have neither.
#[test]
fn tcp_findings_agree_with_tshark() {
    let mut seen = Vec::new();
    for (name, path) in sample_names_and_corpus() {
        let a = load(&name).unwrap();
        let segs = tshark_segments(&path);
        let slow: Vec<(u64, u64, u64, u32)> = tshark_slow_handshakes(&segs);
        let got: Vec<(u64, u64, u64, u32)> = with_code(&a, "connection.slow_connect")
            .iter()
            .map(|f| {
                let syns = slow
                    .iter()
                    .find(|s| Some(s.0) == f.stream)
                    .map_or(0, |s| s.3);
                let said = match syns {
                    1 => "sent its SYN once".to_string(),
                    2 => "sent its SYN twice".to_string(),
                    n => format!("sent its SYN {n} times"),
                };
                assert!(
                    f.explanation.contains(&said),
                    "{name}: {said}: {}",
                    f.explanation
                );
                assert_eq!(f.severity.as_str(), "warning", "{name}");
                (
                    f.stream.unwrap_or(u64::MAX),
                    f.frames.first().copied().unwrap_or(0),
                    f.frames.last().copied().unwrap_or(0),
                    syns,
                )
            })
            .collect();
        assert_eq!(got, slow, "{name}: connection.slow_connect");
        let unacked = tshark_unacknowledged(&segs);
        let got: Vec<(u64, bool, u64, u64, u32)> = with_code(&a, "connection.unacknowledged")
            .iter()
            .map(|f| {
                let n = f.frames.len();
                let server = f.title.to_lowercase().contains("the server's");
                let count = unacked
                    .iter()
                    .find(|u| Some(u.0) == f.stream)
                    .map_or(0, |u| u.4);
                assert!(
                    f.explanation.contains(&format!("again {count} times")),
                    "{name}: {}",
                    f.explanation
                );
                (
                    f.stream.unwrap_or(u64::MAX),
                    server,
                    f.frames.get(n.wrapping_sub(2)).copied().unwrap_or(0),
                    f.frames.last().copied().unwrap_or(0),
                    count,
                )
            })
            .collect();
        assert_eq!(got, unacked, "{name}: connection.unacknowledged");
        if !slow.is_empty() || !unacked.is_empty() {
            seen.push(name);
        }
    }
    if corpus().is_some() {
        assert_eq!(seen, ["corpus:sv-smb302-guest-compound.pcap"]);
    }
}

/// The message connection.unacknowledged names on sv-smb302-guest-compound
/// is tshark's: frame 79 is the lease break notification (smb2.cmd 18,
/// MessageId 0xFFFFFFFFFFFFFFFF, StructureSize 0x2c: [MS-SMB2] 2.2.23.2),
/// and the retransmissions carry its bytes (the same tcp.seq and tcp.len).
#[test]
fn unacknowledged_names_the_lease_break_tshark_shows() {
    let Some(d) = corpus() else { return };
    let path = d.join("sv-smb302-guest-compound.pcap");
    let a = run(&path, &[]);
    let f = with_code(&a, "connection.unacknowledged");
    let [f] = f.as_slice() else { panic!("{f:?}") };
    assert!(f.title.contains("lease break notification"), "{}", f.title);
    assert!(
        f.explanation.contains("(first sent in frame 79)"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("35 s"), "{}", f.explanation);
    let fields = [
        "smb2.cmd",
        "smb2.msg_id",
        "smb2.buffer_code",
        "tcp.seq",
        "tcp.len",
    ];
    let first = tshark_frame(&path, 79, &fields);
    assert_eq!(first[..3], ["18", "18446744073709551615", "0x002c"]);
    for frame in [123, 132, 133, 134] {
        let again = tshark_frame(&path, frame, &["tcp.seq", "tcp.len"]);
        assert_eq!(again[..], first[3..], "frame {frame}");
    }
}

/// The tcp layer's stalls ([`smbscope::tcp::Stall`]) as the pipeline
/// reports them on `path`: (stream, the client's bytes, first and last
/// retransmission, their count, the acknowledging frame, peer silent,
/// the first 8 bytes of the first retransmission).
type StallSeen = (u64, bool, u64, u64, u32, Option<u64>, bool, Vec<u8>);

fn stalls(path: &Path) -> Vec<StallSeen> {
    use smbscope::pipeline::{run, Event};
    let f = File::open(path).unwrap();
    let mut r = CaptureReader::new(f).expect("capture header");
    let mut seen = Vec::new();
    run(&mut r, &Options::default(), |ev| {
        if let Event::Unacknowledged {
            info,
            from_client,
            stall: s,
        } = ev
        {
            seen.push((
                info.stream,
                from_client,
                s.first.0,
                s.last.0,
                s.retransmissions,
                s.acked.map(|a| a.0),
                s.peer_silent,
                s.head.iter().copied().take(8).collect(),
            ));
        }
    });
    seen
}

/// Stalls as tshark shows them. sv-smb302-guest-compound: the server's
/// 112 bytes of frame 79 (a NetBIOS header of length 0x6c, then 0xFE
/// 'SMB') sent again in frames 123 to 134 (tcp.analysis.retransmission,
/// the same tcp.seq), the client sending nothing, up to the capture's
/// end. zeek-smb2-v2only-nonzero-reserved1: three retransmissions of the
/// server's, each the only one of its stall, each ended by the client's
/// ACK of their bytes in the next frame of the stream (92, 93, 127: tshark
/// tcp.ack at or past tcp.seq + tcp.len of the retransmission); frame
/// 118, which tshark also flags (tcp.analysis.spurious_retransmission),
/// resends bytes the client had acknowledged in frame 116: no stall.
#[test]
fn stalls_agree_with_tshark() {
    let Some(d) = corpus() else { return };
    let sv = d.join("sv-smb302-guest-compound.pcap");
    let head = vec![0, 0, 0, 0x6c, 0xfe, b'S', b'M', b'B'];
    assert_eq!(stalls(&sv), [(2, false, 123, 134, 4, None, true, head)]);
    let zeek = d.join("zeek-smb2-v2only-nonzero-reserved1.pcap");
    let got = stalls(&zeek);
    let want: Vec<(u64, u64, Option<u64>)> =
        vec![(3, 90, Some(92)), (1, 91, Some(93)), (1, 126, Some(127))];
    let short: Vec<(u64, u64, Option<u64>)> = got.iter().map(|s| (s.0, s.2, s.5)).collect();
    assert_eq!(short, want);
    assert!(
        got.iter().all(|s| !s.1 && s.2 == s.3 && s.4 == 1 && !s.6),
        "{got:?}"
    );
    let segs = tshark_segments(&zeek);
    let seg = |frame: u64| segs.iter().find(|s| s.frame == frame).unwrap();
    for s in &got {
        let (re, ack) = (seg(s.2), seg(s.5.unwrap()));
        assert!(
            re.retransmission && re.from_server && re.len > 0,
            "frame {}",
            s.2
        );
        assert!(
            !ack.from_server && ack.ack >= re.seq + re.len,
            "frame {:?}",
            s.5
        );
        assert!(
            segs.iter()
                .filter(|x| x.stream == s.0
                    && !x.from_server
                    && x.frame > s.2
                    && x.frame < ack.frame)
                .all(|x| x.ack < re.seq + re.len),
            "an earlier acknowledgement than frame {}",
            ack.frame
        );
    }
    assert!(seg(118).retransmission && seg(116).ack >= seg(118).seq + seg(118).len);
}

/// pcapattack-smb311-spoolsample-ntlm (corpus): 172.16.66.36 logs on to
/// .37 as the machine account 3B\01566S-WIN16-IR$ (frame 38), refused
/// STATUS_NO_LOGON_SERVERS (frame 39, tcp.stream 1); 2.9 ms later the same
/// client sends an anonymous AUTHENTICATE (frame 48, tcp.stream 2, and
/// again at 58 on 3), both refused STATUS_ACCESS_DENIED. One story: the
/// refusal's error tells the fallback, the anonymous refusals are a note
/// naming it as the cause, and no credentials step asks for a user the
/// machine account does not have. The server's CHALLENGE (frame 37) states
/// Windows 10.0 build 10586 and the DNS domain threebeesco.com: the
/// NO_LOGON_SERVERS step is nltest for that domain, without Samba's
/// commands; the anonymous step names Windows' security options, not smbd's.
#[test]
fn anonymous_fallback_after_a_refused_logon_is_told_as_such() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("pcapattack-smb311-spoolsample-ntlm.pcapng");
    let t = common::tshark_text(
        &path,
        "frame.number == 37 || frame.number == 38 || frame.number == 39 || frame.number == 48 || frame.number == 49",
        &[
            "frame.number",
            "tcp.stream",
            "ip.src",
            "ntlmssp.auth.domain",
            "ntlmssp.auth.username",
            "smb2.nt_status",
            "ntlmssp.version.major",
            "ntlmssp.version.build_number",
            "ntlmssp.challenge.target_info.dns_domain_name",
            "frame.time_relative",
        ],
    );
    let rows: Vec<Vec<&str>> = t.lines().map(|l| l.split('\t').collect()).collect();
    let row = |f: &str| rows.iter().find(|r| r[0] == f).expect("frame");
    assert_eq!(&row("37")[6..9], &["10", "10586", "threebeesco.com"]);
    let (auth, refused, anon, denied) = (row("38"), row("39"), row("48"), row("49"));
    assert_eq!(refused[5], "0xc000005e");
    assert_eq!(anon[4], "NULL");
    assert_eq!(denied[5], "0xc0000022");
    assert_eq!(auth[2], anon[2], "one client");
    let secs = |r: &[&str]| r[9].parse::<f64>().expect("time");
    let gap = secs(anon) - secs(refused);
    assert!((0.0..5.0).contains(&gap), "{gap}");
    let user = format!("{}\\{}", auth[3], auth[4]);

    // Without the CREATE of spoolss (frames 17, 18), which makes these
    // logons the callback of attack.coercion (that finding's test has the
    // whole capture): the logon findings as they stand on their own. Its
    // frames after 18 are 2 lower than tshark's of the whole capture.
    let a = without_pipe_open();
    let f = with_code(&a, "logon.no_logon_servers");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(f.severity.as_str(), "error");
    assert!(
        f.title
            .ends_with("; the client fell back to anonymous, refused too"),
        "{}",
        f.title
    );
    let told = format!(
        "The same client then fell back to an anonymous logon (no user name, no password) to the same server at frame 46 on tcp.stream {}, {:.1} ms later, and the server refused that too (STATUS_ACCESS_DENIED",
        anon[1],
        gap * 1e3
    );
    assert!(f.explanation.contains(&told), "{told}\n{}", f.explanation);
    for want in [
        "'nltest /dsgetdc:threebeesco.com'",
        "'nltest /sc_query:threebeesco.com'",
        "NTLM CHALLENGE VERSION 10.0 build 10586, Windows",
    ] {
        assert!(f.next_step.contains(want), "{want}: {}", f.next_step);
    }
    assert!(!f.next_step.contains("wbinfo"), "{}", f.next_step);

    let f = with_code(&a, "logon.anonymous_refused");
    assert_eq!(f.len(), 1, "{:?}", describe(&a.diagnosis.findings));
    let f = f[0];
    assert_eq!(f.severity.as_str(), "info");
    assert!(
        f.title.ends_with(
            "the client's fallback after its own logon was refused (STATUS_NO_LOGON_SERVERS)"
        ),
        "{}",
        f.title
    );
    assert!(
        f.explanation.contains(&format!(
            "after the server refused its logon as {user} with STATUS_NO_LOGON_SERVERS (frame 37, tcp.stream {}): that refusal is the cause",
            refused[1]
        )),
        "{}",
        f.explanation
    );
    assert!(
        f.next_step.starts_with(&format!(
            "Nothing to do for these on their own: fix the refused logon of {user} (STATUS_NO_LOGON_SERVERS, frame 37)"
        )),
        "{}",
        f.next_step
    );
    for name in [
        "'Network access: Shares that can be accessed anonymously'",
        "'Network access: Named Pipes that can be accessed anonymously'",
        "'Network access: Restrict anonymous access to Named Pipes and Shares'",
    ] {
        assert!(f.next_step.contains(name), "{name}: {}", f.next_step);
    }
    for not in [
        "net use",
        "/user:",
        "server smb encrypt",
        "smbd",
        "RestrictAnonymous",
    ] {
        assert!(
            !f.next_step.contains(not) && !f.explanation.contains(not),
            "{not}: {}\n{}",
            f.explanation,
            f.next_step
        );
    }
    // One error in the capture: the refusal, not the anonymous logons.
    let errors = a
        .diagnosis
        .findings
        .iter()
        .filter(|f| f.severity.as_str() == "error")
        .count();
    assert_eq!(errors, 1, "{:?}", describe(&a.diagnosis.findings));
}

/// sv-smb2-ntlm-logon-failure (corpus): every refused AUTHENTICATE names
/// the client's own name, DESKTOP-2AEFM7G, as domain and workstation; the
/// server's CHALLENGE (frame 708) gives DESKTOP-V1FA0UQ as MsvAvNbComputerName
/// and as MsvAvNbDomainName, a standalone (workgroup) server ([MS-NLMP]
/// 2.2.2.1). The finding says the client sent a local account of its own
/// machine, the step logs on as SERVER\user with the server's name, and
/// sends nobody to a domain controller.
/// STATUS_LOGON_FAILURE's meaning is worded by the server's place that
/// its NTLM CHALLENGE states ([MS-NLMP] 2.2.2.1, tshark
/// ntlmssp.challenge.target_info.*): smbd standalone (ntlm-wrong-password,
/// MsvAvNbComputerName = MsvAvNbDomainName) checks its own accounts, no
/// domain controller, and the step leaves out the DC's event 4776; the
/// Samba DC (ntlm-dc-account-locked-out: domain SAMPLES,
/// samples.smbscope.test, computer DC1) is in a domain; a server whose
/// CHALLENGE the capture lacks (smb1-plaintext-password: no NTLMSSP, tshark
/// finds no CHALLENGE) keeps the general text.
#[test]
fn logon_failure_is_worded_by_the_servers_place() {
    let names = |name: &str| {
        let t = common::tshark_text(
            &samples().join(name),
            "ntlmssp.messagetype == 2",
            &[
                "ntlmssp.challenge.target_info.nb_computer_name",
                "ntlmssp.challenge.target_info.nb_domain_name",
                "ntlmssp.challenge.target_info.dns_domain_name",
            ],
        );
        let first = t.lines().next().unwrap_or("").to_string();
        first.split('\t').map(str::to_string).collect::<Vec<_>>()
    };
    let n = names("ntlm-wrong-password.pcap");
    assert_eq!(n[0], n[1], "standalone: {n:?}");
    let a = sample("ntlm-wrong-password.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    let standalone = format!("Its NTLM CHALLENGE gives its own computer name, {}, as its domain (MsvAvNbDomainName, [MS-NLMP] 2.2.2.1): a standalone (workgroup) server, which checks them against its own accounts; no domain controller took part.", n[0]);
    assert!(f.explanation.contains(&standalone), "{}", f.explanation);
    assert!(
        !f.explanation.contains("domain controller it asked"),
        "{}",
        f.explanation
    );
    assert!(
        f.next_step
            .contains("there is no domain controller to look at"),
        "{}",
        f.next_step
    );
    assert!(!f.next_step.contains("4776"), "{}", f.next_step);

    let n = names("ntlm-dc-account-locked-out.pcap");
    assert_ne!(n[0], n[1], "in a domain: {n:?}");
    let a = sample("ntlm-dc-account-locked-out.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    let domain = format!("Its NTLM CHALLENGE names the domain {} ({}), not its own computer name {} (MsvAvNbDomainName, [MS-NLMP] 2.2.2.1): it is in that domain (a member or a domain controller)", n[1], n[2], n[0]);
    assert!(f.explanation.contains(&domain), "{}", f.explanation);
    assert!(
        f.explanation
            .contains("the server, or the domain controller it asked, did not accept"),
        "{}",
        f.explanation
    );

    assert_eq!(names("smb1-plaintext-password.pcap"), [""], "no CHALLENGE");
    let a = sample("smb1-plaintext-password.pcap");
    let f = with_code(&a, "logon.bad_password")[0];
    assert!(
        f.explanation
            .contains("the server (or the domain controller it asked) did not accept"),
        "{}",
        f.explanation
    );
}

/// One stall told once: corpus sv-smb311-named-pipe-unicode, tshark
/// (frame.time_relative, tcp.stream, smb2.nt_status): the AUTHENTICATE of
/// frame 10 (tcp.stream 0, 3.147055 s) answered at frame 14 (6.927030 s,
/// STATUS_SUCCESS), 3.780 s later; frame 12 (tcp.stream 1, 6.926089 s)
/// answers a SESSION_SETUP sent before the capture began with
/// STATUS_NETWORK_SESSION_EXPIRED (0xc000035c), 0.9 ms before frame 14.
/// logon.slow_round names the refusal, session.expired the slow round.
#[test]
fn a_slow_round_and_a_refusal_answered_with_it_are_one_stall() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("sv-smb311-named-pipe-unicode.pcap");
    let t = common::tshark_text(
        &path,
        "smb2.cmd == 1",
        &[
            "frame.number",
            "frame.time_relative",
            "tcp.stream",
            "smb2.nt_status",
        ],
    );
    let rows: Vec<Vec<&str>> = t.lines().map(|l| l.split('\t').collect()).collect();
    let at = |f: &str| rows.iter().find(|r| r[0] == f).expect(f).clone();
    let (r10, r12, r14) = (at("10"), at("12"), at("14"));
    let secs = |r: &[&str]| r[1].parse::<f64>().unwrap();
    assert_eq!((r10[2], r12[2], r14[2]), ("0", "1", "0"));
    assert_eq!((r12[3], r14[3]), ("0xc000035c", "0x00000000"));
    let gap = secs(&r14) - secs(&r12);
    assert!((0.0..0.001).contains(&gap), "{gap}");
    assert!(
        rows.iter().all(|r| r[2] != "1" || r[0] == "12"),
        "no request on stream 1"
    );
    let a = load("corpus:sv-smb311-named-pipe-unicode.pcap").unwrap();
    let slow = with_code(&a, "logon.slow_round");
    assert_eq!(slow.len(), 1);
    let want = format!("{:.3} s", secs(&r14) - secs(&r10));
    assert!(slow[0].title.contains(&want), "{}", slow[0].title);
    assert!(slow[0].explanation.contains("The server answered another SESSION_SETUP of the same client 0.9 ms before this one: frame 12 on tcp.stream 1, STATUS_NETWORK_SESSION_EXPIRED (session 0x7c0000000009; its request was sent before the capture began). It held both logons and answered them together: one stall of the server, not two problems."), "{}", slow[0].explanation);
    let exp = with_code(&a, "session.expired");
    assert_eq!(exp.len(), 1);
    assert!(exp[0].explanation.contains(&format!("The server answered it 0.9 ms before it answered the slow SESSION_SETUP of frame 10 on tcp.stream 0 (NTLMSSP AUTHENTICATE for CONTOSO.LOCAL\\Administrator, {want}, to frame 14: logon.slow_round); its request was sent before the capture began.")), "{}", exp[0].explanation);
    // Other slow rounds are told alone: no other capture has two answers
    // together.
    let a = sample("tree-connect-slow-preexec.pcap");
    for f in with_code(&a, "logon.slow_round") {
        assert!(!f.explanation.contains("one stall"), "{}", f.explanation);
    }
}

#[test]
fn workgroup_logon_with_the_clients_own_name() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("sv-smb2-ntlm-logon-failure.pcap");
    let t = common::tshark_text(
        &path,
        "frame.number == 708 || frame.number == 709",
        &[
            "ntlmssp.challenge.target_info.nb_computer_name",
            "ntlmssp.challenge.target_info.nb_domain_name",
            "ntlmssp.auth.domain",
            "ntlmssp.auth.hostname",
            "ntlmssp.auth.username",
            "ip.dst",
        ],
    );
    let rows: Vec<Vec<&str>> = t.lines().map(|l| l.split('\t').collect()).collect();
    let (challenge, auth) = (&rows[0], &rows[1]);
    let server = challenge[0];
    assert_eq!(challenge[1], server, "standalone: its domain is its name");
    assert_eq!(auth[2], auth[3], "domain = workstation");
    assert_ne!(auth[2], server);
    let a = load("corpus:sv-smb2-ntlm-logon-failure.pcap").unwrap();
    let f = with_code(&a, "logon.bad_password");
    let f = f
        .iter()
        .find(|f| f.user.as_deref() == Some(format!("{}\\{}", auth[2], auth[4]).as_str()))
        .expect("the refusals of user");
    assert!(
        f.explanation.contains(&format!(
            "The client sent {} as the domain, its own name (the AUTHENTICATE's workstation): an account local to the client's machine, not one of the server {server}",
            auth[2]
        )),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation.contains(&format!(
            "Its NTLM CHALLENGE gives its own computer name, {server}, as its domain (MsvAvNbDomainName, [MS-NLMP] 2.2.2.1): a standalone (workgroup) server"
        )),
        "{}",
        f.explanation
    );
    assert!(
        !f.explanation.contains("The server is standalone"),
        "said once: {}",
        f.explanation
    );
    let want = format!("net use \\\\{}\\SHARE /user:{server}\\{}", auth[5], auth[4]);
    assert!(f.next_step.contains(&want), "{want}: {}", f.next_step);
    assert!(!f.next_step.contains("4776"), "{}", f.next_step);
    assert!(
        f.next_step.contains("there is no domain controller"),
        "{}",
        f.next_step
    );
}

/// The OS the capture shows chooses the step where it differs by OS.
/// zeek-smb1-gssapi-kerberos (corpus): client NativeOS "Windows 2002
/// Service Pack 2 2600" (XP, frame 7), server "Windows 5.0" (2000, frame
/// 8), an RC4 ticket for cifs/EDISK03A..., a computer's SPN: no
/// Kerberoasting, no "disallow RC4" before an upgrade, no
/// Set-SmbServerConfiguration. arkime-smb1-vlan-ntlm: the client ("Windows
/// 2000 2195") offers no SMB2 dialect: disabling SMB1 on the server cuts
/// it off. zeek-smb1-raw-ntlm-port139: server "Windows 5.1" (XP) maps the
/// user to guest (frame 23, Action GUEST): ForceGuest, not Get-LocalUser.
#[test]
fn advice_follows_the_os_the_capture_shows() {
    let Some(dir) = corpus() else { return };
    let native = |name: &str, frames: &str| {
        common::tshark_text(
            &dir.join(name),
            frames,
            &["frame.number", "smb.native_os", "smb.setup.action.guest"],
        )
    };
    assert_eq!(
        native(
            "zeek-smb1-gssapi-kerberos.pcap",
            "frame.number == 7 || frame.number == 8"
        ),
        "7\tWindows 2002 Service Pack 2 2600\t\n8\tWindows 5.0\t0\n"
    );
    let a = load("corpus:zeek-smb1-gssapi-kerberos.pcap").unwrap();
    let f = with_code(&a, "posture.smb1")[0];
    assert!(
        f.next_step.starts_with(
            "Upgrade the client: it states SMB1 NativeOS 'Windows 2002 Service Pack 2 2600'"
        ),
        "{}",
        f.next_step
    );
    assert!(
        f.next_step
            .contains("upgrade the server: it states SMB1 NativeOS 'Windows 5.0'"),
        "{}",
        f.next_step
    );
    assert!(
        !f.next_step.contains("Set-SmbServerConfiguration"),
        "{}",
        f.next_step
    );
    let f = with_code(&a, "posture.weak_enctype")[0];
    assert!(f.explanation.contains("cifs/EDISK03A"), "{}", f.explanation);
    assert!(
        f.explanation.contains("(Kerberoasting) is not practical"),
        "{}",
        f.explanation
    );
    assert!(f.next_step.starts_with("Upgrade first:"), "{}", f.next_step);
    assert!(
        f.next_step.contains("disallowing RC4 would cut it off"),
        "{}",
        f.next_step
    );

    assert_eq!(
        native("arkime-smb1-vlan-ntlm.pcap", "frame.number == 9"),
        "9\tWindows 2000 2195\t\n"
    );
    let t = common::tshark_text(
        &dir.join("arkime-smb1-vlan-ntlm.pcap"),
        "smb.cmd == 0x72 && smb.flags.response == 0",
        &["smb.dialect.name"],
    );
    assert!(!t.contains("SMB 2"), "{t}");
    let a = load("corpus:arkime-smb1-vlan-ntlm.pcap").unwrap();
    let f = with_code(&a, "posture.smb1")[0];
    assert!(
        f.next_step
            .contains("Disabling SMB1 on the server cuts this client off"),
        "{}",
        f.next_step
    );
    assert!(
        f.next_step
            .starts_with("Upgrade the client: it states SMB1 NativeOS 'Windows 2000 2195'"),
        "{}",
        f.next_step
    );

    assert_eq!(
        native("zeek-smb1-raw-ntlm-port139.pcap", "frame.number == 23"),
        "23\tWindows 5.1\t1\n"
    );
    let a = load("corpus:zeek-smb1-raw-ntlm-port139.pcap").unwrap();
    let f = with_code(&a, "session.guest")[0];
    assert!(f.explanation.contains("ForceGuest"), "{}", f.explanation);
    assert!(
        f.next_step
            .contains("'Classic - local users authenticate as themselves'"),
        "{}",
        f.next_step
    );
    for not in ["Get-LocalUser", "pdbedit", "by its own rules"] {
        assert!(
            !f.next_step.contains(not) && !f.explanation.contains(not),
            "{not}: {}\n{}",
            f.explanation,
            f.next_step
        );
    }
}

/// posture.smb1 names the server it is about. sv-smb21-kerberos-many-sessions
/// (corpus): the server 10.7.9.6:445 chose an SMB1 dialect (tshark
/// smb.dialect.index 0) on tcp.stream 4, 5 and 19 and SMB2 on the other
/// connections that offered SMB1: a warning and a note about one server,
/// the note's step the client's alone (the warning has the server's).
/// sv-smb311-named-pipe-unicode: session.expired's title has one bracket
/// group, the identity, not the status's before it.
#[test]
fn smb1_posture_names_its_server() {
    let Some(dir) = corpus() else { return };
    let t = common::tshark_text(
        &dir.join("sv-smb21-kerberos-many-sessions.pcap"),
        "smb.cmd == 0x72 && smb.flags.response == 1",
        &["tcp.stream", "ip.src", "tcp.srcport", "smb.dialect.index"],
    );
    assert_eq!(
        t,
        "4\t10.7.9.6\t445\t0\n5\t10.7.9.6\t445\t0\n19\t10.7.9.6\t445\t0\n"
    );
    let a = load("corpus:sv-smb21-kerberos-many-sessions.pcap").unwrap();
    let f = with_code(&a, "posture.smb1");
    assert_eq!(f.len(), 2, "{:?}", describe(&a.diagnosis.findings));
    let warning = f.iter().find(|f| f.severity.as_str() == "warning").unwrap();
    let note = f.iter().find(|f| f.severity.as_str() == "info").unwrap();
    assert_eq!(warning.title, "SMB1 in use with the server at 10.7.9.6:445");
    assert_eq!(
        note.title,
        "SMB1 offered by the client to the server at 10.7.9.6:445"
    );
    assert!(
        warning.next_step.contains("Set-SmbServerConfiguration"),
        "{}",
        warning.next_step
    );
    assert!(
        !note.next_step.contains("Set-SmbServerConfiguration")
            && note.next_step.starts_with("Disable SMB1 on the client"),
        "{}",
        note.next_step
    );
    let a = load("corpus:sv-smb311-named-pipe-unicode.pcap").unwrap();
    for f in with_code(&a, "session.expired") {
        assert!(!f.title.contains(") ("), "{}", f.title);
        assert!(
            f.title
                .starts_with("Session setup refused with STATUS_NETWORK_SESSION_EXPIRED"),
            "{}",
            f.title
        );
    }
}

/// A logon, tree or negotiate finding with an NTSTATUS says what a Linux
/// cifs mount reports for it (fs/smb/client/smb2maperror.c, Linux 6.7-rc1):
/// LOGON_FAILURE is EACCES, INVALID_PARAMETER EINVAL, for clients the
/// capture does not show to be another client: impacket's raw NEGOTIATE
/// (no NTLM VERSION, no NativeOS), and smbclient's wrong password cut by a
/// snaplen of 160 (its NTLMSSP tokens, and so their VERSION, are cut).
/// Not for smbclient whole, which states Samba's NTLM VERSION 6.1 build 0
/// (tshark ntlmssp.version.major 6, minor 1, build_number 0 in its
/// AUTHENTICATE, frame 10 of ntlm-wrong-password): a cifs mount's line
/// there was advice for a client that is not one; not on an SMB1
/// connection (a vers=1.0 mount maps through netmisc.c), nor for the
/// Windows clients of the corpus's sv-smb2-ntlm-logon-failure.
#[test]
fn linux_mount_error_line() {
    let line = |name: &str, code: &str| -> Vec<bool> {
        sample(name)
            .diagnosis
            .findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| f.next_step.contains("Linux cifs mount: mount error("))
            .collect()
    };
    let version = tshark_frame(
        &samples().join("ntlm-wrong-password.pcap"),
        10,
        &[
            "ntlmssp.messagetype",
            "ntlmssp.version.major",
            "ntlmssp.version.minor",
            "ntlmssp.version.build_number",
        ],
    );
    assert_eq!(version, ["0x00000003", "6", "1", "0"]);
    assert_eq!(
        line("ntlm-wrong-password.pcap", "logon.bad_password"),
        [false]
    );
    assert_eq!(line("ntlm-bad-share.pcap", "tree.not_found"), [false]);
    let a = sample("ntlm-snaplen-160.pcap");
    let f = a
        .diagnosis
        .findings
        .iter()
        .find(|f| f.code == "logon.bad_password")
        .expect("logon.bad_password");
    assert!(
        f.next_step
            .ends_with("Linux cifs mount: mount error(13): Permission denied."),
        "{}",
        f.next_step
    );
    let a = sample("impacket-negotiate-311-no-context.pcap");
    let f = a
        .diagnosis
        .findings
        .iter()
        .find(|f| f.code == "negotiate.invalid_request")
        .expect("negotiate.invalid_request");
    assert!(
        f.next_step
            .contains("Linux cifs mount: mount error(22): Invalid argument"),
        "{}",
        f.next_step
    );
    assert_eq!(
        line("smb1-ntlm-wrong-password.pcap", "logon.bad_password"),
        [false]
    );
    assert_eq!(
        line(
            "smb1-no-spnego-wrong-password.pcap",
            "logon.ntlmv1_rejected"
        ),
        [false]
    );
    let Some(dir) = corpus() else { return };
    let a = run(&dir.join("sv-smb2-ntlm-logon-failure.pcap"), &[]);
    let bad: Vec<&str> = a
        .diagnosis
        .findings
        .iter()
        .filter(|f| f.code == "logon.bad_password")
        .map(|f| f.next_step.as_str())
        .collect();
    assert!(!bad.is_empty());
    assert!(
        bad.iter().all(|n| !n.contains("Linux cifs mount")),
        "{bad:?}"
    );
}

/// SpoolSample (tshark: frame 17 CREATE spoolss by 172.16.66.37 as
/// 3B\lgreen; frame 22 an SMB2 WRITE of a DCE/RPC bind, dcerpc.cn_bind_to_uuid
/// 12345678-1234-abcd-ef00-0123456789ab, [MS-RPRN] 1.9; frame 28
/// dcerpc.opnum 65; frames 36-60 172.16.66.36 logs on
/// to 172.16.66.37:445 as 3B\01566S-WIN16-IR$, then twice anonymously):
/// the coercion names who, the pipe, the call and the account, and the
/// logon findings of the callback say that they are it, with no step to
/// repair a domain controller link.
#[test]
fn coercion_is_told_and_its_callback_logons_say_so() {
    let Some(a) = load("corpus:pcapattack-smb311-spoolsample-ntlm.pcapng") else {
        return;
    };
    let c = with_code(&a, "attack.coercion");
    assert_eq!(c.len(), 1, "{:#?}", describe(&a.diagnosis.findings));
    let c = c[0];
    assert!(
        c.title
            .contains("172.16.66.37 made 172.16.66.36 authenticate to it")
            && c.title.contains("spoolss"),
        "{}",
        c.title
    );
    for want in [
        "bound its interface MS-RPRN 12345678-1234-abcd-ef00-0123456789ab v1.0 (frame 22) and called",
        "RpcRemoteFindFirstPrinterChangeNotificationEx (opnum 65, frame 28, answered at frame 61)",
        "3B\\lgreen",
        "as its computer account 3B\\01566S-WIN16-IR$",
        "2 times anonymously (tcp.stream 2, 3)",
        "relay",
    ] {
        assert!(c.explanation.contains(want), "{want}: {}", c.explanation);
    }
    for want in ["Print Spooler", "LDAP signing", "KB5005413", "445"] {
        assert!(c.next_step.contains(want), "{want}: {}", c.next_step);
    }
    for frame in [17, 18, 22, 28, 61] {
        assert!(c.frames.contains(&frame), "{frame}: {:?}", c.frames);
    }
    // It comes first: the report opens with the attack.
    assert_eq!(a.diagnosis.findings[0].code, "attack.coercion");
    for code in ["logon.no_logon_servers", "logon.anonymous_refused"] {
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{code}");
        assert!(
            f[0].title.starts_with("Coerced callback of attack.coercion: ")
                && f[0]
                    .explanation
                    .contains(" the coerced callback of attack.coercion: the server at 172.16.66.36 authenticated to 172.16.66.37"),
            "{code}: {}",
            f[0].explanation
        );
        assert!(
            !f[0].next_step.contains("nltest") && f[0].next_step.contains("attack.coercion"),
            "{code}: {}",
            f[0].next_step
        );
    }
}

/// No other capture has the finding: those that open spoolss, lsarpc,
/// samr, netlogon or netdfs have no logon back from the server as a
/// computer account or anonymously.
#[test]
fn coercion_only_where_the_server_logs_on_back() {
    for (name, path) in sample_names_and_corpus() {
        if name.contains("spoolsample") {
            continue;
        }
        let a = run(&path, &[]);
        let c = with_code(&a, "attack.coercion");
        assert!(
            c.is_empty(),
            "{name}: {:#?}",
            describe(&a.diagnosis.findings)
        );
    }
}

/// sv-smb3-zerologon-anon-ntlm: the null sessions open samr with success 5
/// times (tshark: smb2.filename samr at 645, 717, 795, 885, 959, each
/// answered STATUS_SUCCESS; svcctl refused 5 times) and bind [MS-SAMR] on
/// each (tshark: dcerpc.cn_bind_to_uuid 12345778-1234-abcd-ef00-0123456789ac
/// at 648, 720, 798, 888, 962, WRITE requests): the anonymous findings
/// name them and call it null-session enumeration.
#[test]
fn anonymous_sessions_name_their_pipes() {
    let Some(a) = load("corpus:sv-smb3-zerologon-anon-ntlm.pcap") else {
        return;
    };
    for code in ["session.anonymous", "posture.anonymous_allowed"] {
        let f = with_code(&a, code);
        assert_eq!(f.len(), 1, "{code}");
        assert!(
            f[0].explanation.ends_with(" They opened the named pipe samr (5 times) and bound MS-SAMR (samr) on it. MS-SAMR bound in a null session is the classic null-session enumeration: with no password, a client lists the domain's users and groups, their RIDs and SIDs, and its password policy (enum4linux, rpcclient, Impacket's samrdump and lookupsid)."),
            "{code}: {}",
            f[0].explanation
        );
    }
    let samr: Vec<u64> = a
        .model
        .pipes
        .iter()
        .filter(|p| p.name == "samr")
        .map(|p| p.request_frame)
        .collect();
    assert_eq!(samr, [645, 717, 795, 885, 959]);
    let bound: Vec<u64> = a
        .model
        .pipes
        .iter()
        .filter(|p| p.name == "samr")
        .flat_map(|p| p.interfaces.iter())
        .filter(|b| b.syntax.uuid_text() == "12345778-1234-abcd-ef00-0123456789ac")
        .map(|b| b.frame)
        .collect();
    let Some(d) = corpus() else {
        return;
    };
    let tshark: Vec<u64> = common::tshark_text(
        &d.join("sv-smb3-zerologon-anon-ntlm.pcap"),
        "smb2.cmd == 9 && dcerpc.pkt_type == 11 && dcerpc.cn_bind_to_uuid == 12345778-1234-abcd-ef00-0123456789ac",
        &["frame.number"],
    )
    .lines()
    .map(|l| l.parse().expect("frame"))
    .collect();
    assert_eq!(bound, tshark);
    assert_eq!(bound, [648, 720, 798, 888, 962]);
}

/// tshark's SMB2 CREATE responses answered with success, and its READ and
/// WRITE responses, of a capture: (response frame → (request frame, file
/// name, CreateDisposition, CreateAction)), and (FileId → reads, bytes
/// read, writes, bytes written) of the responses that carry a length.
/// Frames of several SMB2 messages (compounds), and the FileIds named in
/// them, are left out: tshark joins each field's occurrences with ',', and
/// a field a message lacks leaves no mark to align the others by.
type TsharkOpens = (
    std::collections::HashMap<u64, (u64, String, u32, u32, String)>,
    std::collections::HashMap<String, [u64; 4]>,
    (
        std::collections::HashSet<u64>,
        std::collections::HashSet<String>,
    ),
);

fn tshark_opens(path: &Path) -> TsharkOpens {
    use std::collections::HashMap;
    let t = common::tshark_text(
        path,
        "smb2.cmd == 5 || smb2.cmd == 8 || smb2.cmd == 9",
        &[
            "frame.number",
            "smb2.cmd",
            "smb2.flags.response",
            "smb2.response_to",
            "smb2.nt_status",
            "smb2.filename",
            "smb2.create.disposition",
            "smb2.create.action",
            "smb2.fid",
            "smb2.olb.length",
            "smb2.write.count",
        ],
    );
    let mut requests: HashMap<u64, (String, u32, String)> = HashMap::new();
    let mut opens = HashMap::new();
    let mut io = HashMap::new();
    let mut responses = Vec::new();
    let mut compound = std::collections::HashSet::new();
    let mut compound_fids = std::collections::HashSet::new();
    for l in t.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        if f[1].contains(',') {
            compound.insert(f[0].parse::<u64>().expect("frame"));
            compound_fids.extend(f[8].split(',').map(str::to_string));
            continue;
        }
        let frame: u64 = f[0].parse().expect("frame");
        if f[2] == "0" {
            let disposition = f[6].parse().unwrap_or(u32::MAX);
            requests.insert(frame, (f[5].to_string(), disposition, f[8].to_string()));
        } else {
            responses.push(f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        }
    }
    for f in responses {
        let frame: u64 = f[0].parse().expect("frame");
        let Ok(req) = f[3].parse::<u64>() else {
            continue;
        };
        let Some((name, disposition, fid)) = requests.get(&req) else {
            continue;
        };
        let ok = f[4] == "0x00000000";
        match f[1].as_str() {
            "5" if ok => {
                let action = f[7].parse().unwrap_or(u32::MAX);
                opens.insert(
                    frame,
                    (req, name.clone(), *disposition, action, f[8].clone()),
                );
            }
            "8" if !f[9].is_empty() => {
                let e = io.entry(fid.clone()).or_insert([0u64; 4]);
                e[0] += 1;
                e[1] += f[9].parse::<u64>().expect("length");
            }
            "9" if !f[10].is_empty() => {
                let e = io.entry(fid.clone()).or_insert([0u64; 4]);
                e[2] += 1;
                e[3] += f[10].parse::<u64>().expect("count");
            }
            _ => {}
        }
    }
    (opens, io, (compound, compound_fids))
}

/// The files and pipes listed per tree agree with tshark on the corpus
/// captures of remote execution and file copies: every SMB2 CREATE tshark
/// shows answered with success is listed once, on its tree, with its
/// request frame, name, CreateDisposition and CreateAction; and the READs
/// and WRITEs of each open (tshark's FileId) are counted on it.
/// PsExec (sv-smb21-psexec-kerberos-port139): PSEXESVC.exe created on
/// ADMIN$ with overwrite_if (frames 21/22) and written 145,568 bytes, all
/// of its tree's; svcctl and PSEXESVC's pipes on IPC$, named pipes.
#[test]
fn files_opened_agree_with_tshark() {
    let Some(d) = corpus() else {
        return;
    };
    for name in [
        "sv-smb21-psexec-kerberos-port139.pcap",
        "sv-smb21-mimikatz-copy-kerberos.pcap",
        "zeek-smb3-multichannel.pcap",
        "zeek-smb2-100-small-files-guest.pcap",
    ] {
        let path = d.join(name);
        let a = run(&path, &[]);
        let (opens, io, (compound, compound_fids)) = tshark_opens(&path);
        let mut listed = 0;
        for t in &a.model.trees {
            assert_eq!(t.files_omitted, 0, "{name} {}", t.share);
            for f in &t.files {
                let frame = f.frame.expect("an open answered");
                if compound.contains(&frame) || compound.contains(&f.request_frame) {
                    continue;
                }
                listed += 1;
                let (req, fname, disposition, action, fid) =
                    opens.get(&frame).unwrap_or_else(|| {
                        panic!(
                            "{name}: frame {} not a CREATE that tshark shows succeed",
                            frame
                        )
                    });
                assert_eq!(f.request_frame, *req, "{name} {}", frame);
                assert_eq!(&f.name, fname, "{name} {}", frame);
                assert_eq!(
                    f.disposition.map(|d| d.0),
                    Some(*disposition),
                    "{name} {}",
                    frame
                );
                assert_eq!(f.action.map(|a| a.0), Some(*action), "{name} {}", frame);
                assert_eq!(
                    f.pipe,
                    t.share.to_ascii_uppercase().ends_with("IPC$"),
                    "{name} {}",
                    frame
                );
                if compound_fids.contains(fid) {
                    continue;
                }
                let want = io.get(fid).copied().unwrap_or_default();
                let got = [f.reads, f.read_bytes, f.writes, f.write_bytes];
                assert_eq!(got, want, "{name} {} {fid}", f.name);
            }
        }
        assert_eq!(listed, opens.len(), "{name}: opens listed");
    }
    let a = run(&d.join("sv-smb21-psexec-kerberos-port139.pcap"), &[]);
    let admin = a
        .model
        .trees
        .iter()
        .find(|t| t.share.ends_with("ADMIN$"))
        .expect("the ADMIN$ tree");
    let exe = admin
        .files
        .iter()
        .find(|f| f.name == "PSEXESVC.exe" && f.request_frame == 21)
        .expect("PSEXESVC.exe");
    assert_eq!(
        exe.disposition.map(|d| d.to_string()).as_deref(),
        Some("overwrite_if")
    );
    assert_eq!(
        exe.action.map(|a| a.to_string()).as_deref(),
        Some("CREATED")
    );
    assert_eq!((exe.write_bytes, admin.write_bytes), (145_568, 145_568));
    let pipes: Vec<&str> = a
        .model
        .trees
        .iter()
        .flat_map(|t| &t.files)
        .filter(|f| f.pipe)
        .map(|f| f.name.as_str())
        .collect();
    assert!(
        pipes.contains(&"svcctl") && pipes.contains(&"PSEXESVC"),
        "{pipes:?}"
    );
}

/// The PsExec capture cut into its parts (the same real bytes, fewer
/// frames): the ADMIN$ connection alone (stream 0: PSEXESVC.exe written) is
/// a program put on an administrative share and nothing run; the IPC$
/// connection alone (stream 5) without PSEXESVC's pipes is the Service
/// Control Manager opened, the tool unknown. Opening PSEXESVC.exe again on
/// ADMIN$ in stream 5 (frame 298, to delete it: CreateAction OPENED, no
/// byte written) is no program written.
#[test]
fn lateral_movement_parts() {
    let Some(d) = corpus() else {
        return;
    };
    let path = d.join("sv-smb21-psexec-kerberos-port139.pcap");
    let streams = common::frame_streams(&path);
    let tool_requests: Vec<u64> = common::tshark_text(
        &path,
        "smb2.cmd == 5 && smb2.flags.response == 0 && smb2.filename matches \"^PSEXESVC($|-)\"",
        &["frame.number"],
    )
    .lines()
    .map(|l| l.parse().expect("frame"))
    .collect();
    assert_eq!(tool_requests, [178, 201, 211, 221]);
    let tool: Vec<u64> = common::tshark_text(
        &path,
        "smb2.cmd == 5 && smb2.flags.response == 1",
        &["frame.number", "smb2.response_to"],
    )
    .lines()
    .filter_map(|l| {
        let (f, to) = l.split_once('\t')?;
        tool_requests
            .contains(&to.parse().ok()?)
            .then(|| f.parse().expect("frame"))
    })
    .chain(tool_requests.iter().copied())
    .collect();
    let keep =
        |skip: &dyn Fn(u64) -> bool| -> Vec<u64> { (1..=400).filter(|f| !skip(*f)).collect() };
    let on = |f: u64, s: u64| streams.get(&f) == Some(&("tcp", s));
    let analyze_frames = |frames: Vec<u64>| {
        let bytes = file_frames(&path, &frames);
        let mut r = CaptureReader::new(std::io::Cursor::new(bytes)).expect("capture header");
        analyze(&mut r, &Options::default(), BuildOptions::default(), |_| {})
    };
    let dropped = analyze_frames(keep(&|f| on(f, 5)));
    let codes: Vec<&str> = dropped.diagnosis.findings.iter().map(|f| f.code).collect();
    assert!(!codes.iter().any(|c| c.starts_with("attack.")), "{codes:?}");
    let f = with_code(&dropped, "activity.admin_share_executable");
    assert_eq!(f.len(), 1, "{codes:?}");
    assert_eq!(
        (f[0].stream, f[0].frames.as_slice()),
        (Some(0), &[21, 22][..])
    );
    assert!(
        f[0].explanation
            .contains("PSEXESVC.exe on \\\\dc1\\ADMIN$ (frame 21, 145568 bytes written)"),
        "{}",
        f[0].explanation
    );
    let kept = keep(&|f| on(f, 0) || tool.contains(&f));
    let control = analyze_frames(kept.clone());
    let codes: Vec<&str> = control.diagnosis.findings.iter().map(|f| f.code).collect();
    assert!(
        !codes
            .iter()
            .any(|c| c.starts_with("attack.") || *c == "activity.admin_share_executable"),
        "{codes:?}"
    );
    let f = with_code(&control, "activity.service_control");
    assert_eq!(f.len(), 1, "{codes:?}");
    // Frames and streams are numbered anew in the cut capture: svcctl's
    // CREATE (150/151) is where those frames are left; stream 5 is the
    // fifth connection left, tcp.stream 4.
    let at = |f: u64| kept.iter().position(|&k| k == f).map(|i| i as u64 + 1);
    // svcctl's bind (154) and the call that created the service (160,
    // answered at 161): tshark's.
    let bind = common::tshark_text(
        &path,
        "smb2.cmd == 9 && dcerpc.pkt_type == 11 && dcerpc.cn_bind_to_uuid == 367abb81-9844-35f1-ad32-98f038001003",
        &["frame.number"],
    );
    assert_eq!(bind.lines().next(), Some("154"));
    let create = common::tshark_text(
        &path,
        "dcerpc.pkt_type == 2 && dcerpc.opnum == 45",
        &["frame.number", "dcerpc.request_in"],
    );
    assert_eq!(create.lines().next(), Some("161\t160,160"));
    let want: Vec<u64> = [150, 151, 154, 160, 161]
        .into_iter()
        .filter_map(at)
        .collect();
    assert_eq!((f[0].stream, &f[0].frames), (Some(4), &want));
    let e = &f[0].explanation;
    assert!(
        e.contains(&format!(
            "It bound MS-SCMR (svcctl) (frame {})",
            at(154).unwrap_or(0)
        )) && e.contains(&format!(
            "RCreateServiceWOW64W (opnum 45, frame {}) asked to create the service PSEXESVC, whose command line (lpBinaryPathName) is `%SystemRoot%\\PSEXESVC.exe` ([MS-SCMR] 3.1.4); answered without a fault at frame {}.",
            at(160).unwrap_or(0),
            at(161).unwrap_or(0)
        )) && !e.contains("does not show which calls")
            && !e.contains("connection.one_sided"),
        "{e}"
    );
    // The whole capture: one finding, the tool named.
    let whole = run(&path, &[]);
    let f = with_code(&whole, "attack.service_execution");
    assert!(
        f[0].title
            .starts_with("PsExec: 192.168.10.31 ran a program as a service on 192.168.10.10"),
        "{}",
        f[0].title
    );
    assert!(
        f[0].explanation.contains("It bound MS-SCMR (svcctl) (frame 154) and made 9 calls, among them RCreateServiceWOW64W (frame 160) and RStartServiceW (frame 166).")
            && f[0].explanation.contains("RCreateServiceWOW64W (opnum 45, frame 160) asked to create the service PSEXESVC, whose command line (lpBinaryPathName) is `%SystemRoot%\\PSEXESVC.exe` ([MS-SCMR] 3.1.4); answered without a fault at frame 161."),
        "{}",
        f[0].explanation
    );
    assert!(with_code(&whole, "activity.service_control").is_empty());
    assert!(with_code(&whole, "activity.admin_share_executable").is_empty());
}

/// The KDC exchanges of the roasting samples as tshark reads them: for
/// each request frame, kerberos.msg_type, kerberos.padata_type (what
/// `posture.no_preauth` and `attack.asrep_roasting` judge pre-authentication
/// by), kerberos.ENCTYPE (the etype list the attacks are told by) and
/// kerberos.CNameString / SNameString; for each reply, its msg_type and
/// kerberos.etype, whose last entry is the reply's enc-part and the one
/// before it the ticket's (AS-REP and TGS-REP end with ticket, enc-part:
/// RFC 4120 5.4.2). And the findings' enctype and user are those.
#[test]
fn roasting_samples_match_tshark() {
    let nums = |s: &str| -> Vec<i32> {
        s.split('|')
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().expect("a number"))
            .collect()
    };
    for name in [
        "krb5-asrep-roasting.pcap",
        "krb5-kerberoasting.pcap",
        "krb5-kerberoasting-no-as-req.pcap",
        "krb5-kinit-no-preauth.pcap",
    ] {
        let path = samples().join(name);
        let a = sample(name);
        assert!(!a.model.kdc.is_empty(), "{name}");
        for x in &a.model.kdc {
            let t = tshark_frame(
                &path,
                x.request_frame,
                &[
                    "kerberos.msg_type",
                    "kerberos.padata_type",
                    "kerberos.ENCTYPE",
                    "kerberos.CNameString",
                    "kerberos.SNameString",
                ],
            );
            let what = format!("{name} frame {}", x.request_frame);
            let msg: Vec<i32> = nums(&t[0]);
            assert_eq!(msg.first().copied(), Some(x.request.0), "{what}");
            if x.request == KrbMsgType::AS_REQ {
                let padata: Vec<i32> = x.request_padata.iter().map(|p| p.0).collect();
                assert_eq!(padata, nums(&t[1]), "{what}");
            }
            let etypes: Vec<i32> = x.etypes.iter().map(|e| e.0).collect();
            assert_eq!(etypes, nums(&t[2]), "{what}");
            if x.request == KrbMsgType::AS_REQ {
                let cname = x.client_principal.as_deref().unwrap_or_default();
                assert_eq!(cname.split('@').next(), Some(t[3].as_str()), "{what}");
            }
            let sname = x.service_principal.as_deref().unwrap_or_default();
            let sname = sname
                .split('@')
                .next()
                .unwrap_or_default()
                .replace('/', "|");
            assert!(t[4].ends_with(&sname), "{what}: {sname} / {}", t[4]);
            let Some(rf) = x.reply_frame else { continue };
            let r = tshark_frame(&path, rf, &["kerberos.msg_type", "kerberos.etype"]);
            assert_eq!(nums(&r[0]).last().copied(), x.reply.map(|m| m.0), "{what}");
            let et = nums(&r[1]);
            if x.reply == Some(KrbMsgType::AS_REP) || x.reply == Some(KrbMsgType::TGS_REP) {
                assert_eq!(et.last().copied(), x.reply_enctype.map(|e| e.0), "{what}");
                let ticket = et.len().checked_sub(2).and_then(|i| et.get(i)).copied();
                assert_eq!(ticket, x.ticket_enctype.map(|e| e.0), "{what}");
            }
        }
    }
    // The findings name the reply's enc-part and the ticket's enctype.
    let a = sample("krb5-asrep-roasting.pcap");
    let f = with_code(&a, "attack.asrep_roasting");
    assert_eq!(f[0].enctype.as_deref(), Some("rc4-hmac"));
    assert_eq!(f[0].user.as_deref(), Some("paul@SAMPLES.SMBSCOPE.TEST"));
    assert!(f[0]
        .explanation
        .contains("It asked the KDC for 4 account(s)"));
    let f = with_code(&a, "posture.no_preauth");
    assert_eq!(f[0].enctype.as_deref(), Some("rc4-hmac"));
    assert!(f[0].explanation.contains("(only PA-PAC-REQUEST)"));
    let a = sample("krb5-kinit-no-preauth.pcap");
    let f = with_code(&a, "posture.no_preauth");
    assert_eq!(f[0].enctype.as_deref(), Some("aes256-cts-hmac-sha1-96"));
    assert!(with_code(&a, "attack.asrep_roasting").is_empty());
    let a = sample("krb5-kerberoasting.pcap");
    let f = with_code(&a, "attack.kerberoasting");
    assert_eq!(f[0].enctype.as_deref(), Some("rc4-hmac"));
    assert_eq!(f[0].user.as_deref(), Some("alice@SAMPLES.SMBSCOPE.TEST"));
    assert!(f[0]
        .explanation
        .contains("its own AS-REQ (frame 1) offered aes256-cts-hmac-sha1-96"));
    // No cipher text: the findings carry names and numbers only.
    for f in &a.diagnosis.findings {
        assert!(!f.explanation.contains("$krb5"), "{}", f.explanation);
    }
    // The same requests without the client's AS-REQ (kinit ran before the
    // capture): two services, fewer than a sweep's 10, still flagged, as
    // the finding table says, a warning: a client without AES asks the
    // same way, and the AS-REQ that would tell is not there.
    let a = sample("krb5-kerberoasting-no-as-req.pcap");
    assert!(a.model.kdc.iter().all(|x| x.request == KrbMsgType::TGS_REQ));
    let f = with_code(&a, "attack.kerberoasting");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, smbscope::diagnose::Severity::Warning);
    assert_eq!(f[0].frames, [4, 6, 14, 16]);
    assert_eq!(f[0].enctype.as_deref(), Some("rc4-hmac"));
    assert!(
        f[0].title.ends_with("for 2 service(s)")
            && f[0]
                .explanation
                .contains("and its AS-REQ is not in the capture"),
        "{}: {}",
        f[0].title,
        f[0].explanation
    );
}

/// The forwarded TGT of krb5-success (tshark: frame 35 TGS-REQ with
/// kerberos.KDCOptions.forwarded 1 for krbtgt/SAMPLES.SMBSCOPE.TEST, the
/// other TGS-REQ, frame 25 for cifs/dc1, without it; frame 37 its TGS-REP;
/// frame 42 the AP-REQ on tcp.stream 1): the exchange's line says
/// "(forwarded TGT)", its kerberos[] item has forwarded_tgt true (the
/// other none), and the note names the session it went with.
#[test]
fn forwarded_tgt_is_told() {
    let path = samples().join("krb5-success.pcap");
    let t = common::tshark_text(
        &path,
        "kerberos.msg_type == 12",
        &["frame.number", "kerberos.KDCOptions.forwarded"],
    );
    assert_eq!(t, "25\t0\n35\t1\n");
    let a = sample("krb5-success.pcap");
    let forwarded: Vec<u64> = a
        .model
        .kdc
        .iter()
        .filter(|x| x.forwarded_tgt)
        .map(|x| x.request_frame)
        .collect();
    assert_eq!(forwarded, [35]);
    let json = serde_json::to_value(&a.model.kdc).expect("JSON");
    let flagged: Vec<&serde_json::Value> = json
        .as_array()
        .expect("kerberos[]")
        .iter()
        .filter(|x| x.get("forwarded_tgt").is_some())
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["request_frame"], 35);
    assert_eq!(flagged[0]["forwarded_tgt"], true);
    let f = with_code(&a, "kerberos.forwarded_tgt");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].explanation.contains("It went with the AP-REQ of the SESSION_SETUP at frame 42 (tcp.stream 1) for cifs/dc1.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST"),
        "{}",
        f[0].explanation
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .arg(&path)
        .output()
        .expect("smbscope");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("(forwarded TGT)").count(), 1, "{text}");
}

/// The AS-REP's finding names the client as the KDC's reply does (RFC 4120
/// 5.4.2 cname and crealm), not with the realm as typed: corpus
/// pcapattack-smb2-kerberos-rc4, tshark frame 3 (AS-REQ) realm "3b",
/// frame 5 (AS-REP) crealm "THREEBEESCO.COM", cname backdoor.
#[test]
fn as_rep_finding_names_the_realm_the_kdc_answered() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("pcapattack-smb2-kerberos-rc4.pcapng");
    let t = common::tshark_text(
        &path,
        "frame.number == 3 || frame.number == 5",
        &[
            "frame.number",
            "kerberos.CNameString",
            "kerberos.realm",
            "kerberos.crealm",
        ],
    );
    assert_eq!(
        t,
        "3\tbackdoor\t3b\t\n5\tbackdoor\tTHREEBEESCO.COM\tTHREEBEESCO.COM\n"
    );
    let a = run(&path, &[]);
    let f: Vec<&Finding> = with_code(&a, "posture.weak_enctype")
        .into_iter()
        .filter(|f| f.title.contains("AS-REP"))
        .collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].title
            .starts_with("The KDC encrypted its AS-REP for backdoor@THREEBEESCO.COM with rc4-hmac"),
        "{}",
        f[0].title
    );
    assert_eq!(f[0].user.as_deref(), Some("backdoor@THREEBEESCO.COM"));
    // The request's own name stays in kerberos[] as typed.
    let as_req = a.model.kdc.iter().find(|x| x.request_frame == 3);
    assert_eq!(
        as_req.and_then(|x| x.client_principal.as_deref()),
        Some("backdoor@3b")
    );
}

/// An RC4 ticket with an AES authenticator (corpus
/// pcapattack-smb2-kerberos-rc4 frame 14: tshark kerberos.etype 23 for the
/// ticket, 18 for the authenticator): the ticket's enctype is the service
/// account's choice, the authenticator's the session key's, and the
/// finding says so.
#[test]
fn rc4_ticket_with_aes_authenticator_names_the_service_account() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("pcapattack-smb2-kerberos-rc4.pcapng");
    let t = common::tshark_text(&path, "frame.number == 14", &["kerberos.etype"]);
    assert_eq!(t, "23,18\n");
    let a = run(&path, &[]);
    let f: Vec<&Finding> = with_code(&a, "posture.weak_enctype")
        .into_iter()
        .filter(|f| f.title == "Kerberos service ticket encrypted with rc4-hmac")
        .collect();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].explanation.contains("The AP-REQ (frame 14) has the ticket in rc4-hmac but its authenticator in aes256-cts-hmac-sha1-96: the authenticator is encrypted with the session key"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].explanation
            .contains("the service's account is what keeps the ticket in rc4-hmac"),
        "{}",
        f[0].explanation
    );
}

/// PsExec in a capture of the client's side alone
/// (sv-smb2-oneside-kerberos: no SMB message of the server's): the
/// finding is made of the client's requests and says so. tshark: CREATE
/// requests of svcctl (7), PSEXESVC (21) and its three console pipes (32,
/// 37, 42), none answered; the bind of [MS-SCMR] written at 9 and
/// RCreateServiceWOW64W (opnum 45) at 12, with the FileId of the GETINFO
/// that followed the CREATE of 7 (frame 8); RStartServiceW (19) at 15;
/// the first WRITE request to PSEXESVC's pipe at 24.
#[test]
fn one_sided_psexec() {
    let Some(d) = corpus() else {
        return;
    };
    let path = d.join("sv-smb2-oneside-kerberos.pcap");
    let creates = common::tshark_text(
        &path,
        "smb2.cmd == 5 && smb2.flags.response == 0",
        &["frame.number", "smb2.filename"],
    );
    assert!(
        creates.starts_with("7\tsvcctl\n21\tPSEXESVC\n"),
        "{creates}"
    );
    assert_eq!(
        common::tshark_text(&path, "smb2.flags.response == 1", &["frame.number"]),
        ""
    );
    let calls = common::tshark_text(
        &path,
        "smb2.fid == 0000002e-0009-0000-0100-000009000000 && dcerpc",
        &["frame.number", "dcerpc.pkt_type", "dcerpc.opnum"],
    );
    assert!(
        calls.starts_with("9\t11\t\n11\t0\t15\n12\t0\t45\n13\t0\t0\n14\t0\t16\n15\t0\t19\n"),
        "{calls}"
    );
    let a = run(&path, &[]);
    let f = with_code(&a, "attack.service_execution");
    assert_eq!(f.len(), 1);
    // The first WRITE request with the FileId the client went on with
    // after PSEXESVC's CREATE (21): frame 24, 4 bytes.
    let writes = common::tshark_text(
        &path,
        "smb2.cmd == 9 && smb2.fid == 0000002f-0009-0000-0500-000009000000",
        &["frame.number", "smb2.write_length"],
    );
    assert!(writes.starts_with("24\t4\n"), "{writes}");
    assert_eq!(
        (f[0].stream, f[0].frames.as_slice()),
        (Some(0), &[7, 9, 12, 21, 24][..])
    );
    assert!(f[0]
        .title
        .starts_with("PsExec: 192.168.10.31 ran a program as a service on 192.168.10.10"));
    let e = &f[0].explanation;
    for part in [
        "The client asked to open the Service Control Manager's pipe svcctl (frame 7)",
        "then asked to open the pipe PSEXESVC (frame 21)",
        "It bound MS-SCMR (svcctl) (frame 9) and made 9 calls, among them RCreateServiceWOW64W (frame 12) and RStartServiceW (frame 15).",
        "RCreateServiceWOW64W (opnum 45, frame 12) asked to create the service PSEXESVC, whose command line (lpBinaryPathName) is `%SystemRoot%\\PSEXESVC.exe` ([MS-SCMR] 3.1.4); the capture holds no answer to it.",
        "The capture lacks the server's side of this connection (connection.one_sided)",
        "it wrote its bind and calls to svcctl (frames 9 to 19) with the FileId the CREATE response must have given it; almost certainly they did.",
    ] {
        says(e, part);
    }
    assert!(with_code(&a, "activity.service_control").is_empty());
}

/// impacket's smbexec against smbd (impacket-smbexec-svcctl): the
/// service's name and command line, as tshark's svcctl dissector reads
/// them on frame 31 (svcctl.servicename, svcctl.binarypathname), and
/// smbd's fault at 34 (dcerpc.cn_status 0x1c010002): the service was not
/// created, no attack.* finding, the command line named as smbexec's.
#[test]
fn smbexec_refused() {
    let path = samples().join("impacket-smbexec-svcctl.pcap");
    let t = common::tshark_text(
        &path,
        "svcctl.opnum == 12 || dcerpc.cn_status",
        &[
            "frame.number",
            "svcctl.servicename",
            "svcctl.binarypathname",
            "dcerpc.cn_status",
        ],
    );
    let mut lines = t.lines();
    let create: Vec<&str> = lines.next().expect("the create").split('\t').collect();
    assert_eq!(create[..2], ["31", "BTOBTO"]);
    let path_text = create[2];
    assert!(path_text.starts_with("%COMSPEC% /Q /c echo cd  ^> \\\\127.0.0.1\\share\\__output"));
    assert_eq!(lines.next(), Some("34\t\t\t0x1c010002"));
    let a = run(&path, &[]);
    let codes: Vec<&str> = a.diagnosis.findings.iter().map(|f| f.code).collect();
    assert!(!codes.iter().any(|c| c.starts_with("attack.")), "{codes:?}");
    let f = with_code(&a, "activity.service_control");
    assert_eq!(f.len(), 1);
    let e = &f[0].explanation;
    says(e, &format!("RCreateServiceW (opnum 12, frame 31) asked to create the service BTOBTO, whose command line (lpBinaryPathName) is `{path_text}` ([MS-SCMR] 3.1.4); the server refused it with a fault (nca_s_op_rng_error, frame 34): no service was created."));
    says(e, "That command line is Impacket's smbexec's");
    assert!(!e.contains("connection.one_sided"), "{e}");
    // The same on the call (JSON's trees[].files[].rpc.calls[].service).
    let rpc = a.model.trees[0].files[0].rpc.as_ref().expect("rpc");
    let s = rpc.calls[1].service.as_ref().expect("service");
    assert_eq!(
        (s.name.as_deref(), s.binary_path.as_deref(), s.cut),
        (Some("BTOBTO"), Some(path_text), false)
    );
}

/// A program put on a drive's share in a capture of the client's side
/// alone (oneside-program-to-admin-share: smbclient's put of tool.exe on
/// smbd's C$, packets from the client only): tshark shows the CREATE
/// request of tool.exe (11) and one WRITE request (13) of 35664 bytes
/// (smb2.write_length) with the FileId the client went on with, and no
/// response. The file lists it as an unanswered CREATE with that WRITE
/// request, and activity.admin_share_executable says so.
#[test]
fn one_sided_program_written() {
    let path = samples().join("oneside-program-to-admin-share.pcap");
    let t = common::tshark_text(
        &path,
        "smb2.cmd == 5 || smb2.cmd == 9",
        &[
            "frame.number",
            "smb2.flags.response",
            "smb2.filename",
            "smb2.write_length",
        ],
    );
    assert_eq!(t, "11\t0\ttool.exe\t\n13\t0\t\t35664\n");
    let a = sample("oneside-program-to-admin-share.pcap");
    let file = a
        .model
        .trees
        .iter()
        .flat_map(|t| t.files.iter())
        .find(|f| f.name == "tool.exe")
        .expect("tool.exe");
    assert_eq!(
        (
            file.unanswered,
            file.write_requests,
            file.write_length,
            file.first_write_request
        ),
        (true, 1, 35664, Some(13))
    );
    let f = only(&a, "activity.admin_share_executable");
    assert_eq!((f.stream, f.frames.as_slice()), (Some(0), &[11, 13][..]));
    says(&f.explanation, "The client wrote tool.exe on \\\\127.0.0.2\\C$ (frame 11, 35664 bytes sent to be written in 1 WRITE request(s), a request the capture holds no answer to).");
    says(
        &f.explanation,
        "The capture lacks the server's side of this connection (connection.one_sided)",
    );
    says(&f.explanation, "it sent 35664 bytes to be written to tool.exe (first WRITE request at frame 13) with the FileId the CREATE response must have given it; almost certainly they did.");
}
