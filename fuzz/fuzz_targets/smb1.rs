//! `parse_smb1` on one SMB1 message (the bytes after the NetBIOS header),
//! with its logon and tree connect fields (a tree connect chained to a
//! logon included) and its file commands (followed along an AndX chain).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::smb2::parse_smb1;

fuzz_target!(|data: &[u8]| {
    match parse_smb1(data) {
        Ok(m) => {
            let _ = m.summary();
            // The Status read by its form, and its name (NTSTATUS or DOS form).
            let _ = m.read_status().to_string();
            let _ = m.offers_smb2();
            let _ = m.logon_detail();
            // A security blob's range lies inside the message.
            if let Some(r) = m
                .session_setup
                .as_ref()
                .and_then(|s| s.security_blob.clone())
            {
                assert!(r.start <= r.end && r.end <= data.len());
            }
            // The AndX chain: bounded, the header's command first; the
            // status of each of its commands read without a panic.
            assert!(m.chain.len() <= smbscope::smb2::smb1_andx::MAX_CHAINED);
            assert!(m.chain.first().is_none_or(|&c| c == m.command));
            for &c in &m.chain {
                assert!(m.status_of(c).is_some());
            }
            let _ = (m.last_command(), m.any_succeeded());
            // The file commands: a bounded chain, names no longer than the message.
            assert!(m.file_commands.len() <= smbscope::smb2::smb1_file::MAX_CHAINED);
            for f in &m.file_commands {
                let _ = f.detail();
                if let Some(n) = &f.file_name {
                    assert!(n.len() <= data.len() * 3);
                }
            }
            let _ = smbscope::smb2::smb1_file::files_detail(&m.file_commands);
            if let Some(d) = m.dialects() {
                assert!(d.iter().map(|s| s.len()).sum::<usize>() <= data.len() * 3);
            }
            serde_json::to_string(&m).expect("SMB1 message serializes");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
