//! The finding codes: stable names, their usual severity and what they mean.
//! docs/report.md lists the same table; a test keeps the two in step.

use super::Severity::{self, Error, Info, Warning};

/// (code, usual severity, one line). The logon refusals by status, from
/// logon.bad_password to logon.failed, are a warning when the same
/// client's own logon of the same user to the same server followed within
/// 30 s, unless it ended a run of 10 refusals or more (docs/report.md,
/// above its table).
pub const CODES: &[(&str, Severity, &str)] = &[
    ("negotiate.slow", Warning, "a NEGOTIATE answered after more than 1 s (the logon.slow_round threshold): the server was busy before it answered, usually a name lookup of the client (Samba 'hosts allow'/'hosts deny' naming hosts, 'hostname lookups = yes') against a DNS server that does not answer, or overload, and says what the capture shows the server looking up meanwhile (its ARP requests, and whether the address answered; its DNS queries)"),
    ("negotiate.failed", Error, "the NEGOTIATE response carried an error status not covered by the codes below"),
    ("negotiate.invalid_request", Error, "the server refused a NEGOTIATE the client built against [MS-SMB2] 3.3.5.4 (STATUS_INVALID_PARAMETER: no dialect, or SMB 3.1.1 offered without exactly one preauth-integrity context)"),
    ("negotiate.no_common_dialect", Error, "client and server share no SMB dialect"),
    ("negotiate.smb1_only_client", Error, "the client offers only SMB1 dialects and the server refuses SMB1"),
    ("negotiate.signing_unsupported", Error, "the client requires signing but the server's NTLM challenge does not offer it; the client gave up"),
    ("logon.bad_password", Error, "STATUS_LOGON_FAILURE / STATUS_WRONG_PASSWORD: wrong password or unknown user; a warning when the same user's own logon got past it"),
    ("logon.unknown_user", Error, "STATUS_NO_SUCH_USER"),
    ("logon.account_disabled", Error, "STATUS_ACCOUNT_DISABLED"),
    ("logon.account_locked_out", Error, "STATUS_ACCOUNT_LOCKED_OUT"),
    ("logon.account_expired", Error, "STATUS_ACCOUNT_EXPIRED"),
    ("logon.password_expired", Error, "STATUS_PASSWORD_EXPIRED"),
    ("logon.password_must_change", Error, "STATUS_PASSWORD_MUST_CHANGE"),
    ("logon.logon_hours", Error, "STATUS_INVALID_LOGON_HOURS"),
    ("logon.workstation_restriction", Error, "STATUS_INVALID_WORKSTATION"),
    ("logon.account_restriction", Error, "STATUS_ACCOUNT_RESTRICTION (e.g. blank password, Protected Users)"),
    ("logon.no_logon_servers", Error, "STATUS_NO_LOGON_SERVERS: the server could not reach a domain controller"),
    ("logon.raw_ntlmv2_refused", Error, "an SMB1 logon without SPNEGO with an NTLMv2 response refused with STATUS_INVALID_PARAMETER (Samba: 'raw NTLMv2 auth = no', its default)"),
    ("logon.ntlmv1_rejected", Error, "a logon with an NTLMv1/LM response refused: the server refuses NTLMv1, or (when the capture cannot tell) NTLMv1 not allowed or a wrong password"),
    ("logon.failed", Error, "a SESSION_SETUP failed with another status; a warning when the same user's own logon got past it"),
    ("logon.anonymous_refused", Error, "the server refused anonymous (null) logons, counted per client and server (info when the same client's own logon worked)"),
    ("logon.abandoned", Error, "the client stopped in the middle of the authentication exchange and the connection ended (not after a KRB-ERROR, which has its own finding); a warning when the client closed the connection right after the server's NTLM CHALLENGE without AUTHENTICATE (what the NTLM information probes of scanners do: nmap, impacket, NetExec), a note when it began another SESSION_SETUP on the connection instead"),
    ("logon.capture_ended", Info, "the capture ends in the middle of a logon, with the connection open: how it ended is not in the capture. Waiting for the client's next token: warning when the client sent nothing for 5 s or more (waiting or stuck). Waiting for the server's answer to the client's last SESSION_SETUP (on a connection where the server had sent SMB before): warning when that request is more than 1 s old when the capture ends (answered then, it would be a logon.slow_round: a slow or stuck server), a note when younger (the capture simply stopped)"),
    ("logon.slow_round", Warning, "a SESSION_SETUP round took longer than 1 s"),
    ("kerberos.clock_skew", Error, "KRB_AP_ERR_SKEW: client and server clocks differ by more than the allowed skew (warning when a retry succeeded)"),
    ("kerberos.ap_modified", Error, "KRB_AP_ERR_MODIFIED, or an AP-REQ refused with STATUS_LOGON_FAILURE and no KRB-ERROR: the server cannot decrypt the ticket"),
    ("kerberos.ticket_expired", Error, "KRB_AP_ERR_TKT_EXPIRED from the server or the KDC, or STATUS_INVALID_PARAMETER and no KRB-ERROR to an AP-REQ (Samba's answer to an expired ticket); warning when the same client got a new ticket or session later in the capture"),
    ("kerberos.ap_error", Error, "another KRB-ERROR inside SPNEGO; of KRB_AP_ERR_TKT_NYV, also the KDC's own answers of it to the same client"),
    ("kerberos.unknown_spn", Error, "KDC_ERR_S_PRINCIPAL_UNKNOWN: no account has the SPN asked for (warning when NTLM took over)"),
    ("kerberos.preauth_failed", Error, "KDC_ERR_PREAUTH_FAILED: wrong password at the KDC"),
    ("kerberos.client_unknown", Error, "KDC_ERR_C_PRINCIPAL_UNKNOWN: the KDC does not know the user"),
    ("kerberos.client_revoked", Error, "KDC_ERR_CLIENT_REVOKED: account disabled, locked out, expired or outside its logon hours; the title names which when the KRB-ERROR carries the NTSTATUS (KERB-EXT-ERROR in e-data, or in a PA-PW-SALT as Samba sends it), and the explanation says so when it carries none"),
    ("kerberos.password_expired", Error, "KDC_ERR_KEY_EXPIRED: the password expired or must be changed (which, from the NTSTATUS in e-data)"),
    ("kerberos.etype_unsupported", Error, "KDC_ERR_ETYPE_NOSUPP: no common encryption type"),
    ("kerberos.kdc_error", Error, "another KDC error (KDC_ERR_POLICY or KDC_ERR_CANNOT_POSTDATE to a request for a postdated ticket: said so)"),
    ("kerberos.preauth_not_retried", Warning, "KDC_ERR_PREAUTH_REQUIRED not followed by a pre-authenticated AS-REQ"),
    ("kerberos.tcp_not_retried", Error, "KRB_ERR_RESPONSE_TOO_BIG not followed by a Kerberos request over TCP (no retry, or TCP port 88 refused or blocked: said so when the capture shows it); warning when the client got a ticket or an SMB session later"),
    ("kerberos.kdc_unreachable", Error, "a TCP connection to a KDC's port 88 refused (RST) or never answered, with no KRB_ERR_RESPONSE_TOO_BIG before it (warning when the client reached a KDC another way)"),
    ("kerberos.fallback_ntlm", Warning, "the client fell back from Kerberos to NTLM, with the KDC error that caused it"),
    ("session.guest", Warning, "the server granted a guest session"),
    ("session.anonymous", Info, "anonymous (null) sessions: one finding per client address and server, with the count"),
    ("session.logoff_refused", Warning, "an SMB2 LOGOFF (or SMB1 LOGOFF_ANDX) answered with an error other than STATUS_USER_SESSION_DELETED (no such session on that connection, [MS-SMB2] 3.3.5.2.9: gone already, or another connection's, which the LOGOFF does not reach; no finding) or STATUS_NETWORK_SESSION_EXPIRED (session.expired): it ended nothing ([MS-SMB2] 3.3.5.6), and the finding says what the session kept (its open files, tree connects, a later CREATE refused for a file it held) and until when; STATUS_ACCESS_DENIED on a signed session is a signature that did not verify ([MS-SMB2] 3.3.5.2.4: a signing key mismatch, tampering on the path, a client bug)"),
    ("session.encryption_required", Error, "SESSION_SETUP refused (ACCESS_DENIED) to a dialect that cannot encrypt (2.x): the server requires encryption for every session"),
    ("session.deleted", Error, "STATUS_USER_SESSION_DELETED: the server no longer knows the session"),
    ("session.expired", Warning, "STATUS_NETWORK_SESSION_EXPIRED on a request of an established session: the session must re-authenticate; an error when it answers a SESSION_SETUP (the authentication itself found the credentials expired), but a warning when the same client's own logon to the same server followed it within 30 s on any connection (the explanation names that logon's frame and stream)"),
    ("tree.not_found", Error, "STATUS_BAD_NETWORK_NAME: the share does not exist"),
    ("tree.access_denied", Error, "STATUS_ACCESS_DENIED on TREE_CONNECT; encryption is named as a possible reason only when the connection cannot encrypt (no cipher, SMB1, a guest or anonymous session) or its NEGOTIATE is not in the capture ([MS-SMB2] 3.3.5.7)"),
    ("tree.encryption_required", Error, "TREE_CONNECT refused to a dialect that cannot encrypt (2.x) on a share that requires encryption"),
    ("tree.slow", Warning, "a TREE_CONNECT answered after more than 1 s (the logon.slow_round threshold; not one chained to an SMB1 SESSION_SETUP_ANDX): the share's path on slow or unreachable storage, a DFS referral, a name lookup, a Samba 'preexec' script, or overload, and says what the capture shows the server looking up meanwhile (its ARP requests, and whether the address answered; its DNS queries)"),
    ("tree.failed", Error, "TREE_CONNECT failed with another status"),
    ("file.access_denied", Warning, "file operations refused with STATUS_ACCESS_DENIED, one finding per client address, server, identity and command, with the count and the names (info for QUERY_INFO alone)"),
    ("file.sharing_violation", Warning, "CREATE refused with STATUS_SHARING_VIOLATION (the file is in use), grouped like file.access_denied; names the open that holds the file when the capture shows it (a CREATE of the same file, share and server, not closed, that fails the sharing check against the refused one)"),
    ("file.disk_full", Error, "file operations refused with STATUS_DISK_FULL: the volume behind the share is full (or, on Samba, the user's disk quota), data was not written"),
    ("file.quota_exceeded", Error, "file operations refused with STATUS_DISK_QUOTA_EXCEEDED or STATUS_QUOTA_EXCEEDED: a quota on the server is used up"),
    ("file.write_protected", Error, "file operations refused with STATUS_MEDIA_WRITE_PROTECTED: the file system under the share is read-only (Linux remounts one read-only after disk errors); one finding for every command so refused by a server to a client and identity"),
    ("file.cannot_delete", Warning, "a delete refused with STATUS_CANNOT_DELETE: the file has the read-only attribute, or the server's file system will not delete it"),
    ("file.too_many_open_files", Error, "CREATE refused with STATUS_INSUFFICIENT_RESOURCES or STATUS_TOO_MANY_OPENED_FILES: the server has no room for another open of this client (Samba's 'max open files', a descriptor limit, memory); names how many files the connection had open in the capture then"),
    ("file.lock_conflict", Warning, "LOCK, READ or WRITE refused with STATUS_LOCK_NOT_GRANTED or STATUS_FILE_LOCK_CONFLICT: a byte range is locked by another open"),
    ("connection.refused", Error, "the server reset the TCP connection before anything was sent (closed port or firewall); info when the client reached SMB on the same server over another connection"),
    ("connection.unanswered", Error, "the client's SYNs got no answer at all (no SYN-ACK, no RST) for at least 1 s: a firewall that drops, an address not in use, a host down; one finding per client and server address (info when the client reached SMB on that server over another connection)"),
    ("connection.not_smb", Warning, "connections to the SMB port, seen from their SYN with nothing lost, whose bytes held no SMB message at all (another protocol, a probe, an exploit's malformed messages); one finding per client address and server address and port"),
    ("connection.slow_connect", Warning, "the server's SYN-ACK came 1 s or more after the client's first SYN (the client's SYN retransmitted: first SYNs dropped by a firewall or IPS, a full listen queue on the server, a congested link; or one SYN answered late), with how long and how many SYNs; says when the client then did its SMB work on another connection it opened right after"),
    ("connection.unacknowledged", Error, "one side's bytes retransmitted 3 times or more and never acknowledged, up to the connection's or the capture's end: the other side is gone or cut off (error when it sent nothing at all meanwhile, warning when it sent segments that did not acknowledge them); names the SMB message in them (a lease or oplock break notification: other openers of the file wait for it) and how long"),
    ("connection.netbios_refused", Error, "the server answered the NetBIOS session request on TCP 139 with a negative session response (RFC 1002 4.3.4)"),
    ("connection.no_response", Error, "the server never answered"),
    ("connection.one_sided", Warning, "no SMB message of the server's is in the capture, but the client acknowledged bytes from it: the capture holds one direction only"),
    ("connection.reset_during_setup", Error, "the connection was reset before the session was set up"),
    ("connection.closed_during_setup", Error, "the connection was closed (FIN) while a NEGOTIATE or SESSION_SETUP request waited for its answer, no session set up; written for the side that closed it, with how long after the request: the server (its log; a proxy, IPS or relay closing in its name), or the client, which timed out when it had waited 5 s or more, and otherwise gave up or aborted on its own"),
    ("connection.compression_refused", Warning, "a compression transform the receiver must refuse ([MS-SMB2] 3.3.5.2.1.2): larger than the negotiated maximum, or compression not negotiated"),
    ("attack.smbghost", Error, "a compression transform whose Offset + OriginalCompressedSegmentSize overflows 32 bits: the CVE-2020-0796 (SMBGhost) exploit or scanner"),
    ("attack.coercion", Error, "a client opened the pipe of an RPC interface known for authentication coercion (spoolss [MS-RPRN], efsrpc and lsarpc/lsass/samr/netlogon [MS-EFSR], netdfs [MS-DFSNM], FssagentRpc [MS-FSRVP]) on a server, and within 5 s the server, from the same address, connected back to that client over SMB and authenticated as a computer account (a name ending in $) or anonymously: PrinterBug/PetitPotam-class coercion, whose logon findings then say so and lose their own next steps"),
    ("attack.eternalblue", Error, "SMB1 TRANSACTION2_SECONDARY requests continue an NT_TRANSACT (the same MID): the transaction type confusion of the EternalBlue exploit (CVE-2017-0144, MS17-010)"),
    ("posture.ms17_010", Error, "the server answered the MS17-010 check (an SMB1 TRANSACTION TRANS_PEEK_NMPIPE on FID 0, as nmap and Metasploit send it) with STATUS_INSUFF_SERVER_RESOURCES: it lacks the MS17-010 update"),
    ("posture.ntlmv1", Warning, "an NTLMv1 or LM response was sent (and accepted): one finding per client address, server, account and kind of response, with the count"),
    ("posture.smb1", Warning, "SMB1 was offered (info) or used (warning)"),
    ("posture.plaintext_passwords", Warning, "the server's SMB1 NEGOTIATE asks for plaintext passwords (warning; an error when the client then closed the connection without a logon); a client sent its password in clear (error)"),
    ("posture.signing_not_required", Info, "the server does not require signing"),
    ("posture.weak_enctype", Warning, "a Kerberos ticket uses RC4 or DES, or an AS-REP is encrypted with an RC4 or DES key though the client offered AES"),
    ("posture.anonymous_allowed", Warning, "the server accepted anonymous sessions: one finding per server, with the count"),
];

/// The usual severity of a code (Error for an unknown one).
pub fn severity(code: &str) -> Severity {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(Severity::Error, |(_, s, _)| *s)
}
