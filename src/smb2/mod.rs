//! SMB2: NetBIOS session framing, the SMB2 header and the command bodies ([MS-SMB2]).

pub mod header;

pub use header::{Command, Smb2Header};
pub mod framing;
