//! Kerberos on port 88: `kerberos_tcp_record` splitting a TCP stream into
//! records, each given to `parse_kerberos_message`; and the whole input as one
//! message (a UDP datagram).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::auth::{kerberos_tcp_record, parse_kerberos_message, KrbTcpRecord};

fn message(b: &[u8]) {
    match parse_kerberos_message(b) {
        Ok(k) => {
            let _ = k.summary();
            serde_json::to_string(&k).expect("kerberos info serializes");
        }
        Err(e) => {
            let _ = e.to_string();
            serde_json::to_string(&e).expect("auth error serializes");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    message(data);
    let mut rest = data;
    loop {
        match kerberos_tcp_record(rest) {
            Ok(KrbTcpRecord::Complete {
                message: m,
                consumed,
            }) => {
                assert!(consumed >= 4 && consumed <= rest.len());
                assert_eq!(m.len() + 4, consumed);
                message(m);
                rest = &rest[consumed..];
            }
            Ok(KrbTcpRecord::Incomplete { total_len }) => {
                assert!(total_len == 0 || total_len > rest.len());
                break;
            }
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }
});
