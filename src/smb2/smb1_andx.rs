//! The AndX chain of an SMB1 message ([MS-CIFS] 2.2.3.4): one message may
//! hold several commands, request or response. The header names the
//! first; AndXCommand and AndXOffset (from the header's first byte to the
//! next command's WordCount) begin the parameter words of each _ANDX
//! command and name the next, 0xFF ending the chain.
//!
//! The chain is followed forward only (an AndXOffset that does not point
//! past the command's own WordCount ends it), at most [`MAX_CHAINED`]
//! commands, every read bounded by the bytes present. A command that the
//! one before it names is given even when the capture cut its WordCount
//! off (the chain ends there): the response to the one before it is then
//! known not to be the chain's last.

use super::smb1::Smb1Command;
use super::wire::{u16_at, u8_at};

/// Offset of the first command's WordCount (after the 32-byte header).
const FIRST_WORD_COUNT_AT: usize = 32;
/// Most commands of one AndX chain looked at.
pub const MAX_CHAINED: usize = 8;
/// AndXCommand's value for "no further commands".
pub const NO_ANDX: u8 = 0xFF;

/// One command of an AndX chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AndxCommand {
    pub command: Smb1Command,
    /// Where its WordCount is, from the header's first byte.
    pub at: usize,
    /// Its WordCount, when the capture kept it.
    pub word_count: Option<u8>,
}

/// The commands of an SMB1 message's AndX chain, the header's first (see
/// the module's documentation).
pub struct AndxChain<'a> {
    pdu: &'a [u8],
    next: Option<(Smb1Command, usize)>,
    left: usize,
}

/// The AndX chain of the SMB1 message `pdu` (from the header's first byte)
/// whose header names `first`.
pub fn andx_chain(pdu: &[u8], first: Smb1Command) -> AndxChain<'_> {
    AndxChain {
        pdu,
        next: Some((first, FIRST_WORD_COUNT_AT)),
        left: MAX_CHAINED,
    }
}

impl Iterator for AndxChain<'_> {
    type Item = AndxCommand;

    fn next(&mut self) -> Option<AndxCommand> {
        let (command, at) = self.next.take()?;
        self.left = self.left.checked_sub(1)?;
        let word_count = u8_at(self.pdu, at);
        self.next = word_count.and_then(|wc| chained_after(self.pdu, command, at, wc));
        Some(AndxCommand {
            command,
            at,
            word_count,
        })
    }
}

/// The command chained after `command` (WordCount `wc` at `at`), and where
/// its WordCount is: none when `command` is not an _ANDX command, has no
/// AndX words (an error response has WordCount 0), ends the chain, or
/// points back.
fn chained_after(
    pdu: &[u8],
    command: Smb1Command,
    at: usize,
    wc: u8,
) -> Option<(Smb1Command, usize)> {
    if !is_andx(command) || wc < 2 {
        return None;
    }
    let next = u8_at(pdu, at + 1)?;
    let offset = usize::from(u16_at(pdu, at + 3)?);
    (next != NO_ANDX && offset > at).then_some((Smb1Command(next), offset))
}

/// A command with AndXCommand and AndXOffset in its first two words.
fn is_andx(c: Smb1Command) -> bool {
    matches!(
        c,
        Smb1Command::LOCKING_ANDX
            | Smb1Command::OPEN_ANDX
            | Smb1Command::READ_ANDX
            | Smb1Command::WRITE_ANDX
            | Smb1Command::SESSION_SETUP_ANDX
            | Smb1Command::LOGOFF_ANDX
            | Smb1Command::TREE_CONNECT_ANDX
            | Smb1Command::NT_CREATE_ANDX
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SESSION_SETUP_ANDX response (WordCount 3) with a TREE_CONNECT_ANDX
    /// error response (WordCount 0) chained at `offset`.
    fn setup_then_tree(offset: u16) -> Vec<u8> {
        let mut p = vec![0u8; 32];
        p[..4].copy_from_slice(b"\xffSMB");
        p[4] = 0x73;
        p.extend_from_slice(&[3, 0x75, 0]);
        p.extend_from_slice(&offset.to_le_bytes());
        p.extend_from_slice(&[0, 0, 0, 0]); // Action, ByteCount
        p.extend_from_slice(&[0, 0, 0]); // the tree connect: WordCount, ByteCount
        p
    }

    fn commands(p: &[u8]) -> Vec<(u8, usize, Option<u8>)> {
        andx_chain(p, Smb1Command(p[4]))
            .map(|c| (c.command.0, c.at, c.word_count))
            .collect()
    }

    #[test]
    fn forward_only_and_bounded() {
        let p = setup_then_tree(43);
        assert_eq!(commands(&p), [(0x73, 32, Some(3)), (0x75, 43, Some(0))]);
        // Cut before the chained command's WordCount: named all the same.
        assert_eq!(commands(&p[..43]), [(0x73, 32, Some(3)), (0x75, 43, None)]);
        // Pointing back, or at itself: the chain ends.
        assert_eq!(commands(&setup_then_tree(32)), [(0x73, 32, Some(3))]);
        assert_eq!(commands(&setup_then_tree(8)), [(0x73, 32, Some(3))]);
        // Past the message: named, with no WordCount.
        assert_eq!(
            commands(&setup_then_tree(0xFFFF)),
            [(0x73, 32, Some(3)), (0x75, 0xFFFF, None)]
        );
        // A chain of READ_ANDX responses each pointing 5 bytes further:
        // at most MAX_CHAINED.
        let mut p = vec![0u8; 32];
        p[..4].copy_from_slice(b"\xffSMB");
        for i in 0..20u16 {
            p.extend_from_slice(&[2, 0x2E, 0]);
            p.extend_from_slice(&(32 + 5 * (i + 1)).to_le_bytes());
        }
        p[4] = 0x2E;
        assert_eq!(commands(&p).len(), MAX_CHAINED);
        for n in 0..p.len() {
            let _ = commands(&p[..n.max(5)]);
        }
    }
}
