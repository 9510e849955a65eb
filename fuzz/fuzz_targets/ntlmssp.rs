//! `auth::parse_ntlmssp` on a raw NTLMSSP message, at base offset 0 and as
//! if it sat inside a larger buffer (error offsets are absolute).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::auth::parse_ntlmssp;

fuzz_target!(|data: &[u8]| {
    for base in [0usize, 74] {
        match parse_ntlmssp(data, base) {
            Ok(m) => {
                let _ = m.summary();
                let _ = (m.message_type(), m.message_type_number());
                serde_json::to_string(&m).expect("NTLMSSP message serializes");
            }
            Err(e) => {
                // Offsets count from the start of the enclosing buffer; they
                // may lie past this message (a field's claimed BufferOffset).
                assert!(
                    e.offset >= base,
                    "error offset {} before the message",
                    e.offset
                );
                let _ = e.to_string();
            }
        }
    }
});
