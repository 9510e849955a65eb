//! SMB1 transactions that exploits and scanners send ([MS-CIFS] 2.2.4.33,
//! 2.2.4.46–2.2.4.47, 2.2.4.62–2.2.4.63): the MS17-010 check (a
//! TRANS_PEEK_NMPIPE on FID 0) and its answer, and EternalBlue's
//! TRANSACTION2_SECONDARY requests that continue an NT_TRANSACT.

use arrayvec::ArrayVec;

use crate::pipeline::Message;
use crate::smb2::smb1::{Smb1Command, Smb1Message, TRANS_PEEK_NMPIPE};

use super::model::{Connection, EternalBlue, Ms17010Check};

/// NT_TRANSACT requests remembered per connection (MID, frame, Function).
const NT_TRANSACTS_KEPT: usize = 4;

/// What a connection's SMB1 transactions left to match (boxed in the
/// connection's state: only connections with SMB1 transactions have one).
#[derive(Default)]
pub(crate) struct Watch {
    /// The MID of the MS17-010 check waiting for its answer.
    peek_mid: Option<u16>,
    /// The latest NT_TRANSACT requests: (MID, frame, Function).
    nt_transacts: ArrayVec<(u16, u64, Option<u16>), NT_TRANSACTS_KEPT>,
}

/// Follows one SMB1 message `x` of connection `c`.
pub(crate) fn watch(
    w: &mut Option<Box<Watch>>,
    c: &mut Connection,
    m: &Message<'_>,
    x: &Smb1Message,
) {
    match (x.command, x.is_response) {
        (Smb1Command::TRANSACTION | Smb1Command::TRANSACTION2, false) => {
            // A new primary with this MID: later secondaries with it are its own.
            if let Some(wt) = w.as_deref_mut() {
                wt.nt_transacts.retain(|(mid, ..)| *mid != x.mid);
            }
            if x.command == Smb1Command::TRANSACTION
                && x.setup == Some((TRANS_PEEK_NMPIPE, Some(0)))
                && c.ms17_010_check.is_none()
            {
                c.ms17_010_check = Some(Box::new(Ms17010Check {
                    request_frame: m.frame,
                    response_frame: None,
                    status: None,
                }));
                w.get_or_insert_with(Box::default).peek_mid = Some(x.mid);
            }
        }
        (Smb1Command::TRANSACTION, true) => {
            let Some(wt) = w.as_deref_mut() else { return };
            if wt.peek_mid == Some(x.mid) {
                wt.peek_mid = None;
                if let Some(ch) = c.ms17_010_check.as_deref_mut() {
                    ch.response_frame = Some(m.frame);
                    // Read by its form: a DOS-form answer is never
                    // taken for STATUS_INSUFF_SERVER_RESOURCES.
                    ch.status = Some(x.read_status());
                }
            }
        }
        (Smb1Command::NT_TRANSACT, false) => {
            let wt = w.get_or_insert_with(Box::default);
            if wt.nt_transacts.is_full() {
                wt.nt_transacts.remove(0);
            }
            wt.nt_transacts.push((x.mid, m.frame, x.nt_function));
        }
        (Smb1Command::TRANSACTION2_SECONDARY, false) => {
            let Some(wt) = w.as_deref() else { return };
            let Some(&(_, frame, function)) =
                wt.nt_transacts.iter().rev().find(|(mid, ..)| *mid == x.mid)
            else {
                return;
            };
            match c.eternalblue.as_deref_mut() {
                Some(e) if e.nt_transact_frame == frame => e.secondaries += 1,
                Some(_) => {}
                None => {
                    c.eternalblue = Some(Box::new(EternalBlue {
                        nt_transact_frame: frame,
                        nt_function: function,
                        secondary_frame: m.frame,
                        secondaries: 1,
                    }))
                }
            }
        }
        _ => {}
    }
}
