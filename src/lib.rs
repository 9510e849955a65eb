//! smbscope: reads packet captures and explains SMB2/SMB3 conversations.
#![forbid(unsafe_code)]

pub mod capture;
pub mod net;
pub mod ntstatus;
pub mod smb2;
pub mod tcp;
