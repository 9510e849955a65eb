//! The RPC interfaces a client binds on a named pipe, by the interface
//! UUID its bind names (each protocol document's section 1.9, "Standards
//! Assignments"), and the names of the operations the timeline and the
//! findings quote by opnum (each document's section 3.1.4). One table for
//! the timeline's notes (`pipes`) and every finding that names an
//! interface: coercion, anonymous sessions, remote execution.

use crate::session::dcerpc::SyntaxId;
use crate::session::pipes::PipeOpen;

/// An RPC interface reached through a named pipe.
pub struct Rpc {
    /// The interface UUID, lower case, as a bind names it.
    pub uuid: &'static str,
    /// The protocol document ("MS-SAMR").
    pub doc: &'static str,
    /// The pipe it is usually reached through, its common name ("samr").
    pub pipe: &'static str,
    /// Operation numbers and names, those the findings quote.
    pub ops: &'static [(u16, &'static str)],
}

/// [MS-SCMR] 3.1.4: the calls that create a service (RCreateServiceW 12,
/// RCreateServiceA 24, RCreateServiceWOW64A 44, RCreateServiceWOW64W 45,
/// RCreateWowService 60).
pub const SCMR_CREATE_SERVICE: &[u16] = &[12, 24, 44, 45, 60];

/// [MS-SCMR] 3.1.4: the calls that create, start, change or delete a
/// service ([`SCMR_CREATE_SERVICE`], RStartServiceW 19, RStartServiceA 31,
/// RChangeServiceConfigW 11, RChangeServiceConfigA 23, RDeleteService 2):
/// those a finding names among a pipe's calls.
pub const SCMR_SERVICE_CHANGES: &[u16] = &[12, 24, 44, 45, 60, 19, 31, 11, 23, 2];

/// [MS-SCMR] 1.9.
pub const SCMR: &str = "367abb81-9844-35f1-ad32-98f038001003";
/// [MS-SAMR] 1.9.
pub const SAMR: &str = "12345778-1234-abcd-ef00-0123456789ac";
/// [MS-LSAD] 1.9 and [MS-LSAT] 1.9: one interface.
pub const LSA: &str = "12345778-1234-abcd-ef00-0123456789ab";

/// EFSR's calls ([MS-EFSR] 3.1.4.2): both of its interfaces.
const EFSR_OPS: &[(u16, &str)] = &[
    (0, "EfsRpcOpenFileRaw"),
    (4, "EfsRpcEncryptFileSrv"),
    (5, "EfsRpcDecryptFileSrv"),
    (6, "EfsRpcQueryUsersOnFile"),
    (7, "EfsRpcQueryRecoveryAgents"),
    (8, "EfsRpcRemoveUsersFromFile"),
    (9, "EfsRpcAddUsersToFile"),
    (12, "EfsRpcFileKeyInfo"),
    (13, "EfsRpcDuplicateEncryptionInfoFile"),
    (15, "EfsRpcAddUsersToFileEx"),
];

pub const KNOWN: &[Rpc] = &[
    Rpc {
        uuid: SAMR,
        doc: "MS-SAMR",
        pipe: "samr",
        ops: &[
            (0, "SamrConnect"),
            (1, "SamrCloseHandle"),
            (5, "SamrLookupDomainInSamServer"),
            (6, "SamrEnumerateDomainsInSamServer"),
            (7, "SamrOpenDomain"),
            (8, "SamrQueryInformationDomain"),
            (11, "SamrEnumerateGroupsInDomain"),
            (12, "SamrCreateUserInDomain"),
            (13, "SamrEnumerateUsersInDomain"),
            (15, "SamrEnumerateAliasesInDomain"),
            (17, "SamrLookupNamesInDomain"),
            (18, "SamrLookupIdsInDomain"),
            (25, "SamrGetMembersInGroup"),
            (33, "SamrGetMembersInAlias"),
            (34, "SamrOpenUser"),
            (36, "SamrQueryInformationUser"),
            (40, "SamrQueryDisplayInformation"),
            (48, "SamrQueryDisplayInformation2"),
            (50, "SamrCreateUser2InDomain"),
            (51, "SamrQueryDisplayInformation3"),
            (57, "SamrConnect2"),
            (62, "SamrConnect4"),
            (64, "SamrConnect5"),
        ],
    },
    Rpc {
        uuid: LSA,
        doc: "MS-LSAT",
        pipe: "lsarpc",
        ops: &[
            (0, "LsarClose"),
            (6, "LsarOpenPolicy"),
            (7, "LsarQueryInformationPolicy"),
            (13, "LsarEnumerateTrustedDomains"),
            (14, "LsarLookupNames"),
            (15, "LsarLookupSids"),
            (44, "LsarOpenPolicy2"),
            (45, "LsarGetUserName"),
            (46, "LsarQueryInformationPolicy2"),
            (57, "LsarLookupSids2"),
            (58, "LsarLookupNames2"),
            (68, "LsarLookupNames3"),
            (76, "LsarLookupSids3"),
            (77, "LsarLookupNames4"),
        ],
    },
    Rpc {
        uuid: "4b324fc8-1670-01d3-1278-5a47bf6ee188",
        doc: "MS-SRVS",
        pipe: "srvsvc",
        ops: &[
            (8, "NetrConnectionEnum"),
            (9, "NetrFileEnum"),
            (12, "NetrSessionEnum"),
            (15, "NetrShareEnum"),
            (16, "NetrShareGetInfo"),
            (21, "NetrServerGetInfo"),
            (28, "NetrRemoteTOD"),
        ],
    },
    Rpc {
        uuid: "6bffd098-a112-3610-9833-46c3f87e345a",
        doc: "MS-WKST",
        pipe: "wkssvc",
        ops: &[(0, "NetrWkstaGetInfo"), (2, "NetrWkstaUserEnum")],
    },
    Rpc {
        uuid: SCMR,
        doc: "MS-SCMR",
        pipe: "svcctl",
        ops: &[
            (0, "RCloseServiceHandle"),
            (1, "RControlService"),
            (2, "RDeleteService"),
            (6, "RQueryServiceStatus"),
            (11, "RChangeServiceConfigW"),
            (12, "RCreateServiceW"),
            (14, "REnumServicesStatusW"),
            (15, "ROpenSCManagerW"),
            (16, "ROpenServiceW"),
            (17, "RQueryServiceConfigW"),
            (19, "RStartServiceW"),
            (23, "RChangeServiceConfigA"),
            (24, "RCreateServiceA"),
            (31, "RStartServiceA"),
            (44, "RCreateServiceWOW64A"),
            (45, "RCreateServiceWOW64W"),
            (60, "RCreateWowService"),
        ],
    },
    Rpc {
        uuid: "338cd001-2244-31f1-aaaa-900038001003",
        doc: "MS-RRP",
        pipe: "winreg",
        ops: &[
            (2, "OpenLocalMachine"),
            (6, "BaseRegCreateKey"),
            (15, "BaseRegOpenKey"),
            (17, "BaseRegQueryValue"),
            (20, "BaseRegSaveKey"),
            (22, "BaseRegSetValue"),
        ],
    },
    Rpc {
        uuid: "1ff70682-0a51-30e8-076d-740be8cee98b",
        doc: "MS-TSCH",
        pipe: "atsvc",
        ops: &[(0, "NetrJobAdd"), (1, "NetrJobDel"), (2, "NetrJobEnum")],
    },
    Rpc {
        uuid: "86d35949-83c9-4044-b424-db363231fd0c",
        doc: "MS-TSCH",
        pipe: "atsvc",
        ops: &[
            (1, "SchRpcRegisterTask"),
            (12, "SchRpcRun"),
            (13, "SchRpcDelete"),
        ],
    },
    Rpc {
        uuid: "378e52b0-c0a9-11cf-822d-00aa0051e40f",
        doc: "MS-TSCH",
        pipe: "atsvc",
        ops: &[],
    },
    Rpc {
        uuid: "e3514235-4b06-11d1-ab04-00c04fc2dcd2",
        doc: "MS-DRSR",
        pipe: "drsuapi",
        ops: &[
            (0, "IDL_DRSBind"),
            (1, "IDL_DRSUnbind"),
            (3, "IDL_DRSGetNCChanges"),
            (12, "IDL_DRSCrackNames"),
        ],
    },
    Rpc {
        uuid: "c681d488-d850-11d0-8c52-00c04fd90f7e",
        doc: "MS-EFSR",
        pipe: "efsrpc",
        ops: EFSR_OPS,
    },
    Rpc {
        uuid: "df1941c5-fe89-4e79-bf10-463657acf44d",
        doc: "MS-EFSR",
        pipe: "efsrpc",
        ops: EFSR_OPS,
    },
    Rpc {
        uuid: "12345678-1234-abcd-ef00-0123456789ab",
        doc: "MS-RPRN",
        pipe: "spoolss",
        ops: &[
            (0, "RpcEnumPrinters"),
            (1, "RpcOpenPrinter"),
            (29, "RpcClosePrinter"),
            (62, "RpcRemoteFindFirstPrinterChangeNotification"),
            (65, "RpcRemoteFindFirstPrinterChangeNotificationEx"),
            (69, "RpcOpenPrinterEx"),
        ],
    },
    Rpc {
        uuid: "4fc742e0-4a10-11cf-8273-00aa004ae673",
        doc: "MS-DFSNM",
        pipe: "netdfs",
        ops: &[(12, "NetrDfsAddStdRoot"), (13, "NetrDfsRemoveStdRoot")],
    },
    Rpc {
        uuid: "a8e0653c-2744-4389-a61d-7373df8b2292",
        doc: "MS-FSRVP",
        pipe: "FssagentRpc",
        ops: &[(8, "IsPathSupported"), (9, "IsPathShadowCopied")],
    },
    Rpc {
        uuid: "12345678-1234-abcd-ef00-01234567cffb",
        doc: "MS-NRPC",
        pipe: "netlogon",
        ops: &[
            (4, "NetrServerReqChallenge"),
            (26, "NetrServerAuthenticate3"),
            (30, "NetrServerPasswordSet2"),
        ],
    },
    Rpc {
        uuid: "3919286a-b10c-11d0-9ba8-00c04fd92ef5",
        doc: "MS-DSSP",
        pipe: "lsarpc",
        ops: &[(0, "DsRolerGetPrimaryDomainInformation")],
    },
    Rpc {
        uuid: "f6beaff7-1e19-4fbb-9f8f-b89e2018337c",
        doc: "MS-EVEN6",
        pipe: "eventlog",
        ops: &[],
    },
    Rpc {
        uuid: "82273fdc-e32a-18c3-3f78-827929dc23ea",
        doc: "MS-EVEN",
        pipe: "eventlog",
        ops: &[(0, "ElfrClearELFW")],
    },
    Rpc {
        uuid: "3dde7c30-165d-11d1-ab8f-00805f14db40",
        doc: "MS-BKRP",
        pipe: "protected_storage",
        ops: &[],
    },
    // The endpoint mapper, ept: [C706] Appendix O (uuid, version 3.0, the
    // operations in their order), with [MS-RPCE] 2.2.1.2's extensions; its
    // named pipe is \pipe\epmapper. In the corpus only over TCP port 135
    // (sv-smb3-zerologon-anon-ntlm), where smbscope does not look.
    Rpc {
        uuid: "e1af8308-5d1f-11c9-91a4-08002b14a0fa",
        doc: "MS-RPCE",
        pipe: "epmapper",
        ops: &[
            (0, "ept_insert"),
            (1, "ept_delete"),
            (2, "ept_lookup"),
            (3, "ept_map"),
            (4, "ept_lookup_handle_free"),
            (5, "ept_inq_object"),
            (6, "ept_mgmt_delete"),
        ],
    },
    // Samba's Spotlight search service for macOS clients: no protocol
    // document; Samba's librpc/idl/mdssvc.idl gives the uuid, version 2.0,
    // the pipe and the operations (mdssvc_open, mdssvc_unknown1,
    // mdssvc_cmd, mdssvc_close), and tshark's MDSSVC dissector
    // (packet-dcerpc-mdssvc.c) names them alike: open, unknown1, cmd
    // (sv-smb302-null-linktype-kerberos, frames 83 to 131).
    Rpc {
        uuid: MDSSVC,
        doc: "MDSSVC",
        pipe: "mdssvc",
        ops: &[
            (0, "mdssvc_open"),
            (1, "mdssvc_unknown1"),
            (2, "mdssvc_cmd"),
            (3, "mdssvc_close"),
        ],
    },
];

/// Samba's mdssvc (librpc/idl/mdssvc.idl): the one interface of the
/// table without a protocol document of its own.
pub const MDSSVC: &str = "885d85fb-c754-4062-a0e7-6872ce0064f4";

/// The known interface of a bind's abstract syntax.
pub fn of(s: &SyntaxId) -> Option<&'static Rpc> {
    let mut buf = [0u8; 36];
    let uuid = s.uuid_into(&mut buf);
    KNOWN.iter().find(|r| r.uuid == uuid)
}

/// "MS-SAMR (samr)", or, for an interface not in [`KNOWN`], its UUID and
/// version ("5c0b05e1-7d6b-4d0c-9b1e-0123456789ab v1.0").
pub fn label(s: &SyntaxId) -> String {
    match of(s) {
        Some(r) => format!("{} ({})", r.doc, r.pipe),
        None => format!("{} v{}.{}", s.uuid_text(), s.version_major, s.version_minor),
    }
}

/// The name of operation `opnum` of interface `r`.
pub fn op_name(r: &Rpc, opnum: u16) -> Option<&'static str> {
    r.ops.iter().find(|&&(n, _)| n == opnum).map(|&(_, s)| s)
}

/// The interfaces bound on `p`: "MS-SAMR (samr)", joined with ", ".
pub fn labels(p: &PipeOpen) -> String {
    let all: Vec<String> = p.interfaces.iter().map(|b| label(&b.syntax)).collect();
    all.join(", ")
}

/// The calls written to `p`, by name where `r` names them: "ROpenSCManagerW
/// (frame 158), opnum 45 (frame 160)", at most `max`, then how many more
/// (those past [`crate::session::pipes::MAX_CALLS`] included).
pub fn calls_words(p: &PipeOpen, r: Option<&Rpc>, max: usize) -> String {
    let mut parts: Vec<String> = p.calls.iter().take(max).map(|c| call_words(r, c)).collect();
    let more = (p.calls.len().saturating_sub(max) as u64).saturating_add(p.calls_omitted);
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    parts.join(", ")
}

/// "RStartServiceW (frame 166)", or "opnum 45 (frame 160)" where `r` does
/// not name it.
fn call_words(r: Option<&Rpc>, c: &crate::session::pipes::RpcCall) -> String {
    match r.and_then(|r| op_name(r, c.opnum)) {
        Some(n) => format!("{n} (frame {})", c.frame),
        None => format!("opnum {} (frame {})", c.opnum, c.frame),
    }
}

/// The calls written to `p` when some are among `notable`: "made 9 calls,
/// among them RCreateServiceWOW64W (frame 160) and RStartServiceW (frame
/// 166)" (the count with those past [`crate::session::pipes::MAX_CALLS`],
/// at most `max` named); otherwise "called " and [`calls_words`].
pub fn notable_calls_words(p: &PipeOpen, r: Option<&Rpc>, notable: &[u16], max: usize) -> String {
    let named: Vec<String> = p
        .calls
        .iter()
        .filter(|c| notable.contains(&c.opnum))
        .take(max)
        .map(|c| call_words(r, c))
        .collect();
    if named.is_empty() {
        return format!("called {}", calls_words(p, r, max));
    }
    let all = (p.calls.len() as u64).saturating_add(p.calls_omitted);
    let list = match named.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    if all == named.len() as u64 {
        return format!("called {list}");
    }
    format!("made {all} calls, among them {list}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each UUID once, lower case, in the form of C706 Appendix A.3; the
    /// ones the coercion finding's next steps quote are in the table.
    #[test]
    fn the_table_is_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for r in KNOWN {
            assert!(seen.insert(r.uuid), "{} twice", r.uuid);
            let parts: Vec<usize> = r.uuid.split('-').map(str::len).collect();
            assert_eq!(parts, [8, 4, 4, 4, 12], "{}", r.uuid);
            assert!(r
                .uuid
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert!(r.doc.starts_with("MS-") || r.uuid == MDSSVC, "{}", r.uuid);
        }
    }
}
