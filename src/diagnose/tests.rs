//! Unit tests of the rules no capture at hand shows (tests/report_findings.rs
//! lists them in NOT_IN_CAPTURES): each builds the model value the rule
//! reads and checks the finding's code, severity and evidence. The model
//! makers are shared with the session layer's tests.

use std::net::SocketAddr;

use crate::auth::kerberos::{EncType, KdcOptions, KrbMsgType, PaDataType};
use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::session::{
    ConnEnd, Connection, ErrorEvent, HexId, KdcExchange, KdcTcpFailure, Model, Negotiate, Outcome,
    Round, RoundKrbError, Session, Tree,
};
use crate::smb2::negotiate::Dialect;
use crate::tcp::EndReason;

use super::own_logons::GUESSES;
use super::{diagnose, Finding, Severity};

pub(crate) fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub(crate) fn ts(secs: i64) -> Timestamp {
    Timestamp { secs, nanos: 0 }
}

pub(crate) fn conn(stream: u64) -> Connection {
    let mut c = Connection::new(
        stream,
        addr("10.0.0.1:50000"),
        addr("10.0.0.2:445"),
        true,
        1,
        ts(100),
    );
    c.last_frame = 20;
    c.last_time = ts(101);
    c.negotiate = Some(Negotiate {
        request_frame: Some(4),
        response_frame: Some(6),
        status: Some(NtStatus::SUCCESS),
        offered_dialects: vec![Dialect::SMB2_1, Dialect::SMB3_1_1].into(),
        dialect: Some(Dialect::SMB3_1_1),
        dialect_code: 0x0311,
        ..Negotiate::default()
    });
    c.messages = 6;
    c.server_messages = 3;
    c
}

/// How a connection ended: at `frame`, `secs` into the capture, for
/// `reason` ("fin", "reset", "capture_end"), by "client" or "server".
fn conn_end(frame: u64, secs: i64, reason: &'static str, by: &'static str) -> ConnEnd {
    ConnEnd {
        frame,
        time: ts(secs),
        reason,
        by,
    }
}

fn round(req: u64, resp: Option<u64>, status: Option<NtStatus>) -> Round {
    Round {
        request_frame: req,
        time: ts(100),
        response_frame: resp,
        duration: resp.map(|_| 0.001),
        mechanism: Some("ntlmssp"),
        request_token: Some("NTLMSSP_NEGOTIATE".into()),
        status,
        ..Round::default()
    }
}

pub(crate) fn session(
    stream: u64,
    outcome: Outcome,
    status: Option<NtStatus>,
    rounds: Vec<Round>,
) -> Session {
    let place = crate::session::SessionPlace {
        stream,
        sid: 0x1234,
        client: addr("10.0.0.1:50000"),
        server: addr("10.0.0.2:445"),
        dialect: Some(crate::session::SessionDialect::Smb2(Dialect::SMB3_1_1)),
        first_frame: rounds.first().map_or(8, |r| r.request_frame),
        first_time: ts(100),
    };
    Session {
        status,
        mechanism: Some("ntlmssp"),
        user: Some("alice".into()),
        domain: Some("CORP".into()),
        workstation: Some("PC1".into()),
        ntlm_response: Some("NTLMv2"),
        last_setup_frame: rounds.last().map_or(8, |r| r.request_frame),
        rounds,
        ..Session::blank(place, outcome)
    }
}

pub(crate) fn kdc(request: &str, frame: u64, error: Option<(i32, &str)>) -> KdcExchange {
    KdcExchange {
        stream: 7,
        transport: "udp",
        client: addr("10.0.0.1:51000"),
        server: addr("10.0.0.3:88"),
        request: match request {
            "AS-REQ" => KrbMsgType::AS_REQ,
            _ => KrbMsgType::TGS_REQ,
        },
        request_frame: frame,
        time: ts(100 + frame as i64),
        client_principal: Some("alice@CORP.TEST".into()),
        service_principal: Some("krbtgt/CORP.TEST@CORP.TEST".into()),
        etypes: vec![EncType::AES256_CTS_HMAC_SHA1_96],
        request_padata: Vec::new(),
        kdc_options: KdcOptions(0),
        forwarded_tgt: false,
        from: None,
        till: None,
        reply: Some(if error.is_some() {
            KrbMsgType::KRB_ERROR
        } else {
            KrbMsgType::AS_REP
        }),
        reply_frame: Some(frame + 1),
        reply_time: Some(ts(100 + frame as i64)),
        error: error.map(|e| e.1.to_string()),
        error_code: error.map(|e| e.0),
        e_text: None,
        nt_status: None,
        server_time: None,
        ticket_enctype: None,
        reply_enctype: None,
        offered_etypes: Vec::new(),
        offered_in: None,
        reply_client_principal: None,
        smb_stream: None,
        retry_answered: false,
    }
}

/// A model as the builder makes it: each connection lists its sessions.
pub(crate) fn model(mut connections: Vec<Connection>, sessions: Vec<Session>) -> Model {
    for (i, s) in sessions.iter().enumerate() {
        if let Some(c) = connections.iter_mut().find(|c| c.stream == s.stream) {
            c.session_indexes.push(i);
        }
    }
    Model {
        connections,
        sessions,
        ..Model::default()
    }
}

/// The findings with `code`.
fn all<'a>(m: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    m.iter().filter(|f| f.code == code).collect()
}

fn only<'a>(m: &'a [Finding], code: &str) -> &'a Finding {
    let v: Vec<_> = m.iter().filter(|f| f.code == code).collect();
    assert_eq!(v.len(), 1, "{code} in {m:#?}");
    v[0]
}

/// For [`check`]: a finding that stands for items on several streams.
const SEVERAL: u64 = u64::MAX;

/// A refused logon's finding on stream 1, frames 10 and 11: a warning
/// whose next step begins "Nothing to do" when the client got past the
/// refusal, else an error that does not say so.
fn check_got_past(f: &Finding, got_past: bool) {
    let want = if got_past {
        Severity::Warning
    } else {
        Severity::Error
    };
    check(f, want, 1, &[10, 11]);
    assert_eq!(
        f.next_step.starts_with("Nothing to do"),
        got_past,
        "{}",
        f.next_step
    );
}

fn check(f: &Finding, sev: Severity, stream: u64, frames: &[u64]) {
    assert_eq!(f.severity, sev, "{}", f.code);
    assert_eq!(
        f.stream,
        (stream != SEVERAL).then_some(stream),
        "{}",
        f.code
    );
    assert_eq!(f.frames, frames, "{}", f.code);
    assert!(!f.title.is_empty() && !f.explanation.is_empty() && !f.next_step.is_empty());
}

#[test]
fn negotiate_failed() {
    let mut c = conn(0);
    let n = c.negotiate.as_mut().unwrap();
    n.status = Some(NtStatus::INVALID_PARAMETER);
    n.dialect = None;
    n.dialect_code = 0;
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "negotiate.failed");
    check(f, Severity::Error, 0, &[4, 6]);
    assert_eq!(f.status.as_deref(), Some("STATUS_INVALID_PARAMETER"));
}

/// STATUS_INVALID_PARAMETER is the client's fault only when its request
/// breaks [MS-SMB2] 3.3.5.4 (impacket-negotiate-311-no-context is the real
/// capture of the first case).
#[test]
fn negotiate_invalid_request() {
    let refused = |dialect_count: u16, preauth: Option<u16>, offered: Vec<Dialect>| {
        let mut c = conn(0);
        let n = c.negotiate.as_mut().unwrap();
        n.status = Some(NtStatus::INVALID_PARAMETER);
        n.dialect = None;
        n.client_dialect_count = Some(dialect_count);
        n.client_preauth_contexts = preauth;
        n.offered_dialects = offered.into();
        diagnose(&model(vec![c], vec![]))
    };
    let both = vec![Dialect::SMB2_1, Dialect::SMB3_1_1];
    let d = refused(2, Some(0), both.clone());
    let f = only(&d.findings, "negotiate.invalid_request");
    check(f, Severity::Error, 0, &[4, 6]);
    assert!(f
        .explanation
        .contains("with no SMB2_PREAUTH_INTEGRITY_CAPABILITIES"));
    let d = refused(2, Some(2), both.clone());
    assert!(only(&d.findings, "negotiate.invalid_request")
        .explanation
        .contains("with 2 SMB2_PREAUTH"));
    let d = refused(0, Some(0), vec![]);
    assert_eq!(
        only(&d.findings, "negotiate.invalid_request").title,
        "The client's NEGOTIATE offered no dialect"
    );
    // One preauth context, no 3.1.1 offered, or contexts not read whole: the
    // request was well formed as far as the capture shows.
    for d in [
        refused(2, Some(1), both.clone()),
        refused(1, Some(0), vec![Dialect::SMB2_1]),
        refused(2, None, both),
    ] {
        only(&d.findings, "negotiate.failed");
    }
}

#[test]
fn logon_unknown_user_and_account_restriction() {
    for (st, code) in [
        (NtStatus::NO_SUCH_USER, "logon.unknown_user"),
        (NtStatus::ACCOUNT_RESTRICTION, "logon.account_restriction"),
    ] {
        let s = session(
            0,
            Outcome::Failure,
            Some(st),
            vec![
                round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED)),
                round(10, Some(11), Some(st)),
            ],
        );
        let d = diagnose(&model(vec![conn(0)], vec![s]));
        let f = only(&d.findings, code);
        check(f, Severity::Error, 0, &[10, 11]);
        assert_eq!(f.status.as_deref(), Some(st.to_string().as_str()));
        assert_eq!(f.user.as_deref(), Some("CORP\\alice"));
    }
}

#[test]
fn logon_failed_for_a_status_without_its_own_code() {
    let s = session(
        0,
        Outcome::Failure,
        Some(NtStatus::NOT_SUPPORTED),
        vec![
            round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED)),
            round(10, Some(11), Some(NtStatus::NOT_SUPPORTED)),
        ],
    );
    let d = diagnose(&model(vec![conn(0)], vec![s]));
    let f = only(&d.findings, "logon.failed");
    check(f, Severity::Error, 0, &[10, 11]);
    assert_eq!(
        f.title,
        "Session setup failed: STATUS_NOT_SUPPORTED (CORP\\alice)"
    );
}

/// SMB1 errors in the DOS form ([MS-CIFS] 2.2.3.1) are read only where
/// [MS-CIFS] pairs them with an NTSTATUS for the request they answer, and
/// never taken for an NTSTATUS: ERRDOS/ERRnoaccess to a SESSION_SETUP_ANDX
/// is a failed logon (3.3.5.43); ERRSRV/ERRerror, whose number (0x00010002)
/// is DBG_CONTINUE's, is neither that nor a success. The finding names the
/// DOS form.
#[test]
fn dos_form_logon_errors() {
    use crate::ntstatus::dos::{ERRDOS, ERRSRV, ERR_BADPW, ERR_NOACCESS};
    for (st, name) in [
        (NtStatus::dos(ERRDOS, ERR_NOACCESS), "ERRDOS/ERRnoaccess"),
        (NtStatus::dos(ERRSRV, ERR_BADPW), "ERRSRV/ERRbadpw"),
    ] {
        let d = diagnose(&model(vec![conn(0)], vec![refused(0, st, 8)]));
        let f = only(&d.findings, "logon.bad_password");
        check(f, Severity::Error, 0, &[10, 11]);
        assert_eq!(f.status.as_deref(), Some(name));
        assert!(
            f.explanation.contains(&format!("with {name}. ")),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("DOS form"), "{}", f.explanation);
        // With an NTLMv1 response, as its NTSTATUS twin.
        let mut s = refused(0, st, 8);
        s.ntlm_response = Some("NTLMv1");
        let d = diagnose(&model(vec![conn(0)], vec![s]));
        assert_eq!(
            only(&d.findings, "logon.ntlmv1_rejected").status.as_deref(),
            Some(name)
        );
    }
    let st = NtStatus::dos(ERRSRV, 0x0001);
    let d = diagnose(&model(vec![conn(0)], vec![refused(0, st, 8)]));
    let f = only(&d.findings, "logon.failed");
    assert_eq!(
        f.title,
        "Session setup failed: ERRSRV/ERRerror (CORP\\alice)"
    );
    assert!(
        f.explanation.contains("non-specific server error"),
        "{}",
        f.explanation
    );
    assert!(!f.explanation.contains("DBG_"), "{}", f.explanation);
}

/// A TREE_CONNECT_ANDX refused in the DOS form: ERRSRV/ERRinvnetname
/// ([MS-CIFS] 3.3.5.45) and ERRDOS 0x0043 (ERROR_BAD_NET_NAME, smbd's
/// answer) name no share; ERRDOS/ERRnoaccess is no missing share, and the
/// number of ERRDOS/ERRbadfunc (0x00010001, DBG_EXCEPTION_HANDLED's) is
/// not read as an NTSTATUS.
#[test]
fn dos_form_tree_errors() {
    use crate::ntstatus::dos::{ERRDOS, ERRSRV, ERR_INVNETNAME, ERR_NOACCESS, ERR_NOSUCHSHARE};
    let mut m = model(vec![conn(0)], vec![]);
    m.trees.push(Tree::new(
        0,
        "10.0.0.2".parse().unwrap(),
        0x1234,
        "\\\\fs1\\nosuch".into(),
        NtStatus::dos(ERRSRV, ERR_INVNETNAME).0,
        14,
        15,
    ));
    for (st, name) in [
        (
            NtStatus::dos(ERRSRV, ERR_INVNETNAME),
            "ERRSRV/ERRinvnetname",
        ),
        (
            NtStatus::dos(ERRDOS, ERR_NOSUCHSHARE),
            "ERRDOS/ERRnosuchshare",
        ),
    ] {
        m.trees[0].status = Some(st);
        let d = diagnose(&m);
        let f = only(&d.findings, "tree.not_found");
        check(f, Severity::Error, 0, &[14, 15]);
        assert_eq!(f.status.as_deref(), Some(name));
        assert!(
            f.explanation.contains(&format!("with {name}.")),
            "{}",
            f.explanation
        );
    }
    for (st, name) in [
        (NtStatus::dos(ERRDOS, ERR_NOACCESS), "ERRDOS/ERRnoaccess"),
        (NtStatus::dos(ERRDOS, 0x0001), "ERRDOS/ERRbadfunc"),
    ] {
        m.trees[0].status = Some(st);
        let d = diagnose(&m);
        let f = only(&d.findings, "tree.failed");
        assert_eq!(f.status.as_deref(), Some(name));
        assert!(f.explanation.contains("DOS form"), "{}", f.explanation);
        assert!(!f.explanation.contains("DBG_"), "{}", f.explanation);
    }
}

/// An NTLM logon of CORP\alice refused with `status` on `stream`.
fn refused(stream: u64, status: NtStatus, frame: u64) -> Session {
    session(
        stream,
        Outcome::Failure,
        Some(status),
        vec![
            round(
                frame,
                Some(frame + 1),
                Some(NtStatus::MORE_PROCESSING_REQUIRED),
            ),
            round(frame + 2, Some(frame + 3), Some(status)),
        ],
    )
}

#[test]
fn repeated_logon_failures_are_one_finding_and_the_lockout_counts_them() {
    let mut bob = refused(3, NtStatus::LOGON_FAILURE, 40);
    bob.user = Some("bob".into());
    let sessions = vec![
        refused(0, NtStatus::LOGON_FAILURE, 8),
        refused(1, NtStatus::LOGON_FAILURE, 20),
        refused(2, NtStatus::LOGON_FAILURE, 30),
        bob,
        refused(4, NtStatus::ACCOUNT_LOCKED_OUT, 50),
    ];
    let conns = (0..5).map(conn).collect();
    let d = diagnose(&model(conns, sessions));
    let bad = all(&d.findings, "logon.bad_password");
    assert_eq!(bad.len(), 2, "{:#?}", d.findings);
    check(bad[0], Severity::Error, SEVERAL, &[10, 11, 22, 23, 32, 33]);
    assert_eq!(
        bad[0].title,
        "Logon failed: wrong password or unknown user (CORP\\alice), 3 times"
    );
    assert!(bad[0].explanation.contains("(tcp.stream 0, 1, 2)"));
    check(bad[1], Severity::Error, 3, &[42, 43]);
    let locked = only(&d.findings, "logon.account_locked_out");
    check(locked, Severity::Error, 4, &[52, 53]);
    // Read first: it explains alice's wrong passwords; bob's stay in
    // frame order after them.
    let order: Vec<&str> = d
        .findings
        .iter()
        .map(|f| f.code)
        .filter(|c| c.starts_with("logon."))
        .collect();
    assert_eq!(
        order,
        [
            "logon.account_locked_out",
            "logon.bad_password",
            "logon.bad_password"
        ]
    );
    assert_eq!(d.findings[1].frames[0], 10);
    assert!(locked
        .explanation
        .contains("Before it, the capture shows 3 logon(s) of CORP\\alice"));
}

/// A group's evidence lists every session's last round up to five
/// sessions, then the first four and the last.
#[test]
fn a_group_shows_the_frames_of_its_first_four_sessions_and_its_last() {
    let frames = |n: u64| {
        let sessions = (0..n)
            .map(|i| refused(i, NtStatus::LOGON_FAILURE, 10 * i + 8))
            .collect();
        let d = diagnose(&model((0..n).map(conn).collect(), sessions));
        only(&d.findings, "logon.bad_password").frames.clone()
    };
    assert_eq!(frames(5), [10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    assert_eq!(frames(7), [10, 11, 20, 21, 30, 31, 40, 41, 70, 71]);
}

/// An anonymous NTLM logon refused with `status` on `stream`.
fn anonymous_refused(stream: u64, status: NtStatus, frame: u64) -> Session {
    let mut s = refused(stream, status, frame);
    s.user = None;
    s.domain = None;
    s.ntlm_response = Some("anonymous");
    s
}

#[test]
fn anonymous_logons_refused_are_grouped_by_client_server_and_status() {
    let sessions = vec![
        anonymous_refused(0, NtStatus::ACCESS_DENIED, 8),
        anonymous_refused(1, NtStatus::ACCESS_DENIED, 20),
        anonymous_refused(1, NtStatus::ACCESS_DENIED, 30),
        anonymous_refused(0, NtStatus::LOGON_FAILURE, 40),
    ];
    let d = diagnose(&model(vec![conn(0), conn(1)], sessions));
    let refused = all(&d.findings, "logon.anonymous_refused");
    assert_eq!(refused.len(), 2, "{:#?}", d.findings);
    check(
        refused[0],
        Severity::Error,
        SEVERAL,
        &[10, 11, 22, 23, 32, 33],
    );
    assert!(refused[0]
        .title
        .contains("3 anonymous logons (STATUS_ACCESS_DENIED)"));
    assert!(refused[0].explanation.contains("(tcp.stream 0, 1)"));
    check(refused[1], Severity::Error, 0, &[42, 43]);
    assert!(refused[1]
        .title
        .contains("an anonymous logon (STATUS_LOGON_FAILURE)"));
    // Not also as a wrong password or a generic failure.
    assert!(!d
        .findings
        .iter()
        .any(|f| f.code == "logon.failed" || f.code == "logon.bad_password"));
}

#[test]
fn anonymous_logon_refused_beside_an_own_logon_is_a_note() {
    let own = session(
        0,
        Outcome::Success,
        Some(NtStatus::SUCCESS),
        vec![round(8, Some(9), Some(NtStatus::SUCCESS))],
    );
    let mut other_server = anonymous_refused(1, NtStatus::ACCESS_DENIED, 40);
    other_server.server = addr("10.0.0.9:445");
    let sessions = vec![
        own,
        anonymous_refused(0, NtStatus::ACCESS_DENIED, 20),
        other_server,
    ];
    let d = diagnose(&model(vec![conn(0), conn(1)], sessions));
    let refused = all(&d.findings, "logon.anonymous_refused");
    assert_eq!(refused.len(), 2, "{:#?}", d.findings);
    let note = refused
        .iter()
        .find(|f| f.severity == Severity::Info)
        .unwrap();
    check(note, Severity::Info, 0, &[22, 23]);
    assert!(note
        .explanation
        .contains("logged on as CORP\\alice (tcp.stream eq 0)"));
    let error = refused
        .iter()
        .find(|f| f.severity == Severity::Error)
        .unwrap();
    check(error, Severity::Error, 1, &[42, 43]);
}

#[test]
fn anonymous_sessions_are_grouped_by_client_and_server_and_the_posture_by_server() {
    let anon = |stream: u64, client: &str, frame: u64| {
        let mut s = anonymous_refused(stream, NtStatus::SUCCESS, frame);
        s.outcome = Outcome::Anonymous;
        s.client = addr(client);
        s
    };
    let sessions = vec![
        anon(0, "10.0.0.1:50000", 8),
        anon(1, "10.0.0.7:50001", 20),
        anon(2, "10.0.0.1:50002", 30),
    ];
    let d = diagnose(&model(vec![conn(0), conn(1), conn(2)], sessions));
    let notes = all(&d.findings, "session.anonymous");
    assert_eq!(notes.len(), 2, "{:#?}", d.findings);
    check(notes[0], Severity::Info, SEVERAL, &[10, 11, 32, 33]);
    assert_eq!(notes[0].title, "2 anonymous (null) sessions");
    check(notes[1], Severity::Info, 1, &[22, 23]);
    assert_eq!(notes[1].title, "Anonymous (null) session");
    let posture = only(&d.findings, "posture.anonymous_allowed");
    check(
        posture,
        Severity::Warning,
        SEVERAL,
        &[10, 11, 22, 23, 32, 33],
    );
    assert!(posture
        .explanation
        .starts_with("3 anonymous (null) sessions were set up (tcp.stream 0, 1, 2)."));
}

#[test]
fn a_refused_kerberos_logon_is_not_anonymous() {
    let mut s = anonymous_refused(0, NtStatus::ACCESS_DENIED, 8);
    s.mechanism = Some("kerberos");
    let d = diagnose(&model(vec![conn(0)], vec![s]));
    assert!(!d
        .findings
        .iter()
        .any(|f| f.code == "logon.anonymous_refused"));
}

#[test]
fn logon_abandoned() {
    // The server sent its challenge; the client sent nothing more and closed.
    let mut c = conn(0);
    c.end = Some(conn_end(12, 101, "fin", "client"));
    let s = session(
        0,
        Outcome::Unfinished,
        None,
        vec![round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED))],
    );
    let d = diagnose(&model(vec![c], vec![s]));
    let f = only(&d.findings, "logon.abandoned");
    check(f, Severity::Error, 0, &[8, 9, 12]);
    assert!(!d.findings.iter().any(|f| f.code.starts_with("connection.")));
}

/// The client closed right after the NTLM CHALLENGE of its only round: the
/// probe of a scanner as likely as a failed client, a warning (real
/// capture: impacket-ntlm-probe in tests/report_findings.rs). A new
/// SESSION_SETUP on the same connection after it makes it a note.
#[test]
fn logon_abandoned_after_the_challenge() {
    let probe = |restart: bool| {
        let mut c = conn(0);
        c.end = Some(conn_end(12, 101, "fin", "client"));
        let mut r = round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED));
        r.request_token = Some("NTLMSSP NEGOTIATE".into());
        r.response_token = Some("NTLMSSP CHALLENGE".into());
        let mut sessions = vec![session(0, Outcome::Unfinished, None, vec![r])];
        if restart {
            let mut next = session(
                0,
                Outcome::Success,
                Some(NtStatus::SUCCESS),
                vec![round(10, Some(11), Some(NtStatus::SUCCESS))],
            );
            next.id = 0x5678;
            next.session_id = HexId(0x5678);
            sessions.push(next);
        }
        diagnose(&model(vec![c], sessions))
    };
    let d = probe(false);
    let f = only(&d.findings, "logon.abandoned");
    check(f, Severity::Warning, 0, &[8, 9, 12]);
    assert!(
        f.explanation.contains("(FIN at frame 12)"),
        "{}",
        f.explanation
    );
    assert!(
        !f.next_step.contains("if another SESSION_SETUP"),
        "{}",
        f.next_step
    );
    let d = probe(true);
    let f = only(&d.findings, "logon.abandoned");
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.explanation
            .contains("began a new SESSION_SETUP (session 0x5678) at frame 10"),
        "{}",
        f.explanation
    );
}

/// The capture ended, not the client: a note right after the answer, a
/// warning when the client sent nothing for 5 s or more (real capture:
/// capture-ends-mid-logon in tests/report_findings.rs).
#[test]
fn logon_cut_by_the_capture_end() {
    let ended = |secs: i64| {
        let mut c = conn(0);
        c.end = Some(conn_end(12, 100 + secs, "capture_end", "client"));
        let s = session(
            0,
            Outcome::Unfinished,
            None,
            vec![round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED))],
        );
        diagnose(&model(vec![c], vec![s]))
    };
    let d = ended(0);
    assert!(all(&d.findings, "logon.abandoned").is_empty());
    let f = only(&d.findings, "logon.capture_ended");
    check(f, Severity::Info, 0, &[8, 9, 12]);
    assert!(
        f.explanation
            .contains("at frame 9, and the capture ends there"),
        "{}",
        f.explanation
    );
    let f = only(&ended(2).findings, "logon.capture_ended").clone();
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.explanation.contains("the capture ends 2.0 s later"),
        "{}",
        f.explanation
    );
    let d = ended(30);
    let f = only(&d.findings, "logon.capture_ended");
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.explanation.contains("sent nothing more in the 30.0 s"),
        "{}",
        f.explanation
    );
}

/// The capture ended with the server's answer to the last SESSION_SETUP
/// still to come: a note up to 1 s after the request (the slow round's
/// threshold), a warning past it; nothing of ours when the server sent no
/// SMB at all (connection.no_response's) or the connection was closed
/// (connection.closed_during_setup's). Real captures:
/// capture_ends_before_the_servers_answer in tests/report_findings.rs.
#[test]
fn capture_ends_before_the_servers_answer() {
    let ended = |secs: i64, reason: &'static str, server_messages: u64| {
        let mut c = conn(0);
        c.end = Some(conn_end(12, 100 + secs, reason, "client"));
        c.server_messages = server_messages;
        let mut last = round(10, None, None);
        last.request_token = Some("NTLMSSP AUTHENTICATE".into());
        let s = session(
            0,
            Outcome::Unfinished,
            Some(NtStatus::MORE_PROCESSING_REQUIRED),
            vec![
                round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED)),
                last,
            ],
        );
        diagnose(&model(vec![c], vec![s]))
    };
    let f = only(&ended(1, "capture_end", 3).findings, "logon.capture_ended").clone();
    check(&f, Severity::Info, 0, &[10, 12]);
    assert!(
        f.explanation.contains("carrying NTLMSSP AUTHENTICATE at frame 10, and the capture ends 1.0 s later with no answer")
            && f.explanation.contains("the request was only 1.0 s old"),
        "{}",
        f.explanation
    );
    let f = only(&ended(2, "capture_end", 3).findings, "logon.capture_ended").clone();
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.explanation
            .contains("has not answered after 2.0 s is slow or stuck"),
        "{}",
        f.explanation
    );
    assert!(all(&ended(30, "capture_end", 0).findings, "logon.capture_ended").is_empty());
    assert!(all(&ended(30, "fin", 3).findings, "logon.capture_ended").is_empty());
}

/// A NEGOTIATE or TREE_CONNECT slower than 1 s (the slow round's
/// threshold) is a warning; 1 s is not; a TREE_CONNECT_ANDX chained to a
/// SESSION_SETUP_ANDX (its request frame a round's) is the logon's time.
/// Real captures: slow_negotiate_and_tree_connect in
/// tests/report_findings.rs.
#[test]
fn slow_negotiate_and_tree_connect() {
    let negotiate = |secs: f64| {
        let mut c = conn(0);
        if let Some(n) = c.negotiate.as_mut() {
            n.duration = Some(secs);
        }
        diagnose(&model(vec![c], vec![]))
    };
    assert!(all(&negotiate(1.0).findings, "negotiate.slow").is_empty());
    let d = negotiate(1.5);
    let f = only(&d.findings, "negotiate.slow");
    check(f, Severity::Warning, 0, &[4, 6]);
    assert_eq!(f.title, "Slow NEGOTIATE response: 1.500 s");

    let tree = |secs: f64, chained: bool| {
        let rounds = if chained {
            vec![round(14, Some(15), Some(NtStatus::SUCCESS))]
        } else {
            vec![round(8, Some(9), Some(NtStatus::SUCCESS))]
        };
        let s = session(0, Outcome::Success, Some(NtStatus::SUCCESS), rounds);
        let mut m = model(vec![conn(0)], vec![s]);
        let mut t = Tree::new(
            0,
            "10.0.0.2".parse().unwrap(),
            0x1234,
            "\\\\fs1\\slow".into(),
            0,
            14,
            15,
        );
        t.duration = Some(secs);
        m.trees.push(t);
        diagnose(&m)
    };
    assert!(all(&tree(1.0, false).findings, "tree.slow").is_empty());
    assert!(all(&tree(3.0, true).findings, "tree.slow").is_empty());
    let d = tree(3.0, false);
    let f = only(&d.findings, "tree.slow");
    check(f, Severity::Warning, 0, &[14, 15]);
    assert_eq!(
        f.title,
        "Slow TREE_CONNECT response: 3.000 s (\\\\fs1\\slow)"
    );
    assert!(
        f.next_step.contains("--section-name=slow"),
        "{}",
        f.next_step
    );
}

/// A LOGOFF refused: on a session not under signing, STATUS_ACCESS_DENIED
/// is not read as a bad signature, and a session still there at the end
/// says so; STATUS_NETWORK_SESSION_EXPIRED stays session.expired's. Real
/// capture (a signed session, a bad signature): logoff_refused in
/// tests/report_findings.rs.
#[test]
fn logoff_refused() {
    let refused = |status: NtStatus| {
        let mut c = conn(0);
        c.end = Some(conn_end(40, 110, "capture_end", "client"));
        file_error(&mut c, 31, "LOGOFF", status, None);
        let s = session(
            0,
            Outcome::Success,
            Some(NtStatus::SUCCESS),
            vec![round(8, Some(9), Some(NtStatus::SUCCESS))],
        );
        diagnose(&model(vec![c], vec![s]))
    };
    let d = refused(NtStatus::ACCESS_DENIED);
    let f = only(&d.findings, "session.logoff_refused");
    check(f, Severity::Warning, 0, &[30, 31]);
    assert_eq!(f.status.as_deref(), Some("STATUS_ACCESS_DENIED"));
    assert!(
        !f.explanation.contains("signature")
            && f.explanation
                .contains("the session stayed open, still at the end of the capture."),
        "{}",
        f.explanation
    );
    let d = refused(NtStatus::NETWORK_SESSION_EXPIRED);
    assert!(all(&d.findings, "session.logoff_refused").is_empty());
    assert_eq!(all(&d.findings, "session.expired").len(), 1);
}

/// A connection closed (FIN) while a SESSION_SETUP request waited: the
/// text is written for the side that closed it, and says "timed out" only
/// when the client waited 5 s or more. Real captures:
/// closed_during_setup_says_who_and_when in tests/report_findings.rs.
#[test]
fn closed_during_setup_by_side_and_wait() {
    let closed = |millis: i64, by: &'static str| {
        let mut c = conn(0);
        c.end = Some(ConnEnd {
            frame: 12,
            time: Timestamp {
                secs: 100 + millis / 1000,
                nanos: (millis % 1000) as u32 * 1_000_000,
            },
            reason: "fin",
            by,
        });
        let mut last = round(10, None, None);
        last.request_token = Some("NTLMSSP AUTHENTICATE".into());
        let s = session(
            0,
            Outcome::Unfinished,
            Some(NtStatus::MORE_PROCESSING_REQUIRED),
            vec![
                round(8, Some(9), Some(NtStatus::MORE_PROCESSING_REQUIRED)),
                last,
            ],
        );
        let d = diagnose(&model(vec![c], vec![s]));
        let f = only(&d.findings, "connection.closed_during_setup").clone();
        check(&f, Severity::Error, 0, &[10, 12]);
        f
    };
    let says = |text: &str, part: &str| assert!(text.contains(part), "{part:?} not in {text}");
    let f = closed(4, "server");
    says(&f.explanation, "The server's side ended it right after the client's request (4.0 ms) without an answer: it refused the client at that step");
    says(
        &f.explanation,
        "a proxy, IPS or relay between client and server closed it in the server's name",
    );
    says(&f.next_step, "Check the server's log at that time");
    assert!(
        !f.next_step.contains("If the client closed it"),
        "{}",
        f.next_step
    );
    let f = closed(12_000, "server");
    says(
        &f.explanation,
        "12.0 s after the client's request without an answer: after waiting that long it gave up",
    );
    let f = closed(8_000, "client");
    says(&f.explanation, "The client closed it 8.0 s after its request with no answer: it timed out waiting for the server.");
    says(&f.next_step, "why the server did not answer within 8.0 s");
    let f = closed(1, "client");
    says(&f.explanation, "The client closed it right after its own request (1.0 ms), too soon for a timeout: it gave up or aborted on its own");
    assert!(!f.explanation.contains("timed out"), "{}", f.explanation);
    // A client the model does not show: every client's place.
    says(
        &f.next_step,
        "find out why it stopped from the client: Windows, the Microsoft-Windows-SMBClient",
    );
    says(&f.next_step, "a Linux cifs mount, dmesg");
}

#[test]
fn krb_error_in_the_last_round_is_not_an_abandoned_logon() {
    // The server answered the AP-REQ with MORE_PROCESSING_REQUIRED and a
    // KRB-ERROR (TKT_NYV); the client could not go on and closed.
    let mut c = conn(0);
    c.end = Some(conn_end(20, 101, "fin", "client"));
    let mut r = round(16, Some(19), Some(NtStatus::MORE_PROCESSING_REQUIRED));
    r.mechanism = Some("kerberos");
    r.kerberos = Some(Box::new(RoundKrbError {
        error: Some("KRB_AP_ERR_TKT_NYV".into()),
        error_code: Some(33),
        ..RoundKrbError::default()
    }));
    let mut s = session(0, Outcome::Unfinished, None, vec![r]);
    s.mechanism = Some("kerberos");
    let d = diagnose(&model(vec![c], vec![s]));
    check(
        only(&d.findings, "kerberos.ap_error"),
        Severity::Error,
        0,
        &[16, 19],
    );
    assert!(
        !d.findings.iter().any(|f| f.code == "logon.abandoned"),
        "{:#?}",
        d.findings
    );
}

#[test]
fn kerberos_invalid_parameter_is_an_expired_ticket() {
    // Samba's answer to an expired service ticket: STATUS_INVALID_PARAMETER
    // and no KRB-ERROR. LOGON_FAILURE stays kerberos.ap_modified.
    for (st, want) in [
        (NtStatus::INVALID_PARAMETER, "kerberos.ticket_expired"),
        (NtStatus::LOGON_FAILURE, "kerberos.ap_modified"),
    ] {
        let mut r = round(10, Some(11), Some(st));
        r.mechanism = Some("kerberos");
        let mut s = session(0, Outcome::Failure, Some(st), vec![r]);
        s.mechanism = Some("kerberos");
        s.service_principal = Some("cifs/fs1.corp.test@CORP.TEST".into());
        let d = diagnose(&model(vec![conn(0)], vec![s.clone()]));
        let f = only(&d.findings, want);
        check(f, Severity::Error, 0, &[10, 11]);
        assert_eq!(f.status.as_deref(), Some(st.to_string().as_str()));
        assert!(!d.findings.iter().any(|f| f.code == "logon.failed"));
        // The same client sets up a session later: an expired ticket was
        // renewed, a warning.
        let mut later = session(
            1,
            Outcome::Success,
            Some(NtStatus::SUCCESS),
            vec![round(30, Some(31), Some(NtStatus::SUCCESS))],
        );
        later.mechanism = Some("kerberos");
        let d = diagnose(&model(vec![conn(0), conn(1)], vec![s, later]));
        let f = only(&d.findings, want);
        let sev = if want == "kerberos.ticket_expired" {
            Severity::Warning
        } else {
            Severity::Error
        };
        check(f, sev, 0, &[10, 11]);
    }
}

#[test]
fn kerberos_ticket_expired_and_ap_error() {
    for (code, name, want, outcome, sev) in [
        (
            32,
            "KRB_AP_ERR_TKT_EXPIRED",
            "kerberos.ticket_expired",
            Outcome::Failure,
            Severity::Error,
        ),
        (
            32,
            "KRB_AP_ERR_TKT_EXPIRED",
            "kerberos.ticket_expired",
            Outcome::Success,
            Severity::Warning,
        ),
        (
            31,
            "KRB_AP_ERR_BADMATCH",
            "kerberos.ap_error",
            Outcome::Failure,
            Severity::Error,
        ),
        (
            31,
            "KRB_AP_ERR_BADMATCH",
            "kerberos.ap_error",
            Outcome::Success,
            Severity::Warning,
        ),
    ] {
        let mut r = round(8, Some(9), Some(NtStatus::LOGON_FAILURE));
        r.mechanism = Some("kerberos");
        r.kerberos = Some(Box::new(RoundKrbError {
            error: Some(name.into()),
            error_code: Some(code),
            ..RoundKrbError::default()
        }));
        let mut s = session(0, outcome, Some(NtStatus::LOGON_FAILURE), vec![r]);
        s.mechanism = Some("kerberos");
        s.service_principal = Some("cifs/fs1.corp.test@CORP.TEST".into());
        let d = diagnose(&model(vec![conn(0)], vec![s]));
        let f = only(&d.findings, want);
        check(f, sev, 0, &[8, 9]);
        assert_eq!(f.status.as_deref(), Some(name));
    }
}

#[test]
fn kdc_errors() {
    for (code, name, want, sev) in [
        (
            14,
            "KDC_ERR_ETYPE_NOSUPP",
            "kerberos.etype_unsupported",
            Severity::Error,
        ),
        (12, "KDC_ERR_POLICY", "kerberos.kdc_error", Severity::Error),
        // No later ticket or session: the client did not recover.
        (
            32,
            "KRB_AP_ERR_TKT_EXPIRED",
            "kerberos.ticket_expired",
            Severity::Error,
        ),
        (
            25,
            "KDC_ERR_PREAUTH_REQUIRED",
            "kerberos.preauth_not_retried",
            Severity::Warning,
        ),
        (
            52,
            "KRB_ERR_RESPONSE_TOO_BIG",
            "kerberos.tcp_not_retried",
            Severity::Error,
        ),
    ] {
        let mut m = model(vec![], vec![]);
        m.kdc.push(kdc("AS-REQ", 1, Some((code, name))));
        let d = diagnose(&m);
        let f = only(&d.findings, want);
        check(f, sev, 7, &[1, 2]);
        assert_eq!(f.transport, "udp");
        assert_eq!(f.status.as_deref(), Some(name));
    }
}

/// KDC_ERR_ETYPE_NOSUPP to a client that offered a type an AD account can
/// have a key of (RC4 alone, against an AES-only account, say) compares
/// the two; to one that offered only types no AD KDC issues (single DES
/// here; samples/krb5-kinit-etype-nosupp offers DES3 alone, see
/// report_findings) points at the client's list, whatever the account.
#[test]
fn etype_nosupp_step_follows_the_types_offered() {
    let step = |etypes: Vec<EncType>| {
        let mut m = model(vec![], vec![]);
        let mut x = kdc("AS-REQ", 1, Some((14, "KDC_ERR_ETYPE_NOSUPP")));
        x.etypes = etypes;
        m.kdc.push(x);
        let d = diagnose(&m);
        let f = only(&d.findings, "kerberos.etype_unsupported");
        (f.explanation.clone(), f.next_step.clone())
    };
    let (why, next) = step(vec![EncType::RC4_HMAC]);
    assert!(next.contains("msDS-SupportedEncryptionTypes"), "{next}");
    assert!(!why.contains("no setting of the account helps"), "{why}");
    let (why, next) = step(vec![EncType::DES_CBC_MD5, EncType::DES_CBC_CRC]);
    assert!(why.contains("(des-cbc-md5, des-cbc-crc)"), "{why}");
    assert!(why.contains("no setting of the account helps"), "{why}");
    assert!(
        next.contains("aes256-cts-hmac-sha1-96 and aes128-cts-hmac-sha1-96"),
        "{next}"
    );
    assert!(!next.contains("msDS-SupportedEncryptionTypes"), "{next}");
    // One type an AD account can have among them: the account decides.
    let (_, next) = step(vec![
        EncType::DES3_CBC_SHA1_KD,
        EncType::AES128_CTS_HMAC_SHA1_96,
    ]);
    assert!(next.contains("msDS-SupportedEncryptionTypes"), "{next}");
}

#[test]
fn kdc_error_quotes_the_kdc_text() {
    let mut m = model(vec![], vec![]);
    let mut x = kdc("AS-REQ", 3, Some((12, "KDC_ERR_POLICY")));
    x.e_text = Some("Ticket may not be postdate".into());
    m.kdc.push(x);
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.kdc_error");
    check(f, Severity::Error, 7, &[3, 4]);
    assert!(
        f.explanation
            .contains("The KDC's error text: \"Ticket may not be postdate\"."),
        "{}",
        f.explanation
    );
}

/// `x` asking for a postdated ticket: ALLOW-POSTDATE and POSTDATED, as
/// MIT kinit -s sends them (samples/krb5-kinit-postdated.pcap).
fn postdated(mut x: KdcExchange) -> KdcExchange {
    use crate::auth::kerberos::{KDC_OPT_ALLOW_POSTDATE, KDC_OPT_POSTDATED};
    x.kdc_options =
        KdcOptions((1 << (31 - KDC_OPT_ALLOW_POSTDATE)) | (1 << (31 - KDC_OPT_POSTDATED)));
    x
}

#[test]
fn kdc_policy_to_a_postdate_request_says_so() {
    let mut m = model(vec![], vec![]);
    m.kdc
        .push(postdated(kdc("AS-REQ", 3, Some((12, "KDC_ERR_POLICY")))));
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.kdc_error");
    check(f, Severity::Error, 7, &[3, 4]);
    assert!(f.title.contains("postdated ticket"), "{}", f.title);
    assert!(
        f.explanation
            .contains("its kdc-options carry ALLOW-POSTDATE and POSTDATED"),
        "{}",
        f.explanation
    );
    assert!(f.next_step.contains("kinit without -s"), "{}", f.next_step);
    assert!(!f.next_step.contains("4768"), "{}", f.next_step);
}

#[test]
fn kdc_cannot_postdate_for_a_later_start_time_says_so() {
    // No postdate option, but a start time an hour after the request
    // (time 103): Heimdal's TGS answers KDC_ERR_CANNOT_POSTDATE so.
    let mut m = model(vec![], vec![]);
    let mut x = kdc("TGS-REQ", 3, Some((10, "KDC_ERR_CANNOT_POSTDATE")));
    x.from = Some("1970-01-01T01:01:43Z".into());
    m.kdc.push(x);
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.kdc_error");
    assert!(f.title.contains("postdated ticket"), "{}", f.title);
    assert!(
        f.explanation
            .contains("its start time (from) is 1970-01-01T01:01:43Z, 1.0 h after the request"),
        "{}",
        f.explanation
    );
}

#[test]
fn kdc_policy_without_a_postdate_request_is_a_logon_restriction() {
    // A start time within the five minutes of skew is no postdating; the
    // e-text alone does not decide it either.
    let mut m = model(vec![], vec![]);
    let mut x = kdc("AS-REQ", 3, Some((12, "KDC_ERR_POLICY")));
    x.from = Some("1970-01-01T00:03:43Z".into());
    x.e_text = Some("Ticket may not be postdate".into());
    m.kdc.push(x);
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.kdc_error");
    assert_eq!(f.title, "The KDC answered KDC_ERR_POLICY");
    assert!(f.next_step.contains("event 4768/4771"), "{}", f.next_step);
}

/// A TCP connection of 10.0.0.1 to the KDC's port 88, SYN at `syn`:
/// refused (the server's RST the next frame) or unanswered (the capture
/// ends 10 s later, nothing from the server).
fn tcp_failure(syn: u64, refused: bool) -> KdcTcpFailure {
    let (end_frame, end_time, reason) = if refused {
        (syn + 1, ts(100 + syn as i64), EndReason::Reset)
    } else {
        (syn + 1, ts(110 + syn as i64), EndReason::CaptureEnd)
    };
    KdcTcpFailure {
        stream: 9,
        client: addr("10.0.0.1:51001"),
        server: addr("10.0.0.3:88"),
        syn_frame: syn,
        time: ts(100 + syn as i64),
        end: ConnEnd::new(end_frame, end_time, reason, false),
    }
}

#[test]
fn response_too_big_then_tcp_unanswered() {
    let mut m = model(vec![], vec![]);
    m.kdc
        .push(kdc("AS-REQ", 3, Some((52, "KRB_ERR_RESPONSE_TOO_BIG"))));
    m.kdc_tcp_failures.push(tcp_failure(5, false));
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.tcp_not_retried");
    assert_eq!(f.frames, [3, 4, 5]);
    assert!(f.title.contains("did not answer"), "{}", f.title);
    assert!(
        f.explanation
            .contains("in the 10.0 s until the capture ends"),
        "{}",
        f.explanation
    );
    assert!(all(&d.findings, "kerberos.kdc_unreachable").is_empty());
}

#[test]
fn kdc_unreachable_over_tcp_then_answered_over_udp_is_a_warning() {
    let mut m = model(vec![], vec![]);
    m.kdc_tcp_failures.push(tcp_failure(1, true));
    m.kdc.push(kdc("AS-REQ", 3, None));
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.kdc_unreachable");
    // The answered AS-REQ over UDP (frames 3 and 4) is evidence too.
    check(f, Severity::Warning, SEVERAL, &[1, 2, 3, 4]);
    assert!(f.udp_and_tcp && f.covers == [(9, None)], "{f:?}");
    assert!(
        f.explanation.contains("was answered (frame 4)"),
        "{}",
        f.explanation
    );
}

#[test]
fn kdc_benign_errors_retried() {
    // PREAUTH_REQUIRED then a pre-authenticated AS-REQ; RESPONSE_TOO_BIG then TCP.
    let mut m = model(vec![], vec![]);
    m.kdc
        .push(kdc("AS-REQ", 1, Some((25, "KDC_ERR_PREAUTH_REQUIRED"))));
    m.kdc
        .push(kdc("AS-REQ", 3, Some((52, "KRB_ERR_RESPONSE_TOO_BIG"))));
    let mut tcp = kdc("AS-REQ", 5, None);
    tcp.transport = "tcp";
    m.kdc.push(tcp);
    assert!(
        diagnose(&m).findings.is_empty(),
        "{:#?}",
        diagnose(&m).findings
    );
}

/// posture.weak_enctype on tickets the KDC issued (no SMB session uses
/// them): the next step follows what the TGS-REQs offered. RC4 alone (the
/// client asked for it, as krb5-kerberoasting's kvno -e arcfour-hmac does,
/// tests/report_findings.rs): make the account refuse RC4. AES offered
/// and RC4 chosen: the account has no AES keys (no capture shows this).
#[test]
fn weak_kdc_ticket_next_step_follows_what_the_client_offered() {
    const AES: EncType = EncType::AES256_CTS_HMAC_SHA1_96;
    const RC4: EncType = EncType::RC4_HMAC;
    let next = |offered: &[EncType]| {
        let mut m = model(vec![], vec![]);
        let mut x = kdc("TGS-REQ", 1, None);
        x.reply = Some(KrbMsgType::TGS_REP);
        x.service_principal = Some("MSSQLSvc/sql.corp.test:1433@CORP.TEST".into());
        x.etypes = offered.to_vec();
        x.ticket_enctype = Some(RC4);
        m.kdc.push(x);
        let d = diagnose(&m);
        only(&d.findings, "posture.weak_enctype").next_step.clone()
    };
    let n = next(&[RC4]);
    assert!(n.starts_with("The client asked for rc4-hmac and offered no AES, and the KDC issued it: the account the ticket is for still allows rc4-hmac. Set"), "{n}");
    assert!(n.contains("msDS-SupportedEncryptionTypes to 0x18"), "{n}");
    let n = next(&[AES, RC4]);
    assert!(n.starts_with("The client offered AES, and the KDC chose rc4-hmac: the account the ticket is for has no AES keys"), "{n}");
    assert!(n.contains("reset its password so AES keys exist"), "{n}");
}

/// posture.weak_enctype on an AS-REP encrypted with RC4 for a client that
/// offered AES quotes what the KDC offered for the account's key: the
/// etypes of the KRB-ERROR it answered the same client and principal's
/// AS-REQ with before, here from PA-ETYPE-INFO (an old KDC sends no
/// PA-ETYPE-INFO2), else those of the AS-REP's own padata. RC4 alone
/// offered to a client that asked for AES is the Skeleton Key's sign; an
/// offer with AES is not. (The capture with the real exchange:
/// tests/report_findings.rs, pcapattack-smb2-kerberos-rc4, ETYPE-INFO2.)
#[test]
fn weak_reply_key_quotes_what_the_kdc_offered() {
    const AES: EncType = EncType::AES256_CTS_HMAC_SHA1_96;
    const RC4: EncType = EncType::RC4_HMAC;
    let explain = |offered: &[EncType], other_principal: bool| {
        let mut m = model(vec![], vec![]);
        let mut err = kdc("AS-REQ", 1, Some((25, "KDC_ERR_PREAUTH_REQUIRED")));
        err.etypes = vec![AES, RC4];
        err.offered_etypes = offered.to_vec();
        err.offered_in = Some(PaDataType::ETYPE_INFO);
        if other_principal {
            err.client_principal = Some("bob@CORP.TEST".into());
        }
        let mut rep = kdc("AS-REQ", 3, None);
        rep.etypes = vec![AES, RC4];
        rep.reply_enctype = Some(RC4);
        rep.offered_etypes = vec![RC4];
        rep.offered_in = Some(PaDataType::ETYPE_INFO2);
        m.kdc.extend([err, rep]);
        let d = diagnose(&m);
        let f = only(&d.findings, "posture.weak_enctype");
        assert_eq!(f.frames, [3, 4]);
        f.explanation.clone()
    };
    let x = explain(&[RC4], false);
    assert!(
        x.contains(" Before, the KDC's KDC_ERR_PREAUTH_REQUIRED at frame 2 (udp.stream 7) offered rc4-hmac alone for the account's key (PA-ETYPE-INFO), though the AS-REQ it answered (frame 1) offered aes256-cts-hmac-sha1-96: the KDC had, or showed, no aes256-cts-hmac-sha1-96 key of the account."),
        "{x}"
    );
    assert!(x.contains("'Skeleton Key' malware does on a domain controller: it hides the accounts' AES keys from the KDC, which then offers RC4 alone, as here."), "{x}");
    let x = explain(&[AES, RC4], false);
    assert!(
        x.contains(" Before, the KDC's KDC_ERR_PREAUTH_REQUIRED at frame 2 (udp.stream 7) offered aes256-cts-hmac-sha1-96, rc4-hmac for the account's key (PA-ETYPE-INFO). A KDC"),
        "{x}"
    );
    assert!(!x.contains("offers RC4 alone"), "{x}");
    // Another principal's error says nothing of this one's keys.
    let x = explain(&[RC4], true);
    assert!(
        x.contains(
            " The AS-REP's PA-ETYPE-INFO2 names rc4-hmac alone for the account's key. A KDC"
        ),
        "{x}"
    );
    assert!(
        !x.contains("Before,") && !x.contains("offers RC4 alone"),
        "{x}"
    );
}

#[test]
fn session_deleted() {
    let mut c = conn(0);
    c.errors.push(ErrorEvent {
        frame: 31,
        request_frame: Some(30),
        command: "CREATE".into(),
        status: "STATUS_USER_SESSION_DELETED".into(),
        status_code: NtStatus::USER_SESSION_DELETED.0,
        session_id: HexId(0x1234),
        tree_id: None,
        request_tid: None,
        detail: None,
        held_by: None,
        open_files: None,
    });
    let d = diagnose(&model(vec![c.clone()], vec![]));
    let f = only(&d.findings, "session.deleted");
    check(f, Severity::Error, 0, &[30, 31]);
    assert_eq!(f.session_id.as_deref(), Some("0x1234"));
    assert!(!f.explanation.contains("LOGOFF"), "{}", f.explanation);

    // The client had logged the session off itself (frame 28): the LOGOFF
    // is part of the evidence.
    let mut s = session(
        0,
        Outcome::Success,
        Some(NtStatus::SUCCESS),
        vec![round(8, Some(9), Some(NtStatus::SUCCESS))],
    );
    s.logoff_frame = Some(28);
    let d = diagnose(&model(vec![c], vec![s]));
    let f = only(&d.findings, "session.deleted");
    check(f, Severity::Error, 0, &[28, 30, 31]);
    assert!(f
        .explanation
        .contains("logged this session off at frame 28"));
}

#[test]
fn tree_failed() {
    let mut m = model(vec![conn(0)], vec![]);
    m.trees.push(Tree::new(
        0,
        "10.0.0.2".parse().unwrap(),
        0x1234,
        "\\\\fs1\\share".into(),
        0xC000_0205,
        14,
        15,
    ));
    let d = diagnose(&m);
    let f = only(&d.findings, "tree.failed");
    check(f, Severity::Error, 0, &[14, 15]);
    assert_eq!(f.status.as_deref(), Some("STATUS_INSUFF_SERVER_RESOURCES"));
    assert!(!f.explanation.contains("max connections"));

    // Samba's answer when the share's 'max connections' is used up.
    m.trees[0].status = Some(NtStatus::INSUFFICIENT_RESOURCES);
    let d = diagnose(&m);
    let f = only(&d.findings, "tree.failed");
    check(f, Severity::Error, 0, &[14, 15]);
    assert!(
        f.explanation.contains("'max connections'"),
        "{}",
        f.explanation
    );
}

/// tree.name_deleted of the two kinds no capture shows (rule level: the
/// two others are CASES in tests/report_findings.rs on real captures): a
/// TreeId the capture never saw connected, and one the session had
/// disconnected itself before using it again.
#[test]
fn tree_name_deleted_unseen_and_disconnected() {
    let refused = |frame: u64| ErrorEvent {
        frame,
        request_frame: Some(frame - 1),
        command: "CREATE".into(),
        status: "STATUS_NETWORK_NAME_DELETED".into(),
        status_code: NtStatus::NETWORK_NAME_DELETED.0,
        session_id: HexId(0x1234),
        tree_id: None,
        request_tid: Some(7),
        detail: None,
        held_by: None,
        open_files: None,
    };
    let mut c = conn(0);
    c.errors.push(refused(31));
    let mut m = model(vec![c], vec![]);
    let d = diagnose(&m);
    let f = only(&d.findings, "tree.name_deleted");
    check(f, Severity::Error, 0, &[30, 31]);
    assert!(
        f.explanation.contains("is not in the capture"),
        "{}",
        f.explanation
    );

    // Its tree connect (frames 14/15) and TREE_DISCONNECT (frame 20) are
    // in the capture, before the request.
    let mut t = Tree::new(
        0,
        m.connections[0].server.ip(),
        0x1234,
        "\\\\fs1\\share".into(),
        0,
        14,
        15,
    );
    t.tree_id = Some(HexId(7));
    t.tid = 7;
    t.disconnect_frame = Some(20);
    m.trees.push(t);
    let d = diagnose(&m);
    let f = only(&d.findings, "tree.name_deleted");
    check(f, Severity::Error, 0, &[15, 20, 30, 31]);
    assert!(f.title.contains("disconnected at frame 20"), "{}", f.title);

    // Not disconnected: the server ended it.
    m.trees[0].disconnect_frame = None;
    let d = diagnose(&m);
    let f = only(&d.findings, "tree.name_deleted");
    assert!(
        f.title.starts_with("The server ended the tree connect"),
        "{}",
        f.title
    );
}

/// The [`super::Sink`] drops findings with a session that cannot be kept
/// and merges repeats as it goes: the kept findings and `omitted` must be
/// those of merging, sorting and truncating everything at the end (the
/// code before the sink). Random findings with ties on severity and
/// frame, repeats without a session (past the 64-frame merge cap), some
/// without frames, in numbers past the sink's 4 × MAX_FINDINGS threshold.
#[test]
fn sink_keeps_what_sorting_everything_would_keep() {
    use super::{first_frame, CodeCount, Draft, Sink, MAX_FINDINGS};
    use std::collections::HashMap;
    /// Merges repeats of a finding without a session (same code, severity
    /// and title) into the first, up to 64 frames: the code before the sink
    /// merged as it went, the reference here.
    fn merge(all: Vec<Finding>) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::with_capacity(all.len());
        let mut first: HashMap<(&'static str, Severity, String), usize> = HashMap::new();
        for f in all {
            if f.session_id.is_some() {
                out.push(f);
                continue;
            }
            let key = (f.code, f.severity, f.title.clone());
            match first.get(&key) {
                Some(&i) if out[i].frames.len() < 64 => {
                    let o = &mut out[i];
                    if (o.stream, o.transport) != (f.stream, f.transport) {
                        o.stream = None;
                    }
                    o.frames.extend(f.frames);
                    o.frames.sort_unstable();
                    o.frames.dedup();
                }
                Some(_) => {}
                None => {
                    first.insert(key, out.len());
                    out.push(f);
                }
            }
        }
        out
    }
    /// Findings per code and severity, in the order of `Diagnosis::counts`.
    fn counts_of(all: &[Finding]) -> Vec<CodeCount> {
        let mut m: HashMap<(&'static str, Severity), u64> = HashMap::new();
        for f in all {
            *m.entry((f.code, f.severity)).or_default() += 1;
        }
        let mut v: Vec<CodeCount> = m
            .into_iter()
            .map(|((code, severity), count)| CodeCount {
                code,
                severity,
                count,
            })
            .collect();
        v.sort_by_key(|c| (c.severity, std::cmp::Reverse(c.count), c.code));
        v
    }
    fn at_end(all: Vec<Finding>) -> (Vec<Finding>, u64, Vec<CodeCount>) {
        let mut all = merge(all);
        let counts = counts_of(&all);
        all.sort_by_key(|f| (f.severity, first_frame(f)));
        let omitted = all.len().saturating_sub(MAX_FINDINGS) as u64;
        all.truncate(MAX_FINDINGS);
        (all, omitted, counts)
    }
    /// Every other finding without a session is offered as a repeat first
    /// (as the KDC rules do) and pushed only when it is none; two in three
    /// with a session are first asked about ([`Sink::unkept`], as the
    /// logon and tree rules do) and pushed only when they may be kept.
    /// Returns also how many `unkept` spared.
    fn through_sink(all: Vec<Finding>) -> (Vec<Finding>, u64, Vec<CodeCount>, u64) {
        let mut sink = Sink::default();
        let mut spared = 0;
        for (i, f) in all.into_iter().enumerate() {
            let repeated = i % 2 == 0
                && f.session_id.is_none()
                && sink.repeat(
                    f.code,
                    f.severity,
                    &f.title,
                    f.stream,
                    f.transport,
                    &f.frames,
                );
            let unkept = i % 3 != 1
                && f.session_id.is_some()
                && sink.unkept(f.code, f.severity, first_frame(&f), f.explains_from);
            spared += u64::from(unkept);
            if !repeated && !unkept {
                sink.push(f);
            }
        }
        let mut kept = sink.all;
        kept.sort_by_key(|f| (f.severity, first_frame(f)));
        let omitted = (kept.len() as u64 + sink.dropped).saturating_sub(MAX_FINDINGS as u64);
        kept.truncate(MAX_FINDINGS);
        let mut counts = sink.counts;
        counts.sort_by_key(|c| (c.severity, std::cmp::Reverse(c.count), c.code));
        (kept, omitted, counts, spared)
    }
    fn key(f: &Finding) -> String {
        format!(
            "{:?}|{}|{}|{:?}|{:?}|{:?}",
            f.severity, f.code, f.title, f.frames, f.session_id, f.stream
        )
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut dropped_some = false;
    let mut spared_some = false;
    for round in 0..20 {
        let n = [3000usize, 4500, 9000, 20000, 41000][round % 5];
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            let r = next();
            let sev = [Severity::Error, Severity::Warning, Severity::Info][(r % 3) as usize];
            let frame = (r >> 8) % (if round % 2 == 0 { 50 } else { 100_000 });
            let with_session = (r >> 30) % 4 != 0;
            let title = if with_session {
                format!("t{i}")
            } else {
                format!("t{}", (r >> 40) % 7)
            };
            let code = ["a", "b", "c"][((r >> 56) % 3) as usize];
            let mut d = Draft::new(sev, code, title)
                .stream((r >> 20) % 3)
                .frames([frame, frame + (r >> 50) % 5]);
            if with_session {
                d = d.session(format!("{i:#x}"));
            }
            v.push(d.0);
        }
        if round % 3 == 0 {
            for f in v.iter_mut().step_by(7) {
                f.frames.clear();
            }
        }
        let (want, want_omitted, want_counts) = at_end(v.clone());
        let mut sink = Sink::default();
        for f in v.iter().cloned() {
            sink.push(f);
        }
        dropped_some |= sink.dropped > 0;
        let (got, got_omitted, got_counts, spared) = through_sink(v);
        spared_some |= spared > 0;
        assert_eq!(want_omitted, got_omitted, "round {round}");
        assert_eq!(want_counts, got_counts, "round {round}");
        let total: u64 = got_counts.iter().map(|c| c.count).sum();
        assert_eq!(total, got.len() as u64 + got_omitted, "round {round}");
        assert_eq!(want.len(), got.len(), "round {round}");
        for (a, b) in want.iter().zip(&got) {
            assert_eq!(key(a), key(b), "round {round}");
        }
    }
    assert!(dropped_some, "the sink dropped findings in some round");
    assert!(spared_some, "Sink::unkept spared findings in some round");
}

/// One client, `n` NTLM sessions set up at time 100 (frame 8), then 4096
/// KDC errors (KDC_ERR_S_PRINCIPAL_UNKNOWN) after them: neither the
/// Kerberos-to-NTLM fallback (no error before a session) nor a later
/// success (none after an error) is found, so each look-up sees all of
/// the other side when it scans.
fn one_busy_client(n: usize) -> Model {
    let sessions = (0..n)
        .map(|_| session(0, Outcome::Success, Some(NtStatus::SUCCESS), Vec::new()))
        .collect();
    let mut m = model(vec![conn(0)], sessions);
    for i in 0..crate::session::MAX_KDC_EXCHANGES as u64 {
        let x = kdc(
            "TGS-REQ",
            1000 + 2 * i,
            Some((7, "KDC_ERR_S_PRINCIPAL_UNKNOWN")),
        );
        m.kdc.push(x);
    }
    m
}

#[test]
fn kerberos_lookups_do_not_scan_per_session() {
    // 100,000 sessions × 4096 exchanges, scanned twice (fallback, later
    // success), took 3.1 s (release) before the look-ups were indexed;
    // now 0.02 s. The bound is generous for a loaded machine.
    let m = one_busy_client(100_000);
    let t = std::time::Instant::now();
    let d = diagnose(&m);
    let took = t.elapsed();
    let bound = if cfg!(debug_assertions) { 20.0 } else { 1.0 };
    assert!(took.as_secs_f64() < bound, "diagnose took {took:?}");
    let f = only(&d.findings, "kerberos.unknown_spn");
    assert_eq!(f.severity, Severity::Error, "no later success");
    assert!(d
        .findings
        .iter()
        .all(|f| f.code != "kerberos.fallback_ntlm"));
}

#[test]
fn kerberos_later_success_and_fallback() {
    // An error, then a successful NTLM session, then an error after it.
    let mut s = session(0, Outcome::Success, Some(NtStatus::SUCCESS), Vec::new());
    s.first_time = ts(110);
    s.first_frame = 20;
    s.last_setup_frame = 22;
    let mut m = model(vec![conn(0)], vec![s]);
    for frame in [3, 5, 30] {
        let mut x = kdc("TGS-REQ", frame, Some((7, "KDC_ERR_S_PRINCIPAL_UNKNOWN")));
        x.smb_stream = Some(0);
        m.kdc.push(x);
    }
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.fallback_ntlm");
    assert_eq!(f.frames, [5, 6, 20], "the last error before the session");
    // The errors before the session are followed by a success, the one
    // after it is not.
    let spn: Vec<_> = d
        .findings
        .iter()
        .filter(|f| f.code == "kerberos.unknown_spn")
        .map(|f| (f.severity, f.frames.clone()))
        .collect();
    assert_eq!(
        spn,
        [
            (Severity::Error, vec![30, 31]),
            (Severity::Warning, vec![3, 4, 5, 6])
        ]
    );
}

#[test]
fn kerberos_latest_error_by_time() {
    use super::kerberos::latest_error;
    // (time, index) sorted; index 3 is timed before index 2 (time stamps
    // going backwards in the capture).
    let list = [(ts(5), 0), (ts(7), 3), (ts(8), 2), (ts(8), 4)];
    assert_eq!(latest_error(&list, ts(0), ts(4)), None);
    assert_eq!(latest_error(&list, ts(0), ts(5)), Some(0));
    assert_eq!(latest_error(&list, ts(6), ts(7)), Some(3));
    assert_eq!(
        latest_error(&list, ts(0), ts(9)),
        Some(4),
        "ties: capture order"
    );
    assert_eq!(
        latest_error(&list, ts(9), ts(20)),
        None,
        "before the window"
    );
    assert_eq!(latest_error(&[], ts(0), ts(9)), None);
}

/// A compression transform larger than the server's maximum: the rule of
/// [MS-SMB2] 3.3.5.2.1.2 (the overflow case is the real capture
/// pcapattack-smbghost-loopback-compression in tests/report_findings.rs).
#[test]
fn compression_refused() {
    use crate::session::{BadCompression, CompressionFault};
    let mut c = conn(0);
    c.bad_compression = Some(Box::new(BadCompression {
        frame: 12,
        from_client: true,
        original_size: Some(9_000_000),
        offset: Some(0),
        algorithm: Some(2),
        fault: CompressionFault::TooLarge { limit: 8_388_880 },
        count: 3,
    }));
    c.end = Some(conn_end(13, 101, "reset", "server"));
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "connection.compression_refused");
    check(f, Severity::Warning, 0, &[12, 13]);
    assert!(
        f.explanation.contains("more than 8388880 bytes"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation.contains("(3 such transforms"),
        "{}",
        f.explanation
    );
    assert!(f
        .explanation
        .contains("Then the server reset the connection (frame 13)."));
}

/// STATUS_NETWORK_SESSION_EXPIRED answering a SESSION_SETUP is the logon's
/// failure (an error), worded for a first logon and for a failed
/// re-authentication (sv-smb311-named-pipe-unicode is the real capture of
/// the first).
#[test]
fn session_setup_expired() {
    let st = NtStatus::NETWORK_SESSION_EXPIRED;
    for reauth in [0, 1] {
        let mut s = session(
            0,
            Outcome::Failure,
            Some(st),
            vec![round(10, Some(11), Some(st))],
        );
        s.reauthentications = reauth;
        let d = diagnose(&model(vec![conn(0)], vec![s]));
        let f = only(&d.findings, "session.expired");
        check(f, Severity::Error, 0, &[10, 11]);
        let want = if reauth == 0 {
            "the logon failed"
        } else {
            "the client must end the session"
        };
        assert!(f.explanation.contains(want), "{}", f.explanation);
    }
    // What the status means depends on the mechanism; with none seen, the
    // text says so rather than blaming a Kerberos ticket.
    for (mech, says, next) in [
        (
            Some("kerberos"),
            "service ticket was past its end time",
            Some("klist purge"),
        ),
        (Some("ntlmssp"), "no ticket expired", None),
        (
            None,
            "does not show the mechanism",
            Some("Capture from before"),
        ),
    ] {
        let mut s = session(
            0,
            Outcome::Failure,
            Some(st),
            vec![round(10, Some(11), Some(st))],
        );
        s.mechanism = mech;
        let d = diagnose(&model(vec![conn(0)], vec![s]));
        let f = only(&d.findings, "session.expired");
        assert!(f.explanation.contains(says), "{mech:?}: {}", f.explanation);
        match next {
            Some(n) => assert!(f.next_step.contains(n), "{mech:?}: {}", f.next_step),
            None => assert!(!f.next_step.contains("klist"), "{mech:?}: {}", f.next_step),
        }
    }
}

/// A SESSION_SETUP refused with STATUS_NETWORK_SESSION_EXPIRED that the
/// same client's own logon to the same server soon follows, on any
/// connection, is a warning that names that logon (sv-smb311-named-pipe-
/// unicode is the real capture: frame 14 on tcp.stream 0, 0.9 ms after
/// frame 12); later than RETRY_SECS, to another server, as another user,
/// or a guest session: still an error.
#[test]
fn session_setup_expired_then_logon() {
    let st = NtStatus::NETWORK_SESSION_EXPIRED;
    for mech in [None, Some("ntlmssp"), Some("kerberos")] {
        let refused = {
            let mut r = round(12, Some(12), Some(st));
            r.mechanism = mech;
            // The logon's response comes 1 ms (its round's duration) after.
            r.duration = Some(0.0);
            let mut s = session(1, Outcome::Failure, Some(st), vec![r]);
            s.mechanism = mech;
            s.user = None;
            s.domain = None;
            s
        };
        let logon = |secs: i64, server: &str, user: &str, outcome: Outcome| {
            let mut r = round(10, Some(14), Some(NtStatus::SUCCESS));
            r.time = ts(100 + secs);
            let mut s = session(
                0,
                outcome,
                Some(NtStatus::SUCCESS),
                vec![round(7, Some(8), None), r],
            );
            s.first_frame = 7;
            s.set_up_frame = Some(14);
            s.last_setup_frame = 14;
            s.server = addr(server);
            s.user = Some(user.into());
            s
        };
        let cases = [
            (
                logon(0, "10.0.0.2:445", "alice", Outcome::Success),
                Some(Severity::Warning),
            ),
            (logon(31, "10.0.0.2:445", "alice", Outcome::Success), None),
            (logon(0, "10.0.0.3:445", "alice", Outcome::Success), None),
            (logon(0, "10.0.0.2:445", "alice", Outcome::Guest), None),
        ];
        for (later, want) in cases {
            let d = diagnose(&model(vec![conn(0), conn(1)], vec![refused.clone(), later]));
            let f = only(&d.findings, "session.expired");
            check(f, want.unwrap_or(Severity::Error), 1, &[12]);
            // A Kerberos refusal, then an NTLM logon: the client fell back
            // to NTLM, which the finding tells, the Kerberos fix still its
            // step.
            let kerberos = mech == Some("kerberos");
            let (logged_on, step) = if kerberos {
                ("fell back to NTLM and got in: it logged on to the same server as CORP\\alice with NTLM at frame 14 on tcp.stream 0, 1.0 ms later (a logon it had begun at frame 7, before the refusal)", "The user got in with NTLM, but Kerberos")
            } else {
                ("as CORP\\alice at frame 14 on tcp.stream 0, 1.0 ms later (a logon it had begun at frame 7, before the refusal): it got past this refusal", "Nothing to do")
            };
            let says = f.explanation.contains(logged_on);
            assert_eq!(says, want.is_some(), "{mech:?}: {}", f.explanation);
            assert_eq!(
                f.next_step.starts_with(step),
                want.is_some(),
                "{}",
                f.next_step
            );
            assert_eq!(
                f.title.ends_with("; the client fell back to NTLM"),
                kerberos && want.is_some(),
                "{}",
                f.title
            );
        }
        // The refused logon named a user: another user's logon is no retry.
        let mut named = refused.clone();
        named.user = Some("bob".into());
        named.client_principal = mech
            .filter(|m| *m == "kerberos")
            .map(|_| "bob@CORP.TEST".into());
        let d = diagnose(&model(
            vec![conn(0), conn(1)],
            vec![
                named.clone(),
                logon(0, "10.0.0.2:445", "alice", Outcome::Success),
            ],
        ));
        check(
            only(&d.findings, "session.expired"),
            Severity::Error,
            1,
            &[12],
        );
        // The same account by ASCII case, of the user name or of the
        // principal (bob@CORP.TEST is bob): the same user, whose NTLM logon
        // after a Kerberos refusal is its fallback to NTLM.
        let d = diagnose(&model(
            vec![conn(0), conn(1)],
            vec![named, logon(0, "10.0.0.2:445", "BOB", Outcome::Success)],
        ));
        let f = only(&d.findings, "session.expired");
        check(f, Severity::Warning, 1, &[12]);
        assert_eq!(
            f.explanation.contains("fell back to NTLM"),
            mech == Some("kerberos"),
            "{}",
            f.explanation
        );
    }
}

/// A refused logon (alice, LOGON_FAILURE, answered at frame 11 on
/// tcp.stream 1, `secs` into the capture).
fn refused_at(frame: u64, secs: i64) -> Session {
    let st = NtStatus::LOGON_FAILURE;
    let mut r = round(frame, Some(frame + 1), Some(st));
    r.time = ts(100 + secs);
    r.duration = Some(0.0);
    let mut s = session(1, Outcome::Failure, Some(st), vec![r]);
    s.last_setup_frame = frame + 1;
    s
}

/// A logon (`outcome`) of `user` to `server` set up at `frame` on
/// tcp.stream 0, its response 1 ms after `secs` into the capture.
fn logon_at(frame: u64, secs: i64, server: &str, user: &str, outcome: Outcome) -> Session {
    let mut r = round(frame - 1, Some(frame), Some(NtStatus::SUCCESS));
    r.time = ts(100 + secs);
    let mut s = session(0, outcome, Some(NtStatus::SUCCESS), vec![r]);
    s.set_up_frame = Some(frame);
    s.last_setup_frame = frame;
    s.server = addr(server);
    s.user = Some(user.into());
    s
}

/// A logon.* refusal that the same client's own logon to the same server
/// follows within RETRY_SECS, as the same user, is a warning that names
/// the logon and says nothing is to do; followed by a guest logon, another
/// user's, one to another server, one 31 s later, one earlier in time
/// though later in the capture (captures joined out of time order:
/// ntlm-pcapng-mixed-byte-order's frame 63 was captured 8.6 s before its
/// refusal in frame 49), or none: an error as before.
#[test]
fn logon_refused_then_logon() {
    const SERVER: &str = "10.0.0.2:445";
    let cases = [
        (
            Some(logon_at(20, 1, SERVER, "ALICE", Outcome::Success)),
            true,
        ),
        (
            Some(logon_at(20, 1, SERVER, "alice", Outcome::Guest)),
            false,
        ),
        (
            Some(logon_at(20, 1, SERVER, "alice", Outcome::Anonymous)),
            false,
        ),
        (
            Some(logon_at(20, 1, SERVER, "bob", Outcome::Success)),
            false,
        ),
        (
            Some(logon_at(20, 1, "10.0.0.3:445", "alice", Outcome::Success)),
            false,
        ),
        (
            Some(logon_at(20, 1, "10.0.0.2:139", "alice", Outcome::Success)),
            false,
        ),
        (
            Some(logon_at(20, 31, SERVER, "alice", Outcome::Success)),
            false,
        ),
        (
            Some(logon_at(20, -9, SERVER, "alice", Outcome::Success)),
            false,
        ),
        (None, false),
    ];
    for (later, got_past) in cases {
        // An anonymous logon 1 s after the refusal is no retry: it is the
        // client's fallback from it (OwnLogons::fallback_after), told so.
        let anonymous = later
            .as_ref()
            .is_some_and(|s| s.outcome == Outcome::Anonymous);
        let sessions = [refused_at(10, 0)].into_iter().chain(later).collect();
        let d = diagnose(&model(vec![conn(0), conn(1)], sessions));
        let f = only(&d.findings, "logon.bad_password");
        check_got_past(f, got_past);
        let says = f
            .explanation
            .ends_with(" The same client logged on to the same server as CORP\\ALICE at frame 20 on tcp.stream 0, 1.0 s later: it got past this refusal. Workstation: PC1.");
        assert_eq!(says, got_past, "{}", f.explanation);
        assert_eq!(
            f.explanation.contains("same client"),
            got_past || anonymous,
            "{}",
            f.explanation
        );
        assert_eq!(
            f.explanation
                .contains("The same client then fell back to an anonymous logon"),
            anonymous,
            "{}",
            f.explanation
        );
        assert_eq!(
            f.title
                .ends_with("; the client fell back to an anonymous session"),
            anonymous,
            "{}",
            f.title
        );
    }
}

/// The retry of a refusal is the first own logon of the same user within
/// RETRY_SECS, not the first own logon: other users' logons before it (one,
/// or five hundred) do not hide it (ntlm-wrong-password-other-user-then-
/// right is the real capture of one), for logon.* and session.expired
/// alike; a refusal that names no user takes the first logon of any.
#[test]
fn retry_is_the_same_users_logon_after_others() {
    const SERVER: &str = "10.0.0.2:445";
    for others in [1, 500] {
        let mut sessions = vec![refused_at(10, 0)];
        for i in 0..others {
            let mut bob = logon_at(20 + i, 1, SERVER, "bob", Outcome::Success);
            bob.stream = 2;
            sessions.push(bob);
        }
        sessions.push(logon_at(20 + others, 2, SERVER, "alice", Outcome::Success));
        let d = diagnose(&model(vec![conn(0), conn(1), conn(2)], sessions.clone()));
        let f = only(&d.findings, "logon.bad_password");
        assert_eq!(f.severity, Severity::Warning, "{}", f.explanation);
        let names = format!(
            "as CORP\\alice at frame {} on tcp.stream 0, 2.0 s later: it got past this refusal.",
            20 + others
        );
        assert!(f.explanation.contains(&names), "{}", f.explanation);
        // The same sessions, the refusal an expired authentication.
        let st = NtStatus::NETWORK_SESSION_EXPIRED;
        sessions[0].status = Some(st);
        if let Some(r) = sessions[0].rounds.last_mut() {
            r.status = Some(st);
        }
        let d = diagnose(&model(vec![conn(0), conn(1), conn(2)], sessions.clone()));
        let f = only(&d.findings, "session.expired");
        assert_eq!(f.severity, Severity::Warning, "{}", f.explanation);
        assert!(f.explanation.contains(&names), "{}", f.explanation);
        // No user named: bob's logon, the first, is the retry.
        sessions[0].user = None;
        sessions[0].domain = None;
        let d = diagnose(&model(vec![conn(0), conn(1), conn(2)], sessions));
        let f = only(&d.findings, "session.expired");
        assert!(
            f.explanation
                .contains("as CORP\\bob at frame 20 on tcp.stream 2, 1.0 s later"),
            "{}",
            f.explanation
        );
    }
    // Alice's own logon past the window, after bob's within it: none.
    let d = diagnose(&model(
        vec![conn(0), conn(1), conn(2)],
        vec![
            refused_at(10, 0),
            logon_at(20, 1, SERVER, "bob", Outcome::Success),
            logon_at(30, 31, SERVER, "alice", Outcome::Success),
        ],
    ));
    let f = only(&d.findings, "logon.bad_password");
    assert_eq!(f.severity, Severity::Error, "{}", f.explanation);
}

/// A group of refusals is softened only when the logon came within
/// RETRY_SECS of every one of them; a run of GUESSES refusals (any user)
/// of the client to the server in the RETRY_SECS before the logon stays an
/// error, and names the logon that ended it.
#[test]
fn logon_refusals_then_logon_groups_and_guesses() {
    const SERVER: &str = "10.0.0.2:445";
    let logon = || logon_at(100, 20, SERVER, "alice", Outcome::Success);
    // Two refusals, 40 s apart: the logon is 10 s after the last only.
    let d = diagnose(&model(
        vec![conn(0), conn(1)],
        vec![refused_at(10, -20), refused_at(20, 20 - 10), logon()],
    ));
    let f = only(&d.findings, "logon.bad_password");
    assert_eq!(f.severity, Severity::Error, "{}", f.explanation);
    assert!(!f.explanation.contains("same client"), "{}", f.explanation);
    // Both within it: "after the last of them".
    let d = diagnose(&model(
        vec![conn(0), conn(1)],
        vec![refused_at(10, 0), refused_at(20, 10), logon()],
    ));
    let f = only(&d.findings, "logon.bad_password");
    assert_eq!(f.severity, Severity::Warning, "{}", f.explanation);
    assert!(f.explanation.contains("at frame 100 on tcp.stream 0, 10.0 s after the last of them: it got past these refusals."), "{}", f.explanation);
    // GUESSES - 1 refusals, of two users (bob's a finding of its own, not
    // followed by a logon of his): a retry; GUESSES of them: guesses.
    for n in [GUESSES - 1, GUESSES] {
        let mut sessions: Vec<Session> = (0..n as u64)
            .map(|i| {
                let mut s = refused_at(10 + 2 * i, 1 + i as i64);
                if i % 2 == 1 {
                    s.user = Some("bob".into());
                }
                s
            })
            .collect();
        sessions.push(logon());
        let d = diagnose(&model(vec![conn(0), conn(1)], sessions));
        let alice: Vec<_> = d
            .findings
            .iter()
            .filter(|f| f.code == "logon.bad_password" && f.user.as_deref() == Some("CORP\\alice"))
            .collect();
        assert_eq!(alice.len(), 1, "{:#?}", d.findings);
        let f = alice[0];
        let bob = d
            .findings
            .iter()
            .find(|f| f.user.as_deref() == Some("CORP\\bob"));
        assert_eq!(bob.map(|f| f.severity), Some(Severity::Error));
        if n < GUESSES {
            assert_eq!(f.severity, Severity::Warning, "{}", f.explanation);
            assert!(
                f.explanation.contains("it got past these refusals."),
                "{}",
                f.explanation
            );
        } else {
            assert_eq!(f.severity, Severity::Error, "{}", f.explanation);
            assert!(f.explanation.contains("as CORP\\alice at frame 100 on tcp.stream 0, 11.0 s later, after 10 or more refused logons of this client to this server in the 30 s before it: a run of guesses (brute force, password spraying) that ended in a logon looks like this"), "{}", f.explanation);
            assert!(
                f.next_step
                    .starts_with("Find out whether the logon at frame 100 was the account owner's"),
                "{}",
                f.next_step
            );
        }
    }
}

/// A Kerberos logon of alice@CORP.TEST refused with `st` (no KRB-ERROR),
/// as `refused_at` makes an NTLM one.
fn kerberos_refused_at(frame: u64, secs: i64, st: NtStatus) -> Session {
    let mut refused = refused_at(frame, secs);
    refused.status = Some(st);
    refused.mechanism = Some("kerberos");
    refused.user = None;
    refused.domain = None;
    refused.ntlm_response = None;
    refused.client_principal = Some("alice@CORP.TEST".into());
    if let Some(r) = refused.rounds.last_mut() {
        r.status = Some(st);
        r.mechanism = Some("kerberos");
    }
    refused
}

/// logon.failed of a Kerberos AP-REQ (a status no other code explains, no
/// KRB-ERROR) follows the same rule, the client principal naming the user.
#[test]
fn kerberos_logon_failed_then_logon() {
    let st = NtStatus::ACCOUNT_DISABLED;
    let refused = kerberos_refused_at(10, 0, st);
    for (principal, got_past) in [("ALICE@corp.test", true), ("bob@CORP.TEST", false)] {
        let mut later = logon_at(20, 1, "10.0.0.2:445", "alice", Outcome::Success);
        later.mechanism = Some("kerberos");
        later.user = None;
        later.client_principal = Some(principal.into());
        let d = diagnose(&model(vec![conn(0), conn(1)], vec![refused.clone(), later]));
        let f = only(&d.findings, "logon.failed");
        check_got_past(f, got_past);
        assert_eq!(
            f.explanation.ends_with("it got past this refusal."),
            got_past,
            "{}",
            f.explanation
        );
    }
}

/// A Kerberos refusal followed by the same account's NTLM logon is a
/// fallback to NTLM (a warning); not when 10 or more refusals of the
/// client to the server came in the 30 s before that logon: then it is a
/// run of guesses that ended in a logon, an error, told as logon.* refusals
/// tell it, and not hidden behind the fallback wording.
#[test]
fn kerberos_refusal_then_ntlm_after_guesses_is_no_fallback() {
    let st = NtStatus::ACCOUNT_DISABLED;
    for guesses in [0, GUESSES - 1] {
        let mut sessions: Vec<Session> = (0..guesses as u64)
            .map(|i| refused_at(10 + 2 * i, 1 + i as i64))
            .collect();
        let refused = kerberos_refused_at(40, 12, st);
        sessions.push(refused);
        sessions.push(logon_at(100, 14, "10.0.0.2:445", "alice", Outcome::Success));
        let d = diagnose(&model(vec![conn(0), conn(1)], sessions));
        let f = only(&d.findings, "logon.failed");
        if guesses == 0 {
            assert_eq!(f.severity, Severity::Warning, "{}", f.explanation);
            assert!(
                f.title.ends_with("; the client fell back to NTLM"),
                "{}",
                f.title
            );
        } else {
            assert_eq!(f.severity, Severity::Error, "{}", f.explanation);
            assert!(!f.title.contains("fell back"), "{}", f.title);
            assert!(
                f.explanation.contains("after 10 or more refused logons of this client to this server in the 30 s before it"),
                "{}",
                f.explanation
            );
        }
    }
}

/// One clock makes one finding: the KDC's KRB_AP_ERR_SKEW for a client
/// whose AP-REQ the server refused for skew too is told in the session's
/// finding (krb5-ap-skew is the real capture); alone, the KDC's error
/// makes its own.
#[test]
fn kdc_and_server_skew_make_one_finding() {
    let skewed = || {
        let mut r = round(16, Some(19), Some(NtStatus::MORE_PROCESSING_REQUIRED));
        r.mechanism = Some("kerberos");
        r.kerberos = Some(Box::new(RoundKrbError {
            error: Some("KRB_AP_ERR_SKEW".into()),
            error_code: Some(37),
            ..RoundKrbError::default()
        }));
        let mut s = session(0, Outcome::Failure, Some(NtStatus::LOGON_FAILURE), vec![r]);
        s.mechanism = Some("kerberos");
        s
    };
    let kdc_skew = || kdc("TGS-REQ", 11, Some((37, "KRB_AP_ERR_SKEW")));
    let mut m = model(vec![conn(0)], vec![skewed()]);
    m.kdc.push(kdc_skew());
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.clock_skew");
    check(f, Severity::Error, 0, &[16, 19]);
    assert!(
        f.explanation
            .contains("KRB_AP_ERR_SKEW too (KRB-ERROR at frame 12)"),
        "{}",
        f.explanation
    );
    assert!(f.next_step.starts_with("Synchronise the client's clock"));
    let mut m = model(vec![], vec![]);
    m.kdc.push(kdc_skew());
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.clock_skew");
    assert_eq!(f.frames, vec![11, 12]);
    assert!(f.title.starts_with("The KDC refused the request"));
}

/// KRB_ERR_RESPONSE_TOO_BIG not retried is an error when the client got
/// no ticket, a warning when it got one later (from the same or another
/// KDC).
#[test]
fn response_too_big_not_retried_but_renewed_is_a_warning() {
    let mut m = model(vec![], vec![]);
    m.kdc
        .push(kdc("AS-REQ", 3, Some((52, "KRB_ERR_RESPONSE_TOO_BIG"))));
    m.kdc.push(kdc("AS-REQ", 9, None));
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.tcp_not_retried");
    assert_eq!(f.severity, Severity::Warning);
}

/// SYNs no one answered: an error (connection-unanswered is the real
/// capture), a note when the client reached SMB on the same server over
/// another connection, nothing when the capture ended within a second.
#[test]
fn unanswered_syn() {
    let silent = |stream: u64, waited: i64| {
        let mut c = Connection::new(
            stream,
            addr("10.0.0.1:50001"),
            addr("10.0.0.2:139"),
            true,
            30,
            ts(100),
        );
        c.server_silent = true;
        c.end = Some(conn_end(40, 100 + waited, "capture_end", "client"));
        c
    };
    let d = diagnose(&model(vec![silent(1, 5)], vec![]));
    let f = only(&d.findings, "connection.unanswered");
    check(f, Severity::Error, 1, &[30]);
    let d = diagnose(&model(vec![conn(0), silent(1, 5)], vec![]));
    let f = only(&d.findings, "connection.unanswered");
    assert_eq!(f.severity, Severity::Info);
    assert!(f
        .explanation
        .contains("reached SMB on the same server over 10.0.0.2:445"));
    let d = diagnose(&model(vec![silent(1, 0)], vec![]));
    assert!(all(&d.findings, "connection.unanswered").is_empty());
}

/// An error response of `command` with `status` on connection `c`.
fn file_error(c: &mut Connection, frame: u64, command: &str, status: NtStatus, name: Option<&str>) {
    c.errors.push(ErrorEvent {
        frame,
        request_frame: Some(frame - 1),
        command: command.into(),
        status: status.to_string(),
        status_code: status.0,
        session_id: HexId(0x1234),
        tree_id: None,
        request_tid: None,
        detail: name.map(Into::into),
        held_by: None,
        open_files: None,
    });
}

#[test]
fn quota_exceeded() {
    let mut c = conn(0);
    file_error(&mut c, 31, "WRITE", NtStatus(0xC000_0044), None);
    file_error(&mut c, 41, "WRITE", NtStatus(0xC000_0044), None);
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "file.quota_exceeded");
    check(f, Severity::Error, 0, &[30, 31, 40, 41]);
    assert_eq!(f.title, "WRITE refused with STATUS_QUOTA_EXCEEDED, 2 times");
    assert!(f.explanation.contains("disk quota"), "{}", f.explanation);
    assert!(
        f.explanation.contains("was not stored"),
        "{}",
        f.explanation
    );
    assert!(all(&d.findings, "file.disk_full").is_empty());
}

/// SMB1's refused tree connects and logoffs (`errors[]` names them as
/// `smbscope messages` does) are left to the tree and session findings, as
/// SMB2's are; its refused file operations are file findings.
#[test]
fn smb1_refusals_of_trees_are_no_file_findings() {
    let mut c = conn(0);
    file_error(
        &mut c,
        31,
        "SMB_COM_TREE_CONNECT_ANDX",
        NtStatus::ACCESS_DENIED,
        None,
    );
    file_error(
        &mut c,
        41,
        "SMB_COM_LOGOFF_ANDX",
        NtStatus::ACCESS_DENIED,
        None,
    );
    file_error(
        &mut c,
        51,
        "SMB_COM_NT_CREATE_ANDX",
        NtStatus::ACCESS_DENIED,
        Some("a.txt"),
    );
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "file.access_denied");
    check(f, Severity::Warning, 0, &[50, 51]);
    assert_eq!(
        f.title,
        "SMB_COM_NT_CREATE_ANDX refused with STATUS_ACCESS_DENIED (a.txt)"
    );
}

#[test]
fn lock_conflict() {
    // A LOCK not granted and a READ on a locked range: one finding each.
    let mut c = conn(0);
    file_error(&mut c, 31, "LOCK", NtStatus::LOCK_NOT_GRANTED, None);
    file_error(&mut c, 41, "READ", NtStatus::FILE_LOCK_CONFLICT, None);
    let d = diagnose(&model(vec![c], vec![]));
    let v = all(&d.findings, "file.lock_conflict");
    assert_eq!(v.len(), 2, "{v:#?}");
    check(v[0], Severity::Warning, 0, &[30, 31]);
    assert!(
        v[0].explanation.contains("FAIL_IMMEDIATELY"),
        "{}",
        v[0].explanation
    );
    check(v[1], Severity::Warning, 0, &[40, 41]);
    assert!(
        v[1].explanation.contains("range read or written"),
        "{}",
        v[1].explanation
    );
}

#[test]
fn sharing_violation_without_holder() {
    // The holder is not in the capture: the text says where else it can be.
    let mut c = conn(0);
    file_error(
        &mut c,
        31,
        "CREATE",
        NtStatus::SHARING_VIOLATION,
        Some("finance\\db.mdb"),
    );
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "file.sharing_violation");
    check(f, Severity::Warning, 0, &[30, 31]);
    assert_eq!(
        f.title,
        "CREATE refused with STATUS_SHARING_VIOLATION (finance\\db.mdb)"
    );
    assert!(f
        .explanation
        .contains("The capture shows no open of the file still open that conflicts"));
    assert!(
        f.next_step.contains("Where-Object Path -like '*db.mdb*'"),
        "{}",
        f.next_step
    );
}

#[test]
fn too_many_open_files_without_opens_in_the_capture() {
    // Refused before any open of this connection is in the capture: the
    // limit was reached elsewhere; a refused IOCTL with the same status is
    // not a file-open limit.
    let mut c = conn(0);
    file_error(
        &mut c,
        31,
        "CREATE",
        NtStatus::INSUFFICIENT_RESOURCES,
        Some("a.txt"),
    );
    c.errors[0].open_files = Some(0);
    file_error(&mut c, 41, "IOCTL", NtStatus::INSUFFICIENT_RESOURCES, None);
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "file.too_many_open_files");
    check(f, Severity::Error, 0, &[30, 31]);
    assert!(
        f.explanation
            .contains("The capture shows no file this connection had open then"),
        "{}",
        f.explanation
    );
}

#[test]
fn too_many_open_files_past_the_followed_opens() {
    let mut c = conn(0);
    file_error(&mut c, 31, "CREATE", NtStatus::TOO_MANY_OPENED_FILES, None);
    c.errors[0].open_files = Some(crate::session::opens::MAX_OPENS as u64);
    let d = diagnose(&model(vec![c], vec![]));
    let f = only(&d.findings, "file.too_many_open_files");
    assert!(
        f.explanation
            .contains("this connection had at least 256 files open"),
        "{}",
        f.explanation
    );
}

/// A logon refused with LOGON_FAILURE to an NTLMv1 response: only the
/// capture's other logons to the same server tell whether the server
/// refuses NTLMv1 (the same identity logged on with NTLMv2) or the password
/// was wrong (the server accepted an NTLMv1 response of the same domain);
/// without them the finding says both.
#[test]
fn a_refused_ntlmv1_logon_reads_the_other_logons_to_its_server() {
    let refused_v1 = || {
        let mut s = refused(1, NtStatus::LOGON_FAILURE, 20);
        s.ntlm_response = Some("NTLMv1");
        s
    };
    let ok = |kind: &'static str, domain: &str, user: &str, server: &str| {
        let mut s = session(
            0,
            Outcome::Success,
            Some(NtStatus::SUCCESS),
            vec![round(8, Some(9), Some(NtStatus::SUCCESS))],
        );
        s.set_up_frame = Some(9);
        s.ntlm_response = Some(kind);
        s.domain = Some(domain.into());
        s.user = Some(user.into());
        s.server = addr(server);
        s
    };
    const BOTH: &str = "Logon with an NTLMv1 response refused: NTLMv1 not allowed, or a wrong password (CORP\\alice)";
    let here = "10.0.0.2:445";
    for (before, code, title, said) in [
        (
            None,
            "logon.ntlmv1_rejected",
            BOTH,
            "no other logon to this server",
        ),
        (
            Some(ok("NTLMv2", "corp", "ALICE", here)),
            "logon.ntlmv1_rejected",
            "NTLMv1 logon refused (CORP\\alice)",
            "logged on to this server with an NTLMv2 response at frame 9 (tcp.stream 0)",
        ),
        // Another user's NTLMv2 logon says nothing of alice's password.
        (
            Some(ok("NTLMv2", "CORP", "bob", here)),
            "logon.ntlmv1_rejected",
            BOTH,
            "no other logon",
        ),
        // alice's NTLMv2 logon to another server says nothing of this one.
        (
            Some(ok("NTLMv2", "CORP", "alice", "10.0.0.9:445")),
            "logon.ntlmv1_rejected",
            BOTH,
            "no other logon",
        ),
        (
            Some(ok("NTLMv1-ESS", "corp", "bob", here)),
            "logon.bad_password",
            "Logon failed: wrong password or unknown user (CORP\\alice)",
            "this server accepted the NTLMv1-ESS response of corp\\bob at frame 9 (tcp.stream 0)",
        ),
        // An account of another domain is checked elsewhere.
        (
            Some(ok("NTLMv1", "OTHER", "bob", here)),
            "logon.ntlmv1_rejected",
            BOTH,
            "no other logon",
        ),
    ] {
        let sessions: Vec<Session> = before.into_iter().chain([refused_v1()]).collect();
        let d = diagnose(&model(vec![conn(0), conn(1)], sessions));
        let f = only(&d.findings, code);
        check(f, Severity::Error, 1, &[22, 23]);
        assert_eq!(f.title, title);
        assert!(f.explanation.contains(said), "{}", f.explanation);
        let wrong = if code == "logon.bad_password" {
            "logon.ntlmv1_rejected"
        } else {
            "logon.bad_password"
        };
        assert!(all(&d.findings, wrong).is_empty(), "{:#?}", d.findings);
    }
}

/// Sessions set up with an NTLMv1 or LM response make one posture.ntlmv1
/// per client, server, account and kind of response, each naming the
/// AUTHENTICATE round of its sessions.
#[test]
fn accepted_ntlmv1_logons_are_grouped_by_account_and_kind() {
    let v1 = |stream: u64, user: &str, kind: &'static str| {
        let f = 8 + 10 * stream;
        let mut auth = round(f + 2, Some(f + 3), Some(NtStatus::SUCCESS));
        auth.request_token = Some("NTLMSSP AUTHENTICATE".into());
        let mut s = session(
            stream,
            Outcome::Success,
            Some(NtStatus::SUCCESS),
            vec![round(f, Some(f + 1), None), auth],
        );
        s.ntlm_response = Some(kind);
        s.user = Some(user.into());
        s
    };
    let sessions = vec![
        v1(0, "alice", "NTLMv1"),
        v1(1, "bob", "NTLMv1"),
        v1(2, "alice", "NTLMv1"),
        v1(3, "alice", "LM"),
    ];
    let d = diagnose(&model((0..4).map(conn).collect(), sessions));
    let got: Vec<_> = all(&d.findings, "posture.ntlmv1")
        .iter()
        .map(|f| (f.title.as_str(), f.stream, f.frames.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "NTLMv1 response accepted, 2 times",
                None,
                vec![10, 11, 30, 31]
            ),
            ("NTLMv1 response accepted", Some(1), vec![20, 21]),
            ("LM response accepted", Some(3), vec![40, 41]),
        ]
    );
    let f = all(&d.findings, "posture.ntlmv1")[0];
    assert!(
        f.explanation
            .contains("as CORP\\alice 2 times (tcp.stream 0, 2) with the server at 10.0.0.2:445"),
        "{}",
        f.explanation
    );
}

/// KRB_AP_ERR_MODIFIED from the KDC to a TGS-REQ: the ticket it could not
/// decrypt is the client's TGT in the PA-TGS-REQ, under the krbtgt key,
/// not a server's: the finding talks of krbtgt, a stale TGT and the DCs'
/// replication, not of a server's keytab. A rule-level test: no capture
/// here holds such a refusal (Samba's KDC keeps the previous krbtgt key,
/// so it takes a TGT from before two resets of krbtgt's password).
#[test]
fn kdc_modified_to_a_tgs_req_talks_of_krbtgt() {
    let mut m = model(vec![], vec![]);
    let mut x = kdc("TGS-REQ", 3, Some((41, "KRB_AP_ERR_MODIFIED")));
    x.service_principal = Some("cifs/fs1.corp.test@CORP.TEST".into());
    m.kdc.push(x);
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.ap_modified");
    check(f, Severity::Error, 7, &[3, 4]);
    assert_eq!(
        f.title,
        "The KDC cannot decrypt the client's ticket-granting ticket (KRB_AP_ERR_MODIFIED)"
    );
    for want in [
        "the client's ticket-granting ticket, which is encrypted with the realm's krbtgt key",
        "issued before the krbtgt password was reset twice",
    ] {
        assert!(f.explanation.contains(want), "{want}: {}", f.explanation);
    }
    for want in [
        "Get the client a new TGT",
        ": Windows, 'repadmin /replsummary'",
        "; Samba, 'samba-tool drs showrepl'",
    ] {
        assert!(f.next_step.contains(want), "{want}: {}", f.next_step);
    }
    for not in ["keytab", "setspn"] {
        let both = format!("{} {}", f.explanation, f.next_step);
        assert!(!both.contains(not), "{not}: {both}");
    }
    // To an AS-REQ (no TGT in it) the server-key wording stays.
    let mut m = model(vec![], vec![]);
    m.kdc
        .push(kdc("AS-REQ", 3, Some((41, "KRB_AP_ERR_MODIFIED"))));
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.ap_modified");
    assert!(
        f.title.starts_with("The server cannot decrypt"),
        "{}",
        f.title
    );
}

/// The KDC's refusals name the KDC's log by its kind (platform::kdcs): an
/// MIT KDC's e-text is its status string, and its log is krb5kdc's. A
/// rule-level test: no capture here holds an MIT KDC's error.
#[test]
fn kdc_refusal_of_an_mit_kdc_names_krb5kdcs_log() {
    let mut m = model(vec![], vec![]);
    let mut x = kdc("AS-REQ", 3, Some((24, "KDC_ERR_PREAUTH_FAILED")));
    x.e_text = Some("PREAUTH_FAILED".into());
    m.kdc.push(x);
    let d = diagnose(&m);
    let f = only(&d.findings, "kerberos.preauth_failed");
    assert!(
        f.next_step
            .contains("(the KDC's e-text \"PREAUTH_FAILED\" at frame 4, MIT): krb5kdc's log"),
        "{}",
        f.next_step
    );
    assert!(!f.next_step.contains("4771"), "{}", f.next_step);
}
