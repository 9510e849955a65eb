//! smbscope: reads packet captures and explains SMB2/SMB3 conversations.
//!
//! The layers, one module each, in the direction data flows:
//! [`capture`] → [`net`] → [`tcp`] → [`smb2`] → [`auth`] → [`session`] →
//! [`diagnose`] → [`report`] (and [`check`]); [`pipeline`] drives the first
//! five and hands out messages. [`ntstatus`], [`time`], [`text`] and [`json`]
//! (the JSON writer) are leaves any layer may use.
#![forbid(unsafe_code)]

pub mod auth;
pub mod capture;
pub mod check;
pub mod diagnose;
pub mod json;
pub mod net;
pub mod ntstatus;
pub mod pipeline;
pub mod report;
pub mod session;
pub mod smb2;
pub mod tcp;
#[cfg(test)]
mod test_captures;
pub mod text;
pub mod time;
