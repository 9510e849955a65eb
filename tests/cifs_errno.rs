//! The errno Linux's cifs.ko returns for the statuses real servers answered
//! a NEGOTIATE, SESSION_SETUP or TREE_CONNECT with in the samples, as tshark
//! reads them (samples/tshark/*.tshark.tsv: smb2.cmd, smb2.flags.response,
//! smb2.nt_status), against smb2_error_map_table in
//! fs/smb/client/smb2maperror.c, Linux 6.7-rc1, restated here by hand for
//! each status a capture shows: a sample with a status not listed fails the
//! test until someone reads the kernel's entry for it.

use smbscope::ntstatus::{cifs, Report};
use std::collections::BTreeSet;

/// (status, errno) from smb2maperror.c for the statuses the samples show.
const KERNEL: &[(u32, &str)] = &[
    (0xC000_000D, "EINVAL"),      // STATUS_INVALID_PARAMETER
    (0xC000_0022, "EACCES"),      // STATUS_ACCESS_DENIED
    (0xC000_006A, "EACCES"),      // STATUS_WRONG_PASSWORD
    (0xC000_006D, "EACCES"),      // STATUS_LOGON_FAILURE
    (0xC000_006E, "EACCES"),      // STATUS_ACCOUNT_RESTRICTION
    (0xC000_006F, "EACCES"),      // STATUS_INVALID_LOGON_HOURS
    (0xC000_0070, "EACCES"),      // STATUS_INVALID_WORKSTATION
    (0xC000_0071, "EKEYEXPIRED"), // STATUS_PASSWORD_EXPIRED
    (0xC000_0072, "EKEYREVOKED"), // STATUS_ACCOUNT_DISABLED
    (0xC000_009A, "EAGAIN"),      // STATUS_INSUFFICIENT_RESOURCES
    (0xC000_00BB, "EOPNOTSUPP"),  // STATUS_NOT_SUPPORTED
    (0xC000_00C9, "EREMCHG"),     // STATUS_NETWORK_NAME_DELETED
    (0xC000_00CA, "EACCES"),      // STATUS_NETWORK_ACCESS_DENIED
    (0xC000_00CC, "ENOENT"),      // STATUS_BAD_NETWORK_NAME
    (0xC000_0064, "EIO"),         // STATUS_NO_SUCH_USER
    (0xC000_015B, "EIO"),         // STATUS_LOGON_TYPE_NOT_GRANTED
    (0xC000_0193, "EKEYEXPIRED"), // STATUS_ACCOUNT_EXPIRED
    (0xC000_0203, "EIO"),         // STATUS_USER_SESSION_DELETED
    (0xC000_0205, "EIO"),         // STATUS_INSUFF_SERVER_RESOURCES
    (0xC000_0224, "EIO"),         // STATUS_PASSWORD_MUST_CHANGE
    (0xC000_0234, "EACCES"),      // STATUS_ACCOUNT_LOCKED_OUT
    (0xC000_035C, "EIO"),         // STATUS_NETWORK_SESSION_EXPIRED
    (0xC000_00D0, "EIO"),         // STATUS_REQUEST_NOT_ACCEPTED
];

#[test]
fn cifs_errno_of_the_statuses_samples_show() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/tshark");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("samples/tshark") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("tsv");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let col = |n: &str| header.iter().position(|h| *h == n);
        let (Some(cmd), Some(resp), Some(st)) = (
            col("smb2.cmd"),
            col("smb2.flags.response"),
            col("smb2.nt_status"),
        ) else {
            continue;
        };
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or_default().split(',');
            for ((c, r), s) in get(cmd).zip(get(resp)).zip(get(st)) {
                let Ok(code) = u32::from_str_radix(s.trim_start_matches("0x"), 16) else {
                    continue;
                };
                // NEGOTIATE, SESSION_SETUP, TREE_CONNECT responses with an error.
                if ["0", "1", "3"].contains(&c)
                    && r == "1"
                    && code >> 30 == 3
                    && code != 0xC000_0016
                {
                    seen.insert(code);
                }
            }
        }
    }
    assert!(seen.contains(&0xC000_006D), "{seen:x?}");
    for code in &seen {
        let want = KERNEL
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, e)| *e)
            .unwrap_or_else(|| panic!("0x{code:08X}: read its smb2maperror.c entry and add it"));
        let got = Report::nt(*code).linux_cifs.expect("an error has an errno");
        assert_eq!(got.name, want, "0x{code:08X}");
        let e = cifs::by_name(want).expect(want);
        assert_eq!(got.mount_error, cifs::mount_error(e));
        assert_eq!(got.mapped, want != "EIO", "0x{code:08X}");
    }
}
