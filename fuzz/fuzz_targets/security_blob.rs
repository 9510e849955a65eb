//! `auth::parse_security_blob` on an SMB2 security buffer (GSS-API / SPNEGO /
//! NTLMSSP / Kerberos), with the summary and the JSON the application prints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::auth::parse_security_blob;

fuzz_target!(|data: &[u8]| {
    match parse_security_blob(data) {
        Ok(info) => {
            let _ = info.summary();
            let _ = info.mechanism.as_str();
            serde_json::to_string(&info).expect("auth info serializes");
        }
        Err(e) => {
            // No bound on e.offset: a "truncated" error names the offset a
            // length/offset field claimed, which may lie past the blob.
            let _ = e.to_string();
            serde_json::to_string(&e).expect("auth error serializes");
        }
    }
});
