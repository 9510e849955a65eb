//! `Smb2Header::parse` and `parse_body` on one SMB2 message (the bytes after
//! the 4-byte NetBIOS header), following NextCommand through a compound;
//! each body is summarized, serialized to JSON, and its security buffer (if
//! any) handed to the auth layer as the application would.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::auth::parse_security_blob;
use smbscope::smb2::{parse_body, Smb2Header};

fuzz_target!(|data: &[u8]| {
    let mut off = 0usize;
    // NextCommand moves forward by at least 1 byte, so this ends; the cap is a guard.
    for _ in 0..1024 {
        let Some(msg) = data.get(off..) else { break };
        let h = match Smb2Header::parse(msg) {
            Ok(h) => h,
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        };
        let _ = (h.is_response(), h.is_async(), h.is_signed(), h.is_related());
        let _ = h.command.to_string();
        let next = h.next_command as usize;
        let pdu = if next == 0 {
            msg
        } else {
            &msg[..next.min(msg.len())]
        };
        match parse_body(&h, pdu) {
            Ok(body) => {
                let _ = body.summary();
                serde_json::to_string(&body).expect("body serializes");
                if let Some(buf) = body.security_buffer() {
                    let present = buf.present_slice(pdu);
                    assert!(present.len() <= buf.length as usize);
                    // (An empty buffer whose offset points past the PDU is
                    // complete, yet `slice` finds nothing there: None.)
                    if buf.length > 0 {
                        assert_eq!(buf.slice(pdu).is_some(), buf.is_complete());
                    }
                    if let Ok(info) = parse_security_blob(present) {
                        let _ = info.summary();
                        serde_json::to_string(&info).expect("auth info serializes");
                    }
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        if next == 0 {
            break;
        }
        off = off.saturating_add(next);
    }
});
