//! SMB2: NetBIOS session framing, the SMB2 header and the command bodies ([MS-SMB2]).
//!
//! Body parsers ([MS-SMB2] 2.2.2 to 2.2.44) are pure functions on `&[u8]`;
//! start with [`parse_body`] (SMB2) and [`parse_smb1`] (SMB1 basics).

pub mod body;
pub mod create;
pub mod error;
pub mod framing;
pub mod header;
pub mod inline;
pub mod ioctl;
pub mod nbss;
pub mod negotiate;
pub mod oplock;
pub mod query;
pub mod read_write;
pub mod session_setup;
pub mod smb1;
pub mod smb1_andx;
pub mod smb1_file;
pub mod smb1_session;
pub mod tree;
pub mod wire;

pub use body::{parse_body, Body, BodyError};
pub use header::{Command, Smb2Header};
pub use smb1::{parse_smb1, Smb1Message};
pub use wire::{BufRef, FileId, FileTime, Guid, Missing};

#[cfg(test)]
mod schema_names_tests;
