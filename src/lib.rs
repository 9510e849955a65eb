//! smbscope: reads packet captures and explains SMB2/SMB3 conversations.
#![forbid(unsafe_code)]

pub mod auth;
pub mod ntstatus;
pub mod smb2;
