use super::*;
use std::collections::HashSet;

#[test]
fn table_is_big_sorted_and_unique() {
    assert!(TABLE.len() >= 864, "{} entries", TABLE.len());
    assert!(
        TABLE.windows(2).all(|w| w[0].code < w[1].code),
        "sorted, no duplicate codes"
    );
    let mut names = HashSet::new();
    for e in TABLE {
        assert!(!e.name.is_empty());
        assert_eq!(e.name, e.name.to_ascii_uppercase(), "{}", e.name);
        assert!(names.insert(e.name), "{} twice", e.name);
        if let Some(d) = e.description {
            assert!(!d.trim().is_empty(), "{}", e.name);
        }
    }
}

/// `lookup` (its two early answers and the search over the codes alone)
/// finds every entry of the table, and nothing for a code not in it.
#[test]
fn lookup_finds_each_entry_and_nothing_else() {
    for e in TABLE {
        assert!(std::ptr::eq(lookup(e.code).unwrap(), e), "{}", e.name);
        for near in [e.code.wrapping_sub(1), e.code.wrapping_add(1)] {
            let want = TABLE.iter().find(|x| x.code == near);
            assert_eq!(lookup(near).map(|x| x.name), want.map(|x| x.name));
        }
    }
    assert_eq!(name(0), Some("STATUS_SUCCESS"));
    assert_eq!(name(0xC000_0016), Some("STATUS_MORE_PROCESSING_REQUIRED"));
    assert_eq!(
        lookup(0xFFFF_FFFF).map(|e| e.code),
        TABLE.last().filter(|e| e.code == u32::MAX).map(|e| e.code)
    );
}

#[test]
fn aliases_are_sorted_and_resolve() {
    assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
    for (alias, code) in ALIASES {
        assert!(lookup(*code).is_some(), "{alias}");
        assert_ne!(name(*code), Some(*alias));
        assert_eq!(by_name(alias).map(|e| e.code), Some(*code), "{alias}");
    }
    assert_eq!(
        by_name("STATUS_ABANDONED_WAIT_0").map(|e| e.code),
        Some(0x80)
    );
    assert_eq!(
        by_name("NT_STATUS_RPC_CALL_FAILED").map(|e| e.name),
        Some("RPC_NT_CALL_FAILED")
    );
}

/// Every smb2.nt_status value string tshark knows names the same code here.
/// Runs only where tshark is installed.
#[test]
fn tshark_names_agree() {
    let out = match std::process::Command::new("tshark")
        .args(["-G", "values"])
        .output()
    {
        Ok(out) if out.status.success() => out.stdout,
        _ => {
            eprintln!("tshark not available: skipping the comparison with its table");
            return;
        }
    };
    let text = String::from_utf8_lossy(&out);
    let mut checked = 0;
    for line in text.lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        if parts.len() != 4 || parts[0] != "V" || parts[1] != "smb2.nt_status" {
            continue;
        }
        let code: u32 = match parts[2].strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
            None => parts[2].parse::<i64>().unwrap() as u32,
        };
        assert_eq!(
            by_name(parts[3]).map(|e| e.code),
            Some(code),
            "tshark: {} = 0x{code:08X}",
            parts[3]
        );
        assert!(lookup(code).is_some(), "0x{code:08X}");
        checked += 1;
    }
    assert!(checked >= 864, "only {checked} tshark values");
}

#[test]
fn lookups_by_value_and_name() {
    assert_eq!(name(0xC000_006D), Some("STATUS_LOGON_FAILURE"));
    assert_eq!(name(0xC000_1234), None);
    assert_eq!(
        lookup(0xC000_0022).map(|e| e.name),
        Some("STATUS_ACCESS_DENIED")
    );
    assert!(lookup(0xC000_006D).unwrap().description.is_some());
    for q in [
        "STATUS_LOGON_FAILURE",
        "status_logon_failure",
        "logon_failure",
        "LOGON_FAILURE",
        " NT_STATUS_LOGON_FAILURE ",
    ] {
        assert_eq!(by_name(q).map(|e| e.code), Some(0xC000_006D), "{q}");
    }
    assert!(by_name("").is_none());
    assert!(by_name("logon failure").is_none());
    assert_eq!(
        by_name("RPC_NT_CALL_FAILED").map(|e| e.code),
        Some(0xC002_001B)
    );
}

#[test]
fn search_by_word() {
    let hits = search("logon");
    assert!(hits.iter().any(|e| e.name == "STATUS_LOGON_FAILURE"));
    // A word in the explanation only.
    assert!(search("w32tm")
        .iter()
        .any(|e| e.name == "STATUS_TIME_DIFFERENCE_AT_DC"));
    let hits = search("logon failure");
    assert_eq!(hits[0].name, "STATUS_LOGON_FAILURE");
    assert!(search("LOCKED").iter().any(|e| e.code == 0xC000_0234));
    assert!(search("").is_empty());
    assert!(search("zzzznotaword").is_empty());
}

#[test]
fn parse_query_forms() {
    for q in [
        "0xC000006D",
        "0xc000006d",
        "c000006d",
        "C000006D",
        "3221225581",
        "-1073741715",
        "STATUS_LOGON_FAILURE",
        "logon_failure",
        "NT_STATUS_LOGON_FAILURE",
    ] {
        assert_eq!(parse_query(q), Query::Code(0xC000_006D), "{q}");
    }
    assert_eq!(parse_query("0"), Query::Number(0));
    assert_eq!(parse_query("0x0"), Query::Code(0));
    assert_eq!(parse_query("0xC0001234"), Query::Code(0xC000_1234));
    assert_eq!(parse_query("logon"), Query::Words("logon".into()));
    assert_eq!(parse_query("bad"), Query::Words("bad".into()));
    // Kerberos: by name, by prefix, and a number that is only a Kerberos code.
    assert_eq!(parse_query("KRB_AP_ERR_SKEW"), Query::Kerberos(37));
    assert_eq!(parse_query("kdc_err_preauth_failed"), Query::Kerberos(24));
    assert_eq!(parse_query("krb:37"), Query::Kerberos(37));
    assert_eq!(parse_query("kerberos:0x25"), Query::Kerberos(37));
    assert_eq!(parse_query("krb:KRB_AP_ERR_SKEW"), Query::Kerberos(37));
    assert_eq!(parse_query("0x18"), Query::Kerberos(24));
    for q in ["0x", "0X", "0xZZ", "0x123456789", "0x-1"] {
        assert_eq!(parse_query(q), Query::BadNumber(q.into()), "{q}");
        assert!(query(q).is_empty(), "{q}");
    }
    assert_eq!(parse_query("krb:0x"), Query::BadNumber("0x".into()));
    // SMB1 errors in the DOS form: by name, by code name in every class
    // that has it, by number; a number alone stays an NTSTATUS.
    for q in [
        "ERRDOS/ERRnoaccess",
        "errdos/errnoaccess",
        "ERRDOS/0x0005",
        "0x01/0x0005",
    ] {
        assert_eq!(parse_query(q), Query::Dos(vec![(1, 5)]), "{q}");
    }
    assert_eq!(parse_query("ERRnoaccess"), Query::Dos(vec![(1, 5)]));
    assert_eq!(parse_query("ERRnomem"), Query::Dos(vec![(1, 8), (2, 8)]));
    assert_eq!(parse_query("ERRDOS/0x00B7"), Query::Dos(vec![(1, 0xB7)]));
    assert_eq!(parse_query("0xF1010005"), Query::Code(0xF101_0005));
    assert_eq!(parse_query("0x00050001"), Query::Code(0x0005_0001));
    assert_eq!(
        parse_query("ERRDOS/ERRbadpw"),
        Query::Words("ERRDOS/ERRbadpw".into())
    );
    // A code in no table is reported, and known to be unknown.
    for q in ["0xDEADBEEF", "krb:999"] {
        let r = query(q);
        assert_eq!(r.len(), 1, "{q}");
        assert!(!r[0].is_known(), "{q}");
    }
    assert!(query("0xC000006D")[0].is_known());
}

#[test]
fn query_gives_reports() {
    let r = query("0xC000006D");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].kind, Kind::NtStatus);
    assert_eq!(r[0].hex, "0xC000006D");
    assert_eq!(r[0].name, Some("STATUS_LOGON_FAILURE"));
    assert_eq!(r[0].severity, Some(Severity::Error));
    assert!(!r[0].benign);
    assert!(r[0].explanation.is_some());

    let r = query("krb:25");
    assert_eq!(r[0].kind, Kind::Kerberos);
    assert_eq!(r[0].hex, "0x19");
    assert!(r[0].benign);

    let r = query("skew");
    assert!(r.iter().any(|x| x.kind == Kind::Kerberos && x.code == 37));
    assert!(r
        .iter()
        .any(|x| x.kind == Kind::NtStatus && x.name == Some("STATUS_TIME_DIFFERENCE_AT_DC")));

    let r = query("0xC0001234");
    assert_eq!(r[0].name, None);
    assert!(query("zzzznotaword").is_empty());
}

#[test]
fn nt_status_type() {
    let s = NtStatus::LOGON_FAILURE;
    assert_eq!(s.to_string(), "STATUS_LOGON_FAILURE");
    assert_eq!(NtStatus(0xC000_1234).to_string(), "0xC0001234");
    assert_eq!(
        format!("{s:?}"),
        "NtStatus(0xC000006D STATUS_LOGON_FAILURE)"
    );
    assert_eq!(s.severity(), Severity::Error);
    assert!(s.is_error());
    assert_eq!(NtStatus::SUCCESS.severity(), Severity::Success);
    assert_eq!(NtStatus::PENDING.severity(), Severity::Success);
    assert_eq!(NtStatus(0x4000_0000).severity(), Severity::Informational);
    assert_eq!(NtStatus::BUFFER_OVERFLOW.severity(), Severity::Warning);
    assert!(!NtStatus::NO_MORE_FILES.is_error());
    assert_eq!(NtStatus::SMB_BAD_CLUSTER_DIALECT.facility(), 0x05D);
    assert_eq!(NtStatus::from(0xC000_0022u32), NtStatus::ACCESS_DENIED);
    assert_eq!(serde_json::to_string(&s).unwrap(), "3221225581");
}

#[test]
fn constants_match_the_table() {
    for (ident, status) in CONSTANTS {
        assert_eq!(
            status.name(),
            Some(format!("STATUS_{ident}").as_str()),
            "NtStatus::{ident}"
        );
    }
}

#[test]
fn benign_statuses() {
    for s in [
        NtStatus::SUCCESS,
        NtStatus::PENDING,
        NtStatus::MORE_PROCESSING_REQUIRED,
        NtStatus::NO_MORE_FILES,
        NtStatus::NOTIFY_ENUM_DIR,
        NtStatus::BUFFER_OVERFLOW,
        NtStatus::END_OF_FILE,
    ] {
        assert!(s.is_benign(), "{s}");
    }
    for s in [
        NtStatus::LOGON_FAILURE,
        NtStatus::ACCESS_DENIED,
        NtStatus::BAD_NETWORK_NAME,
        NtStatus::OBJECT_NAME_NOT_FOUND,
    ] {
        assert!(!s.is_benign(), "{s}");
    }
}

#[test]
fn explanations_are_complete_and_in_the_table() {
    let mut seen = HashSet::new();
    for (code, name_, x) in explain::EXPLAINED {
        assert!(seen.insert(*code), "{name_} explained twice");
        assert_eq!(name(*code), Some(*name_), "0x{code:08X}");
        assert!(!x.meaning.trim().is_empty(), "{name_}");
        assert!(!x.causes.is_empty(), "{name_}");
        assert!(!x.check.is_empty(), "{name_}");
        for part in x.causes.iter().chain(x.check) {
            assert!(!part.trim().is_empty(), "{name_}");
        }
    }
    assert!(seen.len() >= 80, "{} explained", seen.len());
    assert_eq!(explained_codes().count(), seen.len());
}

#[test]
fn the_codes_a_troubleshooter_meets_are_explained() {
    for n in [
        "LOGON_FAILURE",
        "WRONG_PASSWORD",
        "NO_SUCH_USER",
        "ACCOUNT_DISABLED",
        "ACCOUNT_LOCKED_OUT",
        "ACCOUNT_EXPIRED",
        "PASSWORD_EXPIRED",
        "PASSWORD_MUST_CHANGE",
        "INVALID_LOGON_HOURS",
        "INVALID_WORKSTATION",
        "ACCOUNT_RESTRICTION",
        "LOGON_TYPE_NOT_GRANTED",
        "NO_LOGON_SERVERS",
        "TRUSTED_DOMAIN_FAILURE",
        "TRUSTED_RELATIONSHIP_FAILURE",
        "NO_TRUST_SAM_ACCOUNT",
        "NOLOGON_WORKSTATION_TRUST_ACCOUNT",
        "DOWNGRADE_DETECTED",
        "TIME_DIFFERENCE_AT_DC",
        "PKINIT_FAILURE",
        "KDC_CERT_EXPIRED",
        "AUTHENTICATION_FIREWALL_FAILED",
        "NOT_SUPPORTED",
        "REQUEST_NOT_ACCEPTED",
        "USER_SESSION_DELETED",
        "NETWORK_SESSION_EXPIRED",
        "SMB_BAD_CLUSTER_DIALECT",
        "INVALID_PARAMETER",
        "MORE_PROCESSING_REQUIRED",
        "ACCESS_DENIED",
        "PASSWORD_RESTRICTION",
        "BAD_NETWORK_NAME",
        "BAD_NETWORK_PATH",
        "NETWORK_NAME_DELETED",
        "OBJECT_NAME_NOT_FOUND",
        "OBJECT_PATH_NOT_FOUND",
        "OBJECT_NAME_INVALID",
        "OBJECT_NAME_COLLISION",
        "FILE_IS_A_DIRECTORY",
        "NOT_A_DIRECTORY",
        "DIRECTORY_NOT_EMPTY",
        "DELETE_PENDING",
        "NO_SUCH_FILE",
        "NO_MORE_FILES",
        "END_OF_FILE",
        "FS_DRIVER_REQUIRED",
        "PATH_NOT_COVERED",
        "NOT_FOUND",
        "STOPPED_ON_SYMLINK",
        "SHARING_VIOLATION",
        "LOCK_NOT_GRANTED",
        "FILE_LOCK_CONFLICT",
        "PRIVILEGE_NOT_HELD",
        "CANNOT_DELETE",
        "MEDIA_WRITE_PROTECTED",
        "DISK_FULL",
        "QUOTA_EXCEEDED",
        "FILE_CLOSED",
        "INVALID_HANDLE",
        "OPLOCK_NOT_GRANTED",
        "PIPE_BROKEN",
        "PIPE_NOT_AVAILABLE",
        "INVALID_NETWORK_RESPONSE",
        "CONNECTION_RESET",
        "CONNECTION_DISCONNECTED",
        "IO_TIMEOUT",
        "CANCELLED",
        "INSUFFICIENT_RESOURCES",
        "NETWORK_ACCESS_DENIED",
        "INVALID_DEVICE_REQUEST",
        "BUFFER_OVERFLOW",
        "INFO_LENGTH_MISMATCH",
        "NOTIFY_ENUM_DIR",
        "PENDING",
        "INTERNAL_ERROR",
    ] {
        let e = by_name(n).unwrap_or_else(|| panic!("{n} not in the table"));
        assert!(explain(e.code).is_some(), "{n} not explained");
    }
}

#[test]
fn render_text_fits_80_columns() {
    let mut reports: Vec<Report> = explained_codes().map(Report::nt).collect();
    reports.extend(kerberos::explained_codes().map(Report::kerberos));
    reports.push(Report::nt(0xC000_1234));
    reports.push(Report::kerberos(30));
    reports.extend(dos::TABLE.iter().map(|e| Report::dos(e.class, e.code)));
    reports.push(Report::dos(0x07, 1));
    let text = render_text(&reports);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80 || !line.trim().contains(' '),
            "too long: {line}"
        );
    }
    let one = render_text(&query("0xC000006D"));
    assert!(one.starts_with("0xC000006D  STATUS_LOGON_FAILURE\n"));
    assert!(one.contains("3221225581"));
    assert!(one.contains("Meaning:"));
    assert!(one.contains("Usual causes:"));
    assert!(one.contains("What to check:"));
    let k = render_text(&query("krb:24"));
    assert!(k.starts_with("0x18  KDC_ERR_PREAUTH_FAILED\n"), "{k}");
    assert!(k.contains("Kerberos error code 24 = 0x18"));
    assert_eq!(render_text(&[]), "No matching status code.\n");
    let summary = render_summary(&query("logon"));
    assert!(summary.lines().all(|l| l.chars().count() <= 80));
    assert!(summary.contains("STATUS_LOGON_FAILURE *"));
}

#[test]
fn reports_serialize_to_json() {
    let v = serde_json::to_value(query("0xC000006D")).unwrap();
    let r = &v[0];
    assert_eq!(r["kind"], "ntstatus");
    assert_eq!(r["code"], 3_221_225_581u64);
    assert_eq!(r["hex"], "0xC000006D");
    assert_eq!(r["name"], "STATUS_LOGON_FAILURE");
    assert_eq!(r["severity"], "error");
    assert_eq!(r["benign"], false);
    assert!(r["explanation"]["meaning"].is_string());
    assert!(r["explanation"]["causes"].is_array());
    assert!(r["explanation"]["check"].is_array());
    let k = serde_json::to_value(query("krb:37")).unwrap();
    assert_eq!(k[0]["kind"], "kerberos");
    assert!(k[0].get("severity").is_none());
    let e = serde_json::to_value(lookup(0).unwrap()).unwrap();
    assert_eq!(e["name"], "STATUS_SUCCESS");
}

/// An SMB1 error in the DOS form: named as the report names it, its class,
/// code and Status bytes, and the NTSTATUS [MS-CIFS] pairs it with for a
/// request (ERRDOS/ERRnoaccess to SESSION_SETUP_ANDX: STATUS_LOGON_FAILURE,
/// 3.3.5.43), none elsewhere; never an NTSTATUS's severity or explanation.
#[test]
fn dos_form_reports() {
    let r = query("ERRDOS/ERRnoaccess");
    assert_eq!(r.len(), 1);
    let r = &r[0];
    assert_eq!(
        (r.kind, r.name, r.hex.as_str()),
        (Kind::Dos, Some("ERRDOS/ERRnoaccess"), "0x01/0x0005")
    );
    assert_eq!(r.code, 0x0005_0001, "the Status as sent, 01 00 05 00");
    assert_eq!((r.severity, r.explanation, r.benign), (None, None, false));
    assert!(r.is_known());
    let d = r.dos.as_ref().expect("dos facts");
    assert_eq!((d.error_class, d.error_code), (1, 5));
    assert_eq!(d.paired.len(), 1);
    assert_eq!(d.paired[0].command, "SMB_COM_SESSION_SETUP_ANDX");
    assert_eq!(d.paired[0].status, NtStatus::LOGON_FAILURE);
    assert!(d.paired[0].why.contains("[MS-CIFS] 3.3.5.43"));
    let text = render_text(&query("errdos/errnoaccess"));
    assert!(
        text.starts_with("0x01/0x0005  ERRDOS/ERRnoaccess\n"),
        "{text}"
    );
    assert!(
        text.contains("ErrorClass 0x01 (ERRDOS), ErrorCode 0x0005"),
        "{text}"
    );
    assert!(text.contains("Status bytes 01 00 05 00"), "{text}");
    assert!(
        text.contains("  - SMB_COM_SESSION_SETUP_ANDX: STATUS_LOGON_FAILURE"),
        "{text}"
    );
    assert!(text.contains("Elsewhere: none."), "{text}");
    assert!(!text.contains("NTSTATUS 0x"), "{text}");
    // Both of [MS-CIFS]'s forms of a missing share pair with
    // STATUS_BAD_NETWORK_NAME for a TREE_CONNECT_ANDX.
    for q in ["ERRSRV/ERRinvnetname", "ERRDOS/0x0043"] {
        let r = &query(q)[0];
        let p = &r.dos.as_ref().expect("dos").paired;
        assert_eq!(p.len(), 1, "{q}");
        assert_eq!(
            (p[0].command, p[0].status),
            ("SMB_COM_TREE_CONNECT_ANDX", NtStatus::BAD_NETWORK_NAME),
            "{q}"
        );
    }
    // No pair: named, read as no NTSTATUS.
    let r = &query("ERRDOS/ERRbadfile")[0];
    assert!(r.dos.as_ref().is_some_and(|d| d.paired.is_empty()));
    assert!(render_text(std::slice::from_ref(r)).contains("As an NTSTATUS: none."));
    // A normal step by its own meaning.
    assert!(query("ERRnofiles")[0].benign);
    // Every class's code of a name; one not in the table matches nothing.
    let names: Vec<_> = query("ERRnomem").iter().map(|r| r.name).collect();
    assert_eq!(names, [Some("ERRDOS/ERRnomem"), Some("ERRSRV/ERRnomem")]);
    let r = &query("ERRDOS/0x00B7")[0];
    assert!(!r.is_known());
    assert!(render_text(std::slice::from_ref(r))
        .starts_with("0x01/0x00B7  (not a known SMB1 DOS-form error)\n"));
    let v = serde_json::to_value(query("ERRDOS/ERRnoaccess")).expect("json");
    assert_eq!(v[0]["kind"], "dos");
    assert!(v[0].get("severity").is_none());
    assert_eq!(v[0]["dos"]["paired"][0]["status"], "STATUS_LOGON_FAILURE");
}

/// A "what to check" line that looks into the capture begins with "In the
/// capture:", which the report's next step leaves out (it has read the
/// capture); other lines may say "Capture ..." only as a step to take.
#[test]
fn capture_lines_are_marked() {
    let lines = crate::ntstatus::explain::EXPLAINED
        .iter()
        .flat_map(|(_, n, x)| x.check.iter().map(move |c| (*n, *c)))
        .chain(kerberos::explained_codes().flat_map(|k| {
            let x = kerberos::explain(k).expect("explained");
            let n = kerberos::name(k).unwrap_or("?");
            x.check.iter().map(move |c| (n, *c))
        }));
    for (name, c) in lines {
        let looks = c.to_ascii_lowercase().contains("capture")
            || c.contains("AUTHENTICATE message")
            || c.contains("in the KRB-ERROR");
        assert!(
            !looks || c.starts_with("In the capture:") || c.starts_with("Capture "),
            "{name}: {c}"
        );
    }
}

/// STATUS_MORE_PROCESSING_REQUIRED is a step: the client must go on in the
/// same SessionId ([MS-SMB2] 3.2.5.3.1), or stop when its mechanism fails
/// on the token. samples/krb5-ap-skew.pcap (tshark: frame 19,
/// smb2.nt_status 0xc0000016 with kerberos.error_code 37) is a Samba
/// server's KRB-ERROR in such a response, which the text names as a cause;
/// a Kerberos mutual authentication is not one (its AP-REP comes with
/// STATUS_SUCCESS, krb5-success.pcap).
#[test]
fn more_processing_required_is_the_next_leg() {
    let x = explain(0xC000_0016).expect("explained");
    assert!(x
        .meaning
        .contains("SessionId of this response ([MS-SMB2] 3.2.5.3.1"));
    assert!(x.causes.iter().any(|c| c.contains("KRB_AP_ERR_SKEW")));
    assert!(!x
        .causes
        .iter()
        .any(|c| c.contains("(mutual authentication")));
    assert!(x.check.iter().any(|c| c.contains("logon.abandoned")));
}

/// ERRSRV/ERRbaduid: [MS-CIFS] 2.2.2.4 gives it, for every request, as
/// STATUS_SMB_BAD_UID (0x005B0002, the same class and code in 32 bits),
/// not as an NTSTATUS of its own per request: no [`dos::Pairing`], and the
/// answer says so instead of "pairs this one with none". smbd sends it in
/// the DOS form to a client that asked for NT status codes:
/// samples/smb1-sharing-violation.pcap (tshark: frame 29 LOGOFF_ANDX
/// request smb.flags2.nt_error 1, frame 31 its response nt_error 0,
/// smb.error_class 0x02, smb.error_code 0x005b).
#[test]
fn baduid_is_smb_bad_uid_for_any_request() {
    let r = query("ERRbaduid");
    assert_eq!(r.len(), 1);
    let d = r[0].dos.as_ref().expect("dos");
    assert!(d.paired.is_empty());
    let same = d.same_code.expect("same code");
    assert_eq!((same.name, same.value), ("STATUS_SMB_BAD_UID", 0x005B_0002));
    // ErrorCode << 16 | ErrorClass ([MS-SMB] 2.2.2.4).
    assert_eq!(
        same.value,
        u32::from(dos::ERR_BADUID) << 16 | u32::from(dos::ERRSRV)
    );
    let text = render_text(&r);
    assert!(
        text.contains("As an NTSTATUS: STATUS_SMB_BAD_UID (0x005B0002), in answer to any request"),
        "{text}"
    );
    assert!(!text.contains("pairs this one with none"), "{text}");
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(v[0]["dos"]["same_code"]["value"], "0x005B0002");
    // Another code keeps the old answer, with no same_code key.
    let v = serde_json::to_value(query("ERRSRV/ERRinvnetname")).expect("json");
    assert!(v[0]["dos"].get("same_code").is_none());
}

/// The cifs.ko map as copied from smb2maperror.c: sorted and one entry a
/// code (as binary_search needs), every kernel name (the comment on each
/// entry) in our table with that code, and every errno number Linux's
/// (asm-generic/errno*.h, read where the system has it).
#[test]
fn cifs_map_matches_its_source() {
    let src = include_str!("cifs.rs");
    let mut last = None;
    let mut rows = 0;
    for line in src.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("(0x") else {
            continue;
        };
        let (code, rest) = rest.split_once(", ").expect("code, errno");
        let code = u32::from_str_radix(code, 16).expect("hex code");
        let (errno, name) = rest.split_once("),").expect("errno and name");
        let name = name.trim().trim_start_matches("// ");
        assert_eq!(by_name(name).map(|e| e.code), Some(code), "{name}");
        assert!(last < Some(code), "{name} out of order");
        last = Some(code);
        let e = cifs::by_name(errno).expect(errno);
        assert_eq!(cifs::errno_of(code), Some((e, true)), "{name}");
        rows += 1;
    }
    assert_eq!(rows, 145);
    let mut headers = String::new();
    for f in [
        "/usr/include/asm-generic/errno-base.h",
        "/usr/include/asm-generic/errno.h",
    ] {
        headers.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    if !headers.is_empty() {
        for e in cifs::ERRNOS {
            let defined = headers.lines().any(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.len() >= 3 && w[0] == "#define" && w[1] == e.name && w[2] == e.number.to_string()
            });
            assert!(defined, "{} {}", e.name, e.number);
        }
    }
    // A status the map lacks is EIO, an error or a warning alike; success
    // and informational codes it lacks are no error to cifs.ko.
    assert_eq!(cifs::errno_of(0xC000_0064), Some((cifs::EIO, false)));
    assert_eq!(
        cifs::errno_of(0x8000_0006).map(|e| e.0.name),
        Some("ENODATA")
    );
    assert_eq!(cifs::errno_of(0), None);
    assert_eq!(cifs::errno_of(0x0000_0103), None);
}

#[test]
fn errno_queries() {
    for q in [
        "errno:13",
        "errno 13",
        "errno:EACCES",
        "EACCES",
        "eacces",
        "mount error(13)",
        "mount error(13): Permission denied",
        "-13",
        "CIFS: VFS: cifs_mount failed w/return code = -13",
    ] {
        assert_eq!(parse_query(q), Query::Errno(13), "{q}");
    }
    // A bare number every table may have: NTSTATUS first, then errno, then
    // Kerberos; one that only an errno has is that errno.
    assert_eq!(parse_query("13"), Query::Number(13));
    let kinds: Vec<Kind> = query("2").iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [Kind::NtStatus, Kind::Errno, Kind::Kerberos]);
    assert!(query_note(&parse_query("13"), &query("13"))
        .is_some_and(|n| n.contains("no NTSTATUS we know")));
    for (q, name) in [
        ("95", "EOPNOTSUPP"),
        ("112", "EHOSTDOWN"),
        ("115", "EINPROGRESS"),
    ] {
        let r = query(q);
        assert_eq!(r.len(), 1, "{q}");
        assert_eq!(r[0].name, Some(name), "{q}");
    }
    // Hex stays NTSTATUS (or Kerberos), a signed NTSTATUS stays one.
    assert_eq!(parse_query("0x18"), Query::Kerberos(24));
    assert_eq!(parse_query("-1073741715"), Query::Code(0xC000_006D));
    let r = &query("EACCES")[0];
    let facts = r.errno.as_ref().expect("errno facts");
    assert!(facts.statuses.contains(&"STATUS_LOGON_FAILURE"));
    assert!(facts.statuses.contains(&"STATUS_ACCESS_DENIED"));
    assert!(!facts.statuses.contains(&"STATUS_NO_SUCH_USER"));
    assert_eq!(facts.mount_error, "mount error(13): Permission denied");
    let r = &query("STATUS_BAD_NETWORK_NAME")[0];
    let c = r.linux_cifs.as_ref().expect("cifs errno");
    assert_eq!((c.errno, c.name, c.mapped), (2, "ENOENT", true));
}

/// Words match whole words: "access" finds STATUS_ACCESS_DENIED first, and
/// STATUS_GRAPHICS_INVALID_PIXELVALUEACCESSMODE only for its description.
#[test]
fn search_matches_whole_words() {
    let hits = search("access");
    assert_eq!(hits[0].name, "STATUS_ACCESS_DENIED");
    // Its description says "access": it comes after every name with the word.
    let pos = |n: &str| hits.iter().position(|e| e.name == n);
    let pixel = pos("STATUS_GRAPHICS_INVALID_PIXELVALUEACCESSMODE");
    let last_named = hits
        .iter()
        .rposition(|e| e.name.split('_').any(|p| p == "ACCESS"));
    assert!(
        pixel.is_none() || pixel > last_named,
        "{pixel:?} {last_named:?}"
    );
    assert_eq!(search("access denied")[0].name, "STATUS_ACCESS_DENIED");
    assert!(search("acces").is_empty());
}
